import { type Random, seededRandom } from '@/features/core/maths/random';

// Seeded k-means++ (Lloyd iterations with Hamerly's bounds) over unit vectors, its silhouette, and the search
// for k (docs/product.md §4). Pure and deterministic: points are read in index order, sums run in float64, and when
// two centres are equally near the lower index wins. No imports beyond core maths, so it also runs in a worker.

/** n points of d dimensions, row-major in one array (cheaper to scan than n small arrays). */
export interface PointMatrix {
  n: number;
  d: number;
  data: Float32Array;
}

export function toMatrix(vectors: readonly Float32Array[]): PointMatrix {
  const d = vectors[0]?.length ?? 0;
  const data = new Float32Array(vectors.length * d);
  vectors.forEach((vector, i) => {
    if (vector.length !== d) throw new Error(`dimension mismatch: ${vector.length} vs ${d}`);
    data.set(vector, i * d);
  });
  return { n: vectors.length, d, data };
}

export interface KMeansOptions {
  seed: number;
  /** Independent k-means++ starts; the lowest inertia wins (the earlier start on a tie). */
  nInit?: number;
  maxIterations?: number;
}

export interface KMeansResult {
  k: number;
  /** k × d, row-major: the mean of each cluster's points. */
  centroids: Float64Array;
  labels: Int32Array;
  sizes: Int32Array;
  /** Σ squared Euclidean distance of each point to its centroid. */
  inertia: number;
  iterations: number;
}

export const KMEANS_DEFAULTS = { nInit: 10, maxIterations: 300 } as const;

// A bound must beat the alternative by more than float noise before a distance computation is skipped, so a
// tie is always settled by the full scan (lowest index wins) and never by accumulated rounding.
const BOUND_EPSILON = 1e-9;

function squaredDistance(points: PointMatrix, i: number, centres: Float64Array, j: number): number {
  const { d, data } = points;
  let sum = 0;
  const p = i * d;
  const c = j * d;
  for (let t = 0; t < d; t++) {
    const diff = (data[p + t] as number) - (centres[c + t] as number);
    sum += diff * diff;
  }
  return sum;
}

/** The seeded centres and, for free, each point's nearest centre among them (lowest index on a tie). */
interface Seeding {
  centres: Float64Array;
  owner: Int32Array;
  /** Squared distance to the owner. */
  nearest: Float64Array;
}

// A skip must be proven with room to spare, so rounding can never skip a centre that is in fact nearer.
const PRUNE_MARGIN = 1 + 1e-9;

/**
 * k-means++ seeding: the first centre uniformly, each next one with probability ∝ D² to the nearest chosen.
 * A point whose owner is at least twice as far from the new centre as from the point cannot move to it
 * (triangle inequality), so its distance is not computed: the same centres, a fraction of the work.
 */
function seedCentres(points: PointMatrix, k: number, random: Random): Seeding {
  const { n, d, data } = points;
  const centres = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const owner = new Int32Array(n);
  const between = new Float64Array(k); // squared distance from the newest centre to each earlier one
  let chosen = random.int(n);
  for (let j = 0; j < k; j++) {
    for (let t = 0; t < d; t++) centres[j * d + t] = data[chosen * d + t] as number;
    for (let m = 0; m < j; m++) between[m] = centreDistance(centres, d, j, m);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const current = nearest[i] as number;
      if (j > 0 && (between[owner[i] as number] as number) > 4 * current * PRUNE_MARGIN) {
        total += current;
        continue;
      }
      const distance = squaredDistance(points, i, centres, j);
      if (distance < current) {
        nearest[i] = distance;
        owner[i] = j;
      }
      total += nearest[i] as number;
    }
    if (j === k - 1) break;
    if (total === 0) {
      // Fewer distinct points than k: any point will do; take the next index after the last choice.
      chosen = (chosen + 1) % n;
      continue;
    }
    const target = random.next() * total;
    let running = 0;
    chosen = n - 1;
    for (let i = 0; i < n; i++) {
      running += nearest[i] as number;
      if (running > target && (nearest[i] as number) > 0) {
        chosen = i;
        break;
      }
    }
  }
  return { centres, owner, nearest };
}

function lloyd(points: PointMatrix, k: number, seeding: Seeding, maxIterations: number): KMeansResult {
  const { n, d, data } = points;
  const { centres } = seeding;
  const labels = new Int32Array(n).fill(-1);
  const upper = new Float64Array(n); // ≥ distance to the assigned centre
  const lower = new Float64Array(n); // ≤ distance to every other centre
  const halfGap = new Float64Array(k); // half the distance from each centre to its nearest other centre
  const sums = new Float64Array(k * d);
  const sizes = new Int32Array(k);
  const moved = new Float64Array(k);

  const assignFully = (i: number) => {
    let best = -1;
    let bestDistance = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const distance = squaredDistance(points, i, centres, j);
      if (distance < bestDistance) {
        second = bestDistance;
        bestDistance = distance;
        best = j;
      } else if (distance < second) {
        second = distance;
      }
    }
    const changed = labels[i] !== best;
    labels[i] = best;
    upper[i] = Math.sqrt(bestDistance);
    lower[i] = Math.sqrt(second);
    return changed;
  };

  // The seeding already found every point's nearest centre; the lower bounds start at 0 (nothing is known
  // about second-nearest centres), so the first bounded pass re-checks whatever is not clearly settled.
  labels.set(seeding.owner);
  for (let i = 0; i < n; i++) upper[i] = Math.sqrt(seeding.nearest[i] as number);
  let iterations = 0;
  while (true) {
    iterations++;
    // Update step: means of the assigned points.
    sums.fill(0);
    sizes.fill(0);
    for (let i = 0; i < n; i++) {
      const j = labels[i] as number;
      sizes[j] = (sizes[j] as number) + 1;
      for (let t = 0; t < d; t++) sums[j * d + t] = (sums[j * d + t] as number) + (data[i * d + t] as number);
    }
    reseedEmptyClusters(points, k, labels, sizes, sums, centres, upper, lower);
    let maxMove = 0;
    for (let j = 0; j < k; j++) {
      let shift = 0;
      const size = sizes[j] as number;
      for (let t = 0; t < d; t++) {
        const next = (sums[j * d + t] as number) / size;
        const diff = next - (centres[j * d + t] as number);
        shift += diff * diff;
        centres[j * d + t] = next;
      }
      moved[j] = Math.sqrt(shift);
      if ((moved[j] as number) > maxMove) maxMove = moved[j] as number;
    }
    if (maxMove === 0 || iterations >= maxIterations) break;
    for (let i = 0; i < n; i++) {
      upper[i] = (upper[i] as number) + (moved[labels[i] as number] as number);
      lower[i] = (lower[i] as number) - maxMove;
    }
    // Assignment step, skipping points whose bounds prove their centre is still strictly the nearest.
    for (let j = 0; j < k; j++) {
      let nearestOther = Number.POSITIVE_INFINITY;
      for (let other = 0; other < k; other++) {
        if (other === j) continue;
        const distance = centreDistance(centres, d, j, other);
        if (distance < nearestOther) nearestOther = distance;
      }
      halfGap[j] = Math.sqrt(nearestOther) / 2;
    }
    let changes = 0;
    for (let i = 0; i < n; i++) {
      const j = labels[i] as number;
      const bound = Math.max(halfGap[j] as number, lower[i] as number);
      if ((upper[i] as number) + BOUND_EPSILON < bound) continue;
      upper[i] = Math.sqrt(squaredDistance(points, i, centres, j));
      if ((upper[i] as number) + BOUND_EPSILON < bound) continue;
      if (assignFully(i)) changes++;
    }
    if (changes === 0) break;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squaredDistance(points, i, centres, labels[i] as number);
  return { k, centroids: centres, labels, sizes, inertia, iterations };
}

function centreDistance(centres: Float64Array, d: number, a: number, b: number): number {
  let sum = 0;
  for (let t = 0; t < d; t++) {
    const diff = (centres[a * d + t] as number) - (centres[b * d + t] as number);
    sum += diff * diff;
  }
  return sum;
}

/** An empty cluster takes the point farthest from its own centre (lowest index on a tie). */
function reseedEmptyClusters(
  points: PointMatrix,
  k: number,
  labels: Int32Array,
  sizes: Int32Array,
  sums: Float64Array,
  centres: Float64Array,
  upper: Float64Array,
  lower: Float64Array,
) {
  const { n, d, data } = points;
  for (let j = 0; j < k; j++) {
    if ((sizes[j] as number) > 0) continue;
    let farthest = -1;
    let farthestDistance = -1;
    for (let i = 0; i < n; i++) {
      if ((sizes[labels[i] as number] as number) <= 1) continue;
      const distance = squaredDistance(points, i, centres, labels[i] as number);
      if (distance > farthestDistance) {
        farthestDistance = distance;
        farthest = i;
      }
    }
    if (farthest < 0) throw new Error(`cannot fill an empty cluster: fewer points than k=${k}`);
    const from = labels[farthest] as number;
    sizes[from] = (sizes[from] as number) - 1;
    for (let t = 0; t < d; t++) {
      const value = data[farthest * d + t] as number;
      sums[from * d + t] = (sums[from * d + t] as number) - value;
      sums[j * d + t] = value;
    }
    sizes[j] = 1;
    labels[farthest] = j;
    upper[farthest] = 0;
    lower[farthest] = 0; // its old centre may now be nearer than its old second-nearest: rescan it
  }
}

/** Best of `nInit` seeded k-means++ runs. */
export function kmeans(points: PointMatrix, k: number, options: KMeansOptions): KMeansResult {
  const { n } = points;
  if (k < 1 || k > n) throw new Error(`k=${k} is outside [1, ${n}]`);
  const nInit = options.nInit ?? KMEANS_DEFAULTS.nInit;
  const maxIterations = options.maxIterations ?? KMEANS_DEFAULTS.maxIterations;
  const random = seededRandom(options.seed);
  let best: KMeansResult | undefined;
  for (let run = 0; run < nInit; run++) {
    const result = lloyd(points, k, seedCentres(points, k, random), maxIterations);
    if (!best || result.inertia < best.inertia) best = result;
  }
  return best as KMeansResult;
}

/** Index of the nearest centre of `centres` (k × d) to `vector` (lowest index on a tie). */
export function nearestCentre(vector: Float32Array, centres: Float64Array, k: number): number {
  const d = vector.length;
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let j = 0; j < k; j++) {
    let sum = 0;
    for (let t = 0; t < d; t++) {
      const diff = (vector[t] as number) - (centres[j * d + t] as number);
      sum += diff * diff;
    }
    if (sum < bestDistance) {
      bestDistance = sum;
      best = j;
    }
  }
  return best;
}

// --- silhouette -----------------------------------------------------------------------------------------

/** Pairwise Euclidean distances of a set of points, computed once and reused for every k. */
export interface DistanceTable {
  n: number;
  /** Strict upper triangle, row by row. */
  values: Float32Array;
}

export function distanceTable(points: PointMatrix): DistanceTable {
  const { n, d, data } = points;
  const values = new Float32Array((n * (n - 1)) / 2);
  let index = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let sum = 0;
      for (let t = 0; t < d; t++) {
        const diff = (data[i * d + t] as number) - (data[j * d + t] as number);
        sum += diff * diff;
      }
      values[index++] = Math.sqrt(sum);
    }
  }
  return { n, values };
}

/**
 * Mean silhouette (Euclidean), as scikit-learn defines it: s(i) = (b − a) / max(a, b), 0 for a point alone in
 * its cluster; 0 overall when there are fewer than 2 clusters or every point is alone.
 */
export function silhouette(table: DistanceTable, labels: ArrayLike<number>, k: number): number {
  const { n, values } = table;
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[labels[i] as number] = (counts[labels[i] as number] as number) + 1;
  let used = 0;
  for (let j = 0; j < k; j++) if ((counts[j] as number) > 0) used++;
  if (used < 2 || used >= n) return 0;
  // Sum of distances from each point to each cluster, filled from the triangle in one pass.
  const sums = new Float64Array(n * k);
  let index = 0;
  for (let i = 0; i < n; i++) {
    const li = labels[i] as number;
    for (let j = i + 1; j < n; j++) {
      const distance = values[index++] as number;
      const lj = labels[j] as number;
      sums[i * k + lj] = (sums[i * k + lj] as number) + distance;
      sums[j * k + li] = (sums[j * k + li] as number) + distance;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const own = labels[i] as number;
    const ownCount = counts[own] as number;
    if (ownCount <= 1) continue;
    const a = (sums[i * k + own] as number) / (ownCount - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      if (j === own || (counts[j] as number) === 0) continue;
      const meanDistance = (sums[i * k + j] as number) / (counts[j] as number);
      if (meanDistance < b) b = meanDistance;
    }
    const spread = Math.max(a, b);
    total += spread === 0 ? 0 : (b - a) / spread;
  }
  return total / n;
}

/** A fixed-seed sample of `size` distinct indexes in ascending order (all of them when n ≤ size). */
export function sampleIndexes(n: number, size: number, seed: number): number[] {
  if (n <= size) return Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  // Partial Fisher–Yates: the first `size` slots become a uniform sample.
  for (let i = 0; i < size; i++) {
    const j = i + random.int(n - i);
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order.slice(0, size).sort((a, b) => a - b);
}

export function subMatrix(points: PointMatrix, indexes: readonly number[]): PointMatrix {
  const { d, data } = points;
  const out = new Float32Array(indexes.length * d);
  indexes.forEach((i, row) => {
    out.set(data.subarray(i * d, (i + 1) * d), row * d);
  });
  return { n: indexes.length, d, data: out };
}

// --- the search for k -------------------------------------------------------------------------------------

/** docs/product.md §4: k ∈ [10, min(200, ⌊n/2⌋)]; n < 20 → minK = max(2, ⌊n/5⌋); minK ≥ maxK → maxK = minK + 1. */
export function kRange(n: number): { minK: number; maxK: number } {
  let minK = 10;
  let maxK = Math.min(200, Math.floor(n / 2));
  if (n < 20) minK = Math.max(2, Math.floor(n / 5));
  if (minK >= maxK) maxK = minK + 1;
  return { minK, maxK };
}

/**
 * Deterministic coarse-to-fine search: every k when the range is small, else a stepped sweep of about
 * `coarseSteps` points (both ends included), then halving the step around the best so far until it is 1.
 * `score(k)` is called at most once per k; the best score wins, the smaller k on a tie.
 */
export function searchK(
  minK: number,
  maxK: number,
  score: (k: number) => number,
  coarseSteps = 10,
): { k: number; score: number; evaluated: { k: number; score: number }[] } {
  const evaluated = new Map<number, number>();
  const evaluate = (k: number) => {
    if (k < minK || k > maxK || evaluated.has(k)) return;
    evaluated.set(k, score(k));
  };
  const bestSoFar = () => {
    let best = { k: minK, score: Number.NEGATIVE_INFINITY };
    for (const [k, value] of [...evaluated].sort((a, b) => a[0] - b[0]))
      if (value > best.score) best = { k, score: value };
    return best;
  };
  const span = maxK - minK;
  if (span <= coarseSteps + 2) {
    for (let k = minK; k <= maxK; k++) evaluate(k);
  } else {
    let step = Math.ceil(span / coarseSteps);
    for (let k = minK; k < maxK; k += step) evaluate(k);
    evaluate(maxK);
    while (step > 1) {
      step = Math.ceil(step / 2);
      const centre = bestSoFar().k;
      evaluate(centre - step);
      evaluate(centre + step);
    }
    // The halving may have moved the best: make sure both of its neighbours were tried.
    const centre = bestSoFar().k;
    evaluate(centre - 1);
    evaluate(centre + 1);
  }
  return {
    ...bestSoFar(),
    evaluated: [...evaluated].map(([k, value]) => ({ k, score: value })).sort((a, b) => a.k - b.k),
  };
}

export interface ClusteringOptions {
  seed: number;
  nInit?: number;
  maxIterations?: number;
  /** Above this many points the search and the silhouette run on a fixed-seed sample of this size. */
  sampleSize?: number;
  /** nInit used while searching k (the final fit always uses `nInit`). */
  searchInits?: number;
  /** Evaluate every k in the range instead of the coarse-to-fine search (for measurements). */
  fullSweep?: boolean;
}

export interface Clustering {
  k: number;
  minK: number;
  maxK: number;
  silhouette: number;
  labels: Int32Array;
  /** k unit vectors (each cluster mean, normalised), row-major. */
  centroids: Float32Array[];
  sizes: number[];
  priors: number[];
  evaluated: { k: number; score: number }[];
  sampled: boolean;
}

// The search scores ~20 values of k; 3 starts each keep a 10⁴-product rebuild near a minute of CPU here, and the
// final fit at the chosen k uses the full nInit = 10.
export const CLUSTERING_DEFAULTS = { sampleSize: 3000, searchInits: 3 } as const;

/** Chooses k by silhouette and fits the catalogue at that k (docs/product.md §4). */
export function clusterCatalogue(points: PointMatrix, options: ClusteringOptions): Clustering {
  const { n, d } = points;
  if (n === 0) throw new Error('nothing to cluster');
  const nInit = options.nInit ?? KMEANS_DEFAULTS.nInit;
  const maxIterations = options.maxIterations ?? KMEANS_DEFAULTS.maxIterations;
  const sampleSize = options.sampleSize ?? CLUSTERING_DEFAULTS.sampleSize;
  const searchInits = options.searchInits ?? CLUSTERING_DEFAULTS.searchInits;
  const { minK, maxK } = kRange(n);
  const sample = subMatrix(points, sampleIndexes(n, sampleSize, options.seed));
  const table = distanceTable(sample);
  const fitsSample = (k: number) => k <= sample.n;

  const score = (k: number) => {
    if (!fitsSample(k)) return Number.NEGATIVE_INFINITY;
    const fit = kmeans(sample, k, { seed: options.seed, nInit: searchInits, maxIterations });
    return silhouette(table, fit.labels, k);
  };
  let search: ReturnType<typeof searchK>;
  if (options.fullSweep) {
    const evaluated = [];
    for (let k = minK; k <= maxK; k++) evaluated.push({ k, score: score(k) });
    let best = evaluated[0] as { k: number; score: number };
    for (const entry of evaluated) if (entry.score > best.score) best = entry;
    search = { ...best, evaluated };
  } else {
    search = searchK(minK, maxK, score);
  }
  const k = Math.min(n, Number.isFinite(search.score) ? search.k : Math.min(minK, n));
  const fit = kmeans(points, k, { seed: options.seed, nInit, maxIterations });
  const sampledLabels = sampleIndexes(n, sampleSize, options.seed).map((i) => fit.labels[i] as number);
  const centroids: Float32Array[] = [];
  for (let j = 0; j < k; j++) {
    const centre = new Float32Array(d);
    let length = 0;
    for (let t = 0; t < d; t++) length += (fit.centroids[j * d + t] as number) ** 2;
    length = Math.sqrt(length);
    for (let t = 0; t < d; t++) centre[t] = length === 0 ? 0 : (fit.centroids[j * d + t] as number) / length;
    centroids.push(centre);
  }
  const sizes = [...fit.sizes];
  return {
    k,
    minK,
    maxK,
    silhouette: silhouette(table, sampledLabels, k),
    labels: fit.labels,
    centroids,
    sizes,
    priors: sizes.map((size) => size / n),
    evaluated: search.evaluated,
    sampled: sample.n < n,
  };
}

/** Σ over clusters of the most common category's count, over n (1 = every cluster is one category). */
export function purity(labels: ArrayLike<number>, categories: readonly string[]): number {
  const counts = new Map<number, Map<string, number>>();
  for (let i = 0; i < categories.length; i++) {
    const label = labels[i] as number;
    const perCategory = counts.get(label) ?? new Map<string, number>();
    const category = categories[i] as string;
    perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
    counts.set(label, perCategory);
  }
  let majority = 0;
  for (const perCategory of counts.values()) majority += Math.max(...perCategory.values());
  return categories.length === 0 ? 0 : majority / categories.length;
}

/** A rebuild is due when more than this share of the catalogue changed since the last run. */
export const REBUILD_CHANGE_RATIO = 0.05;

/**
 * Whether the catalogue needs a new cluster run: it has rankable products and there is no run yet, the run is
 * of another embedder, or more than 5 % of the catalogue was created, updated or archived since the run.
 */
export function isRebuildNeeded(input: {
  run: { modelId: string; productCount: number } | undefined;
  currentModelId: string;
  active: number;
  changed: number;
}): boolean {
  const { run, active, changed } = input;
  if (active === 0) return false;
  if (!run || run.modelId !== input.currentModelId) return true;
  return changed > REBUILD_CHANGE_RATIO * Math.max(active, run.productCount);
}
