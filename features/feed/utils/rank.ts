import type { Clock } from '@/features/core/clock/clock';
import { normalise } from '@/features/core/maths/vector';
import {
  EXPLANATIONS,
  type Explanation,
  explain,
  freshness,
  halfLifeDecay,
  MIN_SPREAD,
  minMaxNormalise,
  type PriceProfile,
  personalScore,
  priceAffinity,
  priceWindow,
  trendingScore,
} from './scoring';
import { popularityOf, type TrendingStats } from './trending';

// One batch of the feed, as a pure function of the catalogue, the profile, the clusters, trending and a clock
// (PRODUCT.md §6). Same inputs, same cards in the same order: every tie breaks on the product id.

export const BATCH_SIZE = 60;
export const BLOCK_SIZE = 20;
export const MIN_COSINE = 0.2;
export const MAX_CANDIDATES = 100;

export type FeedMode = 'trending' | 'hybrid' | 'personalized';
export type CardSource = 'primary' | 'diversity' | 'trending';
/** Steps of the shortfall ladder, in the order they are taken. */
export type Relaxation = 'price_window' | 'revisits';

/** Fixed offsets inside every block of 20 (0-based). */
export const DIVERSITY_OFFSETS = [4, 11, 17] as const;
/** Hybrid: 60 % personalised (9 primary + 3 diversity), 8 trending. */
export const HYBRID_TRENDING_OFFSETS = [1, 3, 6, 8, 10, 13, 15, 18] as const;
/** Personalised: two trending "discovery" cards a block. */
export const DISCOVERY_OFFSETS = [8, 14] as const;

export interface RankProduct {
  id: string;
  price: number;
  category: string;
  createdAt: Date;
  vector: Float32Array;
  /** Archived products never reach a batch (the catalogue leaves them out already; this holds regardless). */
  archivedAt?: Date | null;
}

export interface RankProfile {
  vector: Float32Array | null;
  priceProfile: PriceProfile | null;
}

export interface RankClusters {
  /** Product id → cluster index in the active run. */
  assignment: ReadonlyMap<string, number>;
  /** Cluster index → prior (its share of the catalogue). */
  priors: ReadonlyMap<number, number>;
  /** The 4th and 5th nearest clusters to the style vector: the diversity clusters. */
  diversity: readonly number[];
}

export interface RankInput {
  mode: FeedMode;
  products: readonly RankProduct[];
  profile: RankProfile | null;
  clusters: RankClusters | null;
  trending: TrendingStats;
  /** Products the user swiped (liked, disliked, saved): never served unless the ladder reaches revisits. */
  swiped: ReadonlySet<string>;
  /** Products already served earlier in this paging session: not served again unless revisiting. */
  served?: ReadonlySet<string>;
  category?: string | undefined;
  size?: number;
  clock: Clock;
}

export interface CardFactors {
  cosine: number | null;
  cluster: number | null;
  prior: number | null;
  priceScore: number | null;
  freshness: number;
  popularity: number | null;
}

export interface RankedCard {
  productId: string;
  source: CardSource;
  score: number;
  explanation: Explanation;
  factors: CardFactors;
}

export interface RankedBatch {
  mode: FeedMode;
  cards: RankedCard[];
  relaxations: Relaxation[];
}

/** The source each position of a batch asks for. */
export function slotLayout(mode: FeedMode, size: number): CardSource[] {
  return Array.from({ length: size }, (_, index) => {
    if (mode === 'trending') return 'trending';
    const offset = index % BLOCK_SIZE;
    if ((DIVERSITY_OFFSETS as readonly number[]).includes(offset)) return 'diversity';
    const trendingOffsets: readonly number[] =
      mode === 'hybrid' ? HYBRID_TRENDING_OFFSETS : DISCOVERY_OFFSETS;
    return trendingOffsets.includes(offset) ? 'trending' : 'primary';
  });
}

const FALLBACK: Record<CardSource, CardSource[]> = {
  primary: ['primary', 'trending', 'diversity'],
  diversity: ['diversity', 'primary', 'trending'],
  trending: ['trending', 'primary', 'diversity'],
};

const byScoreThenId = (a: { score: number; id: string }, b: { score: number; id: string }) =>
  b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

// The catalogue as flat typed arrays, built once per products array (the catalogue service caches its array under
// the catalogue version, so a new batch scans contiguous rows instead of 10^4 objects). The array and its
// products are treated as immutable; a different length rebuilds the index.
interface CatalogueIndex {
  size: number;
  ids: string[];
  /** Catalogue position of every id (null when some id repeats: exclusions then scan the rows). */
  positionOf: Map<string, number> | null;
  /** Row-major vectors, `stride` floats a row; `lengths` keeps each vector's own length. */
  matrix: Float32Array;
  stride: number;
  lengths: Int32Array;
  inverseNorms: Float64Array;
  prices: Float64Array;
  createdAtMs: Float64Array;
  categories: string[];
  archived: Uint8Array;
  /** Cluster per row for an assignment map (NaN: none), and popularity per row for trending stats. */
  clustersFor: WeakMap<ReadonlyMap<string, number>, Float64Array>;
  popularityFor: WeakMap<TrendingStats, Float64Array>;
}

const catalogueIndexes = new WeakMap<readonly RankProduct[], CatalogueIndex>();

function buildCatalogueIndex(products: readonly RankProduct[]): CatalogueIndex {
  const size = products.length;
  let stride = 0;
  for (const product of products) stride = Math.max(stride, product.vector.length);
  const matrix = new Float32Array(size * stride);
  const lengths = new Int32Array(size);
  const inverseNorms = new Float64Array(size);
  const prices = new Float64Array(size);
  const createdAtMs = new Float64Array(size);
  const archived = new Uint8Array(size);
  const ids: string[] = [];
  const categories: string[] = [];
  let positionOf: Map<string, number> | null = new Map();
  for (let row = 0; row < size; row++) {
    const product = products[row] as RankProduct;
    const vector = product.vector;
    matrix.set(vector, row * stride);
    lengths[row] = vector.length;
    let squared = 0;
    for (let i = 0; i < vector.length; i++) squared += (vector[i] as number) * (vector[i] as number);
    inverseNorms[row] = squared === 0 ? 0 : 1 / Math.sqrt(squared);
    prices[row] = product.price;
    createdAtMs[row] = product.createdAt.getTime();
    archived[row] = product.archivedAt ? 1 : 0;
    ids.push(product.id);
    categories.push(product.category);
    if (positionOf?.has(product.id)) positionOf = null;
    else positionOf?.set(product.id, row);
  }
  return {
    size,
    ids,
    positionOf,
    matrix,
    stride,
    lengths,
    inverseNorms,
    prices,
    createdAtMs,
    categories,
    archived,
    clustersFor: new WeakMap(),
    popularityFor: new WeakMap(),
  };
}

function catalogueIndex(products: readonly RankProduct[]): CatalogueIndex {
  let index = catalogueIndexes.get(products);
  if (!index || index.size !== products.length) {
    index = buildCatalogueIndex(products);
    catalogueIndexes.set(products, index);
  }
  return index;
}

function clusterRows(index: CatalogueIndex, clusters: RankClusters | null): Float64Array | null {
  if (!clusters) return null;
  let rows = index.clustersFor.get(clusters.assignment);
  if (!rows) {
    rows = new Float64Array(index.size);
    for (let row = 0; row < index.size; row++)
      rows[row] = clusters.assignment.get(index.ids[row] as string) ?? Number.NaN;
    index.clustersFor.set(clusters.assignment, rows);
  }
  return rows;
}

function popularityRows(index: CatalogueIndex, stats: TrendingStats): Float64Array {
  let rows = index.popularityFor.get(stats);
  if (!rows) {
    rows = new Float64Array(index.size);
    for (let row = 0; row < index.size; row++) rows[row] = popularityOf(stats, index.ids[row] as string);
    index.popularityFor.set(stats, rows);
  }
  return rows;
}

/** Cosine of a unit query against a catalogue row (NaN for another model's dimensions: never comparable). */
function cosineAt(index: CatalogueIndex, row: number, unit: Float64Array): number {
  const n = unit.length;
  if (index.lengths[row] !== n) return Number.NaN;
  const matrix = index.matrix;
  const base = row * index.stride;
  let a = 0;
  let b = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    a += (unit[i] as number) * (matrix[base + i] as number);
    b += (unit[i + 1] as number) * (matrix[base + i + 1] as number);
  }
  if (i < n) a += (unit[i] as number) * (matrix[base + i] as number);
  return (a + b) * (index.inverseNorms[row] as number);
}

/** byScoreThenId over parallel arrays: entry j has score[j] and the id of catalogue row rows[j]. */
function compareEntries(
  score: Float64Array,
  rows: Int32Array,
  ids: readonly string[],
  a: number,
  b: number,
): number {
  const byScore = (score[b] as number) - (score[a] as number);
  if (byScore) return byScore;
  const idA = ids[rows[a] as number] as string;
  const idB = ids[rows[b] as number] as string;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** The k best of the first `count` entries, in order (a bounded insertion list: no full sort, no objects). */
function selectBest(
  k: number,
  count: number,
  score: Float64Array,
  rows: Int32Array,
  ids: readonly string[],
): number[] {
  const best: number[] = [];
  if (k <= 0) return best;
  for (let entry = 0; entry < count; entry++) {
    if (best.length === k && compareEntries(score, rows, ids, entry, best[k - 1] as number) >= 0) continue;
    let low = 0;
    let high = best.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compareEntries(score, rows, ids, entry, best[middle] as number) < 0) high = middle;
      else low = middle + 1;
    }
    best.splice(low, 0, entry);
    if (best.length > k) best.pop();
  }
  return best;
}

interface Scored {
  id: string;
  score: number;
  source: CardSource;
  explanation: Explanation;
  factors: CardFactors;
}

interface Pools {
  primary: Scored[];
  diversity: Scored[];
  trending: Scored[];
}

/** Catalogue rows still in play for one ranking pass. */
interface Rows {
  rows: Int32Array;
  count: number;
}

function personalPools(
  index: CatalogueIndex,
  products: readonly RankProduct[],
  candidates: Rows,
  profile: RankProfile & { vector: Float32Array },
  clusters: RankClusters | null,
  useWindow: boolean,
  now: Date,
) {
  const unit = Float64Array.from(normalise(profile.vector));
  const window = useWindow ? priceWindow(profile.priceProfile) : null;
  const diversityClusters = new Set(clusters?.diversity ?? []);
  const clusterOf = clusterRows(index, clusters);
  const primaryRows = new Int32Array(candidates.count);
  const primaryScore = new Float64Array(candidates.count);
  const diversityRows = new Int32Array(candidates.count);
  const diversityScore = new Float64Array(candidates.count);
  let primaryCount = 0;
  let diversityCount = 0;
  for (let j = 0; j < candidates.count; j++) {
    const row = candidates.rows[j] as number;
    if (window) {
      const price = index.prices[row] as number;
      if (price < window.low || price > window.high) continue;
    }
    const cosine = cosineAt(index, row, unit);
    if (!(cosine >= MIN_COSINE)) continue;
    const cluster = clusterOf ? (clusterOf[row] as number) : Number.NaN;
    if (!Number.isNaN(cluster) && diversityClusters.has(cluster)) {
      diversityRows[diversityCount] = row;
      diversityScore[diversityCount++] = cosine;
    } else {
      primaryRows[primaryCount] = row;
      primaryScore[primaryCount++] = cosine;
    }
  }
  const pick = (rows: Int32Array, score: Float64Array, count: number) =>
    selectBest(MAX_CANDIDATES, count, score, rows, index.ids).map((entry) => {
      const row = rows[entry] as number;
      const cluster = clusterOf ? (clusterOf[row] as number) : Number.NaN;
      return {
        id: index.ids[row] as string,
        product: products[row] as RankProduct,
        cosine: score[entry] as number,
        cluster: Number.isNaN(cluster) ? null : cluster,
      };
    });
  const topPrimary = pick(primaryRows, primaryScore, primaryCount);
  const topDiversity = pick(diversityRows, diversityScore, diversityCount);

  // Every factor is min-max normalised over the scored set (primary and diversity together).
  const scored = [...topPrimary, ...topDiversity];
  const raw = scored.map(({ product, cosine, cluster }) => ({
    cosine,
    cluster,
    prior: cluster === null ? 0 : (clusters?.priors.get(cluster) ?? 0),
    priceScore: priceAffinity(product.price, profile.priceProfile),
    freshness: freshness(product.createdAt, now),
  }));
  const n = {
    cosine: minMaxNormalise(raw.map((r) => r.cosine)),
    prior: minMaxNormalise(raw.map((r) => r.prior)),
    price: minMaxNormalise(raw.map((r) => r.priceScore)),
    freshness: minMaxNormalise(raw.map((r) => r.freshness)),
  };
  const cards = scored.map((entry, index): Scored => {
    const normalised = {
      cosine: n.cosine[index] as number,
      prior: n.prior[index] as number,
      price: n.price[index] as number,
      freshness: n.freshness[index] as number,
    };
    const factors = raw[index] as (typeof raw)[number];
    return {
      id: entry.id,
      score: personalScore(normalised),
      source: index < topPrimary.length ? 'primary' : 'diversity',
      explanation: explain(normalised),
      factors: { ...factors, popularity: null },
    };
  });
  return {
    primary: cards.slice(0, topPrimary.length).sort(byScoreThenId),
    diversity: cards.slice(topPrimary.length).sort(byScoreThenId),
  };
}

/** Min-max normalisation in place (the rule of minMaxNormalise, on a typed array). */
function normaliseInPlace(values: Float64Array): void {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const spread = max - min;
  for (let i = 0; i < values.length; i++)
    values[i] = spread >= MIN_SPREAD ? ((values[i] as number) - min) / spread : 0.5;
}

function trendingPool(
  index: CatalogueIndex,
  products: readonly RankProduct[],
  candidates: Rows,
  input: RankInput,
  unit: Float32Array | null,
  k: number,
  now: Date,
): Scored[] {
  // Typed arrays and rows: this runs over the whole catalogue on every new batch.
  const n = candidates.count;
  const rows = candidates.rows;
  const popularityOfRow = popularityRows(index, input.trending);
  const nowMs = now.getTime();
  const popularity = new Float64Array(n);
  const fresh = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const row = rows[j] as number;
    popularity[j] = popularityOfRow[row] as number;
    fresh[j] = halfLifeDecay(nowMs - (index.createdAtMs[row] as number));
  }
  const nPopularity = Float64Array.from(popularity);
  const nFresh = Float64Array.from(fresh);
  normaliseInPlace(nPopularity);
  normaliseInPlace(nFresh);
  const scores = new Float64Array(n);
  for (let j = 0; j < n; j++)
    scores[j] = trendingScore({ popularity: nPopularity[j] as number, freshness: nFresh[j] as number });
  const unitRow = unit && Float64Array.from(unit);
  return selectBest(k, n, scores, rows, index.ids).map((entry): Scored => {
    const row = rows[entry] as number;
    const product = products[row] as RankProduct;
    const cluster = input.clusters?.assignment.get(product.id) ?? null;
    return {
      id: product.id,
      score: scores[entry] as number,
      source: 'trending',
      explanation: EXPLANATIONS.trending,
      factors: {
        cosine: unitRow ? cosineAt(index, row, unitRow) : null,
        cluster,
        prior: cluster === null ? null : (input.clusters?.priors.get(cluster) ?? null),
        priceScore: input.profile?.priceProfile
          ? priceAffinity(product.price, input.profile.priceProfile)
          : null,
        freshness: fresh[entry] as number,
        popularity: popularity[entry] as number,
      },
    };
  });
}

function buildPools(
  index: CatalogueIndex,
  candidates: Rows,
  input: RankInput,
  size: number,
  layout: readonly CardSource[],
  relaxations: Relaxation[],
  now: Date,
): Pools {
  const products = input.products;
  const vector = input.mode === 'trending' ? null : (input.profile?.vector ?? null);
  let personal = { primary: [] as Scored[], diversity: [] as Scored[] };
  if (vector && input.profile) {
    const profile = { ...input.profile, vector };
    const needed = layout.filter((source) => source !== 'trending').length;
    const hasWindow = priceWindow(profile.priceProfile) !== null;
    personal = personalPools(index, products, candidates, profile, input.clusters, hasWindow, now);
    if (hasWindow && personal.primary.length + personal.diversity.length < needed) {
      relaxations.push('price_window');
      personal = personalPools(index, products, candidates, profile, input.clusters, false, now);
    }
  }
  const unit = vector ? normalise(vector) : null;
  const trending = trendingPool(
    index,
    products,
    candidates,
    input,
    unit,
    size + personal.primary.length + personal.diversity.length,
    now,
  );
  return { ...personal, trending };
}

function fill(cards: RankedCard[], layout: readonly CardSource[], pools: Pools, taken: Set<string>): void {
  const next = { primary: 0, diversity: 0, trending: 0 };
  const take = (source: CardSource): Scored | undefined => {
    const pool = pools[source];
    while (next[source] < pool.length) {
      const candidate = pool[next[source]++] as Scored;
      if (!taken.has(candidate.id)) return candidate;
    }
    return undefined;
  };
  while (cards.length < layout.length) {
    const wanted = layout[cards.length] as CardSource;
    let card: Scored | undefined;
    for (const source of FALLBACK[wanted]) {
      card = take(source);
      if (card) break;
    }
    if (!card) return;
    taken.add(card.id);
    cards.push({
      productId: card.id,
      source: card.source,
      score: card.score,
      explanation: card.explanation,
      factors: card.factors,
    });
  }
}

/** Rows of `index` that pass `keep`, in catalogue order. */
function rowsWhere(index: CatalogueIndex, from: Rows | null, keep: (row: number) => boolean): Rows {
  const count = from ? from.count : index.size;
  const rows = new Int32Array(count);
  let kept = 0;
  for (let j = 0; j < count; j++) {
    const row = from ? (from.rows[j] as number) : j;
    if (keep(row)) rows[kept++] = row;
  }
  return { rows, count: kept };
}

/** Rows of products the user swiped or was already served (by id). */
function excludedRows(index: CatalogueIndex, swiped: ReadonlySet<string>, served: ReadonlySet<string>) {
  const excluded = new Uint8Array(index.size);
  if (index.positionOf) {
    for (const ids of [swiped, served]) {
      for (const id of ids) {
        const row = index.positionOf.get(id);
        if (row !== undefined) excluded[row] = 1;
      }
    }
  } else {
    for (let row = 0; row < index.size; row++) {
      const id = index.ids[row] as string;
      if (swiped.has(id) || served.has(id)) excluded[row] = 1;
    }
  }
  return excluded;
}

export function rankBatch(input: RankInput): RankedBatch {
  const now = input.clock.now();
  const size = input.size ?? BATCH_SIZE;
  const served = input.served ?? new Set<string>();
  const index = catalogueIndex(input.products);
  const category = input.category;
  const inCategory = rowsWhere(
    index,
    null,
    (row) => index.archived[row] === 0 && (!category || index.categories[row] === category),
  );
  const excluded = excludedRows(index, input.swiped, served);
  const fresh = rowsWhere(index, inCategory, (row) => excluded[row] === 0);
  const layout = slotLayout(input.mode, size);
  const relaxations: Relaxation[] = [];
  const cards: RankedCard[] = [];
  const taken = new Set<string>();

  fill(cards, layout, buildPools(index, fresh, input, size, layout, relaxations, now), taken);
  if (cards.length < size && inCategory.count > fresh.count) {
    // Last rung: the user has seen everything that matches; show swiped and served products again.
    relaxations.push('revisits');
    const again = rowsWhere(index, inCategory, (row) => !taken.has(index.ids[row] as string));
    const revisitLayout = layout.slice(cards.length);
    const pools = buildPools(index, again, input, revisitLayout.length, revisitLayout, relaxations, now);
    fill(cards, layout, pools, taken);
  }
  return { mode: input.mode, cards, relaxations: [...new Set(relaxations)] };
}
