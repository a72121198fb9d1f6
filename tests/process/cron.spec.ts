import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort } from '../support/ports';
import { runMigrations, startServer } from '../support/server';

// Serverless hosts keep no process to poll for jobs: `GET /cron/jobs` runs what is due, for the bearer of
// CRON_SECRET only. Under `next start` (the route.ts host), with the instance's own poll switched off.

test('GET /cron/jobs runs the due jobs for the operator credential only', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-cron-'));
  await runMigrations({ DATA_DIR: dataDir });
  const secret = 'cron-secret-of-the-operator-0123456789abcdef';
  const server = await startServer({
    port: await freePort(),
    host: 'next',
    // next start in production needs a trusted proxy in front (it cannot see the client's address otherwise).
    env: { DATA_DIR: dataDir, JOBS_ENABLED: 'false', CRON_SECRET: secret, TRUSTED_PROXIES: '1' },
  });
  try {
    expect((await fetch(`${server.url}/cron/jobs`)).status).toBe(401);
    const wrong = await fetch(`${server.url}/cron/jobs`, { headers: { authorization: `Bearer ${secret}x` } });
    expect(wrong.status).toBe(401);
    const first = await fetch(`${server.url}/cron/jobs`, { headers: { authorization: `Bearer ${secret}` } });
    expect(first.status).toBe(200);
    const ran = ((await first.json()) as { ran: { name: string; outcome: string }[] }).ran;
    expect(ran.map((job) => job.name).sort()).toEqual(
      [
        'cluster-maintenance',
        'data-retention',
        'embedding-backlog',
        'learning-catch-up',
        'uploads-sweep',
      ].sort(),
    );
    expect(ran.every((job) => job.outcome === 'succeeded')).toBe(true);
    // Nothing is due again right after.
    const second = await fetch(`${server.url}/cron/jobs`, { headers: { authorization: `Bearer ${secret}` } });
    expect(((await second.json()) as { ran: unknown[] }).ran).toEqual([]);
  } finally {
    await server.stop('SIGKILL');
  }
});
