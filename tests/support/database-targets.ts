import { test } from '@playwright/test';
import type { DatabaseConfig } from '@/features/core/config/config';
import { type DatabaseHandle, openDatabase } from '@/features/core/database/client';
import { startNeonRelay } from './neon-relay';
import { ADMIN_URL, createDatabase, dropDatabase } from './postgres';

// The databases a db test runs its statements against, through the app's own driver code: an in-memory
// PGlite always, a fresh Postgres database (pg) and the same through the Neon driver when a server answers.

export const SMALL_POOL = { poolMax: 4, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 };
/** A Postgres server answers (npm test sets it); CI must have one (scripts/test.ts refuses to skip there too). */
export const HAS_POSTGRES = !!process.env.STYLIPP_TEST_POSTGRES;
if (process.env.CI && !HAS_POSTGRES) throw new Error('CI needs Postgres for the pg and Neon database tests');

export interface DatabaseTarget {
  name: 'pglite (memory)' | 'pg' | 'neon';
  /** Whether this machine can run it. */
  available: boolean;
  open(): Promise<{ handle: DatabaseHandle; cleanup(): Promise<void> }>;
}

/** The targets; `prefix` names the fresh Postgres databases (dropped at cleanup). */
export function databaseTargets(
  prefix: string,
  drivers: DatabaseTarget['name'][] = ['pglite (memory)', 'pg', 'neon'],
) {
  const all: DatabaseTarget[] = [
    {
      name: 'pglite (memory)',
      available: true,
      open: async () => {
        const config = { driver: 'pglite-memory', ...SMALL_POOL } as DatabaseConfig & typeof SMALL_POOL;
        const handle = await openDatabase(config);
        return { handle, cleanup: () => handle.close() };
      },
    },
    {
      name: 'pg',
      available: HAS_POSTGRES,
      open: async () => {
        const database = await createDatabase(prefix);
        const handle = await openDatabase({ driver: 'pg', url: database.url, ...SMALL_POOL });
        return {
          handle,
          cleanup: async () => {
            await handle.close();
            await dropDatabase(database.name);
          },
        };
      },
    },
    {
      name: 'neon',
      available: HAS_POSTGRES,
      open: async () => {
        const database = await createDatabase(prefix);
        const admin = new URL(ADMIN_URL);
        const relay = await startNeonRelay({ host: admin.hostname, port: Number(admin.port || 5432) });
        const handle = await openDatabase({
          driver: 'neon',
          url: database.url,
          wsProxy: relay.proxy,
          insecure: true,
          ...SMALL_POOL,
        });
        return {
          handle,
          cleanup: async () => {
            await handle.close();
            await relay.close();
            await dropDatabase(database.name);
          },
        };
      },
    },
  ];
  return all.filter((target) => drivers.includes(target.name));
}

const appDatabase = globalThis as typeof globalThis & { __stylippDatabase?: Promise<DatabaseHandle> };

/**
 * Inside a describe block: opens `target` before its tests, migrates it and makes it the database the app's
 * own code uses (what `getDb()` returns), and closes it after. Returns the handle's getter.
 */
export function useAsAppDatabase(target: DatabaseTarget): () => DatabaseHandle {
  let handle: DatabaseHandle | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  test.beforeAll(async () => {
    ({ handle, cleanup } = await target.open());
    await handle.migrate('drizzle');
    appDatabase.__stylippDatabase = Promise.resolve(handle);
  });
  test.afterAll(async () => {
    appDatabase.__stylippDatabase = undefined;
    await cleanup?.();
  });
  return () => {
    if (!handle) throw new Error('the database is opened in beforeAll');
    return handle;
  };
}
