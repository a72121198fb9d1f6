import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { DAY_MS, fixedClock } from '@/features/core/clock/clock';
import { cosine, normalise } from '@/features/core/maths/vector';
import {
  BATCH_SIZE,
  type FeedMode,
  type RankClusters,
  type RankProduct,
  rankBatch,
  slotLayout,
} from '@/features/feed/utils/rank';
import { EXPLANATIONS } from '@/features/feed/utils/scoring';
import { type TrendingEvent, trendingStats } from '@/features/feed/utils/trending';

const NOW = new Date('2026-06-01T12:00:00Z');
const clock = fixedClock(NOW);
const CREATED = new Date(NOW.getTime() - 7 * DAY_MS);
const pad = (n: number) => String(n).padStart(2, '0');
const product = (id: string, vector: number[], extra: Partial<RankProduct> = {}): RankProduct => ({
  id,
  price: 50,
  category: 'tops',
  createdAt: CREATED,
  vector: normalise(vector),
  ...extra,
});

// Hand-placed catalogue in 3-D, style vector (1, 0, 0):
//   p01…p16 primary, cluster 0 (prior 0.5): cos = 1/√(1 + (0.05·i)²), decreasing with i;
//   d01…d04 diversity, cluster 3 (prior 0.1): cos = 1/√(1 + (0.1·i)²);
//   t01…t10 trending, cluster 1, orthogonal to the style (cos 0), liked 11 − i times each;
//   p00 the best match but priced 500, outside the window [12.5, 200];
//   s01 a perfect, very popular match the user already swiped; x01 archived; q01 shoes.
const catalogue: RankProduct[] = [
  ...Array.from({ length: 16 }, (_, i) => product(`p${pad(i + 1)}`, [1, 0.05 * (i + 1), 0])),
  ...Array.from({ length: 4 }, (_, i) => product(`d${pad(i + 1)}`, [1, 0, 0.1 * (i + 1)])),
  ...Array.from({ length: 10 }, (_, i) => product(`t${pad(i + 1)}`, [0, 0.6, 0.8])),
  product('p00', [1, 0, 0], { price: 500 }),
  product('s01', [1, 0, 0]),
  product('x01', [1, 0, 0], { archivedAt: CREATED }),
  product('q01', [1, 0, 0], { category: 'shoes' }),
];
const clusterOf = (id: string) =>
  id.startsWith('p') ? 0 : id.startsWith('t') ? 1 : id.startsWith('d') ? 3 : 2;
const clusters: RankClusters = {
  assignment: new Map(catalogue.map((p) => [p.id, clusterOf(p.id)])),
  priors: new Map([
    [0, 0.5],
    [1, 0.3],
    [2, 0.1],
    [3, 0.1],
    [4, 0],
  ]),
  diversity: [3, 4],
};
const events: TrendingEvent[] = [
  ...Array.from({ length: 10 }, (_, i) => ({
    productId: `t${pad(i + 1)}`,
    kind: 'like' as const,
    at: NOW,
    count: 10 - i,
  })),
  { productId: 's01', kind: 'save', at: NOW, count: 100 },
  { productId: 'x01', kind: 'save', at: NOW, count: 100 },
  { productId: 'q01', kind: 'save', at: NOW, count: 100 },
];
const profile = {
  vector: Float32Array.from([1, 0, 0]),
  priceProfile: { priceMin: 25, priceMax: 100, priceMedian: 50, priceStd: 0 },
};
const rank = (mode: FeedMode) =>
  rankBatch({
    mode,
    products: catalogue,
    profile: mode === 'trending' ? null : profile,
    clusters,
    trending: trendingStats(events, [], NOW),
    swiped: new Set(['s01']),
    category: 'tops',
    size: 20,
    clock,
  });
const ids = (mode: FeedMode) => rank(mode).cards.map((card) => `${card.productId}:${card.source[0]}`);

test('slot layout: diversity at 5, 12, 18 of every block; trending by mode', () => {
  const short = (mode: FeedMode) =>
    slotLayout(mode, 20)
      .map((s) => s[0])
      .join('');
  expect(short('personalized')).toBe('ppppdppptppdpptppdpp');
  expect(short('hybrid')).toBe('ptptdptptptdptptpdtp');
  expect(short('trending')).toBe('t'.repeat(20));
  expect(slotLayout('hybrid', 60).slice(40).join()).toBe(slotLayout('hybrid', 20).join());
});

test('personalized: the exact ordered cards', () => {
  expect(ids('personalized')).toEqual([
    'p01:p',
    'p02:p',
    'p03:p',
    'p04:p',
    'd01:d',
    'p05:p',
    'p06:p',
    'p07:p',
    't01:t',
    'p08:p',
    'p09:p',
    'd02:d',
    'p10:p',
    'p11:p',
    't02:t',
    'p12:p',
    'p13:p',
    'd03:d',
    'p14:p',
    'p15:p',
  ]);
  const batch = rank('personalized');
  expect(batch.relaxations).toEqual([]);
  const [first] = batch.cards;
  // cosine, prior, price, freshness normalised: 1, 1 (0.5 vs 0.1), 0.5 (all at the median), 0.5 (same age)
  expect(first?.score).toBeCloseTo(0.65 + 0.15 + 0.05 + 0.05, 12);
  expect(first?.explanation).toBe(EXPLANATIONS.recentLikes);
  expect(first?.factors).toMatchObject({ cluster: 0, prior: 0.5, priceScore: 1 });
  expect(first?.factors.freshness).toBeCloseTo(Math.SQRT1_2, 12); // 7 days old
  expect(first?.factors.cosine).toBeCloseTo(1 / Math.sqrt(1.0025), 6);
  const trending = batch.cards[8];
  expect(trending?.explanation).toBe(EXPLANATIONS.trending);
  // Trending: popularity normalised (t01 is the maximum) · 0.8 + freshness 0.5 · 0.2
  expect(trending?.score).toBeCloseTo(0.9, 12);
});

test('hybrid: the exact ordered cards (60 % personalised)', () => {
  expect(ids('hybrid')).toEqual([
    'p01:p',
    't01:t',
    'p02:p',
    't02:t',
    'd01:d',
    'p03:p',
    't03:t',
    'p04:p',
    't04:t',
    'p05:p',
    't05:t',
    'd02:d',
    'p06:p',
    't06:t',
    'p07:p',
    't07:t',
    'p08:p',
    'd03:d',
    't08:t',
    'p09:p',
  ]);
});

test('trending: the exact ordered cards, popularity then freshness, ties by id', () => {
  // After t01…t10 every product ties (no events, same age): id order. p00 is in: trending has no price window.
  expect(rank('trending').cards.map((card) => card.productId)).toEqual([
    ...Array.from({ length: 10 }, (_, i) => `t${pad(i + 1)}`),
    'd01',
    'd02',
    'd03',
    'd04',
    'p00',
    'p01',
    'p02',
    'p03',
    'p04',
    'p05',
  ]);
  expect(rank('trending').cards.every((card) => card.source === 'trending')).toBe(true);
});

test('shortfall ladder: the price window goes first, then revisits, and both are recorded', () => {
  const few = catalogue.filter((p) => !p.id.startsWith('p') || p.id === 'p00');
  const batch = rankBatch({
    mode: 'personalized',
    products: few,
    profile,
    clusters,
    trending: trendingStats(events, [], NOW),
    swiped: new Set(['s01']),
    category: 'tops',
    size: 20,
    clock,
  });
  // 5 personalised candidates (p00 once the window is dropped, d01…d04) < 18 needed: window dropped.
  expect(batch.relaxations).toEqual(['price_window', 'revisits']);
  expect(batch.cards[0]?.productId).toBe('p00');
  // 15 fresh tops in all (p00, d01…d04, t01…t10): the 16th card is the revisited s01, then nothing is left.
  expect(batch.cards.map((c) => c.productId).indexOf('s01')).toBe(15);
  expect(batch.cards).toHaveLength(16);
});

// ---- properties ------------------------------------------------------------------------------------------

const CATEGORIES = ['tops', 'shoes', 'bags'];
const flag = (oneIn: number) => fc.integer({ min: 1, max: oneIn }).map((n) => n === 1);
const arbitraryCatalogue = (minLength: number, maxLength: number, flagOneIn: number) =>
  fc
    .array(
      fc.record({
        vector: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 4, maxLength: 4 }),
        price: fc.integer({ min: 5, max: 400 }),
        category: fc.constantFrom(...CATEGORIES),
        ageDays: fc.integer({ min: -2, max: 60 }),
        cluster: fc.integer({ min: 0, max: 5 }),
        archived: flag(flagOneIn),
        swiped: flag(flagOneIn),
        likes: fc.integer({ min: 0, max: 5 }),
      }),
      { minLength, maxLength },
    )
    .map((rows) =>
      rows.map((row, i) => ({
        ...row,
        product: product(`id${String(i).padStart(4, '0')}`, row.vector, {
          price: row.price,
          category: row.category,
          createdAt: new Date(NOW.getTime() - row.ageDays * DAY_MS),
          archivedAt: row.archived ? CREATED : null,
        }),
      })),
    );

const setUp = (rows: { product: RankProduct; cluster: number; swiped: boolean; likes: number }[]) => ({
  products: rows.map((r) => r.product),
  clusters: {
    assignment: new Map(rows.map((r) => [r.product.id, r.cluster])),
    priors: new Map([0, 1, 2, 3, 4, 5].map((c) => [c, (c + 1) / 21])),
    diversity: [4, 5],
  } satisfies RankClusters,
  trending: trendingStats(
    rows.map((r) => ({ productId: r.product.id, kind: 'like' as const, at: NOW, count: r.likes })),
    [],
    NOW,
  ),
  swiped: new Set(rows.filter((r) => r.swiped).map((r) => r.product.id)),
});
const arbitraryMode = fc.constantFrom<FeedMode>('trending', 'hybrid', 'personalized');
const arbitraryProfile = fc.record({
  vector: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 4, maxLength: 4 }),
  median: fc.integer({ min: 10, max: 200 }),
});

test('property: no archived card ever, no swiped card unless the ladder reached revisits; category holds', () => {
  fc.assert(
    fc.property(
      arbitraryCatalogue(0, 150, 2),
      arbitraryMode,
      arbitraryProfile,
      fc.option(fc.constantFrom(...CATEGORIES)),
      (rows, mode, p, category) => {
        const world = setUp(rows);
        const batch = rankBatch({
          mode,
          ...world,
          profile: {
            vector: normalise(p.vector),
            priceProfile: {
              priceMin: p.median / 3,
              priceMax: p.median * 3,
              priceMedian: p.median,
              priceStd: 5,
            },
          },
          category: category ?? undefined,
          clock,
        });
        const byId = new Map(rows.map((r) => [r.product.id, r]));
        const served = batch.cards.map((card) => byId.get(card.productId));
        expect(new Set(batch.cards.map((c) => c.productId)).size).toBe(batch.cards.length);
        for (const row of served) {
          expect(row?.archived).toBe(false);
          if (category) expect(row?.category).toBe(category);
          if (!batch.relaxations.includes('revisits')) expect(row?.swiped).toBe(false);
        }
        const eligible = rows.filter((r) => !r.archived && (!category || r.category === category));
        expect(batch.cards.length).toBe(Math.min(BATCH_SIZE, eligible.length));
      },
    ),
    { seed: 1401, numRuns: 200 },
  );
});

test('property: every full block of 20 has exactly 3 diversity cards at fixed positions when candidates allow', () => {
  fc.assert(
    fc.property(
      arbitraryCatalogue(120, 200, 10),
      fc.constantFrom<FeedMode>('hybrid', 'personalized'),
      arbitraryProfile,
      (rows, mode, p) => {
        const world = setUp(rows);
        const vector = normalise(p.vector);
        const live = rows.filter((r) => !r.archived && !r.swiped);
        // "Candidates allow": enough diversity-cluster and primary candidates (cos ≥ 0.2) for the whole batch.
        const diversity = live.filter((r) => r.cluster >= 4 && cosine(vector, r.product.vector) >= 0.2);
        const primary = live.filter((r) => r.cluster < 4 && cosine(vector, r.product.vector) >= 0.2);
        fc.pre(diversity.length >= 9 && primary.length >= 45 + 24);
        const batch = rankBatch({
          mode,
          ...world,
          profile: { vector, priceProfile: null },
          clock,
        });
        expect(batch.cards).toHaveLength(BATCH_SIZE);
        for (let block = 0; block < BATCH_SIZE; block += 20) {
          const sources = batch.cards.slice(block, block + 20).map((card) => card.source);
          expect(sources.filter((s) => s === 'diversity')).toHaveLength(3);
          expect([sources[4], sources[11], sources[17]]).toEqual(['diversity', 'diversity', 'diversity']);
          expect(sources.filter((s) => s === 'trending')).toHaveLength(mode === 'hybrid' ? 8 : 2);
        }
      },
    ),
    { seed: 1402, numRuns: 40 },
  );
});
