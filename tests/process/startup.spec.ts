import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort } from '../support/ports';
import { runMigrations, startServer } from '../support/server';

// Start-up behaviour: each test starts its own production server (or script) with the env it needs.

const tempDir = () => mkdtempSync(join(tmpdir(), 'stylipp-proc-'));

function runScript(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('node_modules/.bin/tsx', args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

test('a bad DATABASE_URL stops start-up with one message naming it', async () => {
  const server = await startServer({
    port: await freePort(),
    env: { DATABASE_URL: 'mysql://root:hunter2@db/app', CORS_ORIGINS: 'not-an-origin', LOG_LEVEL: 'loud' },
  });
  const code = await server.stop('SIGKILL').then(() => server.process.exitCode);
  const output = server.output();
  expect(code).not.toBe(0);
  expect(output).toContain('Invalid environment configuration');
  expect(output).toContain('DATABASE_URL: expected memory:// or a postgres://');
  expect(output).toContain('CORS_ORIGINS');
  expect(output).toContain('LOG_LEVEL');
  expect(output).not.toContain('hunter2');
  expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
});

test('production without AUTH_SECRET is refused, and so is a placeholder', async () => {
  for (const secret of ['', 'changeme', 'short-secret']) {
    const server = await startServer({
      port: await freePort(),
      env: { AUTH_SECRET: secret, DATABASE_URL: 'memory://' },
    });
    await server.stop('SIGKILL');
    expect(server.process.exitCode).not.toBe(0);
    expect(server.output()).toContain('AUTH_SECRET:');
    if (secret) expect(server.output()).not.toContain(secret);
  }
});

test('readiness is 503 naming the database when it is unreachable; liveness stays 200', async ({
  request,
}) => {
  const closedPort = await freePort();
  const server = await startServer({
    port: await freePort(),
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/nothing`, DATA_DIR: tempDir() },
  });
  try {
    expect((await request.get(`${server.url}/api/health`)).status()).toBe(200);
    const ready = await request.get(`${server.url}/api/health/ready`);
    expect(ready.status()).toBe(503);
    expect(ready.headers()['content-type']).toBe('application/problem+json');
    const body = await ready.json();
    expect(body).toMatchObject({ status: 503, checks: { database: { status: 'down', driver: 'pg' } } });
    expect(body.detail).toContain('database');
    expect(JSON.stringify(body)).not.toContain(String(closedPort));
  } finally {
    await server.stop();
  }
});

test('readiness is 503 naming migrations when some are pending', async ({ request }) => {
  const dataDir = tempDir();
  const server = await startServer({ port: await freePort(), env: { DATA_DIR: dataDir } });
  try {
    const ready = await request.get(`${server.url}/api/health/ready`);
    expect(ready.status()).toBe(503);
    const body = await ready.json();
    expect(body.checks.database.status).toBe('up');
    expect(body.checks.migrations).toMatchObject({ status: 'pending' });
    expect(body.checks.migrations.pending.length).toBeGreaterThan(0);
    expect(body.detail).toContain('migrations (pending)');
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the PGlite lock refuses a second process with a clear message, and is released on exit', async ({
  request,
}) => {
  const dataDir = tempDir();
  await runMigrations({ DATA_DIR: dataDir });
  const server = await startServer({ port: await freePort(), env: { DATA_DIR: dataDir } });
  try {
    expect((await request.get(`${server.url}/api/health/ready`)).status()).toBe(200);

    const migrate = await runScript(['scripts/db-migrate.ts'], { DATA_DIR: dataDir });
    expect(migrate.code).toBe(1);
    expect(migrate.output).toContain('is in use by another process');
    expect(migrate.output).toContain('Stop that process first');
    expect(migrate.output).toContain('DATABASE_URL');

    const second = await startServer({ port: await freePort(), env: { DATA_DIR: dataDir } });
    await second.stop('SIGKILL');
    expect(second.process.exitCode).toBe(1);
    expect(second.output()).toContain('is in use by another process');
  } finally {
    // Graceful shutdown closes PGlite (flush, lock released) and exits 0.
    expect(await server.stop('SIGTERM')).toBe(0);
  }
  expect(existsSync(`${dataDir}/pglite.lock`)).toBe(false);
  // Released: the runner can take it now.
  const after = await runScript(['scripts/db-migrate.ts'], { DATA_DIR: dataDir });
  expect(after.output).toContain('0 applied');
  expect(after.code).toBe(0);
  rmSync(dataDir, { recursive: true, force: true });
});

test('next start in production without a trusted proxy is refused (a direct client would choose its address)', async () => {
  const server = await startServer({
    port: await freePort(),
    host: 'next',
    env: { DATABASE_URL: 'memory://', TRUSTED_PROXIES: '0' },
  });
  await server.stop('SIGKILL');
  expect(server.process.exitCode).not.toBe(0);
  expect(server.output()).toContain('TRUSTED_PROXIES');
});

test('CLIs keep stdout for the result: keys:create prints the key alone, its logs and notes go to stderr', async () => {
  const dataDir = tempDir();
  await runMigrations({ DATA_DIR: dataDir });
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>(
    (resolve) => {
      const child = spawn(
        'node_modules/.bin/tsx',
        ['scripts/keys.ts', 'create', '--name', 'cli-test', '--scope', 'catalog:write', '--store', 'store-a'],
        { env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (err += chunk));
      child.on('exit', (exit) => resolve({ stdout: out, stderr: err, code: exit }));
    },
  );
  expect(code).toBe(0);
  expect(stdout).toMatch(/^stylipp_sk_[\w-]{43}\n$/);
  expect(stderr).toContain('api key created');
  expect(stderr).toContain('store-a');
  // A catalogue key belongs to stores: without --store or --all-stores it is refused.
  const unbound = await runScript(['scripts/keys.ts', 'create', '--name', 'x', '--scope', 'catalog:write'], {
    DATA_DIR: dataDir,
  });
  expect(unbound.code).toBe(1);
  expect(unbound.output).toContain('--store');
  rmSync(dataDir, { recursive: true, force: true });
});
