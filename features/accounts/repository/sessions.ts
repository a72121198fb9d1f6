import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { sessions } from './sessions.table';
import { type UserRow, users } from './users.table';

export async function insertSession(values: {
  userId: string;
  authTime: Date;
  expiresAt: Date;
}): Promise<string> {
  const [row] = await (await getDb()).insert(sessions).values(values).returning({ id: sessions.id });
  if (!row) throw new Error('insert returned no row');
  return row.id;
}

/** The session's user, when the session is neither revoked nor past its absolute expiry at `now`. */
export async function findSessionUser(
  sessionId: string,
  now: Date,
): Promise<{ user: UserRow; userId: string; authTime: Date } | undefined> {
  const [row] = await (await getDb())
    .select({ user: users, userId: sessions.userId, authTime: sessions.authTime })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sessionId),
        isNull(sessions.revokedAt),
        sql`${sessions.expiresAt} > ${now.toISOString()}::timestamptz`,
      ),
    )
    .limit(1);
  return row;
}

export async function revokeSession(sessionId: string): Promise<void> {
  await (await getDb())
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Deletes sessions past their absolute expiry before `before`; returns how many went. */
export async function purgeExpiredSessions(before: Date): Promise<number> {
  const rows = await (await getDb())
    .delete(sessions)
    .where(lt(sessions.expiresAt, before))
    .returning({ id: sessions.id });
  return rows.length;
}
