import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import { type AnyPgColumn, alias } from 'drizzle-orm/pg-core';
import { getDb } from '@/features/core/database/client';
import { prepared } from '@/features/core/database/prepared';
import { deleteInChunks } from '@/features/core/database/purge';
import { queryRows } from '@/features/core/database/rows';
import { uuidv7 } from '@/features/core/database/uuid';
import {
  type ClickRow,
  clicks,
  type ExposureRow,
  exposures,
  type InteractionRow,
  interactions,
} from './feedback.table';

// Interactions are the learning queue: ordered by (created_at, id). Inserts for one user are serialised by a
// transaction-scoped advisory lock and stamped with clock_timestamp() inside it, so the queue order is the
// commit order and a reader never sees a later interaction before an earlier one commits. The stamp is cut to
// milliseconds so that it survives the trip through a JavaScript Date unchanged (the queue marker compares it).

const NOW_MS = sql`date_trunc('milliseconds', clock_timestamp())`;

/** (created_at, id) ≤ / < the given queue position. */
const upTo = (
  table: { createdAt: AnyPgColumn; id: AnyPgColumn },
  until: { createdAt: Date; id: string },
  inclusive: boolean,
) =>
  or(
    lt(table.createdAt, until.createdAt),
    and(eq(table.createdAt, until.createdAt), inclusive ? lte(table.id, until.id) : lt(table.id, until.id)),
  );

export type NewInteraction = Pick<
  typeof interactions.$inferInsert,
  'userId' | 'productId' | 'action' | 'undoesId' | 'batchId' | 'position'
>;

// One statement, prepared: take the user's transaction-scoped advisory lock (a subquery the planner cannot
// flatten away, scanned before the row is built), then stamp and insert the row. The lock is held until the
// statement's own transaction commits, so the queue order is still the commit order (see above), in one round
// trip instead of four (BEGIN, lock, INSERT, COMMIT).
const insertLocked = prepared((db) =>
  db
    .insert(interactions)
    .select(
      sql`select ${sql.placeholder('id')}::uuid, ${NOW_MS}, ${NOW_MS}, ${sql.placeholder('userId')}::uuid,
        ${sql.placeholder('productId')}::uuid, ${sql.placeholder('action')}::text, ${sql.placeholder('undoesId')}::uuid,
        ${sql.placeholder('batchId')}::uuid, ${sql.placeholder('position')}::integer
        from (select pg_advisory_xact_lock(hashtext(${sql.placeholder('lockKey')}::text)) offset 0) as user_lock`,
    )
    .returning()
    .prepare('interactions_insert_locked'),
);

export async function insertInteraction(values: NewInteraction): Promise<InteractionRow> {
  const [row] = await (await insertLocked()).execute({
    id: uuidv7(),
    userId: values.userId,
    productId: values.productId,
    action: values.action,
    undoesId: values.undoesId ?? null,
    batchId: values.batchId ?? null,
    position: values.position ?? null,
    lockKey: `interactions:${values.userId}`,
  });
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function findInteraction({
  userId,
  id,
}: {
  userId: string;
  id: string;
}): Promise<(InteractionRow & { undoneById: string | null }) | undefined> {
  const undo = alias(interactions, 'undo');
  const [row] = await (await getDb())
    .select({ interaction: interactions, undoneById: undo.id })
    .from(interactions)
    .leftJoin(undo, eq(undo.undoesId, interactions.id))
    .where(and(eq(interactions.userId, userId), eq(interactions.id, id)))
    .limit(1);
  return row ? { ...row.interaction, undoneById: row.undoneById } : undefined;
}

/**
 * A user's interactions after `after` (exclusive) in queue order; from the start when `after` is null.
 * When the marker row is gone (its product was deleted), `since` (the last profile update) stands in.
 */
export async function listInteractionsAfter({
  userId,
  after,
  since,
  limit,
}: {
  userId: string;
  after: string | null;
  since: Date | null;
  limit: number;
}): Promise<InteractionRow[]> {
  const db = await getDb();
  let position: { createdAt: Date; id: string } | undefined;
  if (after) {
    [position] = await db
      .select({ createdAt: interactions.createdAt, id: interactions.id })
      .from(interactions)
      .where(eq(interactions.id, after))
      .limit(1);
  }
  const from = position
    ? or(
        gt(interactions.createdAt, position.createdAt),
        and(eq(interactions.createdAt, position.createdAt), gt(interactions.id, position.id)),
      )
    : after && since
      ? gt(interactions.createdAt, since)
      : undefined;
  return db
    .select()
    .from(interactions)
    .where(and(eq(interactions.userId, userId), from))
    .orderBy(asc(interactions.createdAt), asc(interactions.id))
    .limit(limit);
}

/** The actions of a user's most recent interactions up to `until` (inclusive), oldest first. */
export async function listRecentActions({
  userId,
  until,
  limit,
}: {
  userId: string;
  until: { createdAt: Date; id: string };
  limit: number;
}): Promise<string[]> {
  const rows = await (await getDb())
    .select({ action: interactions.action })
    .from(interactions)
    .where(and(eq(interactions.userId, userId), upTo(interactions, until, true)))
    .orderBy(desc(interactions.createdAt), desc(interactions.id))
    .limit(limit);
  return rows.map((row) => row.action).reverse();
}

/** A user's standing swipes (likes, dislikes and saves they did not undo), oldest first. */
// Every new feed batch reads them (the learner's data and what leaves the feed): one prepared statement.
const swipesByUser = prepared((db) => {
  const undo = alias(interactions, 'undo');
  return db
    .select({ productId: interactions.productId, action: interactions.action })
    .from(interactions)
    .leftJoin(undo, eq(undo.undoesId, interactions.id))
    .where(
      and(
        eq(interactions.userId, sql.placeholder('userId')),
        ne(interactions.action, 'undo'),
        isNull(undo.id),
      ),
    )
    .orderBy(asc(interactions.createdAt), asc(interactions.id))
    .prepare('interactions_standing_swipes');
});

export async function listSwipeHistory({
  userId,
}: {
  userId: string;
}): Promise<{ productId: string; action: string }[]> {
  return (await swipesByUser()).execute({ userId });
}

/** Every standing (not undone) like/dislike/save of a user up to `until`, in queue order. */
export async function listStandingSwipes({
  userId,
  until,
}: {
  userId: string;
  until: { createdAt: Date; id: string };
}): Promise<{ productId: string; action: string }[]> {
  const undo = alias(interactions, 'undo');
  return (await getDb())
    .select({ productId: interactions.productId, action: interactions.action })
    .from(interactions)
    .leftJoin(undo, and(eq(undo.undoesId, interactions.id), upTo(undo, until, true)))
    .where(
      and(
        eq(interactions.userId, userId),
        ne(interactions.action, 'undo'),
        isNull(undo.id),
        upTo(interactions, until, true),
      ),
    )
    .orderBy(asc(interactions.createdAt), asc(interactions.id));
}

/** When the user's latest interaction (a swipe or an undo) was recorded; null without any. */
export async function findLatestInteractionAt({ userId }: { userId: string }): Promise<Date | null> {
  const [row] = await (await getDb())
    .select({ at: interactions.createdAt })
    .from(interactions)
    .where(eq(interactions.userId, userId))
    .orderBy(desc(interactions.createdAt), desc(interactions.id))
    .limit(1);
  return row?.at ?? null;
}

/** Saved products, newest save first, keyset-paginated on the save's id; undone saves are left out. */
export async function listSaves({
  userId,
  before,
  limit,
}: {
  userId: string;
  before?: string | undefined;
  limit: number;
}): Promise<{ id: string; productId: string; createdAt: Date }[]> {
  const undo = alias(interactions, 'undo');
  return (await getDb())
    .select({ id: interactions.id, productId: interactions.productId, createdAt: interactions.createdAt })
    .from(interactions)
    .leftJoin(undo, eq(undo.undoesId, interactions.id))
    .where(
      and(
        eq(interactions.userId, userId),
        eq(interactions.action, 'save'),
        isNull(undo.id),
        before ? lt(interactions.id, before) : undefined,
      ),
    )
    .orderBy(desc(interactions.id))
    .limit(limit);
}

export type ExposureValues = Pick<
  typeof exposures.$inferInsert,
  'productId' | 'sessionId' | 'feedMode' | 'position' | 'shownAt' | 'action' | 'actionAt' | 'dwellMs'
>;

/**
 * Upserts exposures, unique per (user, product, session); a repeat keeps the earliest shownAt, the smallest
 * position, the latest action and the largest dwell. Returns how many rows were written.
 */
export async function upsertExposures({
  userId,
  events,
}: {
  userId: string;
  events: ExposureValues[];
}): Promise<number> {
  if (events.length === 0) return 0;
  const table = sql.raw('"exposures"');
  const rows = await (await getDb())
    .insert(exposures)
    .values(events.map((event) => ({ ...event, userId })))
    .onConflictDoUpdate({
      target: [exposures.userId, exposures.productId, exposures.sessionId],
      set: {
        shownAt: sql`least(${table}."shown_at", excluded."shown_at")`,
        position: sql`least(${table}."position", excluded."position")`,
        action: sql`case when excluded."action" is not null and (${table}."action" is null or ${table}."action_at" is null or excluded."action_at" >= ${table}."action_at") then excluded."action" else ${table}."action" end`,
        actionAt: sql`greatest(${table}."action_at", excluded."action_at")`,
        dwellMs: sql`greatest(${table}."dwell_ms", excluded."dwell_ms")`,
        feedMode: sql`${table}."feed_mode"`,
      },
    })
    .returning({ id: exposures.id });
  return rows.length;
}

export async function findExposure({
  userId,
  productId,
  sessionId,
}: {
  userId: string;
  productId: string;
  sessionId: string;
}): Promise<ExposureRow | undefined> {
  const [row] = await (await getDb())
    .select()
    .from(exposures)
    .where(
      and(
        eq(exposures.userId, userId),
        eq(exposures.productId, productId),
        eq(exposures.sessionId, sessionId),
      ),
    )
    .limit(1);
  return row;
}

export async function insertClick(values: typeof clicks.$inferInsert): Promise<ClickRow> {
  const [row] = await (await getDb()).insert(clicks).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function listClicks({ userId }: { userId: string }): Promise<ClickRow[]> {
  return (await getDb()).select().from(clicks).where(eq(clicks.userId, userId)).orderBy(asc(clicks.id));
}

/**
 * Engagement since `since`, each signal once per user and product (a user's 20 saves of one product are one
 * save, at the latest of them), then grouped per product, kind and hour (trending decays per event; an hour's
 * granularity is far below the 14-day half-life). Undone interactions and undo rows do not count.
 */
export async function aggregateEngagement({ since }: { since: Date }): Promise<{
  events: { productId: string; kind: string; at: Date; count: number }[];
  impressions: { productId: string; at: Date; count: number }[];
}> {
  const db = await getDb();
  const undo = alias(interactions, 'undo');
  const hour = (column: unknown) => sql<string>`date_trunc('hour', ${column})`;
  const userSwipes = db
    .select({
      productId: interactions.productId,
      kind: sql<string>`${interactions.action}`.as('kind'),
      at: sql<Date>`max(${interactions.createdAt})`.as('at'),
    })
    .from(interactions)
    .leftJoin(undo, eq(undo.undoesId, interactions.id))
    .where(
      and(
        gte(interactions.createdAt, since),
        inArray(interactions.action, ['like', 'dislike', 'save']),
        isNull(undo.id),
      ),
    )
    .groupBy(interactions.userId, interactions.productId, interactions.action)
    .as('user_swipes');
  const swipes = await db
    .select({
      productId: userSwipes.productId,
      kind: userSwipes.kind,
      at: hour(userSwipes.at),
      count: sql<number>`count(*)::int`,
    })
    .from(userSwipes)
    .groupBy(userSwipes.productId, userSwipes.kind, hour(userSwipes.at));
  const userClicks = db
    .select({ productId: clicks.productId, at: sql<Date>`max(${clicks.createdAt})`.as('at') })
    .from(clicks)
    .where(gte(clicks.createdAt, since))
    .groupBy(clicks.userId, clicks.productId)
    .as('user_clicks');
  const clickRows = await db
    .select({ productId: userClicks.productId, at: hour(userClicks.at), count: sql<number>`count(*)::int` })
    .from(userClicks)
    .groupBy(userClicks.productId, hour(userClicks.at));
  const userShown = db
    .select({ productId: exposures.productId, at: sql<Date>`max(${exposures.shownAt})`.as('at') })
    .from(exposures)
    .where(gte(exposures.shownAt, since))
    .groupBy(exposures.userId, exposures.productId)
    .as('user_shown');
  const shown = await db
    .select({ productId: userShown.productId, at: hour(userShown.at), count: sql<number>`count(*)::int` })
    .from(userShown)
    .groupBy(userShown.productId, hour(userShown.at));
  const date = (value: string | Date) => (value instanceof Date ? value : new Date(value));
  return {
    events: [
      ...swipes.map((row) => ({ ...row, at: date(row.at), count: Number(row.count) })),
      ...clickRows.map((row) => ({ ...row, kind: 'click', at: date(row.at), count: Number(row.count) })),
    ],
    impressions: shown.map((row) => ({ ...row, at: date(row.at), count: Number(row.count) })),
  };
}

/** Users with any interaction (the learning CLI walks them; a user with nothing pending costs one query). */
export async function listUsersWithInteractions(): Promise<string[]> {
  const rows = await (await getDb()).selectDistinct({ userId: interactions.userId }).from(interactions);
  return rows.map((row) => row.userId);
}

/**
 * The learning queue's backlog: swipes (undos included) after their user's profile marker, and the time of the
 * oldest, for the metrics. The one read of another feature's table here: the queue is ours, its marker
 * (`style_profiles.last_processed_interaction_id`) profiles' — a gauge read at every scrape must be one
 * statement, not a profile list handed across. Users without a profile yet have every swipe pending.
 */
export async function measureLearningBacklog(): Promise<{ pending: number; oldest: Date | null }> {
  const [row] = await queryRows<{ pending: number | string; oldest: Date | string | null }>(
    await getDb(),
    sql`select count(*)::int as pending, min(i.created_at) as oldest
        from ${interactions} i
        left join style_profiles p on p.user_id = i.user_id
        left join ${interactions} m on m.id = p.last_processed_interaction_id
        where m.id is null or (i.created_at, i.id) > (m.created_at, m.id)`,
  );
  return {
    pending: Number(row?.pending ?? 0),
    oldest: row?.oldest == null ? null : new Date(row.oldest),
  };
}

// --- retention (server/retention.ts) ------------------------------------------------------------------------

/**
 * Deletes undos recorded before `before` and the swipes they undid: a pair no reader uses (the learner, saves,
 * trending and the feed's exclusions all skip undone swipes). The swipes go first, so a purge cut short never
 * leaves an undone swipe standing again. Returns how many rows went.
 */
export async function purgeUndonePairs({ before }: { before: Date }): Promise<number> {
  const undone = await deleteInChunks(
    interactions,
    sql`${interactions.id} in (select u.undoes_id from ${interactions} as u
      where u.undoes_id is not null and u.created_at < ${before.toISOString()}::timestamptz)`,
  );
  const undos = await deleteInChunks(
    interactions,
    sql`${isNotNull(interactions.undoesId)} and ${lt(interactions.createdAt, before)}`,
  );
  return undone + undos;
}

/** Deletes exposures shown before `before`; returns how many went. */
export function purgeExposures({ before }: { before: Date }): Promise<number> {
  return deleteInChunks(exposures, lt(exposures.shownAt, before));
}

/** Deletes click-outs recorded before `before`; returns how many went. */
export function purgeClicks({ before }: { before: Date }): Promise<number> {
  return deleteInChunks(clicks, lt(clicks.createdAt, before));
}
