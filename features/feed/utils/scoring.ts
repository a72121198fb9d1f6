import { DAY_MS } from '@/features/core/clock/clock';

// The ranking factors of PRODUCT.md §6, each a pure function of its inputs (unit-tested on hand-computed values).

export const FRESHNESS_HALF_LIFE_DAYS = 14;
/** Below this spread a factor carries no information within the batch: every card gets 0.5. */
export const MIN_SPREAD = 1e-8;

/** Trending score: popularity and freshness. */
export const TRENDING_WEIGHTS = { popularity: 0.8, freshness: 0.2 } as const;

/** exp(−ln2 · age/halfLife): 1 now (and for future dates), 0.5 after one half-life. */
export function halfLifeDecay(ageMs: number, halfLifeDays = FRESHNESS_HALF_LIFE_DAYS): number {
  if (!(ageMs > 0)) return 1;
  return Math.exp((-Math.LN2 * (ageMs / DAY_MS)) / halfLifeDays);
}

/** Freshness of a product created at `createdAt`, seen at `now`: half-life 14 days; a future date earns none (0). */
export function freshness(createdAt: Date, now: Date): number {
  const age = now.getTime() - createdAt.getTime();
  return age < 0 ? 0 : halfLifeDecay(age);
}

/** Min-max normalisation within one batch; a spread below 1e-8 gives 0.5 to every value. */
export function minMaxNormalise(values: readonly number[]): number[] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const spread = max - min;
  if (!(spread >= MIN_SPREAD)) return values.map(() => 0.5);
  return values.map((value) => (value - min) / spread);
}

export interface PriceProfile {
  priceMin: number;
  priceMax: number;
  priceMedian: number;
  priceStd: number;
}

/**
 * Width of the price bump in log space, scale-free: σ = ln(1 + max(std, 0.3·median)/median), at least 0.1.
 * A store selling at 20 and one selling at 2,000 get the same tolerance for "twice my usual".
 */
export function priceSigma(profile: Pick<PriceProfile, 'priceMedian' | 'priceStd'>): number {
  const median = profile.priceMedian;
  if (!(median > 0)) return 0.1;
  return Math.max(0.1, Math.log(1 + Math.max(profile.priceStd, 0.3 * median) / median));
}

/** Log-normal bump around the profile median: 1 at the median, symmetric in ln(price/median). */
export function priceAffinity(price: number, profile: PriceProfile | null): number {
  if (!profile || !(profile.priceMedian > 0) || !(price > 0)) return 0.5;
  const sigma = priceSigma(profile);
  const z = Math.log(price / profile.priceMedian) / sigma;
  return Math.exp(-0.5 * z * z);
}

/** The candidate price window [0.5·min, 2·max] of PRODUCT.md §6. */
export function priceWindow(profile: PriceProfile | null): { low: number; high: number } | null {
  if (!profile) return null;
  return { low: 0.5 * profile.priceMin, high: 2 * profile.priceMax };
}

export function trendingScore(n: { popularity: number; freshness: number }): number {
  return TRENDING_WEIGHTS.popularity * n.popularity + TRENDING_WEIGHTS.freshness * n.freshness;
}

/**
 * Price affinity and freshness break near-ties between cards the learner scores alike (PRODUCT.md §6): they are
 * added to the sampled logit with these small weights, so they never outweigh a real difference in taste (a
 * logit moves by about 4 between a 50 % and a 98 % like probability).
 */
export const TIE_BREAK_WEIGHTS = { price: 0.05, freshness: 0.02 } as const;

export const EXPLANATIONS = {
  exploring: 'Exploring something new for you',
  photos: 'Close to your photos',
  price: 'Within your usual price range',
  trending: 'Trending with other shoppers',
} as const;

/** "Because you liked <title>": the nearest liked product is the evidence for a best guess. */
export function becauseYouLiked(title: string): string {
  return `Because you liked ${title}`;
}
