import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PASSWORD, uniqueEmail } from '../support/fixtures';
import { freePort } from '../support/ports';
import { runMigrations, startServer } from '../support/server';

// Prometheus metrics on their own listener (METRICS_PORT), never on the API's port: a scrape after some
// traffic sees the per-operation counters, the latency histogram and the background jobs move.

/** The value of one sample line, e.g. `stylipp_http_requests_total{operation="register",status_class="2xx"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
      return Number(line.split(' ').at(-1));
  }
  return 0;
}

test('a scrape after traffic sees requests by operation and status class, latency, gauges and jobs', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-metrics-'));
  await runMigrations({ DATA_DIR: dataDir });
  const metricsPort = await freePort();
  const server = await startServer({
    port: await freePort(),
    host: 'own',
    env: { DATA_DIR: dataDir, METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info' },
  });
  try {
    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      return response.text();
    };
    // The embedding backlog job runs at start (an empty catalogue: nothing to do, a success).
    await expect
      .poll(async () => sample(await scrape(), 'stylipp_jobs_runs_total', { job: 'embedding-backlog' }), {
        timeout: 20_000,
      })
      .toBeGreaterThanOrEqual(1);
    const before = await scrape();

    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    const email = uniqueEmail('metrics');
    const registered = await fetch(`${server.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    const unauthenticated = await fetch(`${server.url}/api/users/me`);
    expect(unauthenticated.status).toBe(401);
    expect((await fetch(`${server.url}/api/nothing-here`)).status).toBe(404);
    // Not on the public surface.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    const operation = (op: string, statusClass: string) =>
      moved('stylipp_http_requests_total', { operation: op, status_class: statusClass });
    expect(operation('getHealth', '2xx')).toBe(3);
    expect(operation('register', '2xx')).toBe(1);
    expect(operation('getMe', '4xx')).toBe(1);
    expect(operation('notFound', '4xx')).toBe(1);
    expect(moved('stylipp_http_request_duration_seconds_count', { operation: 'getHealth' })).toBe(3);
    expect(after).not.toContain('/api/health"'); // labels are operations, never raw paths
    expect(after).toMatch(/^stylipp_http_requests_in_flight\{[^}]*\} 0$/m);
    expect(after).toMatch(/^stylipp_admission_concurrency\{[^}]*queue="password_hashing"[^}]*\} \d+$/m);
    expect(after).toMatch(/^stylipp_catalog_products\{[^}]*\} 0$/m);
    expect(after).toMatch(/^stylipp_embedding_backlog\{[^}]*\} 0$/m);
    // Every log line written while a request is handled carries its request id.
    const requestLines = server
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"request"'));
    expect(requestLines.length).toBeGreaterThan(0);
    for (const line of requestLines) expect(line).toMatch(/"requestId":"[^"]+"/);
  } finally {
    await server.stop('SIGKILL');
  }
});
