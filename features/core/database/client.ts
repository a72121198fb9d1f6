import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { type AppConfig, getConfig } from '@/features/core/config/config';
import { logger } from '@/features/core/logger/logger';
import { tracingOn } from '@/features/core/tracing/tracing';
import { acquirePgliteLock } from './pglite-lock';
import { tracedClient } from './traced-client';

// The database handle: driver chosen from config in one place, opened lazily, cached on globalThis so
// Next's HMR (which re-evaluates modules) never opens a second PGlite on the same data dir, and our own
// server's bundle and Next's (two copies of this module in one process) share one handle.

export type Database = PgDatabase<PgQueryResultHKT>;

export interface DatabaseHandle {
  db: Database;
  driver: AppConfig['database']['driver'];
  /** Runs the drizzle migrator for this driver. */
  migrate(migrationsFolder: string): Promise<void>;
  /**
   * Takes the session-level advisory lock `key` without waiting: the release function, or undefined when
   * another session (another instance) holds it. PGlite has one connection in one process: a process-local lock.
   */
  tryAdvisoryLock(key: number): Promise<(() => Promise<void>) | undefined>;
  close(): Promise<void>;
  /** Connections of a pool (pg, Neon), for the metrics; PGlite has one connection and no pool. */
  poolStats?(): { total: number; idle: number; waiting: number; max: number };
}

const store = globalThis as typeof globalThis & { __stylippDatabase?: Promise<DatabaseHandle> };

export function getDatabase(): Promise<DatabaseHandle> {
  if (!store.__stylippDatabase) {
    // One handle per process: with our own server, its bundle and Next's both reach this key.
    const { driver } = getConfig().database;
    logger.info('database opened', { driver, pid: process.pid });
    const opening = openDatabase(getConfig().database);
    store.__stylippDatabase = opening;
    // A failed open (lock held, bad URL) must not be cached forever.
    opening.catch(() => {
      if (store.__stylippDatabase === opening) store.__stylippDatabase = undefined;
    });
  }
  return store.__stylippDatabase;
}

export async function getDb(): Promise<Database> {
  return (await getDatabase()).db;
}

export async function closeDatabase(): Promise<void> {
  const opening = store.__stylippDatabase;
  store.__stylippDatabase = undefined;
  if (opening) await (await opening).close();
}

// Distinct per-app key for pg_advisory_lock: serialises migrations across instances sharing one database.
const MIGRATION_LOCK_KEY = 7_345_112_009;

/** Opens a new handle for `config` (the app uses the cached `getDatabase()`; scripts and tests may open their own). */
export async function openDatabase(config: AppConfig['database']): Promise<DatabaseHandle> {
  switch (config.driver) {
    case 'pglite':
    case 'pglite-memory': {
      const { PGlite } = await import('@electric-sql/pglite');
      const { drizzle } = await import('drizzle-orm/pglite');
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      const release = config.driver === 'pglite' ? acquirePgliteLock(config.dataDir) : () => {};
      try {
        const client =
          config.driver === 'pglite' ? await PGlite.create(config.dataDir) : await PGlite.create();
        const db = drizzle({ client: traced(client, config.driver) });
        // Kept with the handle (which lives on globalThis), not in module state that a second bundle would copy.
        const heldLocks = new Set<number>();
        return {
          db,
          driver: config.driver,
          migrate: (migrationsFolder) => migrate(db, { migrationsFolder }),
          tryAdvisoryLock: async (key) => processLocalLock(heldLocks, key),
          close: async () => {
            await client.close();
            release();
          },
        };
      } catch (error) {
        release();
        throw error;
      }
    }
    case 'pg': {
      const { default: pg } = await import('pg');
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const { migrate } = await import('drizzle-orm/node-postgres/migrator');
      const pool = new pg.Pool(poolOptions(config));
      // An idle client losing its server emits 'error' on the pool; unhandled, it would crash the process.
      pool.on('error', (error) => logger.warn('database pool client error', { error: error.message }));
      // So does a client checked out between two statements of a transaction (the pool listens only to idle
      // ones): the statement in flight fails on its own; the process must not.
      pool.on('connect', (client) =>
        client.on('error', (error) => logger.warn('database client error', { error: error.message })),
      );
      const db = drizzle({ client: traced(pool, 'pg') });
      return {
        db,
        driver: 'pg',
        migrate: (migrationsFolder) => withAdvisoryLock(pool, () => migrate(db, { migrationsFolder })),
        tryAdvisoryLock: (key) => tryAdvisoryLock(pool, key),
        close: () => pool.end(),
        poolStats: () => poolStats(pool, config.poolMax),
      };
    }
    case 'neon': {
      const { Pool, neonConfig } = await import('@neondatabase/serverless');
      const { default: WebSocket } = await import('ws');
      const { drizzle } = await import('drizzle-orm/neon-serverless');
      const { migrate } = await import('drizzle-orm/neon-serverless/migrator');
      neonConfig.webSocketConstructor = WebSocket;
      const { wsProxy } = config;
      if (wsProxy) neonConfig.wsProxy = (host, port) => `${wsProxy}?address=${host}:${port}`;
      if (config.insecure) {
        // A local relay to a plain Postgres (development and tests): no TLS, no pipelined SCRAM start-up.
        neonConfig.useSecureWebSocket = false;
        neonConfig.pipelineTLS = false;
        neonConfig.pipelineConnect = false;
      }
      const pool = new Pool(poolOptions(config));
      pool.on('error', (error: Error) => logger.warn('database pool client error', { error: error.message }));
      pool.on('connect', (client: { on(event: 'error', listener: (error: Error) => void): unknown }) =>
        client.on('error', (error: Error) => logger.warn('database client error', { error: error.message })),
      );
      const db = drizzle({ client: traced(pool, 'neon') });
      return {
        db,
        driver: 'neon',
        migrate: (migrationsFolder) => withAdvisoryLock(pool, () => migrate(db, { migrationsFolder })),
        tryAdvisoryLock: (key) => tryAdvisoryLock(pool, key),
        close: () => pool.end(),
        poolStats: () => poolStats(pool, config.poolMax),
      };
    }
  }
}

/** The driver client Drizzle is given: with a span per statement when tracing is on (./traced-client.ts). */
const traced = <T extends object>(client: T, driver: string): T =>
  tracingOn() ? tracedClient(client, driver) : client;

interface LockablePool {
  connect(): Promise<{ query(text: string, values?: unknown[]): Promise<unknown>; release(): void }>;
}

async function withAdvisoryLock<T>(pool: LockablePool, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await work();
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    client.release();
  }
}

/** The lock lives as long as its dedicated connection: a crashed holder's lock goes with its session. */
async function tryAdvisoryLock(pool: LockablePool, key: number): Promise<(() => Promise<void>) | undefined> {
  const client = await pool.connect();
  try {
    const result = (await client.query('select pg_try_advisory_lock($1) as locked', [key])) as {
      rows: { locked: boolean }[];
    };
    if (result.rows[0]?.locked !== true) {
      client.release();
      return undefined;
    }
  } catch (error) {
    client.release();
    throw error;
  }
  return async () => {
    await client.query('select pg_advisory_unlock($1)', [key]).catch(() => {});
    client.release();
  };
}

function processLocalLock(heldLocks: Set<number>, key: number): (() => Promise<void>) | undefined {
  if (heldLocks.has(key)) return undefined;
  heldLocks.add(key);
  return async () => {
    heldLocks.delete(key);
  };
}

/** The pool options of both pooled drivers (pg, and Neon's pg-compatible Pool): one set, so they cannot drift. */
function poolOptions(config: {
  url: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}) {
  return {
    connectionString: config.url,
    max: config.poolMax,
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: config.statementTimeoutMs,
    lock_timeout: config.statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'stylipp-api',
  };
}

/** The connections of either pooled driver (pg, Neon), for the metrics. */
function poolStats(
  pool: { totalCount: number; idleCount: number; waitingCount: number },
  max: number,
): ReturnType<NonNullable<DatabaseHandle['poolStats']>> {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max };
}

/** The pool's connections when a database is open (the metrics never open one). */
export async function openPoolStats(): Promise<
  ReturnType<NonNullable<DatabaseHandle['poolStats']>> | undefined
> {
  const opening = store.__stylippDatabase;
  if (!opening) return undefined;
  return (await opening.catch(() => undefined))?.poolStats?.();
}
