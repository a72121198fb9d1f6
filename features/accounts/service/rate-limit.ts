import { getConfig } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';
import { clearFailures, findFailures, hitRateLimit, recordFailure } from '../repository/rate-limits';

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

async function hit(key: string, limit: number): Promise<void> {
  const { hits, resetAt } = await hitRateLimit(key, getConfig().rateLimit.windowSeconds);
  if (hits > limit) throw tooMany(Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000)));
}

/** Counts an attempt from a client address; 429 once the address is over its limit in the window. */
export function limitClient(action: LimitedAction, client: string): Promise<void> {
  return hit(`${action}:ip:${client}`, getConfig().rateLimit.authPerIp);
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

/** Refuses (429) a sign-in to this account (normalised email) while its failure delay runs. */
export async function assertSignInAllowed(email: string, now: Date): Promise<void> {
  const record = await findFailures(failureKey(email));
  if (!record) return;
  const sinceLast = (now.getTime() - record.lastAt.getTime()) / 1000;
  if (sinceLast >= SIGN_IN_FAILURE_MEMORY_SECONDS) return;
  const wait = signInDelaySeconds(record.failures) - sinceLast;
  if (wait > 0) throw tooMany(Math.ceil(wait));
}

export async function recordSignInFailure(email: string, now: Date): Promise<void> {
  await recordFailure(failureKey(email), now, SIGN_IN_FAILURE_MEMORY_SECONDS);
}

export async function clearSignInFailures(email: string): Promise<void> {
  await clearFailures(failureKey(email));
}
