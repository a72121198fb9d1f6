import { expect, test } from '@playwright/test';
import { seededRandom } from '@/features/core/maths/random';
import { normalise } from '@/features/core/maths/vector';
import {
  clusterCatalogue,
  distanceTable,
  isRebuildNeeded,
  kmeans,
  kRange,
  nearestCentre,
  purity,
  sampleIndexes,
  searchK,
  silhouette,
  toMatrix,
} from '@/features/styles/utils/kmeans';

// k-means++, silhouette and the search for k (docs/product.md §4) on fixtures small enough to compute by hand.

const v = (...xs: number[]) => Float32Array.from(xs);

/** `perGroup` unit vectors scattered tightly around each of the given directions. */
function blobs(directions: number[][], perGroup: number, spread: number, seed: number) {
  const random = seededRandom(seed);
  const vectors: Float32Array[] = [];
  const groups: number[] = [];
  directions.forEach((direction, group) => {
    for (let i = 0; i < perGroup; i++) {
      vectors.push(normalise(direction.map((x) => x + spread * random.normal())));
      groups.push(group);
    }
  });
  return { vectors, groups };
}

test('silhouette of a four-point line fixture matches the hand computation', () => {
  // Points 0, 1 | 4, 5: a = 1 for each; b = 4.5, 3.5, 3.5, 4.5 → s = 7/9, 5/7, 5/7, 7/9 → mean 47/63.
  const table = distanceTable(toMatrix([v(0), v(1), v(4), v(5)]));
  expect(silhouette(table, [0, 0, 1, 1], 2)).toBeCloseTo(47 / 63, 6);
  // A bad split scores lower: {0, 4} | {1, 5}.
  expect(silhouette(table, [0, 1, 0, 1], 2)).toBeLessThan(0);
  // One cluster, or every point alone: 0 by convention.
  expect(silhouette(table, [0, 0, 0, 0], 1)).toBe(0);
  expect(silhouette(table, [0, 1, 2, 3], 4)).toBe(0);
});

test('k-means separates two obvious groups and the same seed gives the same labels', () => {
  const { vectors } = blobs(
    [
      [1, 0, 0],
      [0, 1, 0],
    ],
    6,
    0.05,
    3,
  );
  const points = toMatrix(vectors);
  const first = kmeans(points, 2, { seed: 7 });
  const again = kmeans(points, 2, { seed: 7 });
  expect([...first.labels]).toEqual([...again.labels]);
  expect([...first.centroids]).toEqual([...again.centroids]);
  const labels = [...first.labels];
  expect(new Set(labels.slice(0, 6)).size).toBe(1);
  expect(new Set(labels.slice(6)).size).toBe(1);
  expect(labels[0]).not.toBe(labels[6]);
  expect([...first.sizes]).toEqual([6, 6]);
  // The centroid is the mean of its points: inertia is the sum of squared distances to it.
  expect(first.inertia).toBeGreaterThan(0);
  expect(first.inertia).toBeLessThan(0.1);
});

test('k-means on duplicates and ties: the lowest index wins, empty clusters are refilled', () => {
  // Two centres equally far from the point: index 0 wins.
  expect(nearestCentre(v(0, 1), Float64Array.from([1, 0, -1, 0]), 2)).toBe(0);
  // Three identical points and k = 3 still yields three non-empty clusters.
  const same = kmeans(toMatrix([v(1, 0), v(1, 0), v(1, 0)]), 3, { seed: 1, nInit: 1 });
  expect([...same.sizes].sort()).toEqual([1, 1, 1]);
  expect(same.inertia).toBe(0);
  expect(() => kmeans(toMatrix([v(1, 0)]), 2, { seed: 1 })).toThrow(/outside/);
});

test('the k range follows the small-catalogue rule', () => {
  expect(kRange(480)).toEqual({ minK: 10, maxK: 200 });
  expect(kRange(10_000)).toEqual({ minK: 10, maxK: 200 });
  expect(kRange(100)).toEqual({ minK: 10, maxK: 50 });
  expect(kRange(30)).toEqual({ minK: 10, maxK: 15 });
  expect(kRange(20)).toEqual({ minK: 10, maxK: 11 }); // minK ≥ maxK (10 ≥ 10) → maxK = minK + 1
  expect(kRange(19)).toEqual({ minK: 3, maxK: 9 }); // n < 20 → minK = max(2, ⌊19/5⌋) = 3
  expect(kRange(10)).toEqual({ minK: 2, maxK: 5 });
  expect(kRange(4)).toEqual({ minK: 2, maxK: 3 });
});

test('the coarse-to-fine search finds the peak of a unimodal score with few evaluations', () => {
  const calls: number[] = [];
  const found = searchK(10, 200, (k) => {
    calls.push(k);
    return -((k - 37) ** 2);
  });
  expect(found.k).toBe(37);
  expect(new Set(calls).size).toBe(calls.length); // each k scored once
  expect(calls.length).toBeLessThan(30);
  // A small range is swept completely; ties go to the smaller k.
  const flat = searchK(2, 5, () => 1);
  expect(flat.evaluated.map((entry) => entry.k)).toEqual([2, 3, 4, 5]);
  expect(flat.k).toBe(2);
});

test('clustering a 15-point catalogue finds its 3 groups, priors are shares, and it is deterministic', () => {
  const { vectors, groups } = blobs(
    [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ],
    5,
    0.03,
    11,
  );
  const points = toMatrix(vectors);
  const result = clusterCatalogue(points, { seed: 42 });
  expect(result.minK).toBe(3); // n = 15 < 20 → max(2, ⌊15/5⌋)
  expect(result.maxK).toBe(7);
  expect(result.k).toBe(3);
  expect(result.priors).toEqual([1 / 3, 1 / 3, 1 / 3]);
  expect(result.silhouette).toBeGreaterThan(0.9);
  expect(purity(result.labels, groups.map(String))).toBe(1);
  expect(result.evaluated.map((entry) => entry.k)).toEqual([3, 4, 5, 6, 7]);
  for (const centroid of result.centroids) expect(Math.hypot(...centroid)).toBeCloseTo(1, 6);
  const again = clusterCatalogue(points, { seed: 42 });
  expect([...again.labels]).toEqual([...result.labels]);
  expect(again.silhouette).toBe(result.silhouette);
});

test('large inputs are searched on a fixed-seed sample', () => {
  expect(sampleIndexes(5, 10, 1)).toEqual([0, 1, 2, 3, 4]);
  const sample = sampleIndexes(1000, 50, 9);
  expect(sample).toEqual(sampleIndexes(1000, 50, 9));
  expect(new Set(sample).size).toBe(50);
  expect([...sample].sort((a, b) => a - b)).toEqual(sample);
  const { vectors } = blobs(
    [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    20,
    0.02,
    5,
  );
  const result = clusterCatalogue(toMatrix(vectors), { seed: 1, sampleSize: 30 });
  expect(result.sampled).toBe(true);
  expect(result.labels).toHaveLength(60);
  expect(result.sizes.reduce((sum, size) => sum + size, 0)).toBe(60);
});

test('purity: the majority category of each cluster over all points', () => {
  expect(purity([0, 0, 1, 1], ['a', 'a', 'a', 'b'])).toBe(0.75);
  expect(purity([0, 1, 2], ['a', 'b', 'c'])).toBe(1);
});

/** Textbook k-means++ and Lloyd (every distance computed, no bounds, no pruning), as the reference. */
function referenceKmeans(vectors: Float32Array[], k: number, seed: number, nInit: number) {
  const random = seededRandom(seed);
  const d = vectors[0]?.length ?? 0;
  const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let sum = 0;
    for (let t = 0; t < d; t++) sum += ((a[t] as number) - (b[t] as number)) ** 2;
    return sum;
  };
  let best: { labels: number[]; inertia: number } | undefined;
  for (let run = 0; run < nInit; run++) {
    const centres: Float64Array[] = [];
    const nearest = vectors.map(() => Number.POSITIVE_INFINITY);
    let chosen = random.int(vectors.length);
    for (let j = 0; j < k; j++) {
      centres.push(Float64Array.from(vectors[chosen] as Float32Array));
      let total = 0;
      vectors.forEach((x, i) => {
        nearest[i] = Math.min(nearest[i] as number, dist(x, centres[j] as Float64Array));
        total += nearest[i] as number;
      });
      if (j === k - 1) break;
      const target = random.next() * total;
      let running = 0;
      chosen = vectors.length - 1;
      for (let i = 0; i < vectors.length; i++) {
        running += nearest[i] as number;
        if (running > target && (nearest[i] as number) > 0) {
          chosen = i;
          break;
        }
      }
    }
    let labels: number[] = [];
    for (let iteration = 0; iteration < 300; iteration++) {
      const next = vectors.map((x) => {
        let label = 0;
        centres.forEach((c, j) => {
          if (dist(x, c) < dist(x, centres[label] as Float64Array)) label = j;
        });
        return label;
      });
      if (next.every((label, i) => label === labels[i])) break;
      labels = next;
      centres.forEach((c, j) => {
        const members = vectors.filter((_, i) => labels[i] === j);
        for (let t = 0; t < d; t++)
          c[t] = members.reduce((sum, x) => sum + (x[t] as number), 0) / members.length;
      });
    }
    const inertia = vectors.reduce(
      (sum, x, i) => sum + dist(x, centres[labels[i] as number] as Float64Array),
      0,
    );
    if (!best || inertia < best.inertia) best = { labels, inertia };
  }
  return best as { labels: number[]; inertia: number };
}

test('pruned seeding and Hamerly bounds give exactly the textbook k-means++ / Lloyd result', () => {
  const { vectors } = blobs(
    Array.from({ length: 6 }, (_, g) => Array.from({ length: 8 }, (_, t) => Math.cos(g * 2.1 + t * 0.7))),
    25,
    0.25,
    17,
  );
  for (const k of [3, 6, 11]) {
    const fast = kmeans(toMatrix(vectors), k, { seed: 99, nInit: 4 });
    const slow = referenceKmeans(vectors, k, 99, 4);
    expect([...fast.labels]).toEqual(slow.labels);
    expect(fast.inertia).toBeCloseTo(slow.inertia, 9);
  }
});

test('a rebuild is due with products and no run, another embedder, or more than 5 % changed', () => {
  const run = { modelId: 'feature-v1', productCount: 480 };
  const due = (changes: Partial<Parameters<typeof isRebuildNeeded>[0]>) =>
    isRebuildNeeded({ run, currentModelId: 'feature-v1', active: 480, changed: 0, ...changes });
  expect(due({ run: undefined })).toBe(true);
  expect(due({ run: undefined, active: 0 })).toBe(false); // nothing to cluster
  expect(due({ currentModelId: 'feature-v2' })).toBe(true);
  expect(due({ changed: 24 })).toBe(false); // exactly 5 % of 480
  expect(due({ changed: 25 })).toBe(true);
  expect(due({ active: 1000, changed: 50 })).toBe(false); // the larger of active and clustered counts
  expect(due({ active: 1000, changed: 51 })).toBe(true);
});
