import { type Clock, DAY_MS } from '@/features/core/clock/clock';
import { getConfig } from '@/features/core/config/config';
import { describeError, logger } from '@/features/core/logger/logger';
import { purgeExpiredAccountTokens } from '../repository/account-tokens';
import { purgeStaleRateLimits } from '../repository/rate-limits';
import { purgeExpiredSessions } from '../repository/sessions';
import { purgeExpiredRefreshTokens } from '../repository/tokens';
import { SIGN_IN_FAILURE_MEMORY_SECONDS, USER_WRITE_WINDOW_SECONDS } from './rate-limit';

// Neither refresh_tokens, sessions nor account_tokens may grow forever (docs/decisions/0006-accounts-purge.md).
// Rate-limit rows go by age with the other tables' rows, in the data-retention job (server/retention.ts).
// An opportunistic sweep: sign-ins and token requests start one at most every PURGE_INTERVAL_MS per process,
// in the background (the request never waits for it); two instances sweeping at once only delete the same
// rows. No scheduler to deploy, and an idle system has nothing to purge.

export const PURGE_INTERVAL_MS = 10 * 60 * 1000;
/** Expired families stay a day, so a late replay of their tokens still answers "revoked" in the logs. */
export const EXPIRED_TOKEN_GRACE_MS = DAY_MS;

export interface PurgeResult {
  refreshTokens: number;
  sessions: number;
  accountTokens: number;
}

/** Deletes refresh-token families expired for a day, sessions past their absolute lifetime and spent mail tokens. */
export async function purgeAccountRows(clock: Clock): Promise<PurgeResult> {
  const now = clock.now().getTime();
  return {
    refreshTokens: await purgeExpiredRefreshTokens(new Date(now - EXPIRED_TOKEN_GRACE_MS)),
    sessions: await purgeExpiredSessions(new Date(now)),
    accountTokens: await purgeExpiredAccountTokens(new Date(now)),
  };
}

/**
 * How long a rate-limit row can still count: the longest window or failure memory of any limit (the per-user
 * write limits' day, unless an operator configured a longer auth or mail window).
 */
export function rateLimitMemorySeconds(): number {
  const config = getConfig();
  return Math.max(
    USER_WRITE_WINDOW_SECONDS,
    SIGN_IN_FAILURE_MEMORY_SECONDS,
    config.rateLimit.windowSeconds,
    config.recovery.rateLimit.windowSeconds,
  );
}

/** Deletes rate-limit rows whose window (or last failure) began before `before`; returns how many went. */
export function purgeRateLimits(before: Date): Promise<number> {
  return purgeStaleRateLimits(before);
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
