import { and, asc, eq, getTableColumns, lt, type SQL, sql } from 'drizzle-orm';
import { joinedArray, splitStrings } from '@/features/core/database/arrays';
import { getDb } from '@/features/core/database/client';
import { prepared } from '@/features/core/database/prepared';
import { uuidv7 } from '@/features/core/database/uuid';
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
const decisionRecord = sql.raw(
  'id uuid, user_id uuid, batch_id uuid, product_id uuid, position integer, mode text, source text, score double precision, explanation text, cosine double precision, cluster integer, prior double precision, price_score double precision, freshness double precision, popularity double precision, created_at timestamptz',
);

/** A double for JSON: NaN and ±Infinity as the strings Postgres reads back as those values. */
const float = (value: number | null | undefined) =>
  value === null || value === undefined || Number.isFinite(value) ? (value ?? null) : String(value);

/**
 * The decisions of a page as one INSERT … SELECT over one JSON parameter (not 16 bound parameters a row):
 * serving the same page twice (a client retry) records nothing new. Every driver sends it the same way.
 */
function insertDecisions(decisions: readonly NewFeedDecision[]): SQL {
  const rows = decisions.map((decision) => ({
    id: uuidv7(),
    user_id: decision.userId,
    batch_id: decision.batchId,
    product_id: decision.productId,
    position: decision.position,
    mode: decision.mode,
    source: decision.source,
    score: float(decision.score),
    explanation: decision.explanation,
    cosine: float(decision.cosine),
    cluster: decision.cluster ?? null,
    prior: float(decision.prior),
    price_score: float(decision.priceScore),
    freshness: float(decision.freshness),
    popularity: float(decision.popularity),
    created_at: (decision.createdAt ?? new Date()).toISOString(),
  }));
  return sql`insert into ${feedDecisions} (${decisionColumns})
    select ${decisionColumns} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as page(${decisionRecord})
    on conflict (batch_id, position) do nothing`;
}

/**
 * Stores a new batch with the decisions of its first page, served up to `servedCount`: one statement (the
 * decisions' foreign key to the batch is checked at its end), so one round trip and no explicit transaction.
 */
export async function insertFeedBatch(
  values: NewFeedBatch,
  firstPage: { servedCount: number; decisions: readonly NewFeedDecision[] },
): Promise<void> {
  const db = await getDb();
  const { id, userId, mode, profileVersion, category, cards, relaxations, servedBefore, createdAt } = values;
  const batch = db.insert(feedBatches).values({
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
  });
  if (firstPage.decisions.length === 0) await batch;
  // Drizzle puts an embedded query builder in parentheses: `with batch as (insert …)`.
  else
    await db.execute(sql`with batch as ${batch}, page as (${insertDecisions(firstPage.decisions)}) select 1`);
}

// Every page of the feed reads its batch: one prepared statement; the served-before ids (up to 1000) as text
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

/** What serving a page from a stored batch needs: the batch's state, its size and only the page's cards. */
export interface FeedBatchPage {
  id: string;
  mode: string;
  profileVersion: number;
  category: string | null;
  createdAt: Date;
  /** How many cards the whole batch holds. */
  size: number;
  /** The cards at offset … offset + pageSize - 1 (fewer at the batch's end, none past it). */
  cards: StoredCard[];
}

// A stored page reads its slice of the batch in SQL, not all 60 cards (~18 KB of JSON parsed per page): one
// prepared statement. In lax mode a jsonpath subscript past the end selects nothing.
const batchPageById = prepared((db) =>
  db
    .select({
      id: feedBatches.id,
      mode: feedBatches.mode,
      profileVersion: feedBatches.profileVersion,
      category: feedBatches.category,
      createdAt: feedBatches.createdAt,
      size: sql<number>`jsonb_array_length(${feedBatches.cards})`,
      cards: sql<StoredCard[]>`jsonb_path_query_array(${feedBatches.cards}, '$[$from to $to]',
        jsonb_build_object('from', ${sql.placeholder('from')}::int, 'to', ${sql.placeholder('to')}::int))`,
    })
    .from(feedBatches)
    .where(and(eq(feedBatches.userId, sql.placeholder('userId')), eq(feedBatches.id, sql.placeholder('id'))))
    .limit(1)
    .prepare('feed_batches_page_by_user_and_id'),
);

/** A page of a user's batch (another user's id finds nothing): its state and the cards from `offset`. */
export async function findFeedBatchPage({
  userId,
  id,
  offset,
  pageSize,
}: {
  userId: string;
  id: string;
  offset: number;
  pageSize: number;
}): Promise<FeedBatchPage | undefined> {
  const [row] = await (await batchPageById()).execute({
    userId,
    id,
    from: offset,
    to: offset + pageSize - 1,
  });
  return row && { ...row, size: Number(row.size) };
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

export type NewFeedDecision = Omit<typeof feedDecisions.$inferInsert, 'id' | 'updatedAt'>;

/**
 * Records the decisions of a served page and advances the batch's served mark, in one statement (atomic
 * without an explicit transaction). Serving the same page twice (a client retry) records nothing new.
 */
export async function recordServedPage({
  batchId,
  servedCount,
  decisions,
}: {
  batchId: string;
  servedCount: number;
  decisions: readonly NewFeedDecision[];
}): Promise<void> {
  const advance = sql`update ${feedBatches} set served_count = greatest(served_count, ${servedCount})
    where id = ${batchId}`;
  await (await getDb()).execute(
    decisions.length === 0 ? advance : sql`with page as (${insertDecisions(decisions)}) ${advance}`,
  );
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
