import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp, { type Metadata } from 'sharp';
import {
  headerProblem,
  MAX_DECODED_BYTES,
  MAX_PIXELS,
  MAX_STORED_SIDE,
  processImage,
} from '@/features/uploads/image/image';

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

// Stored photos are bounded to MAX_STORED_SIDE on their longest side: scaled down, aspect kept, never up.

async function processed(input: Buffer) {
  const directory = await mkdtemp(join(tmpdir(), 'stylipp-image-rules-'));
  try {
    const inputPath = join(directory, 'in');
    const outputPath = join(directory, 'out');
    await writeFile(inputPath, input);
    const result = await processImage(inputPath, outputPath);
    if ('kind' in result) throw new Error(`refused: ${JSON.stringify(result)}`);
    const stored = await readFile(outputPath);
    return { result, stored, metadata: await sharp(stored).metadata() };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const image = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 180, g: 40, b: 90 } } });

test('the stored photo is at most 2048 px a side', () => {
  expect(MAX_STORED_SIDE).toBe(2048);
});

test('a photo larger than 2048 px is stored scaled down to 2048 px, aspect kept, in its format', async () => {
  for (const [format, width, height, expected] of [
    ['jpeg', 4032, 3024, [2048, 1536]],
    ['png', 1200, 4000, [614, 2048]],
    ['webp', 3000, 2250, [2048, 1536]],
  ] as const) {
    const input = await image(width, height).toFormat(format).toBuffer();
    const { result, stored, metadata } = await processed(input);
    expect([result.width, result.height], format).toEqual(expected);
    expect([metadata.width, metadata.height], format).toEqual(expected);
    expect(metadata.format).toBe(format);
    expect(result.bytes).toBe(stored.byteLength);
  }
});

test('orientation is applied before the bound: a 3000×2000 photo turned by EXIF is stored 1365×2048', async () => {
  const input = await image(3000, 2000).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  expect((await sharp(input).metadata()).orientation).toBe(6);
  const { result, metadata } = await processed(input);
  expect([result.width, result.height]).toEqual([1365, 2048]);
  expect([metadata.width, metadata.height]).toEqual([1365, 2048]);
  expect(metadata.orientation).toBeUndefined();
});

test('photos within the bound keep their size: never scaled up', async () => {
  for (const [width, height] of [
    [2048, 1536],
    [640, 480],
    [64, 2048],
  ] as const) {
    const { result } = await processed(await image(width, height).jpeg().toBuffer());
    expect([result.width, result.height]).toEqual([width, height]);
  }
});
