import { expect, test } from '@playwright/test';
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '@/features/core/database/client';
import { migrationStatus } from '@/features/core/database/migrations';
import { queryRows } from '@/features/core/database/rows';
import { databaseTargets } from '../support/database-targets';

// Migrations and triggers, through the app's own driver code, against every database the machine has.

const targets = databaseTargets('stylipp_dbtest');

for (const target of targets) {
  test.describe(target.name, () => {
    test.skip(!target.available, 'no Postgres server on this machine');

    let handle: DatabaseHandle;
    let cleanup: () => Promise<void>;
    test.beforeAll(async () => {
      ({ handle, cleanup } = await target.open());
      await handle.migrate('drizzle');
    });
    test.afterAll(async () => cleanup?.());

    test('migrations are applied and idempotent', async () => {
      const first = await migrationStatus(handle.db);
      expect(first.pending).toEqual([]);
      expect(first.applied).toBe(first.expected);
      await handle.migrate('drizzle');
      const second = await migrationStatus(handle.db);
      expect(second).toEqual(first);
    });

    test('updated_at advances on a raw SQL update', async () => {
      const email = `raw-${crypto.randomUUID()}@example.com`;
      const [inserted] = await queryRows<{ id: string; created_at: Date; updated_at: Date }>(
        handle.db,
        sql`insert into users (id, email, password_hash) values (${crypto.randomUUID()}, ${email}, 'x')
            returning id, created_at, updated_at`,
      );
      expect(inserted).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const [updated] = await queryRows<{ created_at: Date; updated_at: Date }>(
        handle.db,
        sql`update users set name = 'changed' where id = ${inserted?.id} returning created_at, updated_at`,
      );
      const before = new Date(inserted?.updated_at ?? 0).getTime();
      const after = new Date(updated?.updated_at ?? 0).getTime();
      expect(after).toBeGreaterThan(before);
      expect(new Date(updated?.created_at ?? 0).getTime()).toBe(
        new Date(inserted?.created_at ?? 0).getTime(),
      );
    });

    test('every table with updated_at has the updated_at trigger', async () => {
      const rows = await queryRows<{ table_name: string; has_trigger: boolean }>(
        handle.db,
        sql`select c.table_name,
                   exists (select 1 from information_schema.triggers t
                           where t.event_object_table = c.table_name and t.event_manipulation = 'UPDATE'
                             and t.action_statement ilike '%stylipp_set_updated_at%') as has_trigger
            from information_schema.columns c
            where c.table_schema = 'public' and c.column_name = 'updated_at'`,
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.filter((row) => !row.has_trigger).map((row) => row.table_name)).toEqual([]);
    });
  });
}
