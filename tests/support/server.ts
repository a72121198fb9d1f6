import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { TestApiKeys } from './api-keys';
import { startNeonRelay } from './neon-relay';
import { ADMIN_URL, createDatabase, dropDatabase } from './postgres';
import { startS3 } from './s3';

// Starts the production build (`next start`) on one database driver, with its own fresh database, and
// applies migrations through the project's own runner first. Used by Playwright's webServer (serve.ts)
// and by tests that need a server of their own.

// Node 24 (the `node` dependency) for every server and script the tests start, whatever runs the tests.
const BIN = resolve('node_modules/.bin');

import type { Host, Pass } from './hosts';

export { type Host, PASS_HOSTS, type Pass } from './hosts';

export interface TestServer {
  url: string;
  process: ChildProcess;
  env: Record<string, string>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const testSecret = () => randomBytes(36).toString('base64url');

/** Prepares the database for a pass; returns the env the server needs and a cleanup. */
export async function prepareDatabase(
  pass: Pass,
): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  if (pass === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'stylipp-pglite-'));
    return { env: { DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const database = await createDatabase('stylipp_test');
  const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-data-'));
  if (pass === 'pg') {
    // The pg pass stores uploads in S3 (a real S3-protocol server on 127.0.0.1); the others on disk.
    const s3 = await startS3();
    return {
      env: { DATABASE_URL: database.url, DATA_DIR: dataDir, ...s3.env },
      cleanup: async () => {
        await s3.close();
        await dropDatabase(database.name);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const admin = new URL(ADMIN_URL);
  const relay = await startNeonRelay({ host: admin.hostname, port: Number(admin.port || 5432) });
  return {
    env: {
      DATABASE_URL: database.url,
      DATABASE_DRIVER: 'neon',
      NEON_WS_PROXY: relay.proxy,
      NEON_WS_INSECURE: 'true',
      DATA_DIR: dataDir,
    },
    cleanup: async () => {
      await relay.close();
      await dropDatabase(database.name);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function runMigrations(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(BIN, 'tsx'), ['scripts/db-migrate.ts'], {
      env: { ...process.env, ...env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`db:migrate exited ${code}: ${output}`)),
    );
  });
}

/**
 * `npm run db:seed` against a pass's database (before its server starts: PGlite allows one process per data
 * dir): the seeded catalogue the clusters, onboarding and feed tests run on. Tests still own the data they
 * change (their own users, their own products under their own store ids).
 */
export function runSeed(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('node_modules/.bin/tsx', ['scripts/db-seed.ts'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`db:seed exited ${code}: ${output}`)),
    );
  });
}

/** Spawns a production server (ours by default, or `next start`) in its own process group on Node 24;
 * resolves once it answers (or rejects with its output). */
export async function startServer(options: {
  port: number;
  env: Record<string, string>;
  host?: Host;
  waitFor?: string;
  timeoutMs?: number;
}): Promise<TestServer> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    AUTH_SECRET: testSecret(),
    LOG_LEVEL: 'warn',
    // Production requires these explicitly (features/core/config/schema.ts).
    APP_URL: `http://localhost:${options.port}`,
    CORS_ORIGINS: 'http://localhost:5173,https://stylipp.com',
    ...(options.env.DATABASE_URL ? {} : { DATABASE_DRIVER: 'pglite' }),
    // As `npm start` and `npm run start:next` set it (package.json): glibc malloc with two arenas.
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    ...options.env,
    PORT: String(options.port),
  };
  const [command, args] =
    (options.host ?? 'own') === 'own'
      ? ['node_modules/.bin/node', ['--max-semi-space-size=16', '.next/stylipp-server/main.mjs']]
      : ['node_modules/.bin/next', ['start', '--hostname', '127.0.0.1', '--port', String(options.port)]];
  const child = spawn(command, args, {
    env: { ...process.env, HOST: '127.0.0.1', ...env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}` },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  const server: TestServer = {
    url,
    process: child,
    env,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
      }
      return exited;
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return server; // exited early: callers read exitCode and output()
    try {
      const response = await fetch(`${url}${options.waitFor ?? '/api/health'}`);
      if (response.status < 500 || options.waitFor) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await server.stop('SIGKILL');
  throw new Error(`server on ${url} did not start: ${output}`);
}

// Where a pass's server keeps things (storage, env), for tests that look behind the API (bytes on disk or
// in S3). Written by serve.ts, read by serverInfo().
const infoPath = (pass: string) =>
  join(tmpdir(), `stylipp-test-server-${process.env.STYLIPP_TEST_RUN ?? 'local'}-${pass}.json`);

export interface ServerInfo {
  url: string;
  pid: number;
  env: Record<string, string>;
  /** Keys made with the CLI before the server started (tests/support/api-keys.ts). */
  apiKeys: TestApiKeys;
  host: Host;
  /** Where the pass's SMTP server writes what it receives (tests/support/mailbox.ts). */
  mailDir: string;
}

export function writeServerInfo(pass: string, info: ServerInfo): void {
  writeFileSync(infoPath(pass), JSON.stringify(info));
}

export function serverInfo(pass: string): ServerInfo {
  return JSON.parse(readFileSync(infoPath(pass), 'utf8'));
}
