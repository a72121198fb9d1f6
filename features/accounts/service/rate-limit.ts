import { getConfig } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';
import { addressBudget } from '@/features/core/http/client-address';
import { clearFailures, hitRateLimit, releaseAttempt, reserveAttempt } from '../repository/rate-limits';

// Two kinds of limits (docs/decisions/0004-accounts-sign-in-throttling.md):
// - fixed windows per client address (and per account for password and email changes): too many → 429;
// - per-account sign-in failures slow sign-in down instead of locking the account: after a few free
//   failures each further attempt waits twice as long as the last, up to a short cap, so a stranger failing
//   on purpose delays the owner by seconds, never locks them out, and gets at most ~60 guesses an hour.

export type LimitedAction =
  | 'register'
  | 'token'
  | 'sign-in'
  | 'email-change'
  | 'password-change'
  | 'calibration';

export const SIGN_IN_FREE_FAILURES = 5;
export const SIGN_IN_MAX_DELAY_SECONDS = 60;
/** A run of failures is forgotten this long after its last failure. */
export const SIGN_IN_FAILURE_MEMORY_SECONDS = 60 * 60;

function tooMany(retryAfter: number): DomainError {
  return new DomainError('rate_limited', `Too many attempts; retry in ${retryAfter} s.`, { retryAfter });
}

async function hit(key: string, limit: number): Promise<void> {
  const { hits, resetAt } = await hitRateLimit(key, getConfig().rateLimit.windowSeconds);
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
