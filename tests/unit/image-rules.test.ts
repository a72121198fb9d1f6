import { expect, test } from '@playwright/test';
import type { Metadata } from 'sharp';
import { headerProblem, MAX_DECODED_BYTES, MAX_PIXELS } from '@/features/uploads/utils/image';

// Decode bombs are refused from the header: what phones produce passes, the rest names its reason.

const meta = (width: number, height: number, channels = 3, depth = 'uchar') =>
  ({ width, height, channels, depth }) as unknown as Metadata;

test('limits: 50 megapixels and 150 MB decoded (50 MP of 8-bit RGB)', () => {
  expect(MAX_PIXELS).toBe(50_000_000);
  expect(MAX_DECODED_BYTES).toBe(150_000_000);
});

test('phone photos pass: 12 MP, 48 MP (8064×6048) and 50 MP (8160×6120) 8-bit RGB', () => {
  for (const [width, height] of [
    [4032, 3024],
    [8064, 6048],
    [8160, 6120],
    [6120, 8160],
  ] as const)
    expect(headerProblem(meta(width, height))).toBeUndefined();
});

test('refused with a reason: 108 MP, 16-bit, RGBA past 150 MB, too small', () => {
  expect(headerProblem(meta(12_000, 9_000))).toContain('at most 50 megapixels');
  expect(headerProblem(meta(4000, 3000, 3, 'ushort'))).toContain('16-bit');
  expect(headerProblem(meta(4000, 3000, 1, 'float'))).toContain('8-bit per channel');
  // 7000×6000 = 42 MP: under the pixel cap, but 4 channels = 168 MB decoded.
  expect(headerProblem(meta(7000, 6000, 4))).toContain('168 MB to decode');
  expect(headerProblem(meta(6000, 6000, 4))).toBeUndefined(); // 144 MB
  expect(headerProblem(meta(640, 40))).toContain('at least 64 px');
});
