import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { createApiKeyWithCli } from '../support/api-keys';
import { PASSWORD, uniqueEmail } from '../support/fixtures';
import { productImage } from '../support/images';
import { freePort } from '../support/ports';
import { runMigrations, startServer } from '../support/server';

// Prometheus metrics on their own listener (METRICS_PORT), never on the API's port: a scrape after some
// traffic sees the per-operation counters, the latency histogram, the background jobs, admission refusals and
// learning (a swipe learned right after its response, the backlog back to 0) move.

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
  // Before the server holds the embedded database: a catalogue key, to ingest the product swiped below.
  const key = await createApiKeyWithCli({ DATA_DIR: dataDir }, 'metrics', ['catalog:write']);
  const metricsPort = await freePort();
  const server = await startServer({
    port: await freePort(),
    host: 'own',
    env: {
      DATA_DIR: dataDir,
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'info',
      // One password check at a time and no queue: concurrent registrations beyond it are refused (503).
      PASSWORD_HASHING_CONCURRENCY: '1',
      PASSWORD_HASHING_QUEUE: '0',
    },
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
    expect(after).toMatch(/^stylipp_admission_refused_total\{[^}]*queue="password_hashing"[^}]*\} 0$/m);
    expect(after).toMatch(/^stylipp_learning_pending_swipes\{[^}]*\} 0$/m);
    expect(after).toMatch(/^stylipp_learning_lag_seconds\{[^}]*\} 0$/m);

    // Admission: registrations at once beyond the one slot are refused, each counted.
    const burst = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${server.url}/api/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: uniqueEmail('metrics-burst'), password: PASSWORD }),
        }).then((response) => response.status),
      ),
    );
    const refusals = burst.filter((status) => status === 503).length;
    expect(refusals).toBeGreaterThanOrEqual(1);
    expect(refusals + burst.filter((status) => status === 201).length).toBe(6);
    expect(sample(await scrape(), 'stylipp_admission_refused_total', { queue: 'password_hashing' })).toBe(
      refusals,
    );

    // Learning: a swipe is applied right after its response (not by the catch-up job) and is counted.
    const ingested = await fetch(`${server.url}/api/admin/products/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        products: [
          {
            externalId: 'metrics-1',
            storeId: 'metrics-store',
            title: 'A top',
            price: 30,
            productUrl: 'https://shop.example.com/metrics-1',
            imageBase64: (await productImage(7, 400)).toString('base64'),
            rawCategories: ['Tops'],
          },
        ],
      }),
    });
    expect(ingested.status).toBe(200);
    const [productId] = ((await ingested.json()) as { acceptedIds: string[] }).acceptedIds;
    const tokens = await fetch(`${server.url}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(tokens.status).toBe(200);
    const { access_token } = (await tokens.json()) as { access_token: string };
    const beforeSwipe = await scrape();
    const learnedBefore = sample(beforeSwipe, 'stylipp_swipes_learned_total');
    const catchUpRuns = (text: string) =>
      sample(text, 'stylipp_jobs_runs_total', { job: 'learning-catch-up', outcome: 'succeeded' }) +
      sample(text, 'stylipp_jobs_runs_total', { job: 'learning-catch-up', outcome: 'failed' });
    const swiped = await fetch(`${server.url}/api/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
      body: JSON.stringify({ productId, action: 'like' }),
    });
    expect(swiped.status).toBe(201);
    await expect
      .poll(async () => sample(await scrape(), 'stylipp_swipes_learned_total') - learnedBefore, {
        timeout: 10_000,
      })
      .toBe(1);
    const learned = await scrape();
    expect(sample(learned, 'stylipp_learning_pending_swipes')).toBe(0);
    expect(sample(learned, 'stylipp_learning_lag_seconds')).toBe(0);
    // The catch-up job did not do it: it did not run in between (it runs every 5 minutes).
    expect(catchUpRuns(learned)).toBe(catchUpRuns(beforeSwipe));

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
