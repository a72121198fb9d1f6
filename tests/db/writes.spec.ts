import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { queryRows } from '@/features/core/database/rows';
import { databaseTargets, useAsAppDatabase } from '../support/database-targets';
import { setTestEnv } from '../support/env';

// Per-user writes are bounded (issue 23 item 6), against PGlite and Postgres: the day's allowance of each
// writing operation (the minute's is proved over HTTP, tests/api/writes.spec.ts), and the retention of each
// table (server/retention.ts) — rows aged behind the API, the purge job's function run with a fixed clock.

setTestEnv({
  AUTH_SECRET: process.env.AUTH_SECRET ?? 'a-test-secret-that-is-long-enough-for-the-config-0123456789',
  DATA_DIR: process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'stylipp-writes-')),
});

const targets = databaseTargets('stylipp_writes', ['pglite (memory)', 'pg']);

for (const target of targets) {
  test.describe(`per-user writes on ${target.name}`, () => {
    test.describe.configure({ mode: 'serial' });
    test.skip(!target.available, 'no Postgres server on this machine');

    const database = useAsAppDatabase(target);

    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => 'ok',
        (error: { kind?: string; retryAfter?: number }) => ({
          kind: error.kind,
          retryAfter: error.retryAfter,
        }),
      );

    test('each operation’s day: past it a 429 for about a day, while the minute still has room; other operations and users unaffected', async () => {
      const { USER_WRITE_LIMITS, limitUserWrite } = await import('@/features/accounts/service/rate-limit');
      const user = crypto.randomUUID();
      const other = crypto.randomUUID();
      for (const [operation, { perDay }] of Object.entries(USER_WRITE_LIMITS) as [
        keyof typeof USER_WRITE_LIMITS,
        { perDay: number },
      ][]) {
        expect(await refusal(limitUserWrite(operation, user))).toBe('ok');
        // The day's count as a client spending it over many minutes would leave it (each minute within its own).
        await database().db.execute(
          sql`update rate_limits set hits = ${perDay} where key = ${`${operation}:user:${user}:day`}`,
        );
        const refused = await refusal(limitUserWrite(operation, user));
        expect(refused).toMatchObject({ kind: 'rate_limited' });
        expect((refused as { retryAfter: number }).retryAfter).toBeGreaterThan(86_400 - 120);
        expect(await refusal(limitUserWrite(operation, other))).toBe('ok');
      }
    });

    test('a request the minute refuses is not charged to the day', async () => {
      const { USER_WRITE_LIMITS, limitUserWrite } = await import('@/features/accounts/service/rate-limit');
      const user = crypto.randomUUID();
      const { perMinute } = USER_WRITE_LIMITS.exposures;
      const outcomes: unknown[] = [];
      for (let i = 0; i < perMinute + 10; i += 1)
        outcomes.push(await refusal(limitUserWrite('exposures', user)));
      expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(perMinute);
      const rows = await queryRows<{ key: string; hits: number }>(
        database().db,
        sql`select key, hits from rate_limits where key like ${`exposures:user:${user}:%`} order by key`,
      );
      expect(rows).toEqual([
        { key: `exposures:user:${user}:day`, hits: perMinute },
        { key: `exposures:user:${user}:minute`, hits: perMinute + 10 },
      ]);
    });

    test('the retention purge removes exactly the rows past their retention and keeps the history that defines a profile', async () => {
      const { purgeExpiredRows, retentionRules } = await import('@/server/retention');
      const { fixedClock } = await import('@/features/core/clock/clock');
      const { swipeHistory } = await import('@/features/feedback/service/service');
      const { getOnboardingRecord } = await import('@/features/profiles/service/service');
      const db = database().db;
      const run = (query: ReturnType<typeof sql>) => db.execute(query);
      const now = new Date();
      const ago = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
      const user = crypto.randomUUID();
      await run(
        sql`insert into users (id, email, password_hash) values (${user}, ${`${user}@example.com`}, 'x')`,
      );
      const product = async () => {
        const id = crypto.randomUUID();
        await run(sql`insert into products (id, store_id, external_id, title, price, product_url, category,
          image_key, image_sha256, source_image_sha256, image_content_type, image_bytes, image_width, image_height,
          phash) values (${id}, 'retention-test', ${id}, 'A product', '10.00', 'https://shop.example.com/1',
          'tops', 'k', 'x', 'x', 'image/png', 1, 400, 400, '0000000000000000')`);
        return id;
      };
      const [p1, p2, p3, p4] = [await product(), await product(), await product(), await product()];
      const rows: Record<string, string[]> = {}; // table → ids expected to stay
      const gone: Record<string, string[]> = {}; // table → ids expected to go
      const note = (table: string, id: string, stays: boolean) => {
        const list = stays ? rows : gone;
        list[table] = [...(list[table] ?? []), id];
      };

      // The decision log: a batch and its page record at 91 days go, at 89 days stay.
      for (const [days, stays] of [
        [91, false],
        [89, true],
      ] as const) {
        const batch = crypto.randomUUID();
        const page = crypto.randomUUID();
        await run(sql`insert into feed_batches (id, user_id, mode, profile_version, cards, size, relaxations,
          served_before, created_at) values (${batch}, ${user}, 'exploring', 0, '[]'::jsonb, 0, '{}', '{}',
          ${ago(days)}::timestamptz)`);
        await run(sql`insert into feed_served_pages (id, user_id, batch_id, first_position, last_position,
          created_at) values (${page}, ${user}, ${batch}, 1, 1, ${ago(days)}::timestamptz)`);
        note('feed_batches', batch, stays);
        note('feed_served_pages', page, stays);
      }
      // Exposures by when they were shown (90 days); clicks after 180 days.
      for (const [days, stays] of [
        [91, false],
        [89, true],
      ] as const) {
        const id = crypto.randomUUID();
        await run(sql`insert into exposures (id, user_id, product_id, session_id, feed_mode, position, shown_at)
          values (${id}, ${user}, ${p1}, ${`s-${days}`}, 'exploring', 1, ${ago(days)}::timestamptz)`);
        note('exposures', id, stays);
      }
      for (const [days, stays] of [
        [181, false],
        [179, true],
        [100, true],
      ] as const) {
        const id = crypto.randomUUID();
        await run(sql`insert into clicks (id, user_id, product_id, created_at) values (${id}, ${user}, ${p1},
          ${ago(days)}::timestamptz)`);
        note('clicks', id, stays);
      }
      // Interactions: standing swipes stay however old (the profile); an undo older than 90 days goes with the
      // swipe it undid; a recent undo and its swipe stay.
      const interaction = async (productId: string, action: string, days: number, undoes?: string) => {
        const id = crypto.randomUUID();
        await run(sql`insert into interactions (id, user_id, product_id, action, undoes_id, created_at)
          values (${id}, ${user}, ${productId}, ${action}, ${undoes ?? null}, ${ago(days)}::timestamptz)`);
        return id;
      };
      note('interactions', await interaction(p1, 'like', 400), true);
      note('interactions', await interaction(p2, 'save', 91), true);
      const undone = await interaction(p3, 'dislike', 200);
      note('interactions', undone, false);
      note('interactions', await interaction(p3, 'undo', 100, undone), false);
      const recentlyUndone = await interaction(p4, 'like', 120);
      note('interactions', recentlyUndone, true);
      note('interactions', await interaction(p4, 'undo', 10, recentlyUndone), true);
      // Onboarding sessions: unfinished after a day go; a completion replaced by a later one goes; the latest
      // completed session stays, however old.
      const session = async (hours: number, completedHoursAgo: number | null, liked: string) => {
        const id = crypto.randomUUID();
        const at = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
        await run(sql`insert into onboarding_sessions (id, user_id, photo_ids, photo_vectors, model_id, dims,
          primary_clusters, diversity_clusters, cards, answers, completed_at, created_at)
          values (${id}, ${user}, ${`{${crypto.randomUUID()}}`}, '{1,0}', 'test-v1', 2, '{}', '{}',
          ${JSON.stringify([{ productId: liked, source: 'primary', position: 1, price: 10 }])}::jsonb,
          ${completedHoursAgo === null ? null : JSON.stringify([{ productId: liked, liked: true }])}::jsonb,
          ${completedHoursAgo === null ? null : at(completedHoursAgo)}::timestamptz, ${at(hours)}::timestamptz)`);
        return id;
      };
      note('onboarding_sessions', await session(25, null, p1), false);
      note('onboarding_sessions', await session(23, null, p1), true);
      note('onboarding_sessions', await session(400 * 24, 400 * 24 - 1, p1), false);
      note('onboarding_sessions', await session(300 * 24, 300 * 24 - 1, p2), true);
      // Rate-limit counters after their longest window (a day).
      for (const [hours, stays] of [
        [25, false],
        [23, true],
      ] as const) {
        const key = `retention-test:${user}:${hours}`;
        await run(sql`insert into rate_limits (id, key, window_started_at, hits) values (${crypto.randomUUID()},
          ${key}, ${new Date(now.getTime() - hours * 3_600_000).toISOString()}::timestamptz, 1)`);
        const [row] = await queryRows<{ id: string }>(db, sql`select id from rate_limits where key = ${key}`);
        note('rate_limits', row?.id as string, stays);
      }
      const learnerBefore = await swipeHistory(user);

      // Every table the list names is covered here, and the list names every table users write to.
      expect(
        retentionRules()
          .map((rule) => rule.table)
          .sort(),
      ).toEqual(Object.keys({ ...rows, ...gone }).sort());
      const purged = await purgeExpiredRows(fixedClock(now));
      for (const [table, ids] of Object.entries(gone))
        expect(purged[table], table).toBeGreaterThanOrEqual(ids.length);
      const left = async (table: string, ids: string[]) =>
        (
          await queryRows<{ id: string }>(
            db,
            sql`select id from ${sql.identifier(table)} where id in ${sql`(${sql.join(
              ids.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`}`,
          )
        )
          .map((row) => row.id)
          .sort();
      for (const table of Object.keys({ ...rows, ...gone })) {
        const all = [...(rows[table] ?? []), ...(gone[table] ?? [])];
        expect(await left(table, all), table).toEqual([...(rows[table] ?? [])].sort());
      }
      // What the learner reads is unchanged: every standing swipe, and the latest onboarding's answers.
      expect(await swipeHistory(user)).toEqual(learnerBefore);
      expect(learnerBefore.map((swipe) => swipe.productId).sort()).toEqual([p1, p2].sort());
      const onboarding = await getOnboardingRecord(user, () => new Float32Array([1, 0]));
      expect(onboarding?.answers).toEqual([{ productId: p2, liked: true }]);
    });
  });
}
