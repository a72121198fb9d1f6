import { and, asc, desc, eq, getTableColumns, gte, lt, sql } from 'drizzle-orm';
import { joinedArray, splitStrings } from '@/features/core/database/arrays';
import { getDb } from '@/features/core/database/client';
import { type PreparedStatement, prepared, preparedStatement } from '@/features/core/database/prepared';
import { deleteInChunks } from '@/features/core/database/purge';
import type { QueryPart } from '@/features/core/database/query-part';
import {
  type FeedBatchRow,
  type FeedServedPageRow,
  feedBatches,
  feedServedPages,
  type StoredCard,
} from './feed.table';

export type NewFeedBatch = Pick<
  typeof feedBatches.$inferInsert,
  | 'id'
  | 'userId'
  | 'mode'
  | 'profileVersion'
  | 'category'
  | 'cards'
  | 'relaxations'
  | 'servedBefore'
  | 'createdAt'
>;

/** The record of one page served from a batch: its id and when it was served. */
export interface ServedPage {
  pageId: string;
  servedAt: Date;
}

/**
 * Stores a new batch and the record of its first page (its first `count` cards): one statement (the record's
 * foreign key to the batch is checked at its end), so one round trip and no explicit transaction.
 */
export async function insertFeedBatch(
  values: NewFeedBatch,
  firstPage: ServedPage & { count: number },
): Promise<void> {
  const db = await getDb();
  const { id, userId, mode, profileVersion, category, cards, relaxations, servedBefore, createdAt } = values;
  const batch = db
    .insert(feedBatches)
    .values({
      id,
      userId,
      mode,
      profileVersion,
      category,
      cards,
      size: cards.length,
      relaxations,
      servedBefore,
      createdAt,
    })
    .returning({ id: feedBatches.id, userId: feedBatches.userId });
  if (firstPage.count === 0) {
    await batch;
    return;
  }
  const servedAt = firstPage.servedAt.toISOString();
  // Drizzle puts an embedded query builder in parentheses: `with batch as (insert … returning id, user_id)`.
  await db.execute(
    sql`with batch as ${batch} insert into ${feedServedPages} (id, user_id, batch_id, first_position,
      last_position, created_at, updated_at)
    select ${firstPage.pageId}::uuid, batch.user_id, batch.id, 1, ${firstPage.count}::int, ${servedAt}::timestamptz,
      ${servedAt}::timestamptz from batch`,
  );
}

// A batch read whole (its decision log): one prepared statement; the served-before ids (up to 1000) as text
// (see core/database/arrays).
const batchById = prepared((db) =>
  db
    .select({ ...getTableColumns(feedBatches), servedBefore: joinedArray(feedBatches.servedBefore) })
    .from(feedBatches)
    .where(and(eq(feedBatches.userId, sql.placeholder('userId')), eq(feedBatches.id, sql.placeholder('id'))))
    .limit(1)
    .prepare('feed_batches_find_by_user_and_id'),
);

/** A user's batch; another user's id finds nothing. */
export async function findFeedBatch({
  userId,
  id,
}: {
  userId: string;
  id: string;
}): Promise<FeedBatchRow | undefined> {
  const [row] = await (await batchById()).execute({ userId, id });
  return row && { ...row, servedBefore: splitStrings(row.servedBefore) ?? [] };
}

/**
 * What a batch's session had served by `offset` (for the batch that continues it): the product ids of its first
 * `offset` cards, in order, and the ids it kept out itself. Undefined when it is not the user's.
 */
export async function findServedInBatch({
  userId,
  id,
  offset,
}: {
  userId: string;
  id: string;
  offset: number;
}): Promise<{ productIds: string[]; servedBefore: string[] } | undefined> {
  const [row] = await (await getDb())
    .select({
      productIds: sql<string | null>`array_to_string(array(
        select card ->> 'productId' from jsonb_array_elements(${feedBatches.cards}) with ordinality as t(card, n)
        where n <= ${offset} order by n), ',')`,
      servedBefore: joinedArray(feedBatches.servedBefore),
    })
    .from(feedBatches)
    .where(and(eq(feedBatches.userId, userId), eq(feedBatches.id, id)))
    .limit(1);
  return (
    row && {
      productIds: splitStrings(row.productIds) ?? [],
      servedBefore: splitStrings(row.servedBefore) ?? [],
    }
  );
}

/**
 * The user's latest batch for `category` ranked at or after `since`, with how far its pages have served it (the
 * highest position any page record covers; 0 when none). Undefined when there is none.
 */
export async function findLatestBatch({
  userId,
  category,
  since,
}: {
  userId: string;
  category: string | null;
  since: Date;
}): Promise<{ id: string; createdAt: Date; size: number; servedUpTo: number } | undefined> {
  const [row] = await (await getDb())
    .select({
      id: feedBatches.id,
      createdAt: feedBatches.createdAt,
      size: feedBatches.size,
      // Qualified by hand: Drizzle writes a select's own columns unqualified, and a bare "id" here is p's.
      servedUpTo: sql<number>`(select coalesce(max(p.last_position), 0)::int from ${feedServedPages} as p
        where p.batch_id = ${sql.identifier('feed_batches')}.${sql.identifier('id')})`,
    })
    .from(feedBatches)
    .where(
      and(
        eq(feedBatches.userId, userId),
        sql`${feedBatches.category} is not distinct from ${category}::text`,
        gte(feedBatches.createdAt, since),
      ),
    )
    .orderBy(desc(feedBatches.createdAt))
    .limit(1);
  return row && { ...row, servedUpTo: Number(row.servedUpTo) };
}

/** Why a stored batch cannot serve the page asked of it (the rule, in the order it is checked). */
export type StoredBatchVerdict = 'category_changed' | 'used_up' | 'profile_changed' | 'expired';

/** A page served from a stored batch, or why the batch could not serve it. */
export interface StoredPage {
  id: string;
  mode: string;
  /** How many cards the whole batch holds. */
  size: number;
  /** null: the page was served (and its record written). */
  verdict: StoredBatchVerdict | null;
  /** The batch's cards, all of them, when asked for and the page was served; else null. */
  cards: StoredCard[] | null;
  /** The catalogue's version, read in the same statement (see catalogVersionQuery). */
  catalogVersion: string;
}

/** The other features' state a stored page is checked against, read inside its statement. */
export interface StoredPageChecks {
  /** The current version of the user's profile (0 without one), given the statement's reference to the user. */
  profileVersion: (userId: QueryPart) => QueryPart;
  /** The catalogue's version. */
  catalogVersion: () => QueryPart;
}

interface StoredPageRow {
  id: string;
  mode: string;
  size: number;
  verdict: StoredBatchVerdict | null;
  cards: StoredCard[] | null;
  catalog_version: string;
}

const placeholder = (name: string) => sql`${sql.placeholder(name)}`;

/** The stored-page statement, prepared once for the checks it embeds (the services' constant parts). */
const storedPageStatements = new WeakMap<StoredPageChecks, () => Promise<PreparedStatement<StoredPageRow>>>();

function storedPageStatement(checks: StoredPageChecks) {
  let statement = storedPageStatements.get(checks);
  if (!statement) {
    const userId = sql`${placeholder('userId')}::uuid`;
    const offset = sql`${placeholder('offset')}::int`;
    const servedAt = sql`${placeholder('servedAt')}::timestamptz`;
    // The cards (a TOASTed jsonb of up to 60) are read only when asked for: the verdict needs the batch's size.
    statement = preparedStatement<StoredPageRow>(
      'feed_served_pages_serve',
      () => sql`with batch as (
      select b.id, b.user_id, b.mode, b.size,
        case
          when b.category is distinct from ${placeholder('category')}::text then 'category_changed'
          when ${offset} >= b.size then 'used_up'
          when b.profile_version <> ${checks.profileVersion(userId)} then 'profile_changed'
          when b.created_at < ${placeholder('staleBefore')}::timestamptz then 'expired'
        end as verdict
      from ${feedBatches} as b
      where b.user_id = ${userId} and b.id = ${placeholder('id')}::uuid
    ),
    page as (
      insert into ${feedServedPages} (id, user_id, batch_id, first_position, last_position, created_at, updated_at)
      select ${placeholder('pageId')}::uuid, batch.user_id, batch.id, ${offset} + 1,
        least(${offset} + ${placeholder('pageSize')}::int, batch.size), ${servedAt}, ${servedAt}
      from batch where batch.verdict is null
    )
    select batch.id, batch.mode, batch.size, batch.verdict, ${checks.catalogVersion()} as catalog_version,
      case when batch.verdict is null and ${placeholder('withCards')}::boolean
        then (select b.cards from ${feedBatches} as b where b.id = batch.id) end as cards
    from batch`,
    );
    storedPageStatements.set(checks, statement);
  }
  return statement();
}

/**
 * Serves a page of a user's stored batch in one prepared statement (one round trip, and atomic): checks the batch
 * can still serve it (docs/product.md §6: same category, not used up, the profile unchanged since it was ranked,
 * younger than the TTL — `staleBefore` is now − TTL), and if so writes the page's record (positions offset + 1 …
 * offset + pageSize, or to the batch's end) and returns the batch's cards when `withCards` (a caller that holds
 * them already does not read them again). Undefined when the batch is not the user's (or gone).
 */
export async function serveStoredPage(
  request: {
    userId: string;
    id: string;
    offset: number;
    pageSize: number;
    category: string | null;
    staleBefore: Date;
    withCards: boolean;
  } & ServedPage,
  checks: StoredPageChecks,
): Promise<StoredPage | undefined> {
  const [row] = await (await storedPageStatement(checks)).all({
    userId: request.userId,
    id: request.id,
    offset: request.offset,
    pageSize: request.pageSize,
    category: request.category,
    staleBefore: request.staleBefore.toISOString(),
    pageId: request.pageId,
    servedAt: request.servedAt.toISOString(),
    withCards: request.withCards,
  });
  return (
    row && {
      id: row.id,
      mode: row.mode,
      size: Number(row.size),
      verdict: row.verdict,
      cards: row.cards,
      catalogVersion: row.catalog_version,
    }
  );
}

/**
 * Notes the positions a served page did not serve after all (their products left the catalogue since the batch
 * was ranked), on that page's own record: another page's record of the same positions stays as it is.
 */
export async function markSkipped({
  pageId,
  positions,
}: {
  pageId: string;
  positions: readonly number[];
}): Promise<void> {
  if (positions.length === 0) return;
  await (await getDb())
    .update(feedServedPages)
    .set({ skipped: [...positions] })
    .where(eq(feedServedPages.id, pageId));
}

/** The records of the pages served from a batch, in the order they were served. */
export async function listServedPages({ batchId }: { batchId: string }): Promise<FeedServedPageRow[]> {
  return (await getDb())
    .select()
    .from(feedServedPages)
    .where(eq(feedServedPages.batchId, batchId))
    .orderBy(asc(feedServedPages.createdAt), asc(feedServedPages.id));
}

/** Deletes page records created before `before`; returns how many went. */
export function purgeServedPages({ before }: { before: Date }): Promise<number> {
  return deleteInChunks(feedServedPages, lt(feedServedPages.createdAt, before));
}

/** Deletes batches created before `before` (with any page record of theirs still left); returns how many went. */
export function purgeBatches({ before }: { before: Date }): Promise<number> {
  return deleteInChunks(feedBatches, lt(feedBatches.createdAt, before));
}
