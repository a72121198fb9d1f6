import { getProductsByIds, getProductUrl, productExists } from '@/features/catalog/service/service';
import { getConfig } from '@/features/core/config/config';
import { isForeignKeyViolation } from '@/features/core/database/errors';
import { conflict, notFound } from '@/features/core/errors/errors';
import { toPage } from '@/features/core/http/pagination';
import {
  type InteractionQueue,
  type QueuedInteraction,
  scheduleLearning,
} from '@/features/profiles/service/learning';
import type { InteractionRow } from '../repository/feedback.table';
import * as repository from '../repository/repository';
import type {
  ExposureEvent,
  FeedbackCreate,
  PublicInteraction,
  PublicSavedProduct,
} from '../schemas/schemas';
import { affiliateUrl } from '../utils/click-out';
import { mergeExposures, withinClientTimeWindow } from '../utils/exposures';

// Feedback (docs/product.md §7): swipes and undos go to the interactions table — the learning queue — and the
// profile learns from them after the response; exposures and click-outs feed trending and traceability.

const INTERACTION_NOT_FOUND = 'No such interaction.';

function toPublicInteraction(row: InteractionRow): PublicInteraction {
  return {
    id: row.id,
    productId: row.productId,
    action: row.action as PublicInteraction['action'],
    createdAt: row.createdAt.toISOString(),
  };
}

export async function recordFeedback(userId: string, input: FeedbackCreate): Promise<PublicInteraction> {
  let row: InteractionRow;
  try {
    row = await repository.insertInteraction({
      userId,
      productId: input.productId,
      action: input.action,
      batchId: input.batchId ?? null,
      position: input.position ?? null,
    });
  } catch (error) {
    // The product's foreign key answers "does it exist" without a query of its own on every swipe.
    if (isForeignKeyViolation(error) && !(await productExists(input.productId)))
      throw notFound('No such product.');
    throw error;
  }
  scheduleLearning(interactionQueue, userId);
  return toPublicInteraction(row);
}

/** An explicit reversal record (docs/product.md §7): the original stays, the undo points at it. */
export async function undoFeedback(userId: string, id: string): Promise<void> {
  const original = await repository.findInteraction({ userId, id });
  if (!original) throw notFound(INTERACTION_NOT_FOUND);
  if (original.action === 'undo') throw conflict('An undo cannot itself be undone.', 'undo_of_undo');
  if (original.undoneById) throw conflict('This interaction is already undone.', 'already_undone');
  try {
    await repository.insertInteraction({
      userId,
      productId: original.productId,
      action: 'undo',
      undoesId: original.id,
      batchId: original.batchId,
      position: original.position,
    });
  } catch (error) {
    // Two undos racing: the unique index on undoes_id lets one through.
    if (await repository.findInteraction({ userId, id }).then((row) => row?.undoneById)) {
      throw conflict('This interaction is already undone.', 'already_undone');
    }
    throw error;
  }
  scheduleLearning(interactionQueue, userId);
}

export async function recordExposures(
  userId: string,
  events: readonly ExposureEvent[],
  now: Date = new Date(),
): Promise<{ received: number; processed: number }> {
  const merged = mergeExposures(
    events
      .map((event) => ({
        ...event,
        shownAt: new Date(event.shownAt),
        actionAt: event.actionAt === undefined ? undefined : new Date(event.actionAt),
      }))
      // A client-sent time outside the sane window around now: dropped, not counted in `processed`.
      .filter((event) => withinClientTimeWindow(event, now)),
  );
  const known = new Set(
    (await getProductsByIds(merged.map((event) => event.productId))).map((product) => product.id),
  );
  const processed = await repository.upsertExposures({
    userId,
    events: merged
      .filter((event) => known.has(event.productId))
      .map((event) => ({
        productId: event.productId,
        sessionId: event.sessionId,
        feedMode: event.feedMode,
        position: event.position,
        shownAt: event.shownAt,
        action: event.action ?? null,
        actionAt: event.actionAt ?? null,
        dwellMs: event.dwellMs ?? null,
      })),
  });
  return { received: events.length, processed };
}

export async function listSavedProducts(
  userId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ items: PublicSavedProduct[]; nextCursor: string | null }> {
  const before = query.cursor;
  const rows = await repository.listSaves({ userId, before, limit: query.limit + 1 });
  const products = new Map(
    (await getProductsByIds(rows.map((row) => row.productId))).map((product) => [product.id, product]),
  );
  const page = toPage(
    rows,
    query.limit,
    (row) => row.id,
    (row) => row,
  );
  return {
    items: page.items.flatMap((row) => {
      const product = products.get(row.productId);
      return product ? [{ id: row.id, savedAt: row.createdAt.toISOString(), product }] : [];
    }),
    nextCursor: page.nextCursor,
  };
}

/** Click-out: records the click (user, product, batch, position) and answers where to send the user. */
export async function clickOut(
  userId: string,
  productId: string,
  context: { batchId?: string | undefined; position?: number | undefined },
): Promise<string> {
  const { productUrl, storeId } = await getProductUrl(productId);
  const target = affiliateUrl(productUrl, getConfig().affiliateParams[storeId]);
  if (!target) throw notFound('This product has no store link.');
  await repository.insertClick({
    userId,
    productId,
    batchId: context.batchId ?? null,
    position: context.position ?? null,
  });
  return target;
}

// --- the contract for profiles (learning) and feed ---------------------------------------------------------

/** The learning queue: a user's interactions after `afterId` (exclusive), in creation order, at most `limit`. */
export async function listInteractionsSince(
  userId: string,
  afterId: string | null,
  options: { since?: Date | null; limit?: number } = {},
): Promise<QueuedInteraction[]> {
  const rows = await repository.listInteractionsAfter({
    userId,
    after: afterId,
    since: options.since ?? null,
    limit: options.limit ?? 500,
  });
  const undone = new Map(
    await Promise.all(
      rows
        .filter((row) => row.undoesId)
        .map(async (row) => {
          const original = await repository.findInteraction({ userId, id: row.undoesId as string });
          return [row.id, original?.action ?? null] as const;
        }),
    ),
  );
  return rows.map((row) => ({
    id: row.id,
    productId: row.productId,
    action: row.action as QueuedInteraction['action'],
    undoes: (undone.get(row.id) ?? null) as QueuedInteraction['undoes'],
    createdAt: row.createdAt,
  }));
}

/** The actions of the `limit` interactions up to and including `until`, oldest first (the burst guard). */
export function recentActions(userId: string, until: QueuedInteraction, limit: number): Promise<string[]> {
  return repository.listRecentActions({ userId, until, limit });
}

/** Standing (not undone) likes, dislikes and saves up to and including `until` (auto cold start). */
export function standingSwipes(
  userId: string,
  until: QueuedInteraction,
): Promise<{ productId: string; action: string }[]> {
  return repository.listStandingSwipes({ userId, until });
}

/** A standing swipe as the feed's learner reads it: like and save are likes. */
export interface Swipe {
  productId: string;
  liked: boolean;
}

/** The user's standing swipes (not undone), oldest first: the learner's data; the products leave the feed. */
export async function swipeHistory(userId: string): Promise<Swipe[]> {
  const rows = await repository.listSwipeHistory({ userId });
  return rows.map((row) => ({ productId: row.productId, liked: row.action !== 'dislike' }));
}

/** When the user last swiped or undid a swipe (null: never): the feed's test of "nothing changed since". */
export function latestSwipeAt(userId: string): Promise<Date | null> {
  return repository.findLatestInteractionAt({ userId });
}

/** Interactions, clicks and exposures since `since`, grouped per product and hour, for trending. */
export function trendingEngagement(since: Date) {
  return repository.aggregateEngagement({ since });
}

/** Swipes not yet applied to their style profile, and when the oldest of them was made (the metrics). */
export function learningBacklog(): Promise<{ pending: number; oldest: Date | null }> {
  return repository.measureLearningBacklog();
}

/** Every user who has interacted (for the learning CLI). */
export function usersWithInteractions(): Promise<string[]> {
  return repository.listUsersWithInteractions();
}

/** The interactions table as profiles' learning reads it (the queue; docs/product.md §7). */
export const interactionQueue: InteractionQueue = {
  listInteractionsSince,
  recentActions,
  standingSwipes,
  usersWithInteractions,
};

// --- retention (server/retention.ts lists the ages and why) --------------------------------------------------

/** Undos recorded before `before` and the swipes they undid; standing swipes are never purged (they are the profile). */
export function purgeUndoneSwipes(before: Date): Promise<number> {
  return repository.purgeUndonePairs({ before });
}

/** Exposures shown before `before`. */
export function purgeExposures(before: Date): Promise<number> {
  return repository.purgeExposures({ before });
}

/** Click-outs recorded before `before`. */
export function purgeClicks(before: Date): Promise<number> {
  return repository.purgeClicks({ before });
}
