import type { Random } from '@/features/core/maths/random';

// The per-user taste model of PRODUCT.md §7: Bayesian logistic regression over a product's principal-axis
// coordinates `a = (z, 1)`, fitted by Newton's method at every new batch, sampled for Thompson sampling.
// Pure maths on Float64Array in a fixed order (same inputs, same bits).

export const LEARNER = {
  /** Principal axes of the catalogue the model works on. */
  axes: 64,
  /** A swipe's weight halves every this many later swipes: `c = 2^(−age/400)`. */
  recencyHalfLife: 400,
  /** Each onboarding photo counts as a like of weight `2 · s_p · 2^(−t/400)`. */
  photoWeight: 2,
  /** Prior mean `w₀ = 10 · V · v₀` from the onboarding vector. */
  priorScale: 10,
  /** `0.05 ‖w − s_p·w₀‖² + 0.005 b²`: the Hessian's diagonal 0.1 (weights) and 0.01 (bias). */
  weightPrecision: 0.1,
  biasPrecision: 0.01,
  maxIterations: 20,
  /** Each Newton step is clipped to ±5 per coordinate (without it the bias runs away on separable data). */
  stepClip: 5,
  /** Thompson draws: `(w, b) + 0.2 · L ε`, `L Lᵀ = H⁻¹`. */
  sampleScale: 0.2,
  /** The swipes the model reads: the most recent this many. */
  historyLimit: 250,
  /** Taste-shift reset: pages of this many swipes; earlier weights (and s_p) × 0.001. */
  pageSwipes: 20,
  resetLow: 0.25,
  resetHigh: 0.6,
  /** A dead feed: a second page in a row at ≤ this like share, after a page at ≥ resetHigh since the last reset. */
  deadShare: 0.1,
  resetFactor: 0.001,
} as const;

export interface TasteExample {
  /** The product's coordinates (k values). */
  z: ArrayLike<number>;
  /** 1 like/save, 0 dislike. */
  y: number;
  /** Weight (recency, reset). */
  c: number;
}

export interface TasteModel {
  /** Dimensions of z (k); the model has k + 1 parameters, the bias last. */
  k: number;
  /** Posterior mode `(w, b)`. */
  mean: Float64Array;
  /** Lower Cholesky factor R of the Hessian H = R Rᵀ at the mode ((k+1)², row-major). */
  cholesky: Float64Array;
  iterations: number;
}

export const sigmoid = (x: number): number =>
  x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));

/** `w·z + b` for a model's parameter vector `theta` (k weights, then the bias). */
export function logit(theta: Float64Array, z: ArrayLike<number>, offset = 0): number {
  const k = theta.length - 1;
  let sum = theta[k] as number;
  for (let j = 0; j < k; j++) sum += (theta[j] as number) * (z[offset + j] as number);
  return sum;
}

/** Cholesky factor of a symmetric positive-definite n × n matrix (lower, row-major); throws when it is not. */
export function choleskyLower(matrix: Float64Array, n: number): Float64Array {
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * n + j] as number;
      for (let m = 0; m < j; m++) sum -= (r[i * n + m] as number) * (r[j * n + m] as number);
      if (i === j) {
        if (!(sum > 0)) throw new Error('matrix is not positive definite');
        r[i * n + i] = Math.sqrt(sum);
      } else {
        r[i * n + j] = sum / (r[j * n + j] as number);
      }
    }
  }
  return r;
}

/** Solves `R x = y` (R lower). */
export function forwardSolve(r: Float64Array, n: number, y: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = y[i] as number;
    for (let m = 0; m < i; m++) sum -= (r[i * n + m] as number) * (x[m] as number);
    x[i] = sum / (r[i * n + i] as number);
  }
  return x;
}

/** Solves `Rᵀ x = y` (R lower, so Rᵀ upper). */
export function backSolve(r: Float64Array, n: number, y: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let m = i + 1; m < n; m++) sum -= (r[m * n + i] as number) * (x[m] as number);
    x[i] = sum / (r[i * n + i] as number);
  }
  return x;
}

/** Gradient and Hessian of the penalised weighted log-loss at `theta`. */
function derivatives(
  examples: readonly TasteExample[],
  k: number,
  theta: Float64Array,
  priorMean: ArrayLike<number> | null,
): { gradient: Float64Array; hessian: Float64Array } {
  const n = k + 1;
  const gradient = new Float64Array(n);
  const hessian = new Float64Array(n * n);
  const a = new Float64Array(n);
  a[k] = 1;
  for (const example of examples) {
    for (let j = 0; j < k; j++) a[j] = example.z[j] as number;
    const p = sigmoid(logit(theta, a));
    const g = example.c * (p - example.y);
    const h = example.c * p * (1 - p);
    for (let i = 0; i < n; i++) {
      const ai = a[i] as number;
      gradient[i] = (gradient[i] as number) + g * ai;
      const hi = h * ai;
      if (hi === 0) continue;
      for (let j = 0; j <= i; j++)
        hessian[i * n + j] = (hessian[i * n + j] as number) + hi * (a[j] as number);
    }
  }
  for (let j = 0; j < k; j++) {
    gradient[j] =
      (gradient[j] as number) +
      LEARNER.weightPrecision * ((theta[j] as number) - ((priorMean?.[j] as number) ?? 0));
    hessian[j * n + j] = (hessian[j * n + j] as number) + LEARNER.weightPrecision;
  }
  gradient[k] = (gradient[k] as number) + LEARNER.biasPrecision * (theta[k] as number);
  hessian[k * n + k] = (hessian[k * n + k] as number) + LEARNER.biasPrecision;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) hessian[j * n + i] = hessian[i * n + j] as number;
  return { gradient, hessian };
}

/**
 * The posterior mode of `Σ c_i · logloss(σ(w·z_i + b), y_i) + 0.05 ‖w − m‖² + 0.005 b²` (m the prior mean, zero
 * when null) by Newton's method: at most 20 iterations from `warm` (or zero), each step clipped to ±5 per
 * coordinate; stops once no coordinate moves by more than 1e-6. Returns the Cholesky factor of the Hessian
 * at the mode for sampling.
 */
export function fitTasteModel(input: {
  k: number;
  examples: readonly TasteExample[];
  priorMean: ArrayLike<number> | null;
  warm?: Float64Array | null;
}): TasteModel {
  const { k, examples, priorMean } = input;
  const n = k + 1;
  const theta = input.warm && input.warm.length === n ? Float64Array.from(input.warm) : new Float64Array(n);
  let iterations = 0;
  for (; iterations < LEARNER.maxIterations; ) {
    const { gradient, hessian } = derivatives(examples, k, theta, priorMean);
    const r = choleskyLower(hessian, n);
    const step = backSolve(r, n, forwardSolve(r, n, gradient));
    iterations += 1;
    let largest = 0;
    for (let j = 0; j < n; j++) {
      const s = Math.max(-LEARNER.stepClip, Math.min(LEARNER.stepClip, step[j] as number));
      theta[j] = (theta[j] as number) - s;
      largest = Math.max(largest, Math.abs(s));
    }
    if (largest <= 1e-6) break;
  }
  const { hessian } = derivatives(examples, k, theta, priorMean);
  return { k, mean: theta, cholesky: choleskyLower(hessian, n), iterations };
}

/** One Thompson draw: `θ + scale · L ε` with `L Lᵀ = H⁻¹` (L = R⁻ᵀ), ε standard normal from `random`. */
export function sampleTasteModel(
  model: TasteModel,
  random: Random,
  scale = LEARNER.sampleScale,
): Float64Array {
  const n = model.k + 1;
  const epsilon = new Float64Array(n);
  for (let j = 0; j < n; j++) epsilon[j] = random.normal();
  const offset = backSolve(model.cholesky, n, epsilon);
  const theta = new Float64Array(n);
  for (let j = 0; j < n; j++) theta[j] = (model.mean[j] as number) + scale * (offset[j] as number);
  return theta;
}

/** The posterior standard deviation of the logit at `z`: `sqrt(aᵀ H⁻¹ a)` = ‖R⁻¹ a‖. */
export function logitSpread(model: TasteModel, z: ArrayLike<number>, offset = 0): number {
  const n = model.k + 1;
  const a = new Float64Array(n);
  for (let j = 0; j < model.k; j++) a[j] = z[offset + j] as number;
  a[model.k] = 1;
  const x = forwardSolve(model.cholesky, n, a);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += (x[j] as number) ** 2;
  return Math.sqrt(sum);
}

/** `2^(−age / 400)`: a swipe followed by `age` later swipes. */
export function recencyWeight(age: number): number {
  return 2 ** (-age / LEARNER.recencyHalfLife);
}

/**
 * Taste-shift resets in a sequence of feed swipes (true = like/save): pages are consecutive runs of 20 swipes,
 * counted from the start or the last reset; a page whose like share is ≤ 0.25 after two pages averaging ≥ 0.6
 * is a reset. So is a dead feed: a second page in a row at ≤ 0.1 once a page since the last reset reached 0.6 —
 * a taste that faded out before it changed (a small catalogue runs out of it) never shows the sharp drop. That
 * page was answered with the new taste, so it belongs to it: the reset takes effect at the page's first swipe
 * (its dislikes keep their weight and steer the exploration away from the old taste). Returns the swipe
 * indexes at which each reset takes effect.
 */
export function resetPoints(liked: readonly boolean[]): number[] {
  const resets: number[] = [];
  const shares: number[] = [];
  let start = 0;
  while (start + LEARNER.pageSwipes <= liked.length) {
    let likes = 0;
    for (let i = start; i < start + LEARNER.pageSwipes; i++) if (liked[i]) likes += 1;
    const share = likes / LEARNER.pageSwipes;
    const before = shares.slice(-2);
    start += LEARNER.pageSwipes;
    const drop =
      before.length === 2 &&
      share <= LEARNER.resetLow &&
      ((before[0] as number) + (before[1] as number)) / 2 >= LEARNER.resetHigh;
    const dead =
      share <= LEARNER.deadShare &&
      (shares.at(-1) ?? 1) <= LEARNER.deadShare &&
      shares.some((earlier) => earlier >= LEARNER.resetHigh);
    if (drop || dead) {
      resets.push(start - LEARNER.pageSwipes);
      shares.length = 0;
    } else {
      shares.push(share);
    }
  }
  return resets;
}

/** A Gamma(shape ≥ 1) draw (Marsaglia–Tsang). */
function gamma(shape: number, random: Random): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = random.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random.next();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(α, β) draw, α, β ≥ 1. */
export function sampleBeta(alpha: number, beta: number, random: Random): number {
  const x = gamma(alpha, random);
  const y = gamma(beta, random);
  return x / (x + y);
}
