import { eq, lt, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { deleteInChunks } from '@/features/core/database/purge';
import { rateLimits } from './rate-limits.table';

/**
 * Counts one hit for `key` in a fixed window of `windowSeconds`, atomically (one upsert), and returns the
 * count so far and when the window resets.
 */
export async function hitRateLimit(
  key: string,
  windowSeconds: number,
): Promise<{ hits: number; resetAt: Date }> {
  const expired = sql`${rateLimits.windowStartedAt} <= now() - make_interval(secs => ${windowSeconds})`;
  const [row] = await (await getDb())
    .insert(rateLimits)
    .values({ key, windowStartedAt: sql`now()`, hits: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        hits: sql`case when ${expired} then 1 else ${rateLimits.hits} + 1 end`,
        windowStartedAt: sql`case when ${expired} then now() else ${rateLimits.windowStartedAt} end`,
      },
    })
    .returning({ hits: rateLimits.hits, windowStartedAt: rateLimits.windowStartedAt });
  if (!row) throw new Error('rate limit upsert returned no row');
  return { hits: row.hits, resetAt: new Date(row.windowStartedAt.getTime() + windowSeconds * 1000) };
}

/**
 * Reserves one attempt under `key` at `at`, atomically (one upsert; concurrent callers on any instance queue on
 * the row lock): the attempt is counted before it is judged, and only when the delay that the attempts
 * already counted impose has run out — `delaySeconds(n)` after the n-th, in SQL as
 * `n < free ? 0 : least(maxDelay, 2^(n - free))`. A run older than `forgetSeconds` starts over.
 * Returns the count including this attempt, or `{ refused, retryAfter }` when the delay still runs.
 */
export async function reserveAttempt(input: {
  key: string;
  at: Date;
  forgetSeconds: number;
  freeAttempts: number;
  maxDelaySeconds: number;
}): Promise<{ attempts: number } | { retryAfter: number }> {
  const { key, at, forgetSeconds, freeAttempts, maxDelaySeconds } = input;
  const now = sql`${at.toISOString()}::timestamptz`;
  const since = sql`extract(epoch from (${now} - ${rateLimits.windowStartedAt}))`;
  const forgotten = sql`${since} >= ${forgetSeconds}`;
  const delay = sql`(case when ${rateLimits.hits} < ${freeAttempts} then 0 else least(${maxDelaySeconds}::float8, power(2::float8, ${rateLimits.hits} - ${freeAttempts})) end)`;
  const db = await getDb();
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStartedAt: at, hits: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        hits: sql`case when ${forgotten} then 1 else ${rateLimits.hits} + 1 end`,
        windowStartedAt: sql`greatest(${rateLimits.windowStartedAt}, ${now})`,
      },
      // Free attempts pass whatever the clocks say: concurrent requests read `now` in one order and reach this
      // row in another, so `since` can be a little negative for a request that is not late at all.
      setWhere: sql`${forgotten} or ${rateLimits.hits} < ${freeAttempts} or ${since} >= ${delay}`,
    })
    .returning({ hits: rateLimits.hits });
  if (row) return { attempts: row.hits };
  const [held] = await db
    .select({ wait: sql<number>`(${delay} - ${since})::float8` })
    .from(rateLimits)
    .where(eq(rateLimits.key, key))
    .limit(1);
  return { retryAfter: Math.max(1, Math.ceil(Number(held?.wait ?? 1))) };
}

/** Gives back an attempt reserved under `key` that was never judged (the server was at capacity). */
export async function releaseAttempt(key: string): Promise<void> {
  await (await getDb())
    .update(rateLimits)
    .set({ hits: sql`greatest(${rateLimits.hits} - 1, 0)` })
    .where(eq(rateLimits.key, key));
}

export async function clearFailures(key: string): Promise<void> {
  await (await getDb()).delete(rateLimits).where(eq(rateLimits.key, key));
}

/** Deletes counters whose window (or last failure) began before `before`; returns how many went. */
export function purgeStaleRateLimits(before: Date): Promise<number> {
  return deleteInChunks(rateLimits, lt(rateLimits.windowStartedAt, before));
}
