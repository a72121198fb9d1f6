import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { type AccountTokenPurpose, accountTokens } from './account-tokens.table';
import { refreshTokens } from './refresh-tokens.table';
import { sessions } from './sessions.table';
import { users } from './users.table';

// Mailed tokens (password reset, email verification). Issuing replaces the account's earlier token of the
// purpose; consuming deletes the row in the same statement that checks it, so a token works once even when
// two requests race, and a superseded, used or expired token is simply not there.

/** Stores a new token for the account and purpose, replacing any earlier one (one transaction). */
export async function replaceAccountToken(values: {
  userId: string;
  purpose: AccountTokenPurpose;
  tokenHash: string;
  email: string;
  expiresAt: Date;
}): Promise<void> {
  await (await getDb()).transaction(async (tx) => {
    await tx
      .delete(accountTokens)
      .where(and(eq(accountTokens.userId, values.userId), eq(accountTokens.purpose, values.purpose)));
    await tx.insert(accountTokens).values(values);
  });
}

/** Whether a live (unexpired at `now`) token of this purpose has this hash: a cheap look before costly work. */
export async function isLiveAccountToken(values: {
  tokenHash: string;
  purpose: AccountTokenPurpose;
  now: Date;
}): Promise<boolean> {
  const [row] = await (await getDb())
    .select({ id: accountTokens.id })
    .from(accountTokens)
    .where(
      and(
        eq(accountTokens.tokenHash, values.tokenHash),
        eq(accountTokens.purpose, values.purpose),
        gt(accountTokens.expiresAt, values.now),
      ),
    )
    .limit(1);
  return row !== undefined;
}

/**
 * Consumes a verification token: deletes it and marks the account's email verified when it is still the
 * address the token was mailed to. False when the token is unknown, used, superseded or expired (or the
 * email changed since, which also deleted it).
 */
export async function consumeEmailVerification(values: { tokenHash: string; now: Date }): Promise<boolean> {
  return (await getDb()).transaction(async (tx) => {
    const [token] = await tx
      .delete(accountTokens)
      .where(
        and(
          eq(accountTokens.tokenHash, values.tokenHash),
          eq(accountTokens.purpose, 'email_verification'),
          gt(accountTokens.expiresAt, values.now),
        ),
      )
      .returning({ userId: accountTokens.userId, email: accountTokens.email });
    if (!token) return false;
    const verified = await tx
      .update(users)
      .set({
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${values.now.toISOString()}::timestamptz)`,
      })
      .where(and(eq(users.id, token.userId), eq(users.email, token.email)))
      .returning({ id: users.id });
    return verified.length > 0;
  });
}

/**
 * Consumes a password-reset token and sets the new password, as a password change does: under the account's
 * row lock, the credentials change instant ends every earlier sign-in (refresh token families and web
 * sessions revoked too). The mail reached its address, so that address counts as verified. False when the
 * token is unknown, used, superseded or expired.
 */
export async function resetPassword(values: {
  tokenHash: string;
  passwordHash: string;
  /** Read once the row is locked: every sign-in that read the old hash began before this instant. */
  now: () => Date;
}): Promise<boolean> {
  const presentedAt = values.now();
  return (await getDb()).transaction(async (tx) => {
    const [token] = await tx
      .delete(accountTokens)
      .where(
        and(
          eq(accountTokens.tokenHash, values.tokenHash),
          eq(accountTokens.purpose, 'password_reset'),
          gt(accountTokens.expiresAt, presentedAt),
        ),
      )
      .returning({ userId: accountTokens.userId, email: accountTokens.email });
    if (!token) return false;
    const [locked] = await tx
      .select({ email: users.email, emailVerifiedAt: users.emailVerifiedAt })
      .from(users)
      .where(eq(users.id, token.userId))
      .for('update');
    if (!locked) return false;
    const changedAt = values.now();
    await tx
      .update(users)
      .set({
        passwordHash: values.passwordHash,
        credentialsChangedAt: changedAt,
        ...(locked.email === token.email && locked.emailVerifiedAt === null
          ? { emailVerifiedAt: changedAt }
          : {}),
      })
      .where(eq(users.id, token.userId));
    await tx
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.userId, token.userId), isNull(refreshTokens.revokedAt)));
    await tx
      .update(sessions)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.userId, token.userId), isNull(sessions.revokedAt)));
    return true;
  });
}

/** Deletes tokens that expired before `before`; returns how many went. */
export async function purgeExpiredAccountTokens(before: Date): Promise<number> {
  const rows = await (await getDb())
    .delete(accountTokens)
    .where(lt(accountTokens.expiresAt, before))
    .returning({ id: accountTokens.id });
  return rows.length;
}
