import { and, asc, eq, getTableColumns, lt, type SQL, sql } from 'drizzle-orm';
import { joinedArray, splitStrings } from '@/features/core/database/arrays';
import { getDb } from '@/features/core/database/client';
import { type PreparedStatement, prepared, preparedStatement } from '@/features/core/database/prepared';
import type { QueryPart } from '@/features/core/database/query-part';
import {
  type FeedBatchRow,
  type FeedDecisionRow,
  feedBatches,
  feedDecisions,
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

const decisionColumns = sql.raw(
  'id, user_id, batch_id, product_id, position, mode, source, score, explanation, cosine, cluster, prior, price_score, freshness, popularity, created_at',
);

/** The ids of the decisions a page records, one per position in order, as one uuid[] literal. */
const idArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/**
 * Records the decisions of the cards at positions `from` < n ≤ `to` of a batch from the batch's own stored cards
 * (the factors are not sent a second time): `batch` is a row source with the batch's id, user_id, mode and cards;
 * `ids` (a uuid[] literal, see idArray) are the new rows' ids in position order. A position recorded before keeps
 * its first record, so serving the same page twice (a client retry) records nothing new. The values are SQL:
 * parameters or a prepared statement's placeholders.
 */
function recordDecisions(batch: SQL, page: { from: SQL; to: SQL; ids: SQL; servedAt: SQL }): SQL {
  return sql`insert into ${feedDecisions} (${decisionColumns})
    select (${page.ids}::uuid[])[(c.n - ${page.from}::int)::int], b.user_id, b.id,
      (c.card ->> 'productId')::uuid, c.n, b.mode, c.card ->> 'source', (c.card ->> 'score')::float8,
      c.card ->> 'explanation', (c.card ->> 'cosine')::float8, (c.card ->> 'cluster')::int,
      (c.card ->> 'prior')::float8, (c.card ->> 'priceScore')::float8, (c.card ->> 'freshness')::float8,
      (c.card ->> 'popularity')::float8, ${page.servedAt}::timestamptz
    from ${batch} as b cross join lateral jsonb_array_elements(b.cards) with ordinality as c (card, n)
    where c.n > ${page.from}::int and c.n <= ${page.to}::int
    on conflict (batch_id, position) do nothing`;
}

/** What serving a page records: its decisions' ids (one per card, in order) and when it was served. */
export interface ServedPage {
  ids: readonly string[];
  servedAt: Date;
}

/**
 * Stores a new batch with the decisions of its first `servedCount` cards: one statement (the decisions' foreign
 * key to the batch is checked at its end), so one round trip and no explicit transaction.
 */
export async function insertFeedBatch(
  values: NewFeedBatch,
  firstPage: ServedPage & { servedCount: number },
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
      relaxations,
      servedBefore,
      createdAt,
      servedCount: firstPage.servedCount,
    })
    .returning({
      id: feedBatches.id,
      userId: feedBatches.userId,
      mode: feedBatches.mode,
      cards: feedBatches.cards,
    });
  if (firstPage.servedCount === 0) {
    await batch;
    return;
  }
  // Drizzle puts an embedded query builder in parentheses: `with batch as (insert … returning id, user_id, mode,
  // cards)`; the decisions read the new row from there (the table does not show it to the same statement).
  await db.execute(
    sql`with batch as ${batch}, page as (${recordDecisions(sql`batch`, {
      from: sql`${0}`,
      to: sql`${firstPage.servedCount}`,
      ids: sql`${idArray(firstPage.ids)}`,
      servedAt: sql`${firstPage.servedAt.toISOString()}`,
    })}) select 1`,
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

/** Why a stored batch cannot serve the page asked of it (the rule, in the order it is checked). */
export type StoredBatchVerdict = 'category_changed' | 'used_up' | 'profile_changed' | 'expired';

/** A page served from a stored batch, or why the batch could not serve it. */
export interface StoredPage {
  id: string;
  mode: string;
  /** How many cards the whole batch holds. */
  size: number;
  /** null: the page was served (its cards below, their decisions recorded and the batch's mark advanced). */
  verdict: StoredBatchVerdict | null;
  /** The cards at offset … offset + pageSize - 1 (fewer at the batch's end); none when not served. */
  cards: StoredCard[];
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
    const to = sql`${placeholder('to')}::int`;
    statement = preparedStatement<StoredPageRow>(
      'feed_batches_serve_page',
      () => sql`with batch as (
      select b.id, b.user_id, b.mode, b.cards, jsonb_array_length(b.cards) as size,
        case
          when b.category is distinct from ${placeholder('category')}::text then 'category_changed'
          when ${offset} >= jsonb_array_length(b.cards) then 'used_up'
          when b.profile_version <> ${checks.profileVersion(userId)} then 'profile_changed'
          when b.created_at < ${placeholder('staleBefore')}::timestamptz then 'expired'
        end as verdict
      from ${feedBatches} as b
      where b.user_id = ${userId} and b.id = ${placeholder('id')}::uuid
    ),
    serving as (select * from batch where verdict is null),
    page as (${recordDecisions(sql`serving`, {
      from: offset,
      to,
      ids: placeholder('ids'),
      servedAt: placeholder('servedAt'),
    })}),
    advanced as (
      update ${feedBatches} set served_count = greatest(served_count, least(${to}, serving.size))
      from serving where ${feedBatches}.id = serving.id
    )
    select batch.id, batch.mode, batch.size, batch.verdict, ${checks.catalogVersion()} as catalog_version,
      case when batch.verdict is null then jsonb_path_query_array(batch.cards, '$[$from to $to]',
        jsonb_build_object('from', ${offset}, 'to', ${to} - 1)) end as cards
    from batch`,
    );
    storedPageStatements.set(checks, statement);
  }
  return statement();
}

/**
 * Serves a page of a user's stored batch in one prepared statement (one round trip, and atomic): checks the batch
 * can still serve it (PRODUCT.md §6: same category, not used up, the profile unchanged since it was ranked,
 * younger than the TTL — `staleBefore` is now − TTL), and if so records the page's decisions from the batch's
 * cards, advances the served mark and returns the page's cards. Undefined when the batch is not the user's (or
 * gone).
 */
export async function serveStoredPage(
  request: {
    userId: string;
    id: string;
    offset: number;
    pageSize: number;
    category: string | null;
    staleBefore: Date;
  } & ServedPage,
  checks: StoredPageChecks,
): Promise<StoredPage | undefined> {
  const [row] = await (await storedPageStatement(checks)).all({
    userId: request.userId,
    id: request.id,
    offset: request.offset,
    to: request.offset + request.pageSize,
    category: request.category,
    staleBefore: request.staleBefore.toISOString(),
    ids: idArray(request.ids),
    servedAt: request.servedAt.toISOString(),
  });
  return (
    row && {
      id: row.id,
      mode: row.mode,
      size: Number(row.size),
      verdict: row.verdict,
      cards: row.cards ?? [],
      catalogVersion: row.catalog_version,
    }
  );
}

/**
 * Takes back decisions a page recorded for cards it did not serve after all (products archived since the batch
 * was ranked): by the ids that page gave them, so an earlier page's record of the same position stays.
 */
export async function forgetDecisions({ ids }: { ids: readonly string[] }): Promise<void> {
  if (ids.length === 0) return;
  await (await getDb()).execute(sql`delete from ${feedDecisions} where id = any(${idArray(ids)}::uuid[])`);
}

export async function listFeedDecisions({ batchId }: { batchId: string }): Promise<FeedDecisionRow[]> {
  return (await getDb())
    .select()
    .from(feedDecisions)
    .where(eq(feedDecisions.batchId, batchId))
    .orderBy(asc(feedDecisions.position));
}

/** Deletes decisions and batches created before `before`; returns how many decisions went. */
export async function purgeFeedHistory({ before }: { before: Date }): Promise<number> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const decisions = await tx
      .delete(feedDecisions)
      .where(lt(feedDecisions.createdAt, before))
      .returning({ id: feedDecisions.id });
    await tx.delete(feedBatches).where(lt(feedBatches.createdAt, before));
    return decisions.length;
  });
}
