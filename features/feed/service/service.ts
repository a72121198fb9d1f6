import {
  type CatalogVectors,
  catalogVersionQuery,
  loadCatalogVectors,
  type RankableProduct,
} from '@/features/catalog/service/service';
import { type Clock, DAY_MS, systemClock } from '@/features/core/clock/clock';
import { uuidv7 } from '@/features/core/database/uuid';
import { DomainError, notFound } from '@/features/core/errors/errors';
import { describeError, logger } from '@/features/core/logger/logger';
import { swipedProductIds, trendingEngagement } from '@/features/feedback/service/service';
import {
  feedModeFor,
  getProfile,
  profileVersionQuery,
  type StyleProfile,
} from '@/features/profiles/service/service';
import { getActiveClusters, nearestActiveClusters } from '@/features/styles/service/service';
import type { FeedBatchRow, StoredCard } from '../repository/feed.table';
import * as repository from '../repository/repository';
import type { FeedQuery, PublicFeedDecisions, PublicFeedItem, PublicFeedPage } from '../schemas/schemas';
import {
  BATCH_TTL_MS,
  decodeFeedCursor,
  encodeFeedCursor,
  type FeedCursor,
  servedInSession,
} from '../utils/paging';
import { type RankClusters, type RankedBatch, rankBatch } from '../utils/rank';
import { type TrendingEventKind, type TrendingStats, trendingStats } from '../utils/trending';

// GET /api/feed (PRODUCT.md §6): a batch of 60 is ranked once, stored, and paged by cursor; every served card
// is recorded with the factors that placed it.

export const DECISION_RETENTION_DAYS = 90;
/** What a stored page is checked against, read in its own statement (one constant: its statement is prepared). */
const storedPageChecks: repository.StoredPageChecks = {
  profileVersion: profileVersionQuery,
  catalogVersion: catalogVersionQuery,
};
const TRENDING_LOOKBACK_DAYS = 90;
const TRENDING_TTL_MS = 60_000;
const PURGE_INTERVAL_MS = 3_600_000;

// The catalogue by id, built once per loaded catalogue (it is cached under its version between requests).
const byIdCache = new WeakMap<object, Map<string, RankableProduct>>();

function productsById(catalogue: { products: RankableProduct[] }): Map<string, RankableProduct> {
  let byId = byIdCache.get(catalogue);
  if (!byId) {
    byId = new Map(catalogue.products.map((product) => [product.id, product]));
    byIdCache.set(catalogue, byId);
  }
  return byId;
}

let trendingCache: { at: number; stats: TrendingStats } | undefined;

/** Trending popularity over the last 90 days, recomputed at most once a minute per process. */
async function currentTrending(now: Date): Promise<TrendingStats> {
  if (trendingCache && Math.abs(now.getTime() - trendingCache.at) < TRENDING_TTL_MS)
    return trendingCache.stats;
  const { events, impressions } = await trendingEngagement(
    new Date(now.getTime() - TRENDING_LOOKBACK_DAYS * DAY_MS),
  );
  const stats = trendingStats(
    events.map((event) => ({ ...event, kind: event.kind as TrendingEventKind })),
    impressions,
    now,
  );
  trendingCache = { at: now.getTime(), stats };
  return stats;
}

// Cluster index → prior, built once per active run (getActiveClusters caches the run's object).
const priorsCache = new WeakMap<object, ReadonlyMap<number, number>>();

async function clusterView(vector: Float32Array | null): Promise<RankClusters | null> {
  const active = await getActiveClusters();
  if (!active) return null;
  let priors = priorsCache.get(active);
  if (!priors) {
    priors = new Map(active.clusters.map((cluster) => [cluster.index, cluster.prior]));
    priorsCache.set(active, priors);
  }
  return {
    assignment: active.assignment,
    priors,
    diversity: vector ? nearestActiveClusters(active, vector, 5).slice(3, 5) : [],
  };
}

let lastPurge = 0;

/** Deletes decisions (and their batches) older than 90 days; returns how many decisions went. */
export async function purgeFeedDecisions(clock: Clock = systemClock): Promise<number> {
  lastPurge = clock.now().getTime();
  return repository.purgeFeedHistory({
    before: new Date(clock.now().getTime() - DECISION_RETENTION_DAYS * DAY_MS),
  });
}

function purgeNowAndThen(clock: Clock): void {
  if (clock.now().getTime() - lastPurge < PURGE_INTERVAL_MS) return;
  purgeFeedDecisions(clock).catch((error) => logger.error('feed: purge failed', describeError(error)));
}

function toStoredCards(batch: RankedBatch): StoredCard[] {
  return batch.cards.map((card) => ({
    productId: card.productId,
    source: card.source,
    score: card.score,
    explanation: card.explanation,
    ...card.factors,
  }));
}

/** Ranks a new batch: the row to store (with the first page it serves), not stored yet. */
async function rankNewBatch(input: {
  userId: string;
  profile: StyleProfile | null;
  category: string | null;
  catalogue: CatalogVectors;
  /** The batch this one continues: its product ids (at least up to `offset`) and what it kept out. */
  previous: { productIds: readonly string[]; servedBefore: readonly string[] } | undefined;
  offset: number;
  clock: Clock;
}): Promise<FeedBatchRow> {
  const now = input.clock.now();
  const { profile } = input;
  const mode = feedModeFor(profile);
  const [swiped, trending, clusters] = await Promise.all([
    swipedProductIds(input.userId),
    currentTrending(now),
    clusterView(mode === 'trending' ? null : (profile?.vector ?? null)),
  ]);
  const servedBefore = servedInSession(input.previous, input.offset);
  const ranked = rankBatch({
    mode,
    products: input.catalogue.products,
    profile: profile && { vector: profile.vector, priceProfile: profile.priceProfile },
    clusters,
    trending,
    swiped,
    served: new Set(servedBefore),
    category: input.category ?? undefined,
    clock: input.clock,
  });
  purgeNowAndThen(input.clock);
  return {
    id: uuidv7(now.getTime()),
    userId: input.userId,
    mode,
    profileVersion: profile?.version ?? 0,
    category: input.category,
    cards: toStoredCards(ranked),
    relaxations: ranked.relaxations,
    servedBefore,
    servedCount: 0,
    createdAt: now,
    updatedAt: now,
  };
}

function toFeedItem(product: RankableProduct, card: StoredCard, position: number): PublicFeedItem {
  return {
    id: product.id,
    title: product.title,
    price: product.priceText,
    currency: product.currency,
    category: product.category,
    productUrl: product.productUrl,
    imageUrl: product.imageUrl,
    score: card.score,
    explanation: card.explanation,
    source: card.source,
    position,
  };
}

export async function getFeed(
  userId: string,
  query: FeedQuery,
  clock: Clock = systemClock,
): Promise<PublicFeedPage> {
  let cursor: FeedCursor | undefined;
  if (query.cursor !== undefined) {
    cursor = decodeFeedCursor(query.cursor);
    if (!cursor) {
      throw new DomainError('invalid', 'The cursor is not valid.', {
        errors: [{ path: 'query.cursor', message: 'is not a cursor from this API' }],
      });
    }
  }
  const category = query.category ?? null;
  const now = clock.now();
  // A page from a stored batch is one statement: the batch checks it can still serve the page (its category,
  // size, profile version and age) and records it. A batch that is not this user's (or was purged) starts a
  // fresh session, like no cursor at all; one that cannot serve the page is followed by a new batch that keeps
  // out what the session has served.
  const pageIds = Array.from({ length: query.pageSize }, () => uuidv7(now.getTime()));
  const stored =
    cursor &&
    (await repository.serveStoredPage(
      {
        userId,
        id: cursor.batchId,
        offset: cursor.offset,
        pageSize: query.pageSize,
        category,
        staleBefore: new Date(now.getTime() - BATCH_TTL_MS),
        ids: pageIds,
        servedAt: now,
      },
      storedPageChecks,
    ));
  if (stored && cursor && stored.verdict === null) {
    const catalogue = await loadCatalogVectors(stored.catalogVersion);
    const items = toFeedItems(catalogue, stored.cards, cursor.offset);
    // Cards whose product left the catalogue since the batch was ranked are not served: their records go.
    const products = productsById(catalogue);
    const unserved = stored.cards.flatMap((card, index) =>
      products.has(card.productId) ? [] : [pageIds[index] as string],
    );
    await repository.forgetDecisions({ ids: unserved });
    return feedPage(stored, items, cursor.offset + stored.cards.length);
  }

  const offset = stored && cursor ? cursor.offset : 0;
  const [profile, catalogue, previous] = await Promise.all([
    getProfile(userId),
    loadCatalogVectors(),
    stored && repository.findServedInBatch({ userId, id: stored.id, offset }),
  ]);
  const batch = await rankNewBatch({ userId, profile, category, catalogue, previous, offset, clock });
  const cards = batch.cards.slice(0, query.pageSize);
  await repository.insertFeedBatch(batch, { servedCount: cards.length, ids: pageIds, servedAt: now });
  return feedPage(
    { id: batch.id, mode: batch.mode, size: batch.cards.length },
    toFeedItems(catalogue, cards, 0),
    cards.length,
  );
}

/** The page's items: a card whose product is no longer in the catalogue (archived since) leaves the feed now. */
function toFeedItems(
  catalogue: CatalogVectors,
  cards: readonly StoredCard[],
  offset: number,
): PublicFeedItem[] {
  const products = productsById(catalogue);
  const items: PublicFeedItem[] = [];
  for (const [index, card] of cards.entries()) {
    const product = products.get(card.productId);
    if (product) items.push(toFeedItem(product, card, offset + index + 1));
  }
  return items;
}

function feedPage(
  batch: { id: string; mode: string; size: number },
  items: PublicFeedItem[],
  end: number,
): PublicFeedPage {
  return {
    items,
    nextCursor: batch.size === 0 ? null : encodeFeedCursor({ batchId: batch.id, offset: end }),
    feedMode: batch.mode as PublicFeedPage['feedMode'],
    batchId: batch.id,
  };
}

export async function getFeedDecisions(userId: string, batchId: string): Promise<PublicFeedDecisions> {
  const batch = await repository.findFeedBatch({ userId, id: batchId });
  if (!batch) throw notFound('No such feed batch.');
  const rows = await repository.listFeedDecisions({ batchId });
  return {
    batchId: batch.id,
    feedMode: batch.mode as PublicFeedDecisions['feedMode'],
    createdAt: batch.createdAt.toISOString(),
    relaxations: batch.relaxations as PublicFeedDecisions['relaxations'],
    items: rows.map((row) => ({
      productId: row.productId,
      position: row.position,
      source: row.source as StoredCard['source'],
      score: row.score,
      explanation: row.explanation,
      factors: {
        cosine: row.cosine,
        cluster: row.cluster,
        prior: row.prior,
        priceScore: row.priceScore,
        freshness: row.freshness,
        popularity: row.popularity,
      },
      servedAt: row.createdAt.toISOString(),
    })),
  };
}
