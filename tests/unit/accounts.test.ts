import { expect, test } from '@playwright/test';
import { loadBreachedPasswords } from '@/features/accounts/password/breached-passwords';
import { MIN_PASSWORD_LENGTH, passwordPolicyProblem } from '@/features/accounts/password/password';
import {
  SIGN_IN_FREE_FAILURES,
  SIGN_IN_MAX_DELAY_SECONDS,
  signInDelaySeconds,
} from '@/features/accounts/service/rate-limit';
import { normalizeEmail } from '@/features/accounts/utils/email';
import { DomainError } from '@/features/core/errors/errors';
import { problemOf } from '@/features/core/http/problem';

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

test('breached passwords: a real list of 100,000+ entries, deep entries refused, unicode-normalised', () => {
  const list = loadBreachedPasswords(MIN_PASSWORD_LENGTH);
  expect(list.size).toBeGreaterThanOrEqual(100_000);
  // The 1,000th, 50,000th, 150,000th and 190,000th entries of 8+ characters in the shipped file.
  for (const password of ['spongebob', 'e3w27890', 'sempurna', 'rosiegir', 'SpongeBob'])
    expect(passwordPolicyProblem(password), password).toContain('most common');
  // Compared after NFKC: full-width letters are the same password.
  expect(passwordPolicyProblem('ｓｐｏｎｇｅｂｏｂ')).toContain('most common');
  expect(passwordPolicyProblem('correct horse battery staple')).toBeUndefined();
  expect(passwordPolicyProblem('short')).toContain('at least 8');
});

test('one table at the edge: OAuth2 token codes gain `error`, domain fields become body fields', () => {
  const context = { requestId: 'r', path: '/api/x' };
  const grant = problemOf(new DomainError('bad_request', 'No.', { code: 'invalid_grant' }), context);
  expect(grant.status).toBe(400);
  expect(grant.body).toMatchObject({ error: 'invalid_grant', error_description: 'No.' });
  const taken = problemOf(new DomainError('conflict', 'Taken.', { code: 'email_taken' }), context).body;
  expect([taken.status, taken.code, 'error' in taken]).toEqual([409, 'email_taken', false]);
  const weak = problemOf(
    new DomainError('invalid', 'Weak.', { fields: [{ field: 'newPassword', message: 'is too short' }] }),
    context,
  ).body;
  expect([weak.status, weak.errors]).toEqual([422, [{ path: 'body.newPassword', message: 'is too short' }]]);
});
