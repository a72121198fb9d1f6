import { cosine, dot, mean, normalise, weightedSum } from '@/features/core/maths/vector';
import { confidenceFor, DEFAULT_PRICE_PROFILE, type PriceProfile } from './profile';

// Online learning (PRODUCT.md §7): every like, dislike, save and undo nudges the style vector and the price
// profile. Pure and deterministic; the service folds the interaction queue through `applyInteraction`.

export type LearningAction = 'like' | 'dislike' | 'save';
export type QueuedAction = LearningAction | 'undo';

export const POSITIVE_WEIGHTS = { like: 1.0, save: 1.5 } as const;
export const MAX_POSITIVE_STEP = 0.35;
export const NEGATIVE_STEP = 0.05;
export const MAX_DRIFT = 0.15;
/** The dislike burst guard looks at this many most recent interactions. */
export const BURST_WINDOW = 10;
/** An undo is an explicit reversal with this weight, against the sign of the action it undoes. */
export const UNDO_WEIGHT = 0.5;
export const PRICE_ALPHA = { like: 0.1, save: 0.15 } as const;
export const AUTO_COLD_START_SWIPES = 10;
export const AUTO_COLD_START_DISLIKE_WEIGHT = 0.25;

/** 0.15 below confidence 0.3, 0.08 below 0.7, else 0.03. */
export function learningRate(confidence: number): number {
  if (confidence < 0.3) return 0.15;
  if (confidence < 0.7) return 0.08;
  return 0.03;
}

/** `v' = normalise((1−l)·v + l·p)` with `l = min(lr·weight, 0.35)` (a negative weight reverses the step). */
export function positiveStep(v: Float32Array, p: Float32Array, lr: number, weight: number): Float32Array {
  const l = Math.min(lr * weight, MAX_POSITIVE_STEP);
  return normalise(
    weightedSum([
      { weight: 1 - l, vector: v },
      { weight: l, vector: normalise(p) },
    ]),
  );
}

/** `v' = normalise((1−lr)·v − c·p)`, c = 0.05, halved during a dislike burst. */
export function negativeStep(v: Float32Array, p: Float32Array, lr: number, burst: boolean): Float32Array {
  const c = burst ? NEGATIVE_STEP / 2 : NEGATIVE_STEP;
  return normalise(
    weightedSum([
      { weight: 1 - lr, vector: v },
      { weight: -c, vector: normalise(p) },
    ]),
  );
}

/** True when the last 10 interactions (the current one included) were all dislikes. */
export function isDislikeBurst(recent: readonly QueuedAction[]): boolean {
  if (recent.length < BURST_WINDOW) return false;
  return recent.slice(-BURST_WINDOW).every((action) => action === 'dislike');
}

const drift = (v: Float32Array, next: Float32Array) => 1 - cosine(v, next);

/**
 * Drift cap: when `1 − cos(v, v') > 0.15`, rotate `v'` back toward `v` in their common plane so that the step is
 * exactly 0.15. Computed in float64; the float32 result never exceeds the cap (checked, nudged inward if rounding
 * would cross it) and lands within about 1e-7 of it.
 */
export function capDrift(v: Float32Array, next: Float32Array, maxDrift = MAX_DRIFT): Float32Array {
  if (!(drift(v, next) > maxDrift)) return next;
  const u = Array.from(normalise(v), Number);
  const w = Array.from(normalise(next), Number);
  const along = u.reduce((sum, x, i) => sum + x * (w[i] as number), 0);
  const orthogonal = w.map((x, i) => x - along * (u[i] as number));
  const length = Math.sqrt(orthogonal.reduce((sum, x) => sum + x * x, 0));
  if (length === 0) return next; // exactly opposite: no plane to rotate in (cannot happen from one step)
  const perpendicular = orthogonal.map((x) => x / length);
  let target = 1 - maxDrift;
  for (let attempt = 0; attempt < 64; attempt++) {
    const sine = Math.sqrt(1 - target * target);
    const capped = Float32Array.from(u.map((x, i) => target * x + sine * (perpendicular[i] as number)));
    const excess = drift(v, capped) - maxDrift;
    if (excess <= 1e-12) return capped;
    // float32 rounding crossed the cap: step inward, further each time the rounding does not move
    target += Math.max(excess, 1e-9) * (attempt + 1);
  }
  return v;
}

/**
 * Price EMA on a like or save: `median' = α·p + (1−α)·median`, `std' = α·|p − median'| + (1−α)·std`; min and
 * max keep their ratio to the median.
 */
export function updatePriceProfile(
  profile: PriceProfile,
  price: number,
  action: keyof typeof PRICE_ALPHA,
): PriceProfile {
  const alpha = PRICE_ALPHA[action];
  const median = alpha * price + (1 - alpha) * profile.priceMedian;
  const ratio = profile.priceMedian > 0 ? median / profile.priceMedian : 1;
  return {
    priceMin: profile.priceMin * ratio,
    priceMax: profile.priceMax * ratio,
    priceMedian: median,
    priceStd: alpha * Math.abs(price - median) + (1 - alpha) * profile.priceStd,
  };
}

/** Auto cold start for a user without photos: `normalise(mean(liked) − 0.25·mean(disliked))`. */
export function autoColdStartVector(
  liked: readonly Float32Array[],
  disliked: readonly Float32Array[],
): Float32Array | null {
  if (liked.length === 0) return null;
  const terms = [{ weight: 1, vector: mean(liked) }];
  if (disliked.length > 0) terms.push({ weight: -AUTO_COLD_START_DISLIKE_WEIGHT, vector: mean(disliked) });
  const vector = normalise(weightedSum(terms));
  return dot(vector, vector) === 0 ? null : vector;
}

export interface LearningState {
  vector: Float32Array | null;
  priceProfile: PriceProfile | null;
  interactionCount: number;
  likes: number;
  dislikes: number;
  confidence: number;
}

export interface LearningEvent {
  action: QueuedAction;
  /** For an undo: the action it reverses. */
  undoes?: LearningAction | undefined;
  /** The product's vector, null when it is no longer comparable (archived, another model). */
  vector: Float32Array | null;
  price: number;
}

/**
 * One interaction applied to the state. `recent` holds the actions up to and including this one (burst guard).
 * Counters: like/save count as likes; an undo takes back the counter of the action it reverses.
 */
export function applyInteraction(
  state: LearningState,
  event: LearningEvent,
  recent: readonly QueuedAction[],
): LearningState {
  const lr = learningRate(state.confidence);
  let { vector, priceProfile, interactionCount, likes, dislikes } = state;
  const p = event.vector && vector && event.vector.length === vector.length ? event.vector : null;

  if (event.action === 'like' || event.action === 'save') {
    if (vector && p) vector = capDrift(vector, positiveStep(vector, p, lr, POSITIVE_WEIGHTS[event.action]));
    priceProfile = updatePriceProfile(priceProfile ?? DEFAULT_PRICE_PROFILE, event.price, event.action);
    likes += 1;
    interactionCount += 1;
  } else if (event.action === 'dislike') {
    if (vector && p) vector = capDrift(vector, negativeStep(vector, p, lr, isDislikeBurst(recent)));
    dislikes += 1;
    interactionCount += 1;
  } else if (event.undoes) {
    const weight = event.undoes === 'dislike' ? UNDO_WEIGHT : -UNDO_WEIGHT;
    if (vector && p) vector = capDrift(vector, positiveStep(vector, p, lr, weight));
    if (event.undoes === 'dislike') dislikes = Math.max(0, dislikes - 1);
    else likes = Math.max(0, likes - 1);
    interactionCount = Math.max(0, interactionCount - 1);
  }
  return {
    vector,
    priceProfile,
    interactionCount,
    likes,
    dislikes,
    confidence: confidenceFor(Math.max(interactionCount, likes + dislikes)),
  };
}
