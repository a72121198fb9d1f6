import { mean, normalise, weightedSum } from '@/features/core/maths/vector';

// The onboarding maths of docs/product.md §5: the Rocchio style vector, the price profile from liked prices, the
// confidence curve, and the feed mode a profile implies. Pure, unit-tested with hand-computed values.

export const ROCCHIO = { photos: 0.3, liked: 1.0, disliked: 0.25 } as const;

/** v = normalise(0.3·mean(photos) + 1.0·mean(liked) − 0.25·mean(disliked)); an empty group drops out. */
export function rocchio(input: {
  photos: readonly Float32Array[];
  liked: readonly Float32Array[];
  disliked: readonly Float32Array[];
}): Float32Array {
  const terms: { weight: number; vector: Float32Array }[] = [];
  if (input.photos.length > 0) terms.push({ weight: ROCCHIO.photos, vector: mean(input.photos) });
  if (input.liked.length > 0) terms.push({ weight: ROCCHIO.liked, vector: mean(input.liked) });
  if (input.disliked.length > 0) terms.push({ weight: -ROCCHIO.disliked, vector: mean(input.disliked) });
  return normalise(weightedSum(terms));
}

export interface PriceProfile {
  priceMin: number;
  priceMax: number;
  priceMedian: number;
  priceStd: number;
}

export const DEFAULT_PRICE_PROFILE: PriceProfile = {
  priceMin: 15,
  priceMax: 150,
  priceMedian: 50,
  priceStd: 0,
};

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Linear-interpolated percentile of sorted values, as numpy's default (`p` in [0, 1]). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no values');
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  return low + ((sorted[upper] as number) - low) * (position - lower);
}

function populationStd(values: readonly number[]): number {
  const mu = values.reduce((sum, x) => sum + x, 0) / values.length;
  return Math.sqrt(values.reduce((sum, x) => sum + (x - mu) ** 2, 0) / values.length);
}

/**
 * From the liked prices: none → the default {15, 150, 50, 0}; fewer than 3 → min 0.3·median, max 3·median;
 * else the IQR fence: min = max(0, Q1 − 1.5·IQR), max = Q3 + 1.5·IQR. Population std; 2 decimals.
 */
export function priceProfile(prices: readonly number[]): PriceProfile {
  if (prices.length === 0) return { ...DEFAULT_PRICE_PROFILE };
  const sorted = [...prices].sort((a, b) => a - b);
  const median = percentile(sorted, 0.5);
  const std = populationStd(sorted);
  if (sorted.length < 3) {
    return {
      priceMin: round2(0.3 * median),
      priceMax: round2(3 * median),
      priceMedian: round2(median),
      priceStd: round2(std),
    };
  }
  const q1 = percentile(sorted, 0.25);
  const q3 = percentile(sorted, 0.75);
  const iqr = q3 - q1;
  return {
    priceMin: round2(Math.max(0, q1 - 1.5 * iqr)),
    priceMax: round2(q3 + 1.5 * iqr),
    priceMedian: round2(median),
    priceStd: round2(std),
  };
}

/** confidence = min(1, ln(1 + n) / ln(201)): 0.52 after the 15 calibration cards, 0.61 at 24. */
export function confidenceFor(interactionCount: number): number {
  return Math.min(1, Math.log(1 + Math.max(0, interactionCount)) / Math.log(201));
}

export type FeedMode = 'trending' | 'exploring' | 'personalized';

/**
 * The feed's base mode (PRODUCT.md §6): personalised once the learner has a prior (onboarding photos) or a like;
 * exploring by clusters before that; trending only with no signal at all and no clusters yet. (Right after a
 * taste-shift reset the feed explores again: that is the feed's to say, from the swipes.)
 */
export function feedModeOf(
  profile: { hasPhotos: boolean; likes: number; interactionCount: number } | null,
  hasClusters: boolean,
): FeedMode {
  if (profile && (profile.hasPhotos || profile.likes > 0)) return 'personalized';
  if (hasClusters || (profile?.interactionCount ?? 0) > 0) return 'exploring';
  return 'trending';
}

/**
 * Why a completion cannot be accepted: a liked or disliked id that is not a card of the session, or an id
 * both liked and disliked (named by input field and index). Empty when it is acceptable.
 */
export function completionProblems(
  sessionCards: ReadonlySet<string>,
  liked: readonly string[],
  disliked: readonly string[],
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const check = (field: 'likedProductIds' | 'dislikedProductIds', ids: readonly string[]) => {
    ids.forEach((id, i) => {
      if (!sessionCards.has(id))
        problems.push({ field: `${field}.${i}`, message: `${id} is not a card of this session` });
    });
  };
  check('likedProductIds', liked);
  check('dislikedProductIds', disliked);
  const likedSet = new Set(liked);
  disliked.forEach((id, i) => {
    if (likedSet.has(id)) problems.push({ field: `dislikedProductIds.${i}`, message: `${id} is also liked` });
  });
  return problems;
}
