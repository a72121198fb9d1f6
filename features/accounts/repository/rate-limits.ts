import { eq, lt, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
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

/** Failures recorded under `key` and the instant of the last one, or undefined when there are none. */
export async function findFailures(key: string): Promise<{ failures: number; lastAt: Date } | undefined> {
  const [row] = await (await getDb())
    .select({ failures: rateLimits.hits, lastAt: rateLimits.windowStartedAt })
    .from(rateLimits)
    .where(eq(rateLimits.key, key))
    .limit(1);
  return row;
}

/**
 * Records one failure at `at` (one upsert); a run of failures older than `forgetSeconds` starts over.
 * Returns the count including this one.
 */
export async function recordFailure(key: string, at: Date, forgetSeconds: number): Promise<number> {
  const forgotten = sql`${rateLimits.windowStartedAt} <= ${at.toISOString()}::timestamptz - make_interval(secs => ${forgetSeconds})`;
  const [row] = await (await getDb())
    .insert(rateLimits)
    .values({ key, windowStartedAt: at, hits: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        hits: sql`case when ${forgotten} then 1 else ${rateLimits.hits} + 1 end`,
        windowStartedAt: sql`greatest(${rateLimits.windowStartedAt}, ${at.toISOString()}::timestamptz)`,
      },
    })
    .returning({ hits: rateLimits.hits });
  if (!row) throw new Error('failure upsert returned no row');
  return row.hits;
}

export async function clearFailures(key: string): Promise<void> {
  await (await getDb()).delete(rateLimits).where(eq(rateLimits.key, key));
}

/** Deletes counters whose window (or last failure) began before `before`; returns how many went. */
export async function purgeStaleRateLimits(before: Date): Promise<number> {
  const rows = await (await getDb())
    .delete(rateLimits)
    .where(lt(rateLimits.windowStartedAt, before))
    .returning({ id: rateLimits.id });
  return rows.length;
}
