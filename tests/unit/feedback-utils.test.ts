import { expect, test } from '@playwright/test';
import { affiliateUrl } from '@/features/feedback/utils/click-out';
import { type ExposureInput, mergeExposures } from '@/features/feedback/utils/exposures';

const at = (s: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, s));

test('exposure merge: earliest shownAt, smallest position, latest action, largest dwell', () => {
  const base = { productId: 'p', sessionId: 's', feedMode: 'exploring' };
  const merged = mergeExposures<ExposureInput>([
    { ...base, position: 7, shownAt: at(10), dwellMs: 300 },
    { ...base, position: 3, shownAt: at(20), action: 'like', actionAt: at(25) },
    { ...base, position: 9, shownAt: at(5), action: 'dislike', actionAt: at(22), dwellMs: 100 },
    { ...base, sessionId: 'other', position: 1, shownAt: at(1) },
  ]);
  expect(merged).toHaveLength(2);
  expect(merged[0]).toEqual({
    ...base,
    position: 3,
    shownAt: at(5),
    action: 'like',
    actionAt: at(25),
    dwellMs: 300,
  });
  expect(merged[1]).toMatchObject({ sessionId: 'other', position: 1 });
  // An action without a time does not replace a timed one; a first action is always kept.
  const [kept] = mergeExposures<ExposureInput>([
    { ...base, position: 1, shownAt: at(0), action: 'save', actionAt: at(3) },
    { ...base, position: 2, shownAt: at(1), action: 'dislike' },
  ]);
  expect(kept?.action).toBe('save');
  const [first] = mergeExposures<ExposureInput>([
    { ...base, position: 1, shownAt: at(0) },
    { ...base, position: 2, shownAt: at(1), action: 'dislike' },
  ]);
  expect(first?.action).toBe('dislike');
});

test('click-out URL: the stored URL plus the store’s parameters, never anything else', () => {
  expect(affiliateUrl('https://shop.example.com/p/1?ref=x', { aff: '42', utm_source: 'stylipp' })).toBe(
    'https://shop.example.com/p/1?ref=x&aff=42&utm_source=stylipp',
  );
  expect(affiliateUrl('https://shop.example.com/p/1?aff=store', { aff: 'ours' })).toBe(
    'https://shop.example.com/p/1?aff=ours',
  );
  expect(affiliateUrl('https://shop.example.com/p/1', undefined)).toBe('https://shop.example.com/p/1');
  expect(affiliateUrl('javascript:alert(1)', {})).toBeUndefined();
  expect(affiliateUrl('not a url', {})).toBeUndefined();
});
