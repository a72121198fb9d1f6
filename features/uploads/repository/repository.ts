import { and, count, desc, eq, inArray, lt, sql, sum } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { uploadRateLimits } from './upload-rate-limits.table';
import { type UploadRow, uploads } from './uploads.table';

const owned = ({ userId, id }: { userId: string; id: string }) =>
  and(eq(uploads.userId, userId), eq(uploads.id, id));

export async function insertUpload(values: typeof uploads.$inferInsert): Promise<UploadRow> {
  const [row] = await (await getDb()).insert(uploads).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** A user's upload; another user's id finds nothing. */
export async function findUpload({
  userId,
  id,
}: {
  userId: string;
  id: string;
}): Promise<UploadRow | undefined> {
  const [row] = await (await getDb()).select().from(uploads).where(owned({ userId, id })).limit(1);
  return row;
}

/** Newest first, keyset-paginated on the time-ordered id. */
export async function listUploads({
  userId,
  before,
  limit,
}: {
  userId: string;
  before?: string;
  limit: number;
}) {
  return (await getDb())
    .select()
    .from(uploads)
    .where(and(eq(uploads.userId, userId), before ? lt(uploads.id, before) : undefined))
    .orderBy(desc(uploads.id))
    .limit(limit);
}

export async function deleteUpload({
  userId,
  id,
}: {
  userId: string;
  id: string;
}): Promise<UploadRow | undefined> {
  const [row] = await (await getDb()).delete(uploads).where(owned({ userId, id })).returning();
  return row;
}

/** How many photos a user has and their stored bytes. */
export async function getUploadUsage({
  userId,
}: {
  userId: string;
}): Promise<{ count: number; bytes: number }> {
  const [row] = await (await getDb())
    .select({ count: count(), bytes: sum(uploads.bytes) })
    .from(uploads)
    .where(eq(uploads.userId, userId));
  return { count: Number(row?.count ?? 0), bytes: Number(row?.bytes ?? 0) };
}

/** Counts one upload attempt in the user's current window (a new window once the last one expired). */
export async function hitUploadRateLimit({
  userId,
  windowSeconds,
}: {
  userId: string;
  windowSeconds: number;
}): Promise<{ hits: number; resetAt: Date }> {
  const expired = sql`${uploadRateLimits.windowStartedAt} <= now() - make_interval(secs => ${windowSeconds})`;
  const [row] = await (await getDb())
    .insert(uploadRateLimits)
    .values({ userId, windowStartedAt: sql`now()`, hits: 1 })
    .onConflictDoUpdate({
      target: uploadRateLimits.userId,
      set: {
        hits: sql`case when ${expired} then 1 else ${uploadRateLimits.hits} + 1 end`,
        windowStartedAt: sql`case when ${expired} then now() else ${uploadRateLimits.windowStartedAt} end`,
      },
    })
    .returning({ hits: uploadRateLimits.hits, windowStartedAt: uploadRateLimits.windowStartedAt });
  if (!row) throw new Error('upload rate limit upsert returned no row');
  return { hits: row.hits, resetAt: new Date(row.windowStartedAt.getTime() + windowSeconds * 1000) };
}

/** Which of `storageKeys` belong to an upload row (the sweep deletes the others). */
export async function findExistingStorageKeys({
  storageKeys,
}: {
  storageKeys: string[];
}): Promise<Set<string>> {
  if (storageKeys.length === 0) return new Set();
  const rows = await (await getDb())
    .select({ storageKey: uploads.storageKey })
    .from(uploads)
    .where(inArray(uploads.storageKey, storageKeys));
  return new Set(rows.map((row) => row.storageKey));
}
