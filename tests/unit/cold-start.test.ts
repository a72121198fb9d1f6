import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { normalise } from '@/features/core/maths/vector';
import {
  type CandidateProduct,
  candidatesPerGroup,
  interleaveSlots,
  rankClusters,
  selectCalibrationCards,
} from '@/features/styles/utils/cold-start';

// Cold-start calibration cards (docs/product.md §4): 15 cards, 12 primary from the 3 nearest clusters, 3 diversity
// from the 4th–5th at positions 5, 10 and 15, distinct, shortfall filled from the whole catalogue.

const basis = (i: number, d = 6) => Float32Array.from({ length: d }, (_, j) => (j === i ? 1 : 0));
const clusters = Array.from({ length: 6 }, (_, index) => ({ index, centroid: basis(index) }));
// q leans on axes 0 > 1 > 2 > 3 > 4 > 5: clusters rank 0, 1, 2 (primary), 3, 4 (diversity).
const q = normalise([1, 0.5, 0.4, 0.3, 0.2, 0.1]);

/** `perCluster` products around each basis axis, each a little tilted toward q's direction. */
function catalogue(perCluster: number): CandidateProduct[] {
  const products: CandidateProduct[] = [];
  for (let cluster = 0; cluster < 6; cluster++) {
    for (let i = 0; i < perCluster; i++) {
      const vector = Array.from(basis(cluster), (x, j) => x + (j === (cluster + 1) % 6 ? i / 100 : 0));
      products.push({ id: `c${cluster}-p${String(i).padStart(2, '0')}`, vector: normalise(vector), cluster });
    }
  }
  return products;
}

test('slots interleave with chunk = ceil(primary / diversity)', () => {
  expect(
    interleaveSlots(12, 3)
      .map((slot) => slot[0]?.toUpperCase())
      .join(''),
  ).toBe('PPPPDPPPPDPPPPD');
  expect(
    interleaveSlots(7, 3)
      .map((slot) => slot[0]?.toUpperCase())
      .join(''),
  ).toBe('PPPDPPPDPD');
  expect(interleaveSlots(2, 0)).toEqual(['primary', 'primary']);
  expect(candidatesPerGroup(12)).toBe(48);
  expect(candidatesPerGroup(3)).toBe(24);
});

test('clusters rank by cosine to q, the lower index on a tie', () => {
  expect(rankClusters(q, clusters, 5)).toEqual([0, 1, 2, 3, 4]);
  const tied = normalise([1, 1, 0, 0, 0, 0]);
  expect(rankClusters(tied, clusters, 3)).toEqual([0, 1, 2]);
});

test('15 cards: 12 primary from clusters 0–2 and diversity from 3–4 at positions 5, 10, 15', () => {
  const plan = selectCalibrationCards({ queries: [q], clusters, products: catalogue(10) });
  expect(plan.primaryClusters).toEqual([0, 1, 2]);
  expect(plan.diversityClusters).toEqual([3, 4]);
  expect(plan.cards.map((card) => card.position)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  expect(plan.cards.filter((card) => card.source === 'diversity').map((card) => card.position)).toEqual([
    5, 10, 15,
  ]);
  const clusterOf = (id: string) => Number(id[1]);
  for (const card of plan.cards) {
    if (card.source === 'primary') expect([0, 1, 2]).toContain(clusterOf(card.productId));
    else expect([3, 4]).toContain(clusterOf(card.productId));
  }
  // Primary cards are the 12 nearest to q inside clusters 0–2, in score order.
  const primaryScores = plan.cards.filter((card) => card.source === 'primary').map((card) => card.score);
  expect(primaryScores).toEqual([...primaryScores].sort((a, b) => b - a));
  // Cluster 0's 10 products all score above clusters 1 and 2, so they come first.
  expect(
    plan.cards
      .filter((card) => card.source === 'primary')
      .slice(0, 10)
      .every((card) => clusterOf(card.productId) === 0),
  ).toBe(true);
});

test('two photos of two styles: clusters and cards taken from each in turns, each card scored by its own photo', () => {
  // The second photo leans on axes 5 > 4 > 3 > 2 > 1: its clusters rank 5, 4, 3, 2, 1. In turns with the first's
  // 0, 1, 2, 3, 4: 0, 5, 1, 4, 2 — primary 0, 5, 1 and diversity 4, 2. (Their mean would lean on neither.)
  const second = normalise([0.1, 0.2, 0.3, 0.4, 0.5, 1]);
  const plan = selectCalibrationCards({ queries: [q, second], clusters, products: catalogue(10) });
  expect(plan.primaryClusters).toEqual([0, 5, 1]);
  expect(plan.diversityClusters).toEqual([4, 2]);
  // Each photo's best products first, in turns: a product's tilt (i / 100) leans toward each photo's next axis.
  expect(plan.cards.slice(0, 5).map((card) => card.productId)).toEqual([
    'c0-p09',
    'c5-p09',
    'c0-p08',
    'c5-p08',
    'c2-p09',
  ]);
  expect(plan.cards.filter((card) => card.source === 'diversity').map((card) => card.productId)).toEqual([
    'c2-p09',
    'c4-p09',
    'c2-p08',
  ]);
  const primary = plan.cards.filter((card) => card.source === 'primary').map((card) => card.productId[1]);
  expect(primary.join('')).toBe('050505050505');
  // c5-p09 = normalise(e5 + 0.09 e0): its cosine to the second photo, not to the first.
  const c5 = normalise([0.09, 0, 0, 0, 0, 1]);
  const cosine = c5.reduce((sum, x, j) => sum + x * (second[j] as number), 0);
  expect(plan.cards[1]?.score).toBeCloseTo(cosine, 6);
});

test('a short catalogue is filled from the whole catalogue; a tiny one gives all it has', () => {
  // 2 products per cluster: primary clusters hold 6, diversity 4 → 6 + 3 of their own, 6 fillers.
  const plan = selectCalibrationCards({ queries: [q], clusters, products: catalogue(2) });
  expect(plan.cards).toHaveLength(12);
  expect(new Set(plan.cards.map((card) => card.productId)).size).toBe(12);
  expect(plan.cards.filter((card) => card.source === 'diversity').map((card) => card.position)).toEqual([
    5, 10, 12,
  ]);
  const tiny = selectCalibrationCards({
    queries: [q],
    clusters: clusters.slice(0, 2),
    products: catalogue(1).slice(0, 2),
  });
  expect(tiny.cards.map((card) => card.productId).sort()).toEqual(['c0-p00', 'c1-p00']);
  expect(tiny.diversityClusters).toEqual([]);
});

const unit = (d: number) =>
  fc
    .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d, maxLength: d })
    .filter((xs) => xs.some((x) => Math.abs(x) > 1e-3))
    .map((xs) => normalise(xs));

test('property: 15 distinct cards, diversity exactly at 5, 10, 15 whenever the catalogue allows', () => {
  const d = 4;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.tuple(unit(d), fc.nat()), { minLength: 0, maxLength: 90 }),
      fc.array(unit(d), { minLength: 1, maxLength: 2 }),
      (k, raw, queries) => {
        const centroids = Array.from({ length: k }, (_, index) => ({
          index,
          centroid: normalise(Array.from({ length: d }, (_, j) => Math.cos(index * 1.7 + j))),
        }));
        const products = raw.map(([vector, n], i) => ({ id: `p${i}`, vector, cluster: n % k }));
        const plan = selectCalibrationCards({ queries, clusters: centroids, products });
        const ids = plan.cards.map((card) => card.productId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(Math.min(15, products.length));
        expect(plan.cards.map((card) => card.position)).toEqual(ids.map((_, i) => i + 1));
        const inPrimary = products.filter((p) => plan.primaryClusters.includes(p.cluster)).length;
        const inDiversity = products.filter((p) => plan.diversityClusters.includes(p.cluster)).length;
        if (inPrimary >= 12 && inDiversity >= 3) {
          expect(
            plan.cards.filter((card) => card.source === 'diversity').map((card) => card.position),
          ).toEqual([5, 10, 15]);
          for (const card of plan.cards) {
            const cluster = products.find((p) => p.id === card.productId)?.cluster ?? -1;
            const group = card.source === 'primary' ? plan.primaryClusters : plan.diversityClusters;
            expect(group).toContain(cluster);
          }
        }
      },
    ),
    { numRuns: 300, seed: 1313 },
  );
});
