import type { Random } from '@/features/core/maths/random';

// The two ceilings every page of the evaluation is compared with (PRODUCT.md §10). Both are rankings of the
// catalogue that pages are served from, 20 unseen cards at a time, exactly as the feed would:
//   - the label oracle knows the taste: unseen matching products first (in a seeded random order), so its page
//     precision is min(1, matching products left / page size);
//   - the embedding ceiling: a logistic model trained on the labels of the taste over the product vectors
//     (what a linear learner that had every label could know), products ranked by its out-of-fold score.
// Pure: unit-tested with hand-computed values.

/** Fisher–Yates with the seeded source; returns a new array. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The oracle's order: matching ids first, then the others, each group in a seeded random order. */
export function oracleRanking(
  ids: readonly string[],
  matches: (id: string) => boolean,
  random: Random,
): string[] {
  return [
    ...shuffled(ids.filter(matches), random),
    ...shuffled(
      ids.filter((id) => !matches(id)),
      random,
    ),
  ];
}

/** The next page from a ranking: its first `size` ids not in `seen` (which gains them). */
export function nextPage(ranking: readonly string[], seen: Set<string>, size: number): string[] {
  const page: string[] = [];
  for (const id of ranking) {
    if (page.length === size) break;
    if (seen.has(id)) continue;
    page.push(id);
    seen.add(id);
  }
  return page;
}

/** The oracle's precision on a page, in closed form: min(1, matching products still unseen / page size). */
export function oraclePrecision(matchingUnseen: number, pageSize: number): number {
  return Math.min(1, matchingUnseen / pageSize);
}

export interface LogisticOptions {
  iterations?: number;
  learningRate?: number;
  /** L2 penalty on the weights (not the bias), per unit of total sample weight. */
  l2?: number;
}

/**
 * The embedding ceiling's model: 5-fold out-of-fold scores of an L2-regularised logistic regression. Chosen on
 * the 480-product seed (out-of-fold precision at the taste's size, 12 tastes): 300 Adam steps at rate 0.05 and
 * L2 0.001 gave 0.76; 100 steps at 0.1 with L2 0.1 give 0.86 in a third of the time.
 */
export const CEILING_FOLDS = 5;
export const CEILING_MODEL: LogisticOptions = { iterations: 100, learningRate: 0.1, l2: 0.1 };

/** Per-dimension mean and standard deviation of the rows (the logistic model works on standardised vectors). */
export interface Standardiser {
  mean: Float64Array;
  scale: Float64Array;
}

export function standardiser(rows: readonly Float32Array[]): Standardiser {
  const dims = rows[0]?.length ?? 0;
  const mean = new Float64Array(dims);
  const scale = new Float64Array(dims);
  for (const row of rows) for (let j = 0; j < dims; j++) mean[j] = (mean[j] as number) + (row[j] as number);
  for (let j = 0; j < dims; j++) mean[j] = (mean[j] as number) / Math.max(1, rows.length);
  for (const row of rows)
    for (let j = 0; j < dims; j++)
      scale[j] = (scale[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2;
  for (let j = 0; j < dims; j++) {
    const sd = Math.sqrt((scale[j] as number) / Math.max(1, rows.length));
    scale[j] = sd > 1e-12 ? 1 / sd : 0;
  }
  return { mean, scale };
}

/** Rows standardised into one row-major matrix. */
export function standardisedMatrix(rows: readonly Float32Array[], by: Standardiser): Float64Array {
  const dims = by.mean.length;
  const matrix = new Float64Array(rows.length * dims);
  rows.forEach((row, i) => {
    for (let j = 0; j < dims; j++)
      matrix[i * dims + j] = ((row[j] as number) - (by.mean[j] as number)) * (by.scale[j] as number);
  });
  return matrix;
}

/**
 * L2-regularised logistic regression by full-batch Adam on the given rows (all when omitted), classes weighted
 * to equal total weight (a taste is 2–30 % of the catalogue; the ranking, not the calibration of the
 * probability, is what is used). Returns the weights, the bias last. Deterministic: zero start, fixed order.
 */
export function fitLogistic(
  matrix: Float64Array,
  dims: number,
  labels: readonly boolean[],
  rows: readonly number[] = labels.map((_, i) => i),
  options: LogisticOptions = {},
): Float64Array {
  const iterations = options.iterations ?? 300;
  const rate = options.learningRate ?? 0.05;
  const l2 = options.l2 ?? 1e-3;
  const positives = rows.filter((i) => labels[i]).length;
  const negatives = rows.length - positives;
  const weightOf = (label: boolean) =>
    positives === 0 || negatives === 0 ? 1 / rows.length : label ? 0.5 / positives : 0.5 / negatives;
  const w = new Float64Array(dims + 1);
  const m = new Float64Array(dims + 1);
  const v = new Float64Array(dims + 1);
  const gradient = new Float64Array(dims + 1);
  const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
  for (let t = 1; t <= iterations; t++) {
    gradient.fill(0);
    for (const i of rows) {
      const p = 1 / (1 + Math.exp(-logit(matrix, dims, w, i)));
      const label = labels[i] === true;
      const g = weightOf(label) * (p - (label ? 1 : 0));
      const offset = i * dims;
      for (let j = 0; j < dims; j++)
        gradient[j] = (gradient[j] as number) + g * (matrix[offset + j] as number);
      gradient[dims] = (gradient[dims] as number) + g;
    }
    for (let j = 0; j <= dims; j++) {
      const g = (gradient[j] as number) + (j < dims ? l2 * (w[j] as number) : 0);
      m[j] = beta1 * (m[j] as number) + (1 - beta1) * g;
      v[j] = beta2 * (v[j] as number) + (1 - beta2) * g * g;
      const mHat = (m[j] as number) / (1 - beta1 ** t);
      const vHat = (v[j] as number) / (1 - beta2 ** t);
      w[j] = (w[j] as number) - (rate * mHat) / (Math.sqrt(vHat) + epsilon);
    }
  }
  return w;
}

/** w·x_i + b for row i of the matrix (the bias is w's last entry). */
export function logit(matrix: Float64Array, dims: number, w: Float64Array, i: number): number {
  let z = w[dims] as number;
  const offset = i * dims;
  for (let j = 0; j < dims; j++) z += (matrix[offset + j] as number) * (w[j] as number);
  return z;
}

/**
 * Out-of-fold scores: row i is scored by a model trained on the other folds (fold = i mod `folds`), so the
 * ceiling ranks products it has not seen labelled — on the 480-product seed 280 dimensions would otherwise
 * memorise any labelling and the "ceiling" would just be the oracle.
 */
export function crossValidatedScores(
  matrix: Float64Array,
  dims: number,
  labels: readonly boolean[],
  folds = 5,
  options: LogisticOptions = {},
): Float64Array {
  const scores = new Float64Array(labels.length);
  for (let fold = 0; fold < folds; fold++) {
    const training = labels.flatMap((_, i) => (i % folds === fold ? [] : [i]));
    const w = fitLogistic(matrix, dims, labels, training, options);
    for (let i = fold; i < labels.length; i += folds) scores[i] = logit(matrix, dims, w, i);
  }
  return scores;
}

/** Ids by descending score (ties: the lower id first). */
export function rankByScore(ids: readonly string[], scores: ArrayLike<number>): string[] {
  return ids
    .map((id, i) => ({ id, score: scores[i] as number }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((entry) => entry.id);
}
