import { type Clock, DAY_MS } from '@/features/core/clock/clock';
import { getConfig } from '@/features/core/config/config';
import { describeError, logger } from '@/features/core/logger/logger';
import { purgeExpiredAccountTokens } from '../repository/account-tokens';
import { purgeStaleRateLimits } from '../repository/rate-limits';
import { purgeExpiredSessions } from '../repository/sessions';
import { purgeExpiredRefreshTokens } from '../repository/tokens';
import { SIGN_IN_FAILURE_MEMORY_SECONDS } from './rate-limit';

// Neither refresh_tokens, sessions, rate_limits nor account_tokens may grow forever (docs/decisions/0006-accounts-purge.md).
// An opportunistic sweep: sign-ins and token requests start one at most every PURGE_INTERVAL_MS per process,
// in the background (the request never waits for it); two instances sweeping at once only delete the same
// rows. No scheduler to deploy, and an idle system has nothing to purge.

export const PURGE_INTERVAL_MS = 10 * 60 * 1000;
/** Expired families stay a day, so a late replay of their tokens still answers "revoked" in the logs. */
export const EXPIRED_TOKEN_GRACE_MS = DAY_MS;

export interface PurgeResult {
  refreshTokens: number;
  sessions: number;
  rateLimits: number;
  accountTokens: number;
}

/** Deletes refresh-token families expired for a day, sessions past their absolute lifetime, and rate-limit rows no window or failure run needs. */
export async function purgeAccountRows(clock: Clock): Promise<PurgeResult> {
  const now = clock.now().getTime();
  const longestMemoryMs =
    Math.max(getConfig().rateLimit.windowSeconds, SIGN_IN_FAILURE_MEMORY_SECONDS) * 1000;
  return {
    refreshTokens: await purgeExpiredRefreshTokens(new Date(now - EXPIRED_TOKEN_GRACE_MS)),
    sessions: await purgeExpiredSessions(new Date(now)),
    rateLimits: await purgeStaleRateLimits(new Date(now - longestMemoryMs)),
    accountTokens: await purgeExpiredAccountTokens(new Date(now)),
  };
}

let lastPurgeAt = Number.NEGATIVE_INFINITY;

/** Starts a purge in the background when the last one began PURGE_INTERVAL_MS ago or more. */
export function purgeWhenDue(clock: Clock): void {
  const now = clock.now().getTime();
  if (now - lastPurgeAt < PURGE_INTERVAL_MS) return;
  lastPurgeAt = now;
  purgeAccountRows(clock).then(
    (purged) => logger.info('account rows purged', { ...purged }),
    (error) => logger.warn('account purge failed', describeError(error)),
  );
}
