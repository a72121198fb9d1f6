import { type Clock, DAY_MS, systemClock } from '@/features/core/clock/clock';
import { findSessionUser, insertSession, revokeSession } from '../repository/sessions';
import type { PublicUser } from '../schemas/schemas';
import { type SignedIn, toPublicUser } from './service';

// Web sessions: a next-auth JWT cookie names a row of `sessions`; the row, not the cookie, decides whether
// the session still counts (docs/decisions/0003-accounts-web-sessions.md).

/** Idle lifetime: the cookie is re-issued on use and lapses after this long without one. */
export const SESSION_IDLE_SECONDS = 7 * 24 * 60 * 60;
/** Absolute lifetime: no use extends a session past this long after its sign-in. */
export const SESSION_ABSOLUTE_MS = 30 * DAY_MS;

export async function startSession(signedIn: SignedIn): Promise<string> {
  return insertSession({
    userId: signedIn.user.id,
    authTime: signedIn.authTime,
    expiresAt: new Date(signedIn.authTime.getTime() + SESSION_ABSOLUTE_MS),
  });
}

/**
 * The user of a live session (not signed out, not past its absolute lifetime, not older than the account's
 * last credentials change), or undefined.
 */
export async function findSessionUserById(
  sessionId: string,
  userId: string,
  clock: Clock = systemClock,
): Promise<PublicUser | undefined> {
  const found = await findSessionUser(sessionId, clock.now());
  if (!found || found.userId !== userId) return undefined;
  const changedAt = found.user.credentialsChangedAt?.getTime();
  if (changedAt !== undefined && found.authTime.getTime() <= changedAt) return undefined;
  return toPublicUser(found.user);
}

export async function endSession(sessionId: string): Promise<void> {
  await revokeSession(sessionId);
}
