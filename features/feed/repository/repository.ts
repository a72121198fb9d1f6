import { and, asc, eq, lt, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { type FeedBatchRow, type FeedDecisionRow, feedBatches, feedDecisions } from './feed.table';

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

export async function insertFeedBatch(values: NewFeedBatch): Promise<FeedBatchRow> {
  const [row] = await (await getDb()).insert(feedBatches).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** A user's batch; another user's id finds nothing. */
export async function findFeedBatch({
  userId,
  id,
}: {
  userId: string;
  id: string;
}): Promise<FeedBatchRow | undefined> {
  const [row] = await (await getDb())
    .select()
    .from(feedBatches)
    .where(and(eq(feedBatches.userId, userId), eq(feedBatches.id, id)))
    .limit(1);
  return row;
}

export type NewFeedDecision = Omit<typeof feedDecisions.$inferInsert, 'id' | 'updatedAt'>;

/**
 * Records the decisions of a served page and advances the batch's served mark, in one transaction. Serving
 * the same page twice (a client retry) records nothing new.
 */
export async function recordServedPage({
  batchId,
  servedCount,
  decisions,
}: {
  batchId: string;
  servedCount: number;
  decisions: NewFeedDecision[];
}): Promise<void> {
  const db = await getDb();
  await db.transaction(async (tx) => {
    if (decisions.length > 0) {
      await tx
        .insert(feedDecisions)
        .values(decisions)
        .onConflictDoNothing({ target: [feedDecisions.batchId, feedDecisions.position] });
    }
    await tx
      .update(feedBatches)
      .set({ servedCount: sql`greatest(${feedBatches.servedCount}, ${servedCount})` })
      .where(eq(feedBatches.id, batchId));
  });
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
