import { expect, test } from '@playwright/test';
import { DAY_MS } from '@/features/core/clock/clock';
import {
  becauseYouLiked,
  freshness,
  minMaxNormalise,
  priceAffinity,
  priceSigma,
  priceWindow,
  trendingScore,
} from '@/features/feed/utils/scoring';
import { popularityOf, trendingStats } from '@/features/feed/utils/trending';

const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

test('freshness halves every 14 days; a future date earns none', () => {
  expect(freshness(NOW, NOW)).toBe(1);
  expect(freshness(daysAgo(14), NOW)).toBeCloseTo(0.5, 12);
  expect(freshness(daysAgo(28), NOW)).toBeCloseTo(0.25, 12);
  expect(freshness(daysAgo(7), NOW)).toBeCloseTo(Math.SQRT1_2, 12);
  expect(freshness(daysAgo(-3), NOW)).toBe(0);
});

test('min-max normalisation within the batch, with the flat-spread rule', () => {
  expect(minMaxNormalise([1, 2, 3])).toEqual([0, 0.5, 1]);
  expect(minMaxNormalise([10, 30, 20, 10])).toEqual([0, 1, 0.5, 0]);
  expect(minMaxNormalise([5, 5, 5 + 1e-9])).toEqual([0.5, 0.5, 0.5]);
  expect(minMaxNormalise([0.7])).toEqual([0.5]);
  expect(minMaxNormalise([])).toEqual([]);
  expect(minMaxNormalise([0, 1e-8])).toEqual([0, 1]);
});

test('price affinity is a scale-free log-normal bump around the median', () => {
  const profile = { priceMin: 25, priceMax: 100, priceMedian: 50, priceStd: 0 };
  // σ = ln(1 + max(0, 15)/50) = ln 1.3 = 0.262364; with std 30: ln 1.6 = 0.470004.
  expect(priceSigma(profile)).toBeCloseTo(0.262364264, 8);
  expect(priceSigma({ priceMedian: 50, priceStd: 30 })).toBeCloseTo(0.470003629, 8);
  expect(priceSigma({ priceMedian: 5000, priceStd: 0 })).toBeCloseTo(0.262364264, 8); // scale-free
  expect(priceSigma({ priceMedian: 0, priceStd: 0 })).toBe(0.1); // the floor
  expect(priceAffinity(50, profile)).toBe(1);
  // 100 = 2× median: z = ln2/σ = 2.641926, exp(−z²/2) = exp(−3.48989) = 0.030504; ½× is symmetric.
  expect(priceAffinity(100, profile)).toBeCloseTo(0.03050427, 8);
  expect(priceAffinity(25, profile)).toBeCloseTo(0.03050427, 8);
  // 10× the median: z = ln10/σ = 8.776274 → exp(−38.5115) ≈ 1.9e-17 (the first backend gave 0.70).
  expect(priceAffinity(500, profile)).toBeLessThan(1e-16);
  expect(priceAffinity(500, profile)).toBeLessThan(priceAffinity(50, profile) / 1e15);
  expect(priceAffinity(55, profile)).toBeCloseTo(0.93614576, 8);
  expect(priceAffinity(50, null)).toBe(0.5);
  expect(priceWindow(profile)).toEqual({ low: 12.5, high: 200 });
  expect(priceWindow(null)).toBeNull();
});

test('trending score and the evidence explanation', () => {
  expect(trendingScore({ popularity: 1, freshness: 0.5 })).toBeCloseTo(0.9, 12);
  expect(trendingScore({ popularity: 0.2, freshness: 0 })).toBeCloseTo(0.16, 12);
  expect(becauseYouLiked('Red Dress')).toBe('Because you liked Red Dress');
});

test('trending popularity: weights, 14-day decay, smoothing toward the global rate', () => {
  const events = [
    { productId: 'a', kind: 'like' as const, at: NOW, count: 1 }, // 2
    { productId: 'a', kind: 'save' as const, at: daysAgo(14), count: 1 }, // 3 · 0.5
    { productId: 'b', kind: 'dislike' as const, at: NOW, count: 1 }, // −1
    { productId: 'b', kind: 'click' as const, at: daysAgo(28), count: 1 }, // 1 · 0.25
  ];
  const raw = trendingStats(events, [], NOW);
  expect(raw.popularity.get('a')).toBeCloseTo(3.5, 12);
  expect(raw.popularity.get('b')).toBeCloseTo(-0.75, 12);
  expect(popularityOf(raw, 'c')).toBe(0);

  // Impressions: a shown 10×, b 30× → global rate 2.75/40 = 0.06875;
  // a: (3.5 + 20·0.06875)/(10 + 20) = 0.1625, b: (−0.75 + 1.375)/50 = 0.0125, unseen c: 0.06875.
  const impressions = [
    { productId: 'a', at: NOW, count: 10 },
    { productId: 'b', at: NOW, count: 30 },
  ];
  const smoothed = trendingStats(events, impressions, NOW);
  expect(smoothed.popularity.get('a')).toBeCloseTo(0.1625, 12);
  expect(smoothed.popularity.get('b')).toBeCloseTo(0.0125, 12);
  expect(popularityOf(smoothed, 'c')).toBeCloseTo(0.06875, 12);
  // Old impressions decay like events: 10 impressions 14 days ago weigh 5.
  const decayed = trendingStats(
    [{ productId: 'a', kind: 'like', at: NOW, count: 1 }],
    [{ productId: 'a', at: daysAgo(14), count: 10 }],
    NOW,
  );
  expect(decayed.baseline).toBeCloseTo(0.4, 12);
  expect(decayed.popularity.get('a')).toBeCloseTo((2 + 8) / 25, 12);
});
