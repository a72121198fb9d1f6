import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { closeDatabase, getDatabase, getDb } from '@/features/core/database/client';
import { setTestEnv } from './env';

/**
 * For a db test file, at its top level: a migrated in-memory PGlite database of its own for the file's tests
 * (serial), closed after them.
 */
export function setUpMemoryDatabase(name: string): void {
  setTestEnv({ DATABASE_URL: 'memory://', DATA_DIR: mkdtempSync(join(tmpdir(), `stylipp-${name}-db-`)) });
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async () => (await getDatabase()).migrate('drizzle'));
  test.afterAll(() => closeDatabase());
}

/** A user row (what other tables' foreign keys need); returns its id. */
export async function insertUser(): Promise<string> {
  const id = crypto.randomUUID();
  await (await getDb()).execute(
    sql`insert into users (id, email, password_hash) values (${id}, ${`${id}@example.com`}, 'x')`,
  );
  return id;
}
