import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import { findUserByEmail } from '@/features/accounts/repository/users';
import { purgeAccountRows } from '@/features/accounts/service/purge';
import {
  confirmPasswordReset,
  requestPasswordReset,
  sendEmailVerification,
  verifyEmail,
} from '@/features/accounts/service/recovery';
import { register } from '@/features/accounts/service/service';
import { fixedClock } from '@/features/core/clock/clock';
import { getConfig } from '@/features/core/config/config';
import { getDb } from '@/features/core/database/client';
import { queryRows } from '@/features/core/database/rows';
import { DomainError } from '@/features/core/errors/errors';
import { setTestEnv } from '../support/env';
import { setUpMemoryDatabase } from '../support/memory-db';

// Mailed tokens against the clock (injected), on an in-memory database, with the development mailer: no
// SMTP_URL, so each message lands in the outbox folder under the data dir, read back here.

setTestEnv({ AUTH_SECRET: 'a-test-secret-that-is-long-enough-for-the-config-0123456789', SMTP_URL: '' });
setUpMemoryDatabase('recovery');

const MINUTE = 60_000;
const client = () => `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
const email = () => `recover-${Math.random().toString(36).slice(2)}@example.com`;

/** Tokens of the outbox messages to `to`, oldest first, once there are `count`. */
async function outboxTokens(to: string, count: number): Promise<string[]> {
  const dir = getConfig().mail.outboxDir;
  let tokens: string[] = [];
  await expect
    .poll(
      async () => {
        tokens = [];
        for (const file of existsSync(dir) ? readdirSync(dir).sort() : []) {
          const mail = await simpleParser(readFileSync(join(dir, file)));
          const recipients = Array.isArray(mail.to) ? mail.to : [mail.to];
          if (!recipients.some((a) => a?.text === to)) continue;
          const link = (mail.text ?? '').match(/https?:\/\/\S+/)?.[0];
          if (link) tokens.push(new URL(link).searchParams.get('token') ?? '');
        }
        return tokens.length;
      },
      { timeout: 10_000 },
    )
    .toBeGreaterThanOrEqual(count);
  return tokens;
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
}

test('a reset token works for 30 minutes and not a moment after', async () => {
  const address = email();
  await register({ email: address, password: 'a long enough passphrase' }, client());
  await outboxTokens(address, 1); // the registration's verification mail
  const clock = fixedClock('2030-01-01T10:00:00Z');
  await requestPasswordReset(address, client(), clock);
  const [, token] = await outboxTokens(address, 2); // the registration's verification, then the reset
  if (!token) throw new Error('no token');
  clock.advance(30 * MINUTE);
  expect(await refusal(confirmPasswordReset(token, 'another long passphrase', client(), clock))).toBe(
    'invalid_token',
  );
  clock.advance(-1000);
  expect(
    await refusal(confirmPasswordReset(token, 'another long passphrase', client(), clock)),
  ).toBeUndefined();
});

test('a verification token works for 24 hours; after that, one clear refusal', async () => {
  const address = email();
  await register({ email: address, password: 'a long enough passphrase' }, client());
  const user = await findUserByEmail(address);
  if (!user) throw new Error('no user');
  await outboxTokens(address, 1); // the registration's own link, replaced below
  const clock = fixedClock('2030-01-01T10:00:00Z');
  sendEmailVerification(user, clock);
  const [, token] = await outboxTokens(address, 2);
  if (!token) throw new Error('no token');
  clock.advance(24 * 60 * MINUTE);
  expect(await refusal(verifyEmail(token, client(), clock))).toBe('invalid_token');
  clock.advance(-1000);
  expect(await refusal(verifyEmail(token, client(), clock))).toBeUndefined();
  expect((await findUserByEmail(address))?.emailVerifiedAt).toEqual(clock.now());
});

test('the outbox keeps every message whole: plain text and HTML, never dropped', async () => {
  const address = email();
  await register({ email: address, password: 'a long enough passphrase' }, client());
  await outboxTokens(address, 1);
  const dir = getConfig().mail.outboxDir;
  const files = readdirSync(dir).filter((name) => name.endsWith('.eml'));
  const raw = files
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .find((text) => text.includes(address));
  expect(raw).toContain('Content-Type: text/plain');
  expect(raw).toContain('Content-Type: text/html');
});

test('expired mailed tokens are purged with the other account rows', async () => {
  const address = email();
  await register({ email: address, password: 'a long enough passphrase' }, client());
  await outboxTokens(address, 1);
  await requestPasswordReset(address, client(), fixedClock('2001-01-01T00:00:00Z'));
  const [, token] = await outboxTokens(address, 2);
  if (!token) throw new Error('no token');
  const purged = await purgeAccountRows(fixedClock(new Date()));
  expect(purged.accountTokens).toBeGreaterThanOrEqual(1);
  const rows = await queryRows<{ purpose: string }>(
    await getDb(),
    sql`select purpose from account_tokens where email = ${address}`,
  );
  expect(rows).toEqual([{ purpose: 'email_verification' }]); // the live one stays
  expect(await refusal(confirmPasswordReset(token, 'another long passphrase', client()))).toBe(
    'invalid_token',
  );
});
