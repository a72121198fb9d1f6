import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { queryRows } from '@/features/core/database/rows';
import { databaseTargets, useAsAppDatabase } from '../support/database-targets';
import { setTestEnv } from '../support/env';

// Account state through the accounts repositories and services, against PGlite and Postgres, in-process:
// the purge, the rehash guard, web session lifetimes. The app's database handle is the cached one on
// globalThis, so the services run against the test's own database.

setTestEnv({
  AUTH_SECRET: process.env.AUTH_SECRET ?? 'a-test-secret-that-is-long-enough-for-the-config-0123456789',
  DATA_DIR: process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'stylipp-accounts-')),
});
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const targets = databaseTargets('stylipp_accounts', ['pglite (memory)', 'pg']);

const email = () => `acct-${Math.random().toString(36).slice(2)}@example.com`;

for (const target of targets) {
  test.describe(`accounts on ${target.name}`, () => {
    test.describe.configure({ mode: 'serial' });
    test.skip(!target.available, 'no Postgres server on this machine');

    const database = useAsAppDatabase(target);

    test('the purges delete expired token families, sessions and stale rate-limit rows, and nothing live', async () => {
      const { insertUser } = await import('@/features/accounts/repository/users');
      const { insertRefreshToken } = await import('@/features/accounts/repository/tokens');
      const { hitRateLimit, reserveAttempt } = await import('@/features/accounts/repository/rate-limits');
      const { purgeAccountRows, purgeRateLimits, rateLimitMemorySeconds } = await import(
        '@/features/accounts/service/purge'
      );
      const { fixedClock } = await import('@/features/core/clock/clock');
      const now = new Date();
      const user = await insertUser({ email: email(), passwordHash: 'x' });
      const token = (familyId: string, expiresAt: Date) =>
        insertRefreshToken({
          userId: user.id,
          familyId,
          tokenHash: crypto.randomUUID(),
          expiresAt,
          authTime: new Date(now.getTime() - 40 * DAY),
        });
      const [expiredFamily, mixedFamily, liveFamily] = [1, 2, 3].map(() => crypto.randomUUID());
      await token(expiredFamily as string, new Date(now.getTime() - 3 * DAY));
      await token(expiredFamily as string, new Date(now.getTime() - 2 * DAY));
      // A family whose old token expired long ago but whose newest is live stays whole (reuse detection).
      await token(mixedFamily as string, new Date(now.getTime() - 5 * DAY));
      await token(mixedFamily as string, new Date(now.getTime() + DAY));
      await token(liveFamily as string, new Date(now.getTime() + 30 * DAY));
      const key = `purge-test:${crypto.randomUUID()}`;
      await reserveAttempt({
        key: `${key}:old`,
        at: new Date(now.getTime() - 25 * HOUR),
        forgetSeconds: 3600,
        freeAttempts: 5,
        maxDelaySeconds: 60,
      });
      await hitRateLimit(`${key}:fresh`, 60);
      await hitRateLimit(`${key}:window`, 60);
      await database().db.execute(sql`update rate_limits set window_started_at = now() - interval '25 hours'
        where key = ${`${key}:window`}`);
      // A row of the per-user write limits' day, 23 hours into its window: it still counts, so it stays.
      await hitRateLimit(`${key}:day`, 86_400);
      await database().db.execute(sql`update rate_limits set window_started_at = now() - interval '23 hours'
        where key = ${`${key}:day`}`);

      // Rate-limit rows go with the data-retention job (server/retention.ts), after the longest window: a day.
      expect(rateLimitMemorySeconds()).toBe(86_400);
      expect(
        await purgeRateLimits(new Date(now.getTime() - rateLimitMemorySeconds() * 1000)),
      ).toBeGreaterThanOrEqual(2);
      const purged = await purgeAccountRows(fixedClock(now));
      expect(purged.refreshTokens).toBeGreaterThanOrEqual(2);
      const families = await queryRows<{ family_id: string; count: number }>(
        database().db,
        sql`select family_id, count(*)::int as count from refresh_tokens where user_id = ${user.id} group by family_id`,
      );
      expect(Object.fromEntries(families.map((row) => [row.family_id, row.count]))).toEqual({
        [mixedFamily as string]: 2,
        [liveFamily as string]: 1,
      });
      const keys = await queryRows<{ key: string }>(
        database().db,
        sql`select key from rate_limits where key like ${`${key}%`} order by key`,
      );
      expect(keys.map((row) => row.key)).toEqual([`${key}:day`, `${key}:fresh`]);
      // Sessions past their absolute lifetime go too.
      const { insertSession } = await import('@/features/accounts/repository/sessions');
      const ended = await insertSession({
        userId: user.id,
        authTime: now,
        expiresAt: new Date(now.getTime() - HOUR),
      });
      const live = await insertSession({
        userId: user.id,
        authTime: now,
        expiresAt: new Date(now.getTime() + DAY),
      });
      expect((await purgeAccountRows(fixedClock(now))).sessions).toBe(1);
      const sessions = await queryRows<{ id: string }>(
        database().db,
        sql`select id from sessions where user_id = ${user.id}`,
      );
      expect(sessions.map((session) => session.id)).toEqual([live]);
      expect(ended).not.toBe(live);
      // Nothing left to purge: a second sweep finds none of this test's rows.
      const again = await purgeAccountRows(fixedClock(now));
      expect(again.refreshTokens).toBe(0);
    });

    test('a burst of 25 wrong passwords for one account: at most the 5 free attempts are judged, the rest 429', async () => {
      const { insertUser } = await import('@/features/accounts/repository/users');
      const { signIn } = await import('@/features/accounts/service/service');
      const { hashPassword } = await import('@/features/accounts/password/password');
      const { DomainError } = await import('@/features/core/errors/errors');
      const address = email();
      await insertUser({ email: address, passwordHash: await hashPassword('the right one, 1234') });
      // 25 at once: on Postgres they run on 4 connections, as several instances would.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 25 }, () => signIn(address, 'a wrong guess 123', '192.0.2.7')),
      );
      const judged = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const refused = outcomes.flatMap((outcome) =>
        outcome.status === 'rejected' && outcome.reason instanceof DomainError ? [outcome.reason] : [],
      );
      expect(judged.length).toBeLessThanOrEqual(5);
      expect(judged.every((outcome) => outcome.value === undefined)).toBe(true);
      expect(refused).toHaveLength(25 - judged.length);
      expect(refused.every((error) => error.kind === 'rate_limited' && (error.retryAfter ?? 0) >= 1)).toBe(
        true,
      );
      // (That the owner gets in once the delay has run is tests/api/auth.spec.ts's; here a slow machine could let
      // the 1 s delay pass before a further attempt.)
    });

    test('a flood of password changes from one address does not make sign-in from another answer 503', async () => {
      const { insertUser } = await import('@/features/accounts/repository/users');
      const { changeMyPassword, signIn } = await import('@/features/accounts/service/service');
      const { hashPassword } = await import('@/features/accounts/password/password');
      const { passwordHashing } = await import('@/features/core/admission/admission');
      const hash = await hashPassword('the right one, 1234');
      // Nine throwaway accounts on one address, ten password changes each (their per-account limit).
      const flooders = await Promise.all(
        Array.from({ length: 9 }, async () => (await insertUser({ email: email(), passwordHash: hash })).id),
      );
      const attacker = `198.51.100.${Math.floor(Math.random() * 250)}`;
      let settled = 0;
      const flood = flooders.flatMap((id) =>
        Array.from({ length: 10 }, () =>
          changeMyPassword(id, 'a wrong guess 123', 'a new password 5678', attacker)
            .then(
              () => ({ ok: true, error: undefined as unknown }),
              (error: unknown) => ({ ok: false, error }),
            )
            .finally(() => {
              settled += 1;
            }),
        ),
      );
      // Every change of the flood is either answered already or holds its place in the password queue.
      const admission = passwordHashing();
      await expect
        .poll(() => settled + admission.running + admission.waiting, { intervals: [5] })
        .toBeGreaterThanOrEqual(flood.length);
      const victim = email();
      await insertUser({ email: victim, passwordHash: hash });
      const signedIn = await signIn(victim, 'the right one, 1234', '203.0.113.9');
      expect(signedIn?.user.email).toBe(victim);
      const outcomes = await Promise.all(flood);
      const refusedByAddress = outcomes.filter(
        (outcome) => !outcome.ok && (outcome.error as { kind?: string }).kind === 'rate_limited',
      );
      expect(refusedByAddress.length).toBeGreaterThan(0);
    });

    test('per-address limits: every address of one IPv6 /64 shares one budget', async () => {
      const { limitClient } = await import('@/features/accounts/service/rate-limit');
      const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:7`;
      // 30 sign-ins a window per address (RATE_LIMIT_AUTH_PER_IP): the 31st address of the /64 is refused.
      for (let i = 1; i <= 30; i += 1) await limitClient('sign-in', `${prefix}::${i.toString(16)}`);
      await expect(limitClient('sign-in', `${prefix}:ffff:ffff:ffff:ffff`)).rejects.toMatchObject({
        kind: 'rate_limited',
      });
      await limitClient('sign-in', `${prefix.replace(/:7$/, ':8')}::1`); // the next /64 is another budget
    });

    test('a login rehash never overwrites a password change that committed in between', async () => {
      const { changePassword, findUserById, insertUser, rehashPassword } = await import(
        '@/features/accounts/repository/users'
      );
      const user = await insertUser({ email: email(), passwordHash: '$argon2id$old' });
      expect(
        await changePassword({
          id: user.id,
          verifiedHash: '$argon2id$old',
          passwordHash: '$argon2id$changed',
          now: () => new Date(),
        }),
      ).toBe(true);
      // The login verified the old hash before the change; its rehash must not land.
      expect(
        await rehashPassword({
          id: user.id,
          verifiedHash: '$argon2id$old',
          passwordHash: '$argon2id$rehash',
        }),
      ).toBe(false);
      expect((await findUserById(user.id))?.passwordHash).toBe('$argon2id$changed');
      // And a second change checked against the old hash is refused too.
      expect(
        await changePassword({
          id: user.id,
          verifiedHash: '$argon2id$old',
          passwordHash: '$argon2id$other',
          now: () => new Date(),
        }),
      ).toBe(false);
    });

    test('web sessions: absolute lifetime, ended by sign-out and by a password change', async () => {
      const { insertUser, changePassword } = await import('@/features/accounts/repository/users');
      const { toPublicUser } = await import('@/features/accounts/service/service');
      const { startSession, findSessionUserById, endSession, SESSION_ABSOLUTE_MS } = await import(
        '@/features/accounts/service/sessions'
      );
      const { fixedClock } = await import('@/features/core/clock/clock');
      const row = await insertUser({ email: email(), passwordHash: '$argon2id$h' });
      const authTime = new Date();
      const signedIn = { user: toPublicUser(row), authTime };
      const sessionId = await startSession(signedIn);
      const at = (ms: number) => fixedClock(authTime.getTime() + ms);
      expect((await findSessionUserById(sessionId, row.id, at(HOUR)))?.id).toBe(row.id);
      expect(await findSessionUserById(sessionId, row.id, at(SESSION_ABSOLUTE_MS - 1))).toBeDefined();
      expect(await findSessionUserById(sessionId, row.id, at(SESSION_ABSOLUTE_MS))).toBeUndefined();
      expect(await findSessionUserById(sessionId, crypto.randomUUID(), at(HOUR))).toBeUndefined();

      const other = await startSession({ ...signedIn, authTime: new Date() });
      await endSession(other);
      expect(await findSessionUserById(other, row.id, at(HOUR))).toBeUndefined();

      await changePassword({
        id: row.id,
        verifiedHash: '$argon2id$h',
        passwordHash: '$argon2id$h2',
        now: () => new Date(authTime.getTime() + 1000),
      });
      expect(await findSessionUserById(sessionId, row.id, at(HOUR))).toBeUndefined();
    });
  });
}
