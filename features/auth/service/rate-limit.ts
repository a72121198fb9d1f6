import { getConfig } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';
import { hitRateLimit } from '../repository/repository';

export type RateLimitedAction = 'register' | 'token' | 'sign-in';

/**
 * Counts an attempt against the client address and, when known, the account; throws 429 (with the seconds
 * until the window resets) once either is over its limit.
 */
export async function enforceRateLimit(
  action: RateLimitedAction,
  client: string,
  account?: string,
): Promise<void> {
  const { windowSeconds, authPerIp, authPerAccount } = getConfig().rateLimit;
  const checks = [{ key: `${action}:ip:${client}`, limit: authPerIp }];
  if (account) checks.push({ key: `auth:account:${account}`, limit: authPerAccount });
  for (const { key, limit } of checks) {
    const { hits, resetAt } = await hitRateLimit(key, windowSeconds);
    if (hits > limit) {
      const retryAfter = Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000));
      throw new DomainError('rate_limited', `Too many attempts; retry in ${retryAfter} s.`, { retryAfter });
    }
  }
}
