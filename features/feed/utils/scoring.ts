import { DAY_MS } from '@/features/core/clock/clock';

// The ranking factors of PRODUCT.md §6, each a pure function of its inputs (unit-tested on hand-computed values).

export const FRESHNESS_HALF_LIFE_DAYS = 14;
/** Below this spread a factor carries no information within the batch: every card gets 0.5. */
export const MIN_SPREAD = 1e-8;

/** The four-factor personalised score: weights sum to 1. */
export const SCORE_WEIGHTS = { cosine: 0.65, prior: 0.15, price: 0.1, freshness: 0.1 } as const;
/** Trending score: popularity and freshness. */
export const TRENDING_WEIGHTS = { popularity: 0.8, freshness: 0.2 } as const;

/** exp(−ln2 · age/halfLife): 1 now (and for future dates), 0.5 after one half-life. */
export function halfLifeDecay(ageMs: number, halfLifeDays = FRESHNESS_HALF_LIFE_DAYS): number {
  if (!(ageMs > 0)) return 1;
  return Math.exp((-Math.LN2 * (ageMs / DAY_MS)) / halfLifeDays);
}

/** Freshness of a product created at `createdAt`, seen at `now`: half-life 14 days, future dates → 1. */
export function freshness(createdAt: Date, now: Date): number {
  return halfLifeDecay(now.getTime() - createdAt.getTime());
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

export interface NormalisedFactors {
  cosine: number;
  prior: number;
  price: number;
  freshness: number;
}

export function personalScore(n: NormalisedFactors): number {
  return (
    SCORE_WEIGHTS.cosine * n.cosine +
    SCORE_WEIGHTS.prior * n.prior +
    SCORE_WEIGHTS.price * n.price +
    SCORE_WEIGHTS.freshness * n.freshness
  );
}

export function trendingScore(n: { popularity: number; freshness: number }): number {
  return TRENDING_WEIGHTS.popularity * n.popularity + TRENDING_WEIGHTS.freshness * n.freshness;
}

export const EXPLANATIONS = {
  recentLikes: 'Similar to your recent likes',
  style: 'Matches your style',
  price: 'Within your usual price range',
  trending: 'Trending with other shoppers',
} as const;
export type Explanation = (typeof EXPLANATIONS)[keyof typeof EXPLANATIONS];

/** Normalised cosine at or above this, when cosine dominates, reads as "similar to your recent likes". */
export const CLOSE_MATCH = 0.75;

/**
 * The explanation of a personalised card: the factor with the largest weighted contribution decides.
 * Cosine: a close match (top quarter of the batch) is "similar to your recent likes", else "matches your style";
 * the cluster prior also reads as style; price → price range; freshness or popularity → trending.
 */
export function explain(n: NormalisedFactors): Explanation {
  const contributions: [keyof NormalisedFactors, number][] = [
    ['cosine', SCORE_WEIGHTS.cosine * n.cosine],
    ['prior', SCORE_WEIGHTS.prior * n.prior],
    ['price', SCORE_WEIGHTS.price * n.price],
    ['freshness', SCORE_WEIGHTS.freshness * n.freshness],
  ];
  let [dominant, best] = contributions[0] as [keyof NormalisedFactors, number];
  for (const [factor, value] of contributions) {
    if (value > best) [dominant, best] = [factor, value];
  }
  if (dominant === 'cosine') return n.cosine >= CLOSE_MATCH ? EXPLANATIONS.recentLikes : EXPLANATIONS.style;
  if (dominant === 'prior') return EXPLANATIONS.style;
  if (dominant === 'price') return EXPLANATIONS.price;
  return EXPLANATIONS.trending;
}
