import { and, eq, isNull, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { prepared } from '@/features/core/database/prepared';
import { accountTokens } from './account-tokens.table';
import { refreshTokens } from './refresh-tokens.table';
import { sessions } from './sessions.table';
import { type NewUserRow, type UserRow, users } from './users.table';

export async function insertUser(values: NewUserRow): Promise<UserRow> {
  const [row] = await (await getDb()).insert(users).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

// Every authenticated request looks its user up: one prepared statement.
const userById = prepared(
  (db) =>
    db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .limit(1)
      .prepare('users_find_by_id_v2'), // v2: email_verified_at (a changed text gets a new name: rolling deploys share poolers)
);

export async function findUserById(id: string): Promise<UserRow | undefined> {
  const [row] = await (await userById()).execute({ id });
  return row;
}

export async function findUserByEmail(email: string): Promise<UserRow | undefined> {
  const [row] = await (await getDb()).select().from(users).where(eq(users.email, email)).limit(1);
  return row;
}

/**
 * The account for a sign-in, read with a share lock: a password change holding the row waits for nothing but
 * makes this read wait for its commit, so a sign-in never verifies a hash that is being replaced.
 */
export async function findUserForSignIn(email: string): Promise<UserRow | undefined> {
  const [row] = await (await getDb())
    .select()
    .from(users)
    .where(eq(users.email, email))
    .limit(1)
    .for('share');
  return row;
}

export async function updateUser(
  id: string,
  values: Partial<Pick<NewUserRow, 'email' | 'name'>>,
): Promise<UserRow | undefined> {
  const [row] = await (await getDb()).update(users).set(values).where(eq(users.id, id)).returning();
  return row;
}

/**
 * A login's rehash: stores the new hash only if the stored one is still the hash the password was verified
 * against, so it can never overwrite a password change that committed in between.
 */
export async function rehashPassword(values: {
  id: string;
  verifiedHash: string;
  passwordHash: string;
}): Promise<boolean> {
  const rows = await (await getDb())
    .update(users)
    .set({ passwordHash: values.passwordHash })
    .where(and(eq(users.id, values.id), eq(users.passwordHash, values.verifiedHash)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/**
 * Replaces the password and ends every sign-in of the account (refresh token families and web sessions), in one transaction that holds the account's
 * row lock (the lock token rotation and revocation take too): no rotation can slip a live successor in
 * between. Refuses (false) when the stored hash is no longer the one the current password was checked against.
 */
export async function changePassword(values: {
  id: string;
  verifiedHash: string;
  passwordHash: string;
  /** Read once the row is locked: every sign-in that read the old hash began before this instant. */
  now: () => Date;
}): Promise<boolean> {
  return (await getDb()).transaction(async (tx) => {
    const [locked] = await tx
      .select({ passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.id, values.id))
      .for('update');
    if (!locked || locked.passwordHash !== values.verifiedHash) return false;
    await tx
      .update(users)
      .set({ passwordHash: values.passwordHash, credentialsChangedAt: values.now() })
      .where(eq(users.id, values.id));
    await tx
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.userId, values.id), isNull(refreshTokens.revokedAt)));
    await tx
      .update(sessions)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.userId, values.id), isNull(sessions.revokedAt)));
    return true;
  });
}

/** The sign-in an email change keeps: the caller's web session, or the refresh-token family of its access token. */
export type KeptSignIn = { sessionId: string } | { authTime: Date };

/**
 * Changes the email and ends every other sign-in, in one transaction under the account's row lock: the
 * credentials change instant refuses every earlier session and token (as a password change does), and the
 * caller's own sign-in is moved past it. The new address is unverified; mailed tokens sent to the old one
 * are deleted. Undefined when the account is gone; a taken email throws the unique violation.
 */
export async function changeEmail(values: {
  id: string;
  email: string;
  keep: KeptSignIn;
  now: () => Date;
}): Promise<UserRow | undefined> {
  return (await getDb()).transaction(async (tx) => {
    const [locked] = await tx
      .select({ id: users.id })
      .from(users)
      .where(eq(users.id, values.id))
      .for('update');
    if (!locked) return undefined;
    const changedAt = values.now();
    const keptAuthTime = new Date(changedAt.getTime() + 1);
    const [row] = await tx
      .update(users)
      .set({ email: values.email, emailVerifiedAt: null, credentialsChangedAt: changedAt })
      .where(eq(users.id, values.id))
      .returning();
    await tx.delete(accountTokens).where(eq(accountTokens.userId, values.id));
    if ('sessionId' in values.keep) {
      await tx
        .update(sessions)
        .set({ authTime: keptAuthTime })
        .where(and(eq(sessions.id, values.keep.sessionId), eq(sessions.userId, values.id)));
    } else {
      await tx
        .update(refreshTokens)
        .set({ authTime: keptAuthTime })
        .where(
          and(
            eq(refreshTokens.userId, values.id),
            eq(refreshTokens.authTime, values.keep.authTime),
            isNull(refreshTokens.revokedAt),
          ),
        );
    }
    return row;
  });
}

/** Deletes the account; rows that hang off it (refresh tokens, uploads, …) go with it through ON DELETE CASCADE. */
export async function deleteUser(id: string): Promise<boolean> {
  const rows = await (await getDb()).delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return rows.length > 0;
}
