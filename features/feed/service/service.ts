import {
  type CatalogVectors,
  catalogVersionQuery,
  loadCatalogVectors,
  productsById,
  type RankableProduct,
  toProductCard,
} from '@/features/catalog/service/service';
import { type Clock, DAY_MS, systemClock } from '@/features/core/clock/clock';
import { uuidv7 } from '@/features/core/database/uuid';
import { notFound } from '@/features/core/errors/errors';
import { seededRandom } from '@/features/core/maths/random';
import { inSpanSync } from '@/features/core/tracing/tracing';
import { latestSwipeAt, swipeHistory, trendingEngagement } from '@/features/feedback/service/service';
import {
  getOnboardingRecord,
  getProfile,
  profileVersionQuery,
  type StyleProfile,
} from '@/features/profiles/service/service';
import { clusterPoints, getActiveClusters } from '@/features/styles/service/service';
import type { FeedBatchRow, StoredCard } from '../repository/feed.table';
import * as repository from '../repository/repository';
import type { FeedQuery, PublicFeedDecisions, PublicFeedItem, PublicFeedPage } from '../schemas/schemas';
import { servedPositions } from '../utils/decisions';
import { BATCH_TTL_MS, encodeFeedCursor, type FeedCursor, servedInSession } from '../utils/paging';
import { type HistorySwipe, type RankedBatch, rankBatch } from '../utils/rank';
import { RecentCache } from '../utils/recent-cache';
import { buildTasteSpace, type TasteSpace } from '../utils/taste-space';
import { type TrendingEventKind, type TrendingStats, trendingStats } from '../utils/trending';

// GET /api/feed (docs/product.md §6): a batch of 60 is ranked once, stored, and paged by cursor; every served card
// is recorded with the factors that placed it.

/** What a stored page is checked against, read in its own statement (one constant: its statement is prepared). */
const storedPageChecks: repository.StoredPageChecks = {
  profileVersion: profileVersionQuery,
  catalogVersion: catalogVersionQuery,
};
/**
 * The cards of the batches this process made or read recently (a batch's cards never change): a page from one of
 * them does not read them again. About 10 KB a batch; a batch outlives its TTL in no page, so neither here.
 */
const BATCH_CARDS_HELD = 1_000;
const batchCards = new RecentCache<readonly StoredCard[]>(BATCH_CARDS_HELD);

function holdCards(batchId: string, cards: readonly StoredCard[], until: number): readonly StoredCard[] {
  batchCards.set(batchId, cards, until);
  return cards;
}
const TRENDING_LOOKBACK_DAYS = 90;
const TRENDING_TTL_MS = 60_000;

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

// The catalogue on the learner's axes with its exploration clusters, built once per loaded catalogue (which is
// cached under its version): every user's batch shares it.
const spaces = new WeakMap<CatalogVectors, TasteSpace>();

function tasteSpaceOf(catalogue: CatalogVectors): TasteSpace {
  let space = spaces.get(catalogue);
  if (!space) {
    space = buildTasteSpace(
      catalogue.products.map((product) => product.vector),
      clusterPoints,
    );
    spaces.set(catalogue, space);
  }
  return space;
}

/** The seed of a batch's draws: the user, the swipes it learns from and the time (a fixed clock repeats it). */
function batchSeed(userId: string, swipes: number, at: Date): number {
  let hash = 2_166_136_261;
  for (const char of `${userId}:${swipes}:${at.getTime()}`)
    hash = Math.imul(hash ^ char.charCodeAt(0), 16_777_619);
  return hash >>> 0;
}

// The decision log's retention (server/retention.ts: 90 days). A batch serves pages for minutes, so its page
// records go in the same run.

/** Deletes the records of pages served before `before`. */
export function purgeServedPages(before: Date): Promise<number> {
  return repository.purgeServedPages({ before });
}

/** Deletes the batches ranked before `before`. */
export function purgeFeedBatches(before: Date): Promise<number> {
  return repository.purgeBatches({ before });
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
  const { profile, catalogue } = input;
  const byId = productsById(catalogue);
  const vectorOf = (id: string) => byId.get(id)?.vector;
  const [swipes, onboarding, trending, active] = await Promise.all([
    swipeHistory(input.userId),
    profile?.hasPhotos ? getOnboardingRecord(input.userId, vectorOf) : null,
    currentTrending(now),
    getActiveClusters(),
  ]);
  const comparable = onboarding?.modelId === catalogue.modelId ? onboarding : null;
  // Calibration answers are the first swipes the learner reads (PRODUCT.md §5); their cards never come back.
  const history: HistorySwipe[] = [
    ...(onboarding?.answers ?? []).map((answer) => ({ ...answer, calibration: true })),
    ...swipes.map((swipe) => ({ ...swipe, calibration: false })),
  ];
  const excluded = new Set([...swipes.map((swipe) => swipe.productId), ...(onboarding?.cardIds ?? [])]);
  const hasSignal = history.length > 0 || comparable !== null;
  const servedBefore = servedInSession(input.previous, input.offset);
  // The learner's fit and draws: the feed's heavy work, a span of its own when traced.
  const rank = () =>
    rankBatch({
      products: catalogue.products,
      space: tasteSpaceOf(catalogue),
      history:
        hasSignal || active
          ? {
              swipes: history,
              photos: comparable?.photos ?? [],
              onboardingVector: comparable?.vector ?? null,
            }
          : null,
      priceProfile: profile?.priceProfile ?? null,
      trending,
      excluded,
      served: new Set(servedBefore),
      category: input.category ?? undefined,
      clock: input.clock,
      random: seededRandom(batchSeed(input.userId, history.length, now)),
    });
  const ranked = inSpanSync(
    'rankBatch',
    { 'stylipp.feed.products': catalogue.products.length, 'stylipp.feed.swipes': history.length },
    rank,
  );
  return {
    id: uuidv7(now.getTime()),
    userId: input.userId,
    mode: ranked.mode,
    profileVersion: profile?.version ?? 0,
    category: input.category,
    cards: toStoredCards(ranked),
    relaxations: ranked.relaxations,
    servedBefore,
    size: ranked.cards.length,
    createdAt: now,
    updatedAt: now,
  };
}

function toFeedItem(product: RankableProduct, card: StoredCard, position: number): PublicFeedItem {
  return {
    ...toProductCard(product),
    score: card.score,
    explanation: card.explanation,
    source: publicSource(card.source),
    position,
  };
}

/**
 * Where a request without a cursor goes on from: the user's latest batch for this category, when it is live and
 * nothing it was ranked from has changed — younger than the TTL, not used up, no swipe or undo since it was
 * ranked (the profile version, checked when the page is served, lags a swipe until learning has run). A new
 * ranking would then add nothing but another stored batch: the session goes on where that batch's pages stopped.
 */
async function liveBatchCursor(
  userId: string,
  category: string | null,
  now: Date,
): Promise<FeedCursor | undefined> {
  const [latest, swipedAt] = await Promise.all([
    repository.findLatestBatch({ userId, category, since: new Date(now.getTime() - BATCH_TTL_MS) }),
    latestSwipeAt(userId),
  ]);
  if (!latest || latest.servedUpTo >= latest.size) return undefined;
  if (swipedAt && swipedAt.getTime() >= latest.createdAt.getTime()) return undefined;
  return { batchId: latest.id, offset: latest.servedUpTo };
}

export async function getFeed(
  userId: string,
  query: FeedQuery,
  clock: Clock = systemClock,
): Promise<PublicFeedPage> {
  const category = query.category ?? null;
  const now = clock.now();
  const startsSession = query.cursor === undefined;
  const cursor = query.cursor ?? (await liveBatchCursor(userId, category, now));
  // A page from a stored batch is one statement: the batch checks it can still serve the page (its category,
  // size, profile version and age) and records it. A batch that is not this user's (or was purged) starts a
  // fresh session, like no cursor at all; one that cannot serve the page is followed by a new batch that keeps
  // out what the session has served (a live batch taken up without a cursor that cannot: a fresh session). The
  // batch's cards are read from the database only when this process does not hold them (it keeps those of the
  // batches it made or read recently: they never change).
  const page: repository.ServedPage = { pageId: uuidv7(now.getTime()), servedAt: now };
  const held = cursor && batchCards.get(cursor.batchId, now.getTime());
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
        withCards: held === undefined,
        ...page,
      },
      storedPageChecks,
    ));
  if (stored && cursor && stored.verdict === null) {
    const cards = held ?? holdCards(stored.id, stored.cards ?? [], now.getTime() + BATCH_TTL_MS);
    const catalogue = await loadCatalogVectors(stored.catalogVersion);
    const { items, skipped } = toFeedItems(
      catalogue,
      cards.slice(cursor.offset, cursor.offset + query.pageSize),
      cursor.offset,
    );
    // Cards whose product left the catalogue since the batch was ranked are not served: the page's record says so.
    await repository.markSkipped({ pageId: page.pageId, positions: skipped });
    return feedPage(stored, items, Math.min(cursor.offset + query.pageSize, stored.size));
  }

  const continues = stored && cursor && !startsSession;
  const offset = continues ? cursor.offset : 0;
  const [profile, catalogue, previous] = await Promise.all([
    getProfile(userId),
    loadCatalogVectors(),
    continues ? repository.findServedInBatch({ userId, id: stored.id, offset }) : undefined,
  ]);
  const batch = await rankNewBatch({ userId, profile, category, catalogue, previous, offset, clock });
  const cards = batch.cards.slice(0, query.pageSize);
  await repository.insertFeedBatch(batch, { count: cards.length, ...page });
  holdCards(batch.id, batch.cards, batch.createdAt.getTime() + BATCH_TTL_MS);
  return feedPage(
    { id: batch.id, mode: batch.mode, size: batch.cards.length },
    toFeedItems(catalogue, cards, 0).items,
    cards.length,
  );
}

/**
 * A page's items from its cards (the first at position offset + 1): a card whose product is no longer in the
 * catalogue (archived since the batch was ranked) leaves the feed now, and its position is returned as skipped.
 */
function toFeedItems(
  catalogue: CatalogVectors,
  cards: readonly StoredCard[],
  offset: number,
): { items: PublicFeedItem[]; skipped: number[] } {
  const products = productsById(catalogue);
  const items: PublicFeedItem[] = [];
  const skipped: number[] = [];
  for (const [index, card] of cards.entries()) {
    const product = products.get(card.productId);
    if (product) items.push(toFeedItem(product, card, offset + index + 1));
    else skipped.push(offset + index + 1);
  }
  return { items, skipped };
}

function feedPage(
  batch: { id: string; mode: string; size: number },
  items: PublicFeedItem[],
  end: number,
): PublicFeedPage {
  return {
    items,
    nextCursor: batch.size === 0 ? null : encodeFeedCursor({ batchId: batch.id, offset: end }),
    feedMode: publicMode(batch.mode),
    batchId: batch.id,
  };
}

// Batches stored before the learner of PRODUCT.md §7 (kept 90 days) carry the earlier names.
const publicMode = (mode: string): PublicFeedPage['feedMode'] =>
  mode === 'hybrid' ? 'exploring' : (mode as PublicFeedPage['feedMode']);
const publicSource = (source: string): PublicFeedItem['source'] =>
  source === 'diversity' ? 'exploration' : (source as PublicFeedItem['source']);

export async function getFeedDecisions(userId: string, batchId: string): Promise<PublicFeedDecisions> {
  const batch = await repository.findFeedBatch({ userId, id: batchId });
  if (!batch) throw notFound('No such feed batch.');
  const pages = await repository.listServedPages({ batchId });
  const served = servedPositions(
    pages.map((page) => ({ ...page, servedAt: page.createdAt })),
    batch.cards.length,
  );
  return {
    batchId: batch.id,
    feedMode: publicMode(batch.mode),
    createdAt: batch.createdAt.toISOString(),
    relaxations: batch.relaxations as PublicFeedDecisions['relaxations'],
    reset: batch.cards.some((card) => card.reset === true),
    items: served.map(({ position, servedAt }) => {
      const card = batch.cards[position - 1] as StoredCard;
      return {
        productId: card.productId,
        position,
        source: publicSource(card.source),
        score: card.score,
        explanation: card.explanation,
        factors: {
          placement: card.placement ?? (card.source === 'trending' ? 'trending' : 'best_guess'),
          probability: card.probability ?? null,
          uncertainty: card.uncertainty ?? null,
          nearestLikedProductId: card.nearestLikedId ?? null,
          cluster: card.cluster,
          priceScore: card.priceScore,
          freshness: card.freshness,
          popularity: card.popularity,
        },
        servedAt: servedAt.toISOString(),
      };
    }),
  };
}
