import type { Clock } from '@/features/core/clock/clock';
import { normalise } from '@/features/core/maths/vector';
import {
  EXPLANATIONS,
  type Explanation,
  explain,
  freshness,
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

/** The k best of `items` under `compare`, in order, without sorting everything. */
export function topK<T>(items: readonly T[], k: number, compare: (a: T, b: T) => number): T[] {
  if (items.length <= 4 * k) return [...items].sort(compare).slice(0, k);
  const best: T[] = [];
  for (const item of items) {
    if (best.length === k && compare(item, best[k - 1] as T) >= 0) continue;
    let low = 0;
    let high = best.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compare(item, best[middle] as T) < 0) high = middle;
      else low = middle + 1;
    }
    best.splice(low, 0, item);
    if (best.length > k) best.pop();
  }
  return best;
}

// 1/|v| per product vector, computed once per vector object (catalogue vectors are cached between requests).
const inverseNorms = new WeakMap<Float32Array, number>();

function inverseNorm(vector: Float32Array): number {
  let inverse = inverseNorms.get(vector);
  if (inverse === undefined) {
    let squared = 0;
    for (let i = 0; i < vector.length; i++) squared += (vector[i] as number) * (vector[i] as number);
    inverse = squared === 0 ? 0 : 1 / Math.sqrt(squared);
    inverseNorms.set(vector, inverse);
  }
  return inverse;
}

/** Cosine of a unit query against a product vector (NaN for another model's dimensions: never comparable). */
function cosineToUnit(unit: Float32Array, vector: Float32Array): number {
  const n = unit.length;
  if (vector.length !== n) return Number.NaN;
  let a = 0;
  let b = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    a += (unit[i] as number) * (vector[i] as number);
    b += (unit[i + 1] as number) * (vector[i + 1] as number);
  }
  if (i < n) a += (unit[i] as number) * (vector[i] as number);
  return (a + b) * inverseNorm(vector);
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

function personalPools(
  products: readonly RankProduct[],
  profile: RankProfile & { vector: Float32Array },
  clusters: RankClusters | null,
  useWindow: boolean,
  now: Date,
) {
  const unit = normalise(profile.vector);
  const window = useWindow ? priceWindow(profile.priceProfile) : null;
  const diversityClusters = new Set(clusters?.diversity ?? []);
  const primary: {
    id: string;
    score: number;
    product: RankProduct;
    cosine: number;
    cluster: number | null;
  }[] = [];
  const diversity: typeof primary = [];
  for (const product of products) {
    if (window && (product.price < window.low || product.price > window.high)) continue;
    const cosine = cosineToUnit(unit, product.vector);
    if (!(cosine >= MIN_COSINE)) continue;
    const cluster = clusters?.assignment.get(product.id) ?? null;
    const entry = { id: product.id, score: cosine, product, cosine, cluster };
    (cluster !== null && diversityClusters.has(cluster) ? diversity : primary).push(entry);
  }
  const topPrimary = topK(primary, MAX_CANDIDATES, byScoreThenId);
  const topDiversity = topK(diversity, MAX_CANDIDATES, byScoreThenId);

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
  products: readonly RankProduct[],
  input: RankInput,
  unit: Float32Array | null,
  k: number,
  now: Date,
): Scored[] {
  // Typed arrays and indexes: this runs over the whole catalogue on every new batch.
  const n = products.length;
  const popularity = new Float64Array(n);
  const fresh = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const product = products[i] as RankProduct;
    popularity[i] = popularityOf(input.trending, product.id);
    fresh[i] = freshness(product.createdAt, now);
  }
  const nPopularity = Float64Array.from(popularity);
  const nFresh = Float64Array.from(fresh);
  normaliseInPlace(nPopularity);
  normaliseInPlace(nFresh);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++)
    scores[i] = trendingScore({ popularity: nPopularity[i] as number, freshness: nFresh[i] as number });
  const indexes = Array.from({ length: n }, (_, i) => i);
  const best = topK(indexes, k, (a, b) => {
    const byScore = (scores[b] as number) - (scores[a] as number);
    if (byScore !== 0) return byScore;
    const idA = (products[a] as RankProduct).id;
    const idB = (products[b] as RankProduct).id;
    return idA < idB ? -1 : idA > idB ? 1 : 0;
  });
  return best.map((index): Scored => {
    const product = products[index] as RankProduct;
    const cluster = input.clusters?.assignment.get(product.id) ?? null;
    return {
      id: product.id,
      score: scores[index] as number,
      source: 'trending',
      explanation: EXPLANATIONS.trending,
      factors: {
        cosine: unit ? cosineToUnit(unit, product.vector) : null,
        cluster,
        prior: cluster === null ? null : (input.clusters?.priors.get(cluster) ?? null),
        priceScore: input.profile?.priceProfile
          ? priceAffinity(product.price, input.profile.priceProfile)
          : null,
        freshness: fresh[index] as number,
        popularity: popularity[index] as number,
      },
    };
  });
}

function buildPools(
  products: readonly RankProduct[],
  input: RankInput,
  size: number,
  layout: readonly CardSource[],
  relaxations: Relaxation[],
  now: Date,
): Pools {
  const vector = input.mode === 'trending' ? null : (input.profile?.vector ?? null);
  let personal = { primary: [] as Scored[], diversity: [] as Scored[] };
  if (vector && input.profile) {
    const profile = { ...input.profile, vector };
    const needed = layout.filter((source) => source !== 'trending').length;
    const hasWindow = priceWindow(profile.priceProfile) !== null;
    personal = personalPools(products, profile, input.clusters, hasWindow, now);
    if (hasWindow && personal.primary.length + personal.diversity.length < needed) {
      relaxations.push('price_window');
      personal = personalPools(products, profile, input.clusters, false, now);
    }
  }
  const unit = vector ? normalise(vector) : null;
  const trending = trendingPool(
    products,
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

export function rankBatch(input: RankInput): RankedBatch {
  const now = input.clock.now();
  const size = input.size ?? BATCH_SIZE;
  const served = input.served ?? new Set<string>();
  const inCategory = input.products.filter(
    (product) => !product.archivedAt && (!input.category || product.category === input.category),
  );
  const fresh = inCategory.filter((product) => !input.swiped.has(product.id) && !served.has(product.id));
  const layout = slotLayout(input.mode, size);
  const relaxations: Relaxation[] = [];
  const cards: RankedCard[] = [];
  const taken = new Set<string>();

  fill(cards, layout, buildPools(fresh, input, size, layout, relaxations, now), taken);
  if (cards.length < size && inCategory.length > fresh.length) {
    // Last rung: the user has seen everything that matches; show swiped and served products again.
    relaxations.push('revisits');
    const again = inCategory.filter((product) => !taken.has(product.id));
    const revisitLayout = layout.slice(cards.length);
    const pools = buildPools(again, input, revisitLayout.length, revisitLayout, relaxations, now);
    fill(cards, layout, pools, taken);
  }
  return { mode: input.mode, cards, relaxations: [...new Set(relaxations)] };
}
