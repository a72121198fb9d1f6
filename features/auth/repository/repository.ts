import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { rateLimits } from './rate-limits.table';
import { type RefreshTokenRow, refreshTokens } from './refresh-tokens.table';

export async function insertRefreshToken(values: {
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
}): Promise<void> {
  await (await getDb()).insert(refreshTokens).values(values);
}

/**
 * Marks a live token used and returns it — in one statement, so of two concurrent uses exactly one wins.
 * Undefined when the token is unknown, expired, revoked or already used.
 */
export async function consumeRefreshToken(tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const [row] = await (await getDb())
    .update(refreshTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(refreshTokens.tokenHash, tokenHash),
        isNull(refreshTokens.usedAt),
        isNull(refreshTokens.revokedAt),
        gt(refreshTokens.expiresAt, sql`now()`),
      ),
    )
    .returning();
  return row;
}

export async function findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const [row] = await (await getDb())
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .limit(1);
  return row;
}

export async function revokeTokenFamily(familyId: string): Promise<void> {
  await (await getDb())
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function revokeUserTokens(userId: string): Promise<void> {
  await (await getDb())
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

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
