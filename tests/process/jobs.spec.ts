import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { freePort } from '../support/ports';
import { createDatabase, dropDatabase, postgresUnavailableReason } from '../support/postgres';
import { runMigrations, startServer, type TestServer } from '../support/server';

// Durable background jobs across instances on one Postgres: instance A claims the embedding backlog (due at
// every start) and is killed mid-job; its lease expires and instance B runs the job to the end. The table
// is the queue: B re-reads the products still without a vector, so nothing is lost and nothing runs twice at
// once.

test('a job whose instance is killed mid-run is finished by another instance', async () => {
  test.setTimeout(300_000);
  const unavailable = await postgresUnavailableReason();
  test.skip(!!unavailable && !process.env.CI, unavailable);
  const database = await createDatabase('stylipp_jobs');
  const uploadsDir = mkdtempSync(join(tmpdir(), 'stylipp-jobs-uploads-'));
  const base = { DATABASE_URL: database.url, UPLOADS_DIR: uploadsDir };
  const client = new pg.Client({ connectionString: database.url });
  const servers: TestServer[] = [];
  try {
    await runMigrations(base);
    // A small catalogue, then every vector forgotten: a backlog the job needs a while to embed.
    await new Promise<void>((resolve, reject) => {
      const seed = spawn('node_modules/.bin/tsx', ['scripts/db-seed.ts', '--size', '160'], {
        env: {
          ...process.env,
          ...base,
          DATA_DIR: mkdtempSync(join(tmpdir(), 'stylipp-jobs-seed-')),
          LOG_LEVEL: 'warn',
        },
        stdio: 'inherit',
      });
      seed.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`db:seed exited ${code}`))));
    });
    await client.connect();
    await client.query('update products set embedding = null, model_id = null');
    const waiting = async () =>
      Number((await client.query('select count(*) from products where embedding is null')).rows[0].count);
    const backlog = await waiting();
    expect(backlog).toBeGreaterThan(100);
    const job = async () =>
      (
        await client.query(
          `select locked_by, runs, locked_until > now() as leased from background_jobs where name = 'embedding-backlog'`,
        )
      ).rows[0] as { locked_by: string | null; runs: number; leased: boolean } | undefined;

    const instance = async (name: string) => {
      const server = await startServer({
        port: await freePort(),
        host: 'own',
        env: {
          ...base,
          DATA_DIR: mkdtempSync(join(tmpdir(), `stylipp-jobs-${name}-`)),
          JOBS_LEASE_SECONDS: '3',
          JOBS_POLL_SECONDS: '1',
          LOG_LEVEL: 'info',
        },
      });
      servers.push(server);
      expect(server.process.exitCode, server.output()).toBeNull();
      return server;
    };
    const a = await instance('a');
    await expect
      .poll(async () => (await job())?.locked_by ?? null, { timeout: 30_000 })
      .toContain(`:${a.process.pid}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await a.stop('SIGKILL'); // mid-job: no chance to release its lease
    const left = await waiting();
    expect(left, 'A was killed before it finished').toBeGreaterThan(0);
    expect((await job())?.runs).toBe(0);

    const b = await instance('b');
    await expect.poll(waiting, { timeout: 180_000, intervals: [500] }).toBe(0);
    await expect.poll(async () => (await job())?.runs, { timeout: 30_000 }).toBe(1);
    const finished = await job();
    expect(finished?.locked_by).toBeNull();
    expect(b.output()).toMatch(/"msg":"job done","job":"embedding-backlog"/);
  } finally {
    for (const server of servers) await server.stop('SIGKILL');
    await client.end().catch(() => {});
    await dropDatabase(database.name).catch(() => {});
  }
});
