import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import {
  completionProblems,
  confidenceFor,
  feedModeOf,
  percentile,
  priceProfile,
  rocchio,
} from '@/features/profiles/utils/profile';

// Onboarding maths (docs/product.md §5) against hand-computed values.

const e = (i: number) => Float32Array.from({ length: 3 }, (_, j) => (j === i ? 1 : 0));

test('Rocchio on basis vectors', () => {
  // 0.3·e1 + 1.0·e0 − 0.25·e2 = (1, 0.3, −0.25), |·| = √1.1525
  const v = rocchio({ photos: [e(1)], liked: [e(0)], disliked: [e(2)] });
  const length = Math.sqrt(1.1525);
  expect(v[0]).toBeCloseTo(1 / length, 6);
  expect(v[1]).toBeCloseTo(0.3 / length, 6);
  expect(v[2]).toBeCloseTo(-0.25 / length, 6);
  // Means first: two likes e0, e1 → (0.5, 0.5, 0) + 0.3·e2 → (0.5, 0.5, 0.3)/√0.59
  const w = rocchio({ photos: [e(2)], liked: [e(0), e(1)], disliked: [] });
  expect(w[0]).toBeCloseTo(0.5 / Math.sqrt(0.59), 6);
  expect(w[2]).toBeCloseTo(0.3 / Math.sqrt(0.59), 6);
  // Without photos only likes and dislikes count.
  expect([...rocchio({ photos: [], liked: [e(0)], disliked: [] })]).toEqual([1, 0, 0]);
});

test('numpy-linear percentiles', () => {
  expect(percentile([10, 20, 30, 40], 0.25)).toBe(17.5);
  expect(percentile([10, 20, 30, 40], 0.75)).toBe(32.5);
  expect(percentile([10, 20, 30, 40], 0.5)).toBe(25);
  expect(percentile([7], 0.9)).toBe(7);
});

test('price profile: IQR fence for ≥ 3 prices, the median rule below, the default with none', () => {
  // [10,20,30,40]: Q1 17.5, Q3 32.5, IQR 15 → min max(0, 17.5 − 22.5) = 0, max 32.5 + 22.5 = 55;
  // median 25; population std √((225 + 25 + 25 + 225)/4) = √125 = 11.18
  expect(priceProfile([40, 10, 30, 20])).toEqual({
    priceMin: 0,
    priceMax: 55,
    priceMedian: 25,
    priceStd: 11.18,
  });
  // [100, 110, 120]: Q1 105, Q3 115, IQR 10 → 90 … 130; std √(200/3) = 8.16
  expect(priceProfile([100, 110, 120])).toEqual({
    priceMin: 90,
    priceMax: 130,
    priceMedian: 110,
    priceStd: 8.16,
  });
  // Two prices: median 30 → min 9, max 90; std 10
  expect(priceProfile([20, 40])).toEqual({ priceMin: 9, priceMax: 90, priceMedian: 30, priceStd: 10 });
  expect(priceProfile([19.99])).toEqual({ priceMin: 6, priceMax: 59.97, priceMedian: 19.99, priceStd: 0 });
  expect(priceProfile([])).toEqual({ priceMin: 15, priceMax: 150, priceMedian: 50, priceStd: 0 });
});

test('confidence: ln(1 + n)/ln(201), capped at 1', () => {
  expect(confidenceFor(15)).toBeCloseTo(0.5228, 4);
  expect(confidenceFor(24)).toBeCloseTo(0.607, 3);
  expect(confidenceFor(200)).toBe(1);
  expect(confidenceFor(5000)).toBe(1);
  expect(confidenceFor(0)).toBe(0);
});

test('feed mode: personalised with photos or a like; exploring by clusters before; trending with nothing at all', () => {
  const profile = (hasPhotos: boolean, likes: number, interactionCount: number) => ({
    hasPhotos,
    likes,
    interactionCount,
  });
  expect(feedModeOf(null, false)).toBe('trending');
  expect(feedModeOf(null, true)).toBe('exploring');
  expect(feedModeOf(profile(false, 0, 0), false)).toBe('trending');
  expect(feedModeOf(profile(false, 0, 3), false)).toBe('exploring'); // dislikes only: still exploring
  expect(feedModeOf(profile(false, 0, 3), true)).toBe('exploring');
  expect(feedModeOf(profile(false, 1, 4), true)).toBe('personalized');
  expect(feedModeOf(profile(true, 0, 15), false)).toBe('personalized');
});

test('property: completion never accepts a card outside its session', () => {
  const id = fc.uuid();
  fc.assert(
    fc.property(
      fc.uniqueArray(id, { minLength: 1, maxLength: 15 }),
      fc.array(id, { maxLength: 15 }),
      fc.array(id, { maxLength: 15 }),
      fc.nat(),
      (cards, liked, disliked, pick) => {
        const session = new Set(cards);
        // Mix some real cards in, so both branches happen.
        const likes = [...liked, cards[pick % cards.length] as string];
        const problems = completionProblems(session, likes, disliked);
        const outside = [...likes, ...disliked].filter((card) => !session.has(card));
        const both = disliked.filter((card) => likes.includes(card));
        expect(problems.length).toBe(outside.length + both.length);
        if (outside.length > 0 || both.length > 0) expect(problems.length).toBeGreaterThan(0);
        else expect(problems).toEqual([]);
      },
    ),
    { numRuns: 500, seed: 1313 },
  );
  const card = '0190a000-0000-7000-8000-000000000001';
  expect(completionProblems(new Set([card]), [card], [])).toEqual([]);
  expect(completionProblems(new Set([card]), [card], [card])).toEqual([
    { field: 'dislikedProductIds.0', message: `${card} is also liked` },
  ]);
  expect(completionProblems(new Set([card]), ['0190a000-0000-7000-8000-000000000002'], [])[0]?.field).toBe(
    'likedProductIds.0',
  );
});
