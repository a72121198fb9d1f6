import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { createApiKeyWithCli } from '../support/api-keys';
import { interlacedPngBomb, productImage } from '../support/images';
import { freePort } from '../support/ports';
import { runMigrations, startServer, type TestServer } from '../support/server';

// Catalogue images are a decompression bomb (issue 23 item 5), proved on the production server's own memory: a
// catalog:write key ingests a product whose image is a complete 10000×10000 16-bit interlaced PNG (583 KB;
// decoded, 600 MB of samples — it took the server to 1.8 GB before the header checks), posted inline and fetched
// by URL. The answer refuses the image (207, `invalid_format`) and the server's resident memory, read from
// /proc while the request runs, stays within a bound of where it was.

/** How far the server's resident memory may rise over its baseline while it refuses the bomb. */
const RSS_BOUND_MB = 150;

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Runs `work` while sampling the process's resident memory every 10 ms; returns its result and the highest sample. */
async function watched<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; highestMb: number }> {
  let highestMb = memoryOf(pid).rssMb;
  const timer = setInterval(() => {
    highestMb = Math.max(highestMb, memoryOf(pid).rssMb);
  }, 10);
  try {
    const result = await work();
    highestMb = Math.max(highestMb, memoryOf(pid).rssMb);
    return { result, highestMb };
  } finally {
    clearInterval(timer);
  }
}

test('a 10000×10000 16-bit interlaced PNG, posted or fetched, is refused from its header: the server’s memory stays flat', async () => {
  test.skip(process.platform !== 'linux', 'reads /proc');
  test.setTimeout(240_000);
  const bomb = await interlacedPngBomb(10_000, 10_000);
  expect(bomb.length).toBeLessThan(1_000_000);
  // The bomb on a web server of the test's own (the server may fetch from loopback only because this test
  // allows private addresses; production never does).
  const images = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(bomb.length) });
    response.end(bomb);
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  const imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/bomb.png`;

  const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-bomb-'));
  const env = { DATA_DIR: dataDir };
  await runMigrations(env);
  const key = await createApiKeyWithCli(env, 'bomb-writer', ['catalog:write']);
  let server: TestServer | undefined;
  try {
    server = await startServer({
      port: await freePort(),
      env: { ...env, IMAGE_FETCH_ALLOW_PRIVATE: 'true', JOBS_ENABLED: 'false' },
    });
    expect(server.process.exitCode, server.output()).toBeNull();
    const pid = server.process.pid as number;
    const url = server.url;
    const ingest = async (product: Record<string, unknown>) => {
      const response = await fetch(`${url}/api/admin/products/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ products: [product] }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const product = (externalId: string, image: Record<string, string>) => ({
      externalId,
      storeId: 'bomb-store',
      title: `Product ${externalId}`,
      price: 20,
      productUrl: `https://shop.example.com/${externalId}`,
      ...image,
    });
    // A real product first: the image pipeline (sharp, the embedder) is loaded and warm before the baseline.
    const good = await ingest(
      product('good', { imageBase64: (await productImage(7, 512)).toString('base64') }),
    );
    expect(good.status, JSON.stringify(good.body)).toBe(200);

    for (const [name, image] of [
      ['posted', { imageBase64: bomb.toString('base64') }],
      ['fetched', { imageUrl }],
    ] as const) {
      const baseline = memoryOf(pid);
      const { result, highestMb } = await watched(pid, () => ingest(product(`bomb-${name}`, image)));
      const after = memoryOf(pid);
      console.log(
        `${name} bomb: RSS ${baseline.rssMb.toFixed(0)} MB before, highest ${highestMb.toFixed(0)} MB during ` +
          `(+${(highestMb - baseline.rssMb).toFixed(0)} MB); peak (VmHWM) ${baseline.peakMb.toFixed(0)} → ` +
          `${after.peakMb.toFixed(0)} MB`,
      );
      // Refused, the way the contract documents a rejected item: 207, not retryable, invalid_format.
      expect(result.status, JSON.stringify(result.body)).toBe(207);
      expect(result.body).toMatchObject({ total: 1, created: 0, failed: 1 });
      const [rejected] = result.body.rejected as { error: string; retryable: boolean }[];
      expect(rejected?.error).toMatch(/invalid_format/);
      expect(rejected?.retryable).toBe(false);
      expect(highestMb - baseline.rssMb).toBeLessThan(RSS_BOUND_MB);
      // The process's own high-water mark agrees: it never rose past the bound over its earlier peak.
      expect(after.peakMb - Math.max(baseline.peakMb, baseline.rssMb)).toBeLessThan(RSS_BOUND_MB);
    }
    // Still serving.
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  } finally {
    await server?.stop('SIGKILL');
    await new Promise((resolve) => images.close(resolve));
  }
});
