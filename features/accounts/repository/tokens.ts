import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { refreshTokens } from './refresh-tokens.table';
import { users } from './users.table';

// Refresh token families. Every write that can end or extend a family (rotation, revocation, a password
// change in ./users.ts) first takes the account's row lock (`SELECT … FOR UPDATE` on users), so they run one
// after another per account: a revocation or a password change either sees a rotation's successor (and ends
// it) or the rotation sees the revocation (and issues nothing).

export async function insertRefreshToken(values: {
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
  authTime: Date;
}): Promise<void> {
  await (await getDb()).insert(refreshTokens).values(values);
}

export type RotationResult =
  | { outcome: 'rotated'; userId: string; familyId: string; authTime: Date }
  | { outcome: 'refused' };

/**
 * Exchanges a live refresh token for its successor, atomically: marks it used and inserts the successor in
 * one transaction under the account's lock. Presenting a used or revoked token revokes its whole family;
 * so does a family whose sign-in predates the account's last credentials change.
 */
export async function rotateRefreshToken(values: {
  tokenHash: string;
  successorHash: string;
  expiresAt: Date;
}): Promise<RotationResult> {
  const db = await getDb();
  const [owner] = await db
    .select({ userId: refreshTokens.userId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, values.tokenHash))
    .limit(1);
  if (!owner) return { outcome: 'refused' };
  return db.transaction(async (tx) => {
    const [account] = await tx
      .select({ credentialsChangedAt: users.credentialsChangedAt })
      .from(users)
      .where(eq(users.id, owner.userId))
      .for('update');
    const [token] = await tx
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, values.tokenHash))
      .limit(1);
    if (!account || !token) return { outcome: 'refused' };
    const stale = account.credentialsChangedAt !== null && token.authTime <= account.credentialsChangedAt;
    if (token.usedAt !== null || token.revokedAt !== null || stale) {
      await tx
        .update(refreshTokens)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(refreshTokens.familyId, token.familyId), isNull(refreshTokens.revokedAt)));
      return { outcome: 'refused' };
    }
    const [consumed] = await tx
      .update(refreshTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(refreshTokens.id, token.id), sql`${refreshTokens.expiresAt} > now()`))
      .returning({ id: refreshTokens.id });
    if (!consumed) return { outcome: 'refused' }; // expired
    await tx.insert(refreshTokens).values({
      userId: token.userId,
      familyId: token.familyId,
      tokenHash: values.successorHash,
      expiresAt: values.expiresAt,
      authTime: token.authTime,
    });
    return {
      outcome: 'rotated',
      userId: token.userId,
      familyId: token.familyId,
      authTime: token.authTime,
    };
  });
}

/** Revokes the family of the token with this hash (under the account's lock); false when the token is unknown. */
export async function revokeTokenFamily(tokenHash: string): Promise<boolean> {
  const db = await getDb();
  const [token] = await db
    .select({ userId: refreshTokens.userId, familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .limit(1);
  if (!token) return false;
  await db.transaction(async (tx) => {
    await tx.select({ id: users.id }).from(users).where(eq(users.id, token.userId)).for('update');
    await tx
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.familyId, token.familyId), isNull(refreshTokens.revokedAt)));
  });
  return true;
}

/**
 * Deletes the families whose every token expired before `before` (whole families, so a used token is kept
 * for reuse detection as long as any token of its family could still be presented); returns the row count.
 */
export async function purgeExpiredRefreshTokens(before: Date): Promise<number> {
  const db = await getDb();
  const expiredFamilies = db
    .select({ familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .groupBy(refreshTokens.familyId)
    .having(sql`max(${refreshTokens.expiresAt}) < ${before.toISOString()}::timestamptz`);
  const rows = await db
    .delete(refreshTokens)
    .where(inArray(refreshTokens.familyId, expiredFamilies))
    .returning({ id: refreshTokens.id });
  return rows.length;
}
