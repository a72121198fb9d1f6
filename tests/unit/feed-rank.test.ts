import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { DAY_MS, fixedClock } from '@/features/core/clock/clock';
import { seededRandom } from '@/features/core/maths/random';
import { normalise } from '@/features/core/maths/vector';
import { logit, sampleTasteModel } from '@/features/feed/utils/learner';
import {
  BATCH_SIZE,
  catalogueRows,
  type HistorySwipe,
  type RankInput,
  type RankProduct,
  RESET_EXPLORATION_CARDS,
  rankBatch,
  tasteState,
} from '@/features/feed/utils/rank';
import { becauseYouLiked, EXPLANATIONS } from '@/features/feed/utils/scoring';
import { buildTasteSpace, type Clusterer } from '@/features/feed/utils/taste-space';
import { type TrendingEvent, trendingStats } from '@/features/feed/utils/trending';

// The feed's batch (PRODUCT.md §6–7) on hand-placed catalogues: cold start by clusters, Thompson sampling on the
// learner, the reset's exploration, trending, the shortfall ladder, and the invariants of §8 as properties.

const NOW = new Date('2026-06-01T12:00:00Z');
const clock = fixedClock(NOW);
const CREATED = new Date(NOW.getTime() - 7 * DAY_MS);
const pad = (n: number) => String(n).padStart(2, '0');

/** A clusterer that keeps the labels given per row (the centroids are the label means): the test decides. */
const fixedLabels =
  (labels: readonly number[]): Clusterer =>
  (points, k) => {
    const centroids = new Float64Array(k * points.d);
    const sizes = new Int32Array(k);
    labels.forEach((label, row) => {
      sizes[label] = (sizes[label] as number) + 1;
      for (let j = 0; j < points.d; j++)
        centroids[label * points.d + j] =
          (centroids[label * points.d + j] as number) + (points.data[row * points.d + j] as number);
    });
    for (let c = 0; c < k; c++)
      for (let j = 0; j < points.d; j++)
        centroids[c * points.d + j] =
          (centroids[c * points.d + j] as number) / Math.max(1, sizes[c] as number);
    return { labels: Int32Array.from(labels), centroids, k };
  };

interface Item {
  product: RankProduct;
  vector: Float32Array;
  cluster: number;
}

const item = (id: string, vector: number[], cluster: number, extra: Partial<RankProduct> = {}): Item => ({
  product: { id, title: `Item ${id}`, price: 50, category: 'tops', createdAt: CREATED, ...extra },
  vector: normalise(vector),
  cluster,
});

/** Three styles in 3-D (a, b, c: 10 products each, spread around an axis), one trending-only product set. */
const styles: Item[] = [
  ...Array.from({ length: 10 }, (_, i) => item(`a${pad(i + 1)}`, [1, 0.02 * (i + 1), 0.01 * i], 0)),
  ...Array.from({ length: 10 }, (_, i) => item(`b${pad(i + 1)}`, [0.01 * i, 1, 0.02 * (i + 1)], 1)),
  ...Array.from({ length: 10 }, (_, i) => item(`c${pad(i + 1)}`, [0.02 * (i + 1), 0.01 * i, 1], 2)),
];

const world = (items: readonly Item[]) => ({
  products: items.map((entry) => entry.product),
  space: buildTasteSpace(
    items.map((entry) => entry.vector),
    fixedLabels(items.map((entry) => entry.cluster)),
  ),
});

const base = (items: readonly Item[], extra: Partial<RankInput> = {}): RankInput => ({
  ...world(items),
  history: { swipes: [], photos: [], onboardingVector: null },
  priceProfile: null,
  trending: trendingStats([], [], NOW),
  excluded: new Set(),
  clock,
  random: seededRandom(1),
  ...extra,
});

const swipe = (productId: string, liked: boolean, calibration = false): HistorySwipe => ({
  productId,
  liked,
  calibration,
});

test('cold start: one card per cluster, least disliked clusters first, each nearest its centre, round after round', () => {
  // Dislikes: a02 and a03 (cluster 0 twice), b05 (cluster 1 once): order c (0 dislikes), b (1), a (2).
  const batch = rankBatch(
    base(styles, {
      history: {
        swipes: [swipe('a02', false), swipe('a03', false), swipe('b05', false)],
        photos: [],
        onboardingVector: null,
      },
      excluded: new Set(['a02', 'a03', 'b05']),
      size: 6,
    }),
  );
  expect(batch.mode).toBe('exploring');
  // The centre of each style is its mean; the products nearest it come first (c05/c06, b05/b06 … in the middle).
  const clusters = batch.cards.map((card) => card.productId[0]).join('');
  expect(clusters).toBe('cbacba');
  expect(batch.cards.every((card) => card.source === 'exploration')).toBe(true);
  expect(batch.cards.every((card) => card.explanation === EXPLANATIONS.exploring)).toBe(true);
  expect(batch.cards.every((card) => card.factors.placement === 'cluster')).toBe(true);
  // No swiped product comes back; round two takes each cluster's next-nearest product.
  const ids = batch.cards.map((card) => card.productId);
  expect(ids.filter((id) => ['a02', 'a03', 'b05'].includes(id))).toEqual([]);
  expect(new Set(ids).size).toBe(6);
});

test('after the first like: Thompson draws on the learner fill the batch with the liked style', () => {
  const history = {
    swipes: [
      swipe('a01', true),
      swipe('b01', false),
      swipe('c01', false),
      swipe('a02', true),
      swipe('b02', false),
    ],
    photos: [],
    onboardingVector: null,
  };
  const batch = rankBatch(
    base(styles, { history, excluded: new Set(history.swipes.map((s) => s.productId)), size: 8 }),
  );
  expect(batch.mode).toBe('personalized');
  expect(batch.cards.map((card) => card.productId[0]).join('')).toBe('aaaaaaaa');
  const [first] = batch.cards;
  expect(first?.source).toBe('primary');
  expect(first?.factors.placement).toBe('best_guess');
  expect(first?.factors.probability).toBeGreaterThan(0.5);
  expect(first?.factors.uncertainty).toBeGreaterThan(0);
  // The evidence: the liked product nearest the card.
  expect(['a01', 'a02']).toContain(first?.factors.nearestLikedId);
  expect(first?.explanation).toBe(becauseYouLiked(`Item ${first?.factors.nearestLikedId}`));
  // Same seed, same batch; another seed may explore differently but still ranks by the same model.
  const again = rankBatch(
    base(styles, { history, excluded: new Set(history.swipes.map((s) => s.productId)), size: 8 }),
  );
  expect(again.cards).toEqual(batch.cards);
});

test('onboarding photos are likes and the onboarding vector is the prior: personalised from the first page', () => {
  const photo = normalise([0.01, 0.02, 1]);
  const batch = rankBatch(
    base(styles, { history: { swipes: [], photos: [photo, photo], onboardingVector: photo }, size: 5 }),
  );
  expect(batch.mode).toBe('personalized');
  expect(batch.cards.map((card) => card.productId[0]).join('')).toBe('ccccc');
  // No liked product yet: the photos are the evidence.
  expect(batch.cards[0]?.explanation).toBe(EXPLANATIONS.photos);
  expect(batch.cards[0]?.factors.nearestLikedId).toBeNull();
});

/** Style a liked 6 times, b disliked 3 times, then style c liked `cLikes` times (c01, c02, …). */
const twoStyles = (cLikes: number) => ({
  swipes: [
    ...['a01', 'a02', 'a03', 'a04', 'a05', 'a06'].map((id) => swipe(id, true)),
    swipe('b01', false),
    swipe('b02', false),
    swipe('b03', false),
    ...Array.from({ length: cLikes }, (_, i) => swipe(`c${pad(i + 1)}`, true)),
  ],
  photos: [],
  onboardingVector: null,
});

test('two interests take turns: the less-liked one gets every other card while the draw likes its cards', () => {
  // Style a liked 6 times, style c 4 times, b disliked: two interests (clusters with ≥ 2 likes, ≥ 25 % liked).
  const history = twoStyles(4);
  const excluded = new Set(history.swipes.map((s) => s.productId));
  const batch = rankBatch(base(styles, { history, excluded, size: 8 }));
  expect(batch.mode).toBe('personalized');
  // Without turns the draws serve the more-liked style first (below); with them, a and c alternate while c's
  // six unswiped products last.
  expect(batch.cards.map((card) => card.productId[0]).join('')).toMatch(/^(ac){4}$|^(ca){4}$/);
  // One liked cluster alone (c never swiped) is no second interest: the draws serve a first.
  const single = { ...history, swipes: history.swipes.filter((s) => s.productId[0] !== 'c') };
  const alone = rankBatch(base(styles, { history: single, excluded, size: 8 }));
  expect(alone.cards.map((card) => card.productId[0]).join('')).toMatch(/^aaaa/);
});

test('a turn pulls toward its interest: the blend of two liked styles does not take the other interest’s turn', () => {
  // Styles a and c liked; n01–n06 lie between them, nearer a. One model fitted on both scores the blend n above
  // a's own cards; a's turns rank by the draw plus 2·z·(c_a − c_c) and serve a's own cards instead.
  const blend = Array.from({ length: 6 }, (_, i) => item(`n${pad(i + 1)}`, [0.8, 0.01 * i, 0.6], 3));
  const history = twoStyles(6);
  const excluded = new Set(history.swipes.map((s) => s.productId));
  const batch = rankBatch(base([...styles, ...blend], { history, excluded, size: 4 }));
  // Without the pull (α = 0) this batch is "ncnc": every one of a's turns goes to the blend.
  expect(batch.cards.map((card) => card.productId[0]).join('')).toBe('acac');
});

test('a taste-shift reset: the next page is one central card of each of 20 clusters, and says so', () => {
  // 60 style products in 20 clusters of 3 (offsets 0, 0.05, 0.1 on the third axis: the middle one is central).
  const items = Array.from({ length: 60 }, (_, i) => {
    const c = Math.floor(i / 3);
    const angle = (2 * Math.PI * c) / 20;
    return item(`p${String(i).padStart(3, '0')}`, [Math.cos(angle), Math.sin(angle), 0.05 * (i % 3)], c);
  });
  const pages: HistorySwipe[] = [];
  // Page 1 and 2: 16 and 14 likes of 20; page 3: 3 likes (the taste changed).
  for (const [page, likes] of [
    [0, 16],
    [1, 14],
    [2, 3],
  ] as const) {
    for (let i = 0; i < 20; i++) {
      const row = (page * 20 + i) % 60;
      pages.push(swipe(`p${String(row).padStart(3, '0')}`, i < likes));
    }
  }
  const batch = rankBatch(
    base(items, {
      history: { swipes: pages, photos: [], onboardingVector: null },
      excluded: new Set(),
      size: 20,
    }),
  );
  expect(batch.mode).toBe('exploring');
  const clusterCards = batch.cards.filter((card) => card.factors.placement === 'cluster');
  expect(RESET_EXPLORATION_CARDS).toBe(20);
  expect(clusterCards).toHaveLength(20);
  expect(new Set(clusterCards.map((card) => card.factors.cluster)).size).toBe(20);
  // Each cluster's most central card, p(3c + 1), not the card the old model scores best there.
  for (const card of clusterCards) expect(Number(card.productId.slice(1)) % 3).toBe(1);
  expect(batch.cards.every((card) => card.factors.reset)).toBe(true);
  // Without the third page's drop there is no reset.
  const calm = rankBatch(
    base(items, { history: { swipes: pages.slice(0, 40), photos: [], onboardingVector: null }, size: 20 }),
  );
  expect(calm.mode).toBe('personalized');
  expect(calm.cards.some((card) => card.factors.reset)).toBe(false);
});

test('trending (no signal, no clusters): popularity then freshness, ties by id', () => {
  const events: TrendingEvent[] = Array.from({ length: 5 }, (_, i) => ({
    productId: `b${pad(i + 1)}`,
    kind: 'like' as const,
    at: NOW,
    count: 5 - i,
  }));
  const newer = styles.map((entry) =>
    entry.product.id === 'c10' ? { ...entry, product: { ...entry.product, createdAt: NOW } } : entry,
  );
  const batch = rankBatch(base(newer, { history: null, trending: trendingStats(events, [], NOW), size: 8 }));
  expect(batch.mode).toBe('trending');
  // Popularity 5…1 normalised over [0, 5] (the rest have none): b01 0.8·1, b02 0.64, b03 0.48, b04 0.32; c10
  // (created now, freshness normalised to 1) 0.2 beats b05's 0.8·0.2 = 0.16; then the rest (all 0) by id.
  expect(batch.cards.map((card) => card.productId)).toEqual([
    'b01',
    'b02',
    'b03',
    'b04',
    'c10',
    'b05',
    'a01',
    'a02',
  ]);
  expect(
    batch.cards.every((card) => card.source === 'trending' && card.explanation === EXPLANATIONS.trending),
  ).toBe(true);
  // 0.8·1 + 0.2·0 (popularity normalised to 1; freshness: b01 is 7 days old, the minimum among candidates)
  expect(batch.cards[0]?.score).toBeCloseTo(0.8, 12);
});

test('a future creation date earns no freshness', () => {
  const future = styles.map((entry) =>
    entry.product.id === 'a05'
      ? { ...entry, product: { ...entry.product, createdAt: new Date(NOW.getTime() + DAY_MS) } }
      : entry,
  );
  const batch = rankBatch(base(future, { history: null, size: 30 }));
  const card = batch.cards.find((c) => c.productId === 'a05');
  expect(card?.factors.freshness).toBe(0);
  expect(batch.cards.at(-1)?.productId).toBe('a05');
});

test('shortfall ladder: the price window goes first, then revisits, and both are recorded', () => {
  const priced = styles.map((entry, i) => ({
    ...entry,
    product: { ...entry.product, price: i < 25 ? 50 : 900 },
  }));
  const history = { swipes: [swipe('a01', true), swipe('a02', true)], photos: [], onboardingVector: null };
  const priceProfile = { priceMin: 25, priceMax: 100, priceMedian: 50, priceStd: 0 };
  // 23 unswiped products in the window [12.5, 200] ≥ 20: the window holds.
  const held = rankBatch(
    base(priced, { history, priceProfile, excluded: new Set(['a01', 'a02']), size: 20 }),
  );
  expect(held.relaxations).toEqual([]);
  expect(
    held.cards.every((card) => priced.find((p) => p.product.id === card.productId)?.product.price === 50),
  ).toBe(true);
  // Asking for 60 of 30 products: the window is dropped (28 fresh), then the two swiped ones come back last.
  const batch = rankBatch(
    base(priced, { history, priceProfile, excluded: new Set(['a01', 'a02']), size: 60 }),
  );
  expect(batch.relaxations).toEqual(['price_window', 'revisits']);
  expect(batch.cards).toHaveLength(30);
  expect(
    batch.cards
      .slice(28)
      .map((card) => card.productId)
      .sort(),
  ).toEqual(['a01', 'a02']);
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
        excluded: flag(flagOneIn),
        liked: fc.boolean(),
      }),
      { minLength, maxLength },
    )
    .map((rows) =>
      rows.map((row, i) =>
        Object.assign(
          item(`id${String(i).padStart(4, '0')}`, row.vector, row.cluster, {
            price: row.price,
            category: row.category,
            createdAt: new Date(NOW.getTime() - row.ageDays * DAY_MS),
            archivedAt: row.archived ? CREATED : null,
          }),
          row,
        ),
      ),
    );

test('property: no archived card ever, no swiped or calibration card unless the ladder reached revisits; category holds; seeded runs repeat', () => {
  fc.assert(
    fc.property(
      arbitraryCatalogue(1, 150, 2),
      fc.option(fc.constantFrom(...CATEGORIES)),
      fc.integer({ min: 0, max: 3 }),
      fc.integer(),
      (rows, category, historyKind, seed) => {
        // Clusters must be 0…k−1 for the fixed clusterer: relabel densely.
        const labels = [...new Set(rows.map((r) => r.cluster))];
        const items = rows.map((r) => ({ ...r, cluster: labels.indexOf(r.cluster) }));
        const excluded = rows.filter((r) => r.excluded).map((r) => r.product.id);
        const swipes =
          historyKind === 0
            ? []
            : excluded.map((id, i) =>
                swipe(id, rows.find((r) => r.product.id === id)?.liked ?? false, i % 2 === 0),
              );
        const input = () =>
          base(items, {
            history: historyKind === 3 ? null : { swipes, photos: [], onboardingVector: null },
            priceProfile: { priceMin: 20, priceMax: 100, priceMedian: 50, priceStd: 5 },
            excluded: new Set(excluded),
            category: category ?? undefined,
            random: seededRandom(seed),
          });
        const batch = rankBatch(input());
        const byId = new Map(rows.map((r) => [r.product.id, r]));
        expect(new Set(batch.cards.map((c) => c.productId)).size).toBe(batch.cards.length);
        for (const card of batch.cards) {
          const row = byId.get(card.productId);
          expect(row?.archived).toBe(false);
          if (category) expect(row?.category).toBe(category);
          if (!batch.relaxations.includes('revisits')) expect(row?.excluded).toBe(false);
        }
        const eligible = rows.filter((r) => !r.archived && (!category || r.category === category));
        expect(batch.cards.length).toBe(Math.min(BATCH_SIZE, eligible.length));
        expect(rankBatch(input()).cards).toEqual(batch.cards);
      },
    ),
    { seed: 1401, numRuns: 120 },
  );
});

test('the pruned Thompson scan picks exactly what scoring every candidate under each draw picks', () => {
  // 400 products in 24-D (24 axes: the pruning bound takes 8 exactly and bounds the other 16), two categories.
  // The user liked three products of one style and disliked others; the batch is asked in the other category,
  // far from the taste, where every mean lies within the draw's slack and most rows are skipped by their own bound.
  const random = seededRandom(11);
  const centres = Array.from({ length: 8 }, () => Array.from({ length: 24 }, () => random.normal()));
  const items = Array.from({ length: 400 }, (_, i) =>
    item(
      `p${String(i).padStart(3, '0')}`,
      (centres[i % 8] as number[]).map((x) => x + 0.7 * random.normal()),
      i % 8,
      { category: i % 2 === 0 ? 'tops' : 'shoes' },
    ),
  );
  const history = {
    swipes: [
      ...[0, 8, 16].map((i) => swipe(`p${String(i).padStart(3, '0')}`, true)),
      ...[1, 3, 5, 7, 9, 11, 13].map((i) => swipe(`p${String(i).padStart(3, '0')}`, false)),
    ],
    photos: [],
    onboardingVector: null,
  };
  const input = base(items, {
    history,
    excluded: new Set(history.swipes.map((s) => s.productId)),
    category: 'shoes',
    size: 40,
    random: seededRandom(5),
  });
  const batch = rankBatch(input);
  const state = tasteState(input.space, catalogueRows(input.products), history);
  expect(state.interests.length).toBeLessThan(2); // one model's draws alone place the cards
  const k = input.space.projection.k;
  expect(k).toBe(24);
  const draws = seededRandom(5);
  const taken = new Set<number>();
  const expected: string[] = [];
  for (let slot = 0; slot < 40; slot++) {
    const draw = sampleTasteModel(state.model, draws);
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    input.products.forEach((product, row) => {
      if (product.category !== 'shoes' || taken.has(row) || input.excluded.has(product.id)) return;
      const score = logit(draw, input.space.z, row * k);
      if (score > bestScore) {
        bestScore = score;
        best = row;
      }
    });
    taken.add(best);
    expected.push((input.products[best] as RankProduct).id);
  }
  expect(batch.cards.map((card) => card.productId)).toEqual(expected);
});
