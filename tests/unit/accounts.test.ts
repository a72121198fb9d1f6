import { expect, test } from '@playwright/test';
import {
  SIGN_IN_FREE_FAILURES,
  SIGN_IN_MAX_DELAY_SECONDS,
  signInDelaySeconds,
} from '@/features/accounts/service/rate-limit';
import { normalizeEmail } from '@/features/accounts/utils/email';

test('sign-in delay: free failures, then doubling from 1 s, capped at 60 s (≤ 60 guesses an hour)', () => {
  expect(SIGN_IN_FREE_FAILURES).toBe(5);
  expect([0, 1, 4].map(signInDelaySeconds)).toEqual([0, 0, 0]);
  expect([5, 6, 7, 8, 10].map(signInDelaySeconds)).toEqual([1, 2, 4, 8, 32]);
  expect([11, 12, 1000].map(signInDelaySeconds)).toEqual([60, 60, 60]);
  expect(3600 / SIGN_IN_MAX_DELAY_SECONDS).toBeLessThanOrEqual(100); // ASVS 2.2.1: < 100 failures an hour
});

test('one normalised email form', () => {
  expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
});
