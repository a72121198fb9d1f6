import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';
import { AFFILIATE_STORE, ingestProducts, signIn } from '../support/feed';
import { expect, PASSWORD, test } from '../support/fixtures';
import { productImage } from '../support/images';
import { serverInfo, testSecret } from '../support/server';

// The feed and the learning loop over HTTP (docs/product.md §6–7): stable pages under swipes, modes as the profile
// grows, feedback and undo, exposures, saves, click-out, decision logs. The catalogue is shared with other
// tests, so assertions hold whatever else is in it.

const pass = () => String(test.info().project.metadata.pass);
const writerKey = () => serverInfo(pass()).apiKeys.writer;

interface FeedItem {
  id: string;
  category: string;
  source: string;
  position: number;
  score: number;
  explanation: string;
  productUrl: string;
}
interface FeedPage {
  items: FeedItem[];
  nextCursor: string | null;
  feedMode: string;
  batchId: string;
}

async function feed(
  request: APIRequestContext,
  headers: Record<string, string>,
  params: Record<string, string | number> = {},
): Promise<FeedPage> {
  const response = await request.get('/api/feed', { headers, params });
  expect(response.status(), await response.text()).toBe(200);
  return response.json();
}

async function swipe(
  request: APIRequestContext,
  headers: Record<string, string>,
  productId: string,
  action: 'like' | 'dislike' | 'save',
  extra: { batchId?: string; position?: number } = {},
) {
  const response = await request.post('/api/feedback', { headers, data: { productId, action, ...extra } });
  expect(response.status(), await response.text()).toBe(201);
  return response.json() as Promise<{ id: string; action: string; createdAt: string }>;
}

async function profile(request: APIRequestContext, headers: Record<string, string>) {
  const response = await request.get('/api/users/me/profile', { headers });
  expect(response.status()).toBe(200);
  return response.json() as Promise<{ feedMode: string; interactionCount: number; source: string | null }>;
}

/** The style clusters are built in the background after start: a new user's profile says `exploring` once they are. */
async function clustersReady(request: APIRequestContext, headers: Record<string, string>) {
  await expect
    .poll(async () => (await profile(request, headers)).feedMode, {
      timeout: 60_000,
      intervals: [500, 1000, 2000],
    })
    .toBe('exploring');
}

async function decisions(request: APIRequestContext, headers: Record<string, string>, batchId: string) {
  const response = await request.get(`/api/feed/batches/${batchId}/decisions`, { headers });
  expect(response.status()).toBe(200);
  return response.json() as Promise<{
    feedMode: string;
    reset: boolean;
    items: {
      productId: string;
      source: string;
      explanation: string;
      factors: {
        placement: string;
        probability: number | null;
        uncertainty: number | null;
        nearestLikedProductId: string | null;
        cluster: number | null;
        freshness: number;
        popularity: number | null;
      };
    }[];
  }>;
}

test('a new user explores one card per style cluster; pages come from one stored batch', async ({
  api,
  request,
}) => {
  await ingestProducts(request, writerKey(), 10);
  const user = await signIn(api);
  await clustersReady(request, user.headers);
  const first = await feed(request, user.headers, { pageSize: 7 });
  expect(first.feedMode).toBe('exploring');
  expect(first.items.length).toBe(7);
  expect(first.items.map((item) => item.position)).toEqual(first.items.map((_, i) => i + 1));
  expect(first.items.every((item) => item.source === 'exploration')).toBe(true);
  expect(first.items.every((item) => item.explanation === 'Exploring something new for you')).toBe(true);
  expect(first.nextCursor).not.toBeNull();
  const second = await feed(request, user.headers, { pageSize: 7, cursor: first.nextCursor as string });
  expect(second.batchId).toBe(first.batchId);
  expect(second.items[0]?.position).toBe(8);
  expect(second.items.some((item) => first.items.some((seen) => seen.id === item.id))).toBe(false);
  // Cold start visits the clusters one card each: the first 14 cards come from 14 different clusters.
  const log = await decisions(request, user.headers, first.batchId as string);
  expect(log.items.every((item) => item.factors.placement === 'cluster')).toBe(true);
  expect(new Set(log.items.map((item) => item.factors.cluster)).size).toBe(14);

  expect((await request.get('/api/feed', { headers: user.headers, params: { pageSize: 51 } })).status()).toBe(
    422,
  );
  expect(
    (await request.get('/api/feed', { headers: user.headers, params: { cursor: 'nope' } })).status(),
  ).toBe(422);
  expect((await request.get('/api/feed')).status()).toBe(401);
});

test('paging while posting swipes never repeats a card, never serves a swiped one; the category holds', async ({
  api,
  request,
}) => {
  await ingestProducts(request, writerKey(), 30, { category: 'shoes' });
  const user = await signIn(api);
  const served: string[] = [];
  const swiped = new Set<string>();
  let cursor: string | undefined;
  let lastBatch: string | undefined;
  let nextPosition = 1;
  for (let page = 0; page < 5; page++) {
    const result = await feed(request, user.headers, {
      pageSize: 6,
      category: 'shoes',
      ...(cursor ? { cursor } : {}),
    });
    if (result.batchId !== lastBatch) nextPosition = 1;
    // Within a batch the positions continue exactly where the last page ended: nothing skipped.
    expect(result.items.map((item) => item.position)).toEqual(result.items.map((_, i) => nextPosition + i));
    nextPosition += result.items.length;
    lastBatch = result.batchId;
    for (const item of result.items) {
      expect(item.category).toBe('shoes');
      expect(swiped.has(item.id)).toBe(false);
      expect(served).not.toContain(item.id);
      served.push(item.id);
    }
    // Swipe two cards of this page between pages (the profile changes: the next page may be a new batch).
    for (const item of result.items.slice(0, 2)) {
      await swipe(request, user.headers, item.id, page % 2 ? 'dislike' : 'like', {
        batchId: result.batchId,
        position: item.position,
      });
      swiped.add(item.id);
    }
    cursor = result.nextCursor ?? undefined;
    expect(cursor).toBeDefined();
  }
  expect(served.length).toBe(30);
});

test('without photos the feed explores until the first like, then the learner ranks; 10 swipes give a style vector', async ({
  api,
  request,
}) => {
  const products = await ingestProducts(request, writerKey(), 12);
  const user = await signIn(api);
  await clustersReady(request, user.headers);
  for (const product of products.slice(0, 3)) await swipe(request, user.headers, product.id, 'dislike');
  await expect.poll(async () => (await profile(request, user.headers)).interactionCount).toBe(3);
  const exploring = await feed(request, user.headers);
  expect(exploring.feedMode).toBe('exploring');
  for (const [i, product] of products.slice(3, 9).entries())
    await swipe(request, user.headers, product.id, i % 3 === 2 ? 'dislike' : 'like');
  await expect
    .poll(async () => {
      const p = await profile(request, user.headers);
      return [p.interactionCount, p.feedMode];
    })
    .toEqual([9, 'personalized']);
  // A new batch (the profile changed) from the learner: each card with its like probability and uncertainty.
  const page = await feed(request, user.headers, { cursor: exploring.nextCursor as string });
  expect(page.feedMode).toBe('personalized');
  expect(page.batchId).not.toBe(exploring.batchId);
  const swipedIds = new Set(products.slice(0, 9).map((p) => p.id));
  expect(page.items.some((item) => swipedIds.has(item.id))).toBe(false);
  const log = await decisions(request, user.headers, page.batchId as string);
  for (const item of log.items) {
    expect(['best_guess', 'exploration_draw']).toContain(item.factors.placement);
    expect(item.factors.probability).toBeGreaterThanOrEqual(0);
    expect(item.factors.probability).toBeLessThanOrEqual(1);
    expect(item.factors.uncertainty).toBeGreaterThan(0);
    expect(item.source).toBe(item.factors.placement === 'best_guess' ? 'primary' : 'exploration');
  }
  // The profile's display vector still starts after 10 swipes (auto cold start).
  await swipe(request, user.headers, (products[9] as { id: string }).id, 'save');
  await expect
    .poll(async () => {
      const p = await profile(request, user.headers);
      return [p.interactionCount, p.source];
    })
    .toEqual([10, 'auto_coldstart']);
});

test('onboarding: the feed is personalised at once, calibration answers count as swipes and never come back', async ({
  api,
  request,
}) => {
  test.setTimeout(120_000);
  await ingestProducts(request, writerKey(), 30);
  const user = await signIn(api);
  const uploaded = await request.post('/api/uploads', {
    headers: user.headers,
    multipart: { file: { name: 'outfit.png', mimeType: 'image/png', buffer: await productImage(777, 512) } },
  });
  expect(uploaded.status(), await uploaded.text()).toBe(201);
  const photoId = (await uploaded.json()).id as string;
  // The first style clusters may still be building (503 + Retry-After): ask again until they are there.
  let calibration: { sessionId: string; items: { id: string; title: string }[] } | undefined;
  await expect
    .poll(
      async () => {
        const response = await request.post('/api/onboarding/calibration', {
          headers: user.headers,
          data: { photoIds: [photoId] },
        });
        if (response.status() === 201) calibration = await response.json();
        return response.status();
      },
      { timeout: 60_000, intervals: [500, 1000, 2000] },
    )
    .toBe(201);
  const cards = calibration?.items ?? [];
  expect(cards).toHaveLength(15);
  const liked = cards.slice(0, 10);
  const completed = await request.post('/api/onboarding/complete', {
    headers: user.headers,
    data: {
      sessionId: calibration?.sessionId,
      likedProductIds: liked.map((c) => c.id),
      dislikedProductIds: cards.slice(10).map((c) => c.id),
    },
  });
  expect(completed.status(), await completed.text()).toBe(200);
  expect((await profile(request, user.headers)).feedMode).toBe('personalized');
  const first = await feed(request, user.headers);
  expect(first.feedMode).toBe('personalized');
  // Three pages (the whole batch): no calibration card among them.
  const served = [...first.items];
  for (let cursor = first.nextCursor, pages = 1; cursor !== null && pages < 3; pages++) {
    const next = await feed(request, user.headers, { cursor });
    served.push(...next.items);
    cursor = next.nextCursor;
  }
  expect(served).toHaveLength(60);
  expect(served.filter((item) => cards.some((card) => card.id === item.id))).toEqual([]);
  // Best guesses name their evidence: a liked calibration card ("Because you liked <title>").
  const log = await decisions(request, user.headers, first.batchId as string);
  const guesses = log.items.filter((item) => item.factors.placement === 'best_guess');
  expect(guesses.length).toBeGreaterThan(0);
  for (const guess of guesses) {
    const evidence = liked.find((card) => card.id === guess.factors.nearestLikedProductId);
    expect(evidence).toBeDefined();
    expect(guess.explanation).toBe(`Because you liked ${evidence?.title}`);
  }

  // Swipes change the profile's version: the next page is a new batch that leaves them out.
  for (const item of first.items.slice(0, 5)) await swipe(request, user.headers, item.id, 'like');
  await expect.poll(async () => (await profile(request, user.headers)).interactionCount).toBe(20);
  const after = await feed(request, user.headers, { cursor: first.nextCursor as string });
  expect(after.batchId).not.toBe(first.batchId);
  expect(after.items.some((item) => first.items.slice(0, 5).some((s) => s.id === item.id))).toBe(false);
});

test('feedback: 201, unknown product 404, undo 204 then 409, another user’s interaction 404', async ({
  api,
  request,
}) => {
  const [product] = await ingestProducts(request, writerKey(), 1);
  const user = await signIn(api);
  const other = await signIn(api);
  const liked = await swipe(request, user.headers, (product as { id: string }).id, 'like');
  expect(liked).toMatchObject({ action: 'like', productId: product?.id });
  expect(liked.id).toMatch(/^[0-9a-f-]{36}$/);
  const unknown = await request.post('/api/feedback', {
    headers: user.headers,
    data: { productId: randomUUID(), action: 'like' },
  });
  expect(unknown.status()).toBe(404);
  expect(
    (
      await request.post('/api/feedback', {
        headers: user.headers,
        data: { productId: product?.id, action: 'meh' },
      })
    ).status(),
  ).toBe(422);
  expect((await request.delete(`/api/feedback/${liked.id}`, { headers: other.headers })).status()).toBe(404);
  expect((await request.delete(`/api/feedback/${liked.id}`, { headers: user.headers })).status()).toBe(204);
  expect((await request.delete(`/api/feedback/${liked.id}`, { headers: user.headers })).status()).toBe(409);
  // The like and its undo both reach the profile: the count goes up, then back.
  await expect.poll(async () => (await profile(request, user.headers)).interactionCount).toBe(0);
});

test('two concurrent swipes are each applied exactly once', async ({ api, request }) => {
  const products = await ingestProducts(request, writerKey(), 6);
  const user = await signIn(api);
  await Promise.all(products.map((product) => swipe(request, user.headers, product.id, 'like')));
  await expect.poll(async () => (await profile(request, user.headers)).interactionCount).toBe(6);
  // Nothing is applied twice, even after every scheduled run settled.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect((await profile(request, user.headers)).interactionCount).toBe(6);
});

test('exposures: 1–100 events, merged per product and session; unknown products dropped', async ({
  api,
  request,
}) => {
  const [a, b] = await ingestProducts(request, writerKey(), 2);
  const user = await signIn(api);
  const event = (productId: string, extra: Record<string, unknown> = {}) => ({
    productId,
    sessionId: 'session-1',
    feedMode: 'trending',
    position: 3,
    shownAt: '2026-06-01T12:00:00Z',
    ...extra,
  });
  const response = await request.post('/api/feedback/exposures', {
    headers: user.headers,
    data: {
      events: [
        event(a?.id as string),
        event(a?.id as string, { position: 1, shownAt: '2026-06-01T12:00:05Z', dwellMs: 900 }),
        event(b?.id as string, { action: 'like', actionAt: '2026-06-01T12:00:09Z' }),
        event(randomUUID()),
      ],
    },
  });
  expect(response.status(), await response.text()).toBe(200);
  expect(await response.json()).toEqual({ received: 4, processed: 2 });
  const again = await request.post('/api/feedback/exposures', {
    headers: user.headers,
    data: { events: [event(a?.id as string, { dwellMs: 100 })] },
  });
  expect(await again.json()).toEqual({ received: 1, processed: 1 });
  for (const events of [[], Array.from({ length: 101 }, () => event(a?.id as string))]) {
    const bad = await request.post('/api/feedback/exposures', { headers: user.headers, data: { events } });
    expect(bad.status()).toBe(422);
  }
  const zero = await request.post('/api/feedback/exposures', {
    headers: user.headers,
    data: { events: [event(a?.id as string, { position: 0 })] },
  });
  expect(zero.status()).toBe(422);
});

test('saves are listed newest first in cursor pages; an undone save leaves the list', async ({
  api,
  request,
}) => {
  const products = await ingestProducts(request, writerKey(), 3);
  const user = await signIn(api);
  const saves = [];
  for (const product of products) saves.push(await swipe(request, user.headers, product.id, 'save'));
  const first = await request.get('/api/saves', { headers: user.headers, params: { limit: 2 } });
  const page = await first.json();
  expect(page.items.map((item: { product: { id: string } }) => item.product.id)).toEqual([
    products[2]?.id,
    products[1]?.id,
  ]);
  const rest = await (
    await request.get('/api/saves', { headers: user.headers, params: { limit: 2, cursor: page.nextCursor } })
  ).json();
  expect(rest.items.map((item: { product: { id: string } }) => item.product.id)).toEqual([products[0]?.id]);
  expect(rest.nextCursor).toBeNull();
  await request.delete(`/api/feedback/${saves[1]?.id}`, { headers: user.headers });
  const after = await (await request.get('/api/saves', { headers: user.headers })).json();
  expect(after.items.map((item: { id: string }) => item.id)).toEqual([saves[2]?.id, saves[0]?.id]);
});

test('click-out: 302 to the stored product URL plus the store’s affiliate parameters, recorded', async ({
  api,
  request,
}) => {
  const [product] = await ingestProducts(request, writerKey(), 1, { storeId: `${AFFILIATE_STORE}` });
  const [plain] = await ingestProducts(request, writerKey(), 1);
  const user = await signIn(api);
  const batchId = randomUUID();
  const out = await request.get(`/api/products/${product?.id}/out`, {
    headers: user.headers,
    params: { batchId, position: 4 },
    maxRedirects: 0,
  });
  expect(out.status()).toBe(302);
  const location = new URL(out.headers().location as string);
  const stored = new URL(product?.productUrl as string);
  expect(location.origin + location.pathname).toBe(stored.origin + stored.pathname);
  expect(Object.fromEntries(location.searchParams)).toEqual({
    ref: 'feed',
    aff: 'stylipp-42',
    utm_source: 'stylipp',
  });
  const direct = await request.get(`/api/products/${plain?.id}/out`, {
    headers: user.headers,
    maxRedirects: 0,
  });
  expect(direct.status()).toBe(302);
  expect(direct.headers().location).toBe(plain?.productUrl);
  expect(
    (
      await request.get(`/api/products/${randomUUID()}/out`, { headers: user.headers, maxRedirects: 0 })
    ).status(),
  ).toBe(404);
  expect((await request.get(`/api/products/${product?.id}/out`, { maxRedirects: 0 })).status()).toBe(401);

  const databaseUrl = serverInfo(pass()).env.DATABASE_URL;
  if (databaseUrl?.startsWith('postgres')) {
    // Behind the API (Postgres passes; PGlite allows one process): the click row with batch and position.
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        'select product_id, batch_id, position from clicks where user_id = $1 order by id',
        [user.id],
      );
      expect(rows).toEqual([
        { product_id: product?.id, batch_id: batchId, position: 4 },
        { product_id: plain?.id, batch_id: null, position: null },
      ]);
    } finally {
      await client.end();
    }
  }
});

test('decision log: the factors of every served card, for the batch owner only', async ({ api, request }) => {
  await ingestProducts(request, writerKey(), 5);
  const user = await signIn(api);
  const other = await signIn(api);
  await clustersReady(request, user.headers);
  const page = await feed(request, user.headers, { pageSize: 5 });
  const log = await decisions(request, user.headers, page.batchId as string);
  expect(log).toMatchObject({ batchId: page.batchId, feedMode: 'exploring', reset: false });
  expect(log.items.map((d) => d.productId)).toEqual(page.items.map((i) => i.id));
  for (const decision of log.items) {
    expect(decision.factors).toMatchObject({
      placement: 'cluster',
      popularity: null,
      nearestLikedProductId: null,
    });
    expect(decision.factors.cluster).not.toBeNull();
    expect(decision.factors.freshness).toBeGreaterThan(0);
    expect(decision.source).toBe('exploration');
  }
  const foreign = await request.get(`/api/feed/batches/${page.batchId}/decisions`, {
    headers: other.headers,
  });
  expect(foreign.status()).toBe(404);
  expect(
    (await request.get(`/api/feed/batches/${randomUUID()}/decisions`, { headers: user.headers })).status(),
  ).toBe(404);
});

test('a card whose product was archived after its batch was ranked is not served, nor in the decision log', async ({
  api,
  request,
}) => {
  // Accessories: the seed catalogue has none, so the batch holds every product of this category.
  const mine = await ingestProducts(request, writerKey(), 12, { category: 'accessories' });
  const user = await signIn(api);
  const first = await feed(request, user.headers, { pageSize: 1, category: 'accessories' });
  // Half of the others leave the catalogue: the next page serves the rest and skips their positions.
  const archived = mine.filter((product) => product.id !== first.items[0]?.id).filter((_, i) => i % 2 === 0);
  const response = await request.post('/api/admin/products/archive', {
    headers: { authorization: `Bearer ${writerKey()}` },
    data: { storeId: archived[0]?.storeId, externalIds: archived.map((product) => product.externalId) },
  });
  expect(response.status(), await response.text()).toBe(200);

  const second = await feed(request, user.headers, {
    pageSize: 50,
    category: 'accessories',
    cursor: first.nextCursor as string,
  });
  expect(second.batchId).toBe(first.batchId);
  const gone = new Set(archived.map((product) => product.id));
  expect(second.items.some((item) => gone.has(item.id))).toBe(false);
  // The batch held all 12: the 6 archived positions were skipped, the other 5 served.
  const positions = second.items.map((item) => item.position);
  expect(positions).toHaveLength(5);
  const skipped = Array.from({ length: 11 }, (_, i) => i + 2).filter((p) => !positions.includes(p));
  expect(skipped).toHaveLength(6);

  const log = await (
    await request.get(`/api/feed/batches/${first.batchId}/decisions`, { headers: user.headers })
  ).json();
  const served = [...first.items, ...second.items];
  expect(log.items.map((d: { productId: string }) => d.productId)).toEqual(served.map((item) => item.id));
  expect(log.items.map((d: { position: number }) => d.position)).toEqual(served.map((item) => item.position));
});

test('decision log older than 90 days is purged (npm run learn; Postgres passes look behind the API)', async ({
  api,
  request,
}) => {
  const databaseUrl = serverInfo(pass()).env.DATABASE_URL;
  test.skip(!databaseUrl?.startsWith('postgres'), 'PGlite allows one process: the server holds the database');
  await ingestProducts(request, writerKey(), 3);
  const user = await signIn(api);
  const page = await feed(request, user.headers, { pageSize: 1 });
  await feed(request, user.headers, { pageSize: 2, cursor: page.nextCursor as string });
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const served = async () =>
    (
      await client.query(
        `select first_position as first, last_position as last from feed_served_pages where user_id = $1
         order by created_at`,
        [user.id],
      )
    ).rows;
  try {
    expect(await served()).toEqual([
      { first: 1, last: 1 },
      { first: 2, last: 3 },
    ]);
    // Age the first page's record (and a copy of the batch it moves to) past 90 days.
    const old = randomUUID();
    await client.query(
      `insert into feed_batches (id, user_id, mode, profile_version, category, cards, size, relaxations, served_before,
         created_at)
       select $1, user_id, mode, profile_version, category, cards, size, relaxations, served_before,
         now() - interval '91 days'
       from feed_batches where id = $2`,
      [old, page.batchId],
    );
    await client.query(
      `update feed_served_pages set batch_id = $1, created_at = now() - interval '91 days'
       where batch_id = $2 and first_position = 1`,
      [old, page.batchId],
    );
    await runLearnCli(databaseUrl as string);
    expect(await served()).toEqual([{ first: 2, last: 3 }]);
    const batches = await client.query('select id from feed_batches where user_id = $1', [user.id]);
    expect(batches.rows.map((row: { id: string }) => row.id)).toEqual([page.batchId]);
  } finally {
    await client.end();
  }
});

function runLearnCli(databaseUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('node_modules/.bin/tsx', ['scripts/learn.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        AUTH_SECRET: testSecret(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`learn exited ${code}: ${output}`)),
    );
  });
}

test('account deletion erases interactions, exposures, clicks, batches, decisions and the profile', async ({
  api,
  request,
}) => {
  const databaseUrl = serverInfo(pass()).env.DATABASE_URL;
  test.skip(!databaseUrl?.startsWith('postgres'), 'PGlite allows one process: the server holds the database');
  const products = await ingestProducts(request, writerKey(), 2);
  const user = await signIn(api);
  const page = await feed(request, user.headers, { pageSize: 2 });
  await swipe(request, user.headers, (products[0] as { id: string }).id, 'like');
  await request.post('/api/feedback/exposures', {
    headers: user.headers,
    data: {
      events: [
        {
          productId: products[1]?.id,
          sessionId: 's',
          feedMode: page.feedMode,
          position: 1,
          shownAt: new Date().toISOString(),
        },
      ],
    },
  });
  await request.get(`/api/products/${products[1]?.id}/out`, { headers: user.headers, maxRedirects: 0 });
  await expect.poll(async () => (await profile(request, user.headers)).interactionCount).toBe(1);
  const tables = [
    'interactions',
    'exposures',
    'clicks',
    'feed_batches',
    'feed_served_pages',
    'style_profiles',
  ];
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  // One query at a time: a pg client runs one, and queueing more on it is deprecated (pg 9 refuses it).
  const counts = async () => {
    const found: number[] = [];
    for (const table of tables) {
      const { rows } = await client.query(`select count(*)::int as n from ${table} where user_id = $1`, [
        user.id,
      ]);
      found.push((rows[0] as { n: number }).n);
    }
    return found;
  };
  try {
    expect((await counts()).every((n) => n > 0)).toBe(true);
    expect(
      (
        await request.delete('/api/users/me', { headers: user.headers, data: { currentPassword: PASSWORD } })
      ).status(),
    ).toBe(204);
    expect(await counts()).toEqual(tables.map(() => 0));
  } finally {
    await client.end();
  }
});
