import { getConfig } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';
import { addressBudget } from '@/features/core/http/client-address';
import { clearFailures, hitRateLimit, releaseAttempt, reserveAttempt } from '../repository/rate-limits';

// Two kinds of limits (docs/decisions/0004-accounts-sign-in-throttling.md):
// - fixed windows per client address (and per account for password and email changes): too many → 429;
// - per-account sign-in failures slow sign-in down instead of locking the account: after a few free
//   failures each further attempt waits twice as long as the last, up to a short cap, so a stranger failing
//   on purpose delays the owner by seconds, never locks them out, and gets at most ~60 guesses an hour.

export type LimitedAction = 'register' | 'token' | 'sign-in' | 'email-change' | 'password-change';

export const SIGN_IN_FREE_FAILURES = 5;
export const SIGN_IN_MAX_DELAY_SECONDS = 60;
/** A run of failures is forgotten this long after its last failure. */
export const SIGN_IN_FAILURE_MEMORY_SECONDS = 60 * 60;

function tooMany(retryAfter: number): DomainError {
  return new DomainError('rate_limited', `Too many attempts; retry in ${retryAfter} s.`, { retryAfter });
}

async function hit(key: string, limit: number, windowSeconds = getConfig().rateLimit.windowSeconds) {
  const { hits, resetAt } = await hitRateLimit(key, windowSeconds);
  if (hits > limit) throw tooMany(Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000)));
}

/**
 * Counts an attempt from a client address (an IPv6 address by its /64); 429 once that budget is over its
 * limit in the window.
 */
export function limitClient(action: LimitedAction, client: string): Promise<void> {
  return hit(`${action}:ip:${addressBudget(client)}`, getConfig().rateLimit.authPerIp);
}

/** Counts an attempt on an account (its id); 429 once the account is over its limit in the window. */
export function limitAccount(action: LimitedAction, accountId: string): Promise<void> {
  return hit(`${action}:account:${accountId}`, getConfig().rateLimit.authPerAccount);
}

/**
 * What one user may write (issue 23 item 6): every operation that stores rows for its caller has a burst
 * allowance per minute and a volume per day, counted in the same Postgres rows as the auth limits (one
 * mechanism, shared by every instance). The minute covers a human at their fastest (a swipe a second, a page of
 * 20 cards every few seconds, client retries); the day bounds what one account can make the database hold
 * (README "Security"; the rows' retention is server/retention.ts). A request over either is refused, 429 with
 * Retry-After, before it writes anything.
 */
export const USER_WRITE_LIMITS = {
  /** GET /api/feed: each page writes a page record, a new batch 60 cards (~10 KB). */
  feed: { perMinute: 30, perDay: 600 },
  /** POST /api/feedback and DELETE /api/feedback/{id}: an interaction each. */
  feedback: { perMinute: 120, perDay: 3_000 },
  /** POST /api/feedback/exposures: up to 100 exposure rows a call. */
  exposures: { perMinute: 30, perDay: 600 },
  /** GET /api/products/{id}/out: a click each. */
  'click-out': { perMinute: 30, perDay: 500 },
  /** POST /api/onboarding/calibration: an onboarding session, and two photos decoded and embedded. */
  calibration: { perMinute: 10, perDay: 30 },
} as const satisfies Record<string, { perMinute: number; perDay: number }>;

export type UserWriteOperation = keyof typeof USER_WRITE_LIMITS;

/** The longest window any per-user write limit counts in: rate-limit rows older than this count for nothing. */
export const USER_WRITE_WINDOW_SECONDS = 86_400;

/** The contract's words for an operation's limit (its OpenAPI description). */
export function describeUserWriteLimit(operation: UserWriteOperation): string {
  const { perMinute, perDay } = USER_WRITE_LIMITS[operation];
  return `Limited per user to ${perMinute} a minute and ${perDay} a day: past either, 429 with Retry-After.`;
}

/**
 * Counts one write of `operation` by `userId` against its minute, then its day; 429 (Retry-After) once either
 * is spent. A request refused by the minute is not charged to the day.
 */
export async function limitUserWrite(operation: UserWriteOperation, userId: string): Promise<void> {
  const { perMinute, perDay } = USER_WRITE_LIMITS[operation];
  await hit(`${operation}:user:${userId}:minute`, perMinute, 60);
  await hit(`${operation}:user:${userId}:day`, perDay, USER_WRITE_WINDOW_SECONDS);
}

/** Seconds a sign-in must wait after `failures` consecutive failures (0 while they are free). Pure. */
export function signInDelaySeconds(failures: number): number {
  if (failures < SIGN_IN_FREE_FAILURES) return 0;
  return Math.min(SIGN_IN_MAX_DELAY_SECONDS, 2 ** (failures - SIGN_IN_FREE_FAILURES));
}

const failureKey = (email: string) => `sign-in-failures:${email}`;

/**
 * Reserves a sign-in attempt on this account (normalised email) before its password is verified: counted
 * first, judged after, so a burst — on one instance or many — gets at most the free attempts judged and the
 * rest 429 while the delay runs. A success clears the run (`clearSignInFailures`); an attempt that was never
 * judged (503 at capacity) is given back (`releaseSignInAttempt`).
 */
export async function reserveSignInAttempt(email: string, now: Date): Promise<void> {
  const reserved = await reserveAttempt({
    key: failureKey(email),
    at: now,
    forgetSeconds: SIGN_IN_FAILURE_MEMORY_SECONDS,
    freeAttempts: SIGN_IN_FREE_FAILURES,
    maxDelaySeconds: SIGN_IN_MAX_DELAY_SECONDS,
  });
  if ('retryAfter' in reserved) throw tooMany(reserved.retryAfter);
}

export async function releaseSignInAttempt(email: string): Promise<void> {
  await releaseAttempt(failureKey(email));
}

export async function clearSignInFailures(email: string): Promise<void> {
  await clearFailures(failureKey(email));
}
