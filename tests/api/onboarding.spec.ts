import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { seededRandom } from '@/features/core/maths/random';
import { Api, expect, test } from '../support/fixtures';
import { photo, productImage } from '../support/images';
import { serverInfo } from '../support/server';

// Style clusters and onboarding over HTTP (docs/product.md §4–5), on the seeded catalogue of each pass's server:
// the automatic first run, the admin routes, calibration from a user's own photos, completion, the profile.

const pass = () => String(test.info().project.metadata.pass);
const adminHeaders = () => ({ authorization: `Bearer ${serverInfo(pass()).apiKeys.writer}` });

interface Card {
  id: string;
  title: string;
  price: string;
  category: string;
  source: 'primary' | 'diversity';
  position: number;
  score: number;
}

/** CPU time the server process has used so far (Linux /proc, clock ticks of 10 ms), for the report only. */
function serverCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/${serverInfo(pass()).pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Measurements for the closing note: an annotation, and a line in the run's output. */
function report(type: string, description: string) {
  test.info().annotations.push({ type, description });
  console.log(`[${pass()}] ${type}: ${description}`);
}

async function signedIn(api: Api) {
  const account = await api.register();
  const { access_token } = await api.token(account.email, account.password);
  return { ...account, headers: { authorization: `Bearer ${access_token}` } };
}

async function uploadPhoto(api: Api, headers: Record<string, string>, buffer: Buffer): Promise<string> {
  const response = await api.request.post('/api/uploads', {
    headers,
    multipart: { file: { name: 'look.png', mimeType: 'image/png', buffer } },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).id;
}

/** Waits for an active cluster run (the server builds the first one by itself after start-up). */
async function activeRun(api: Api) {
  let overview: { run: { id: string; k: number } | null } = { run: null };
  await expect
    .poll(
      async () => {
        const response = await api.request.get('/api/admin/clusters', { headers: adminHeaders() });
        overview = await response.json();
        return overview.run !== null;
      },
      { timeout: 240_000, intervals: [1_000, 2_000, 5_000] },
    )
    .toBe(true);
  return overview;
}

/**
 * A seed image as a phone would shoot it: 480 px with a little sensor grain (seeded, ±8 levels). The stored
 * seed images are upscaled 28 px garments, too smooth for the quality gate's sharpness rule; the grain makes it
 * pass and averages away in the descriptor (cosine to the original ≈ 0.99).
 */
async function asPhoneShot(stored: Buffer): Promise<Buffer> {
  const { data, info } = await sharp(stored)
    .resize(480, 480)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const random = seededRandom(13);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.max(0, Math.min(255, (data[i] as number) + random.int(17) - 8));
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .png()
    .toBuffer();
}

async function calibrate(api: Api, headers: Record<string, string>, photoIds: string[]) {
  return api.request.post('/api/onboarding/calibration', { headers, data: { photoIds } });
}

/** A calibrated user, from one sharp photo that passes the quality gate. */
async function calibratedUser(api: Api, seed: number) {
  const user = await signedIn(api);
  const photoId = await uploadPhoto(api, user.headers, await productImage(seed));
  const response = await calibrate(api, user.headers, [photoId]);
  expect(response.status(), await response.text()).toBe(201);
  const body = (await response.json()) as { sessionId: string; items: Card[] };
  return { user, photoId, ...body };
}

test.describe.configure({ timeout: 300_000 });

test.beforeAll(async ({ playwright, baseURL }) => {
  // Every test here needs the first cluster run; wait for it once (it is built off the event loop).
  const request = await playwright.request.newContext({ baseURL });
  await activeRun(new Api(request));
  await request.dispose();
});

test('the cluster routes need an API key with catalog:write', async ({ api }) => {
  const user = await signedIn(api);
  for (const [method, path] of [
    ['get', '/api/admin/clusters'],
    ['post', '/api/admin/clusters/rebuild'],
  ] as const) {
    expect((await api.request[method](path)).status()).toBe(401);
    expect((await api.request[method](path, { headers: user.headers })).status()).toBe(401);
    const otherScope = { authorization: `Bearer ${serverInfo(pass()).apiKeys.otherScope}` };
    expect((await api.request[method](path, { headers: otherScope })).status()).toBe(403);
  }
});

test('the seeded catalogue is clustered: k within the search range, priors sum to 1, purity reported', async ({
  api,
}) => {
  const response = await api.request.get('/api/admin/clusters', { headers: adminHeaders() });
  expect(response.status()).toBe(200);
  const { run, clusters } = await response.json();
  const n = run.productCount;
  expect(n).toBeGreaterThanOrEqual(400);
  expect(run.kRange).toEqual({ min: 10, max: Math.min(200, Math.floor(n / 2)) });
  expect(run.k).toBeGreaterThanOrEqual(run.kRange.min);
  expect(run.k).toBeLessThanOrEqual(run.kRange.max);
  expect(run.evaluated.map((entry: { k: number }) => entry.k)).toContain(run.k);
  const best = Math.max(...run.evaluated.map((entry: { silhouette: number }) => entry.silhouette));
  expect(run.evaluated.find((entry: { k: number }) => entry.k === run.k).silhouette).toBe(best);
  expect(clusters).toHaveLength(run.k);
  expect(clusters.reduce((sum: number, cluster: { size: number }) => sum + cluster.size, 0)).toBe(n);
  expect(clusters.reduce((sum: number, cluster: { prior: number }) => sum + cluster.prior, 0)).toBeCloseTo(
    1,
    9,
  );
  for (const cluster of clusters) expect(cluster.prior).toBeCloseTo(cluster.size / n, 12);
  expect(run.purity).toBeGreaterThan(0);
  expect(run.purity).toBeLessThanOrEqual(1);
  report(
    'clusters',
    `n=${n} k=${run.k} silhouette=${run.silhouette.toFixed(4)} purity=${run.purity.toFixed(4)} rebuild=${run.durationMs} ms (${run.evaluated.length} k scored)`,
  );
});

test('a rebuild makes a new active run; a second one while it runs is refused with 409', async ({ api }) => {
  const before = (await activeRun(api)).run?.id;
  const [first, second] = await Promise.all([
    api.request.post('/api/admin/clusters/rebuild', { headers: adminHeaders() }),
    api.request.post('/api/admin/clusters/rebuild', { headers: adminHeaders() }),
  ]);
  const statuses = [first.status(), second.status()].sort();
  // At most one wins; the other (or both, if the automatic rebuild was running) answers 409.
  expect(statuses[1]).toBe(409);
  expect([200, 409]).toContain(statuses[0]);
  const winner = first.status() === 200 ? first : second.status() === 200 ? second : undefined;
  if (winner) {
    const run = await winner.json();
    expect(run.active).toBe(true);
    expect(run.id).not.toBe(before);
    const now = await api.request.get('/api/admin/clusters', { headers: adminHeaders() });
    expect((await now.json()).run.id).toBe(run.id);
  }
  const refused = first.status() === 409 ? first : second;
  expect(refused.headers()['content-type']).toContain('application/problem+json');
});

test('calibration from a seeded shoe image: 15 distinct cards, diversity at 5/10/15, mostly shoes', async ({
  api,
}) => {
  const user = await signedIn(api);
  // A shoe of the seed catalogue: other tests ingest products of their own (newest first) into this server.
  const shoes = await api.request.get('/api/products?category=shoes&limit=100', { headers: user.headers });
  expect(shoes.status()).toBe(200);
  const shoe = ((await shoes.json()).items as { storeId: string; imageUrl: string }[]).find(
    (item) => item.storeId === 'stylipp-seed',
  );
  if (!shoe) throw new Error('no seeded shoe among the newest 100 shoes');
  const image = await api.request.get(shoe.imageUrl);
  expect(image.status()).toBe(200);
  const photoBytes = await asPhoneShot(await image.body());
  const photoId = await uploadPhoto(api, user.headers, photoBytes);

  const started = Date.now();
  const response = await calibrate(api, user.headers, [photoId]);
  const latencyMs = Date.now() - started;
  expect(response.status(), await response.text()).toBe(201);
  // Server CPU per calibration, over a few more calls (other tests share the server: an upper bound).
  const cpuBefore = serverCpuMs();
  for (let i = 0; i < 5; i++) expect((await calibrate(api, user.headers, [photoId])).status()).toBe(201);
  const cpuAfter = serverCpuMs();
  const cpuPerCall =
    cpuBefore === undefined || cpuAfter === undefined ? 'n/a' : `${(cpuAfter - cpuBefore) / 5} ms`;
  const body = await response.json();
  expect(Object.keys(body).sort()).toEqual(['diversityClusters', 'items', 'primaryClusters', 'sessionId']);
  expect(body.primaryClusters).toHaveLength(3);
  expect(body.diversityClusters).toHaveLength(2);
  const items = body.items as Card[];
  expect(items).toHaveLength(15);
  expect(new Set(items.map((item) => item.id)).size).toBe(15);
  expect(items.map((item) => item.position)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  expect(items.filter((item) => item.source === 'diversity').map((item) => item.position)).toEqual([
    5, 10, 15,
  ]);
  expect(Object.keys(items[0] as object).sort()).toEqual(
    [
      'category',
      'currency',
      'explanation',
      'id',
      'imageUrl',
      'position',
      'price',
      'productUrl',
      'score',
      'source',
      'title',
    ].sort(),
  );
  const primary = items.filter((item) => item.source === 'primary');
  const shoeCards = primary.filter((item) => item.category === 'shoes').length;
  expect(shoeCards).toBeGreaterThan(primary.length / 2);
  report(
    'calibration',
    `${shoeCards}/${primary.length} primary cards are shoes; first call ${latencyMs} ms wall; server CPU per call ≤ ${cpuPerCall}`,
  );
});

test('calibration takes two photos, refuses someone else’s photo (404) and a poor one (422)', async ({
  api,
}) => {
  const owner = await signedIn(api);
  const stranger = await signedIn(api);
  const mine = [
    await uploadPhoto(api, owner.headers, await productImage(101)),
    await uploadPhoto(api, owner.headers, await productImage(102)),
  ];
  const theirs = await uploadPhoto(api, stranger.headers, await productImage(103));

  const two = await calibrate(api, owner.headers, mine);
  expect(two.status(), await two.text()).toBe(201);
  expect((await two.json()).items).toHaveLength(15);

  expect((await calibrate(api, owner.headers, [theirs])).status()).toBe(404);
  expect((await calibrate(api, owner.headers, [mine[0] as string, theirs])).status()).toBe(404);
  expect((await calibrate(api, owner.headers, [crypto.randomUUID()])).status()).toBe(404);

  // 320×240, one flat colour: too small and too blurry.
  const poor = await uploadPhoto(api, owner.headers, await photo('png'));
  const refused = await calibrate(api, owner.headers, [poor]);
  expect(refused.status()).toBe(422);
  const problem = await refused.json();
  expect(problem.errors[0].path).toBe('body.photoIds.0');
  expect(problem.errors[0].message).toContain('too_small');
  expect(problem.errors[0].message).toContain('too_blurry');

  for (const photoIds of [[], [mine[0], mine[0]], [...mine, poor], ['not-a-uuid']]) {
    expect((await calibrate(api, owner.headers, photoIds as string[])).status()).toBe(422);
  }
  expect((await calibrate(api, {}, mine)).status()).toBe(401);
});

test('completion builds the profile exactly (Rocchio, price rule, confidence) and only once', async ({
  api,
}) => {
  const { user, sessionId, items } = await calibratedUser(api, 201);
  const profileBefore = await api.request.get('/api/users/me/profile', { headers: user.headers });
  expect(await profileBefore.json()).toEqual({
    onboardingCompleted: false,
    feedMode: 'exploring',
    confidence: 0,
    version: 0,
    source: null,
    interactionCount: 0,
    priceProfile: null,
    lastProfileUpdateAt: null,
  });

  const [a, b, c] = items as [Card, Card, Card];
  const response = await api.request.post('/api/onboarding/complete', {
    headers: user.headers,
    data: { sessionId, likedProductIds: [a.id, b.id], dislikedProductIds: [c.id] },
  });
  expect(response.status(), await response.text()).toBe(200);
  const profile = await response.json();
  // Two liked prices: median m, min 0.3·m, max 3·m, population std |p1 − p2|/2 (2 decimals).
  const [p1, p2] = [Number(a.price), Number(b.price)];
  const median = (p1 + p2) / 2;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  expect(profile).toMatchObject({
    onboardingCompleted: true,
    feedMode: 'personalized',
    version: 1,
    source: 'onboarding',
    interactionCount: 3,
    priceProfile: {
      priceMin: round2(0.3 * median),
      priceMax: round2(3 * median),
      priceMedian: round2(median),
      priceStd: round2(Math.abs(p1 - p2) / 2),
    },
  });
  expect(profile.confidence).toBeCloseTo(Math.log(4) / Math.log(201), 12);
  expect(Date.parse(profile.lastProfileUpdateAt)).not.toBeNaN();
  const view = await api.request.get('/api/users/me/profile', { headers: user.headers });
  expect(await view.json()).toEqual(profile);

  // Completing again is refused and changes nothing.
  const again = await api.request.post('/api/onboarding/complete', {
    headers: user.headers,
    data: { sessionId, likedProductIds: [a.id], dislikedProductIds: [] },
  });
  expect(again.status()).toBe(409);
  expect(await (await api.request.get('/api/users/me/profile', { headers: user.headers })).json()).toEqual(
    profile,
  );
});

test('a full calibration: 15 swipes → confidence ≈ 0.523, and the feed is personalised (the photos are the prior)', async ({
  api,
}) => {
  const { user, sessionId, items } = await calibratedUser(api, 301);
  const liked = items.slice(0, 12).map((item) => item.id);
  const disliked = items.slice(12).map((item) => item.id);
  const response = await api.request.post('/api/onboarding/complete', {
    headers: user.headers,
    data: { sessionId, likedProductIds: liked, dislikedProductIds: disliked },
  });
  expect(response.status(), await response.text()).toBe(200);
  const profile = await response.json();
  expect(profile.interactionCount).toBe(15);
  expect(profile.confidence).toBeCloseTo(0.5228, 4);
  expect(profile.feedMode).toBe('personalized');
  const prices = items
    .slice(0, 12)
    .map((item) => Number(item.price))
    .sort((x, y) => x - y);
  // numpy-linear quartiles of 12 sorted prices: positions 2.75 and 8.25.
  const q1 = (prices[2] as number) + 0.75 * ((prices[3] as number) - (prices[2] as number));
  const q3 = (prices[8] as number) + 0.25 * ((prices[9] as number) - (prices[8] as number));
  const round2 = (x: number) => Math.round(x * 100) / 100;
  expect(profile.priceProfile.priceMin).toBe(round2(Math.max(0, q1 - 1.5 * (q3 - q1))));
  expect(profile.priceProfile.priceMax).toBe(round2(q3 + 1.5 * (q3 - q1)));
});

test('completion names only cards of its own session', async ({ api }) => {
  const first = await calibratedUser(api, 401);
  const second = await calibratedUser(api, 402);
  const card = (first.items[0] as Card).id;
  const complete = (headers: Record<string, string>, data: object) =>
    api.request.post('/api/onboarding/complete', { headers, data });

  // No like → 422; a card from another session → 422 naming it; liked and disliked at once → 422.
  expect(
    (await complete(first.user.headers, { sessionId: first.sessionId, likedProductIds: [] })).status(),
  ).toBe(422);
  const outsider = (second.items.find((item) => !first.items.some((mine) => mine.id === item.id)) as Card).id;
  const foreign = await complete(first.user.headers, {
    sessionId: first.sessionId,
    likedProductIds: [card, outsider],
  });
  expect(foreign.status()).toBe(422);
  expect((await foreign.json()).errors).toEqual([
    { path: 'body.likedProductIds.1', message: `${outsider} is not a card of this session` },
  ]);
  expect(
    (
      await complete(first.user.headers, {
        sessionId: first.sessionId,
        likedProductIds: [card],
        dislikedProductIds: [card],
      })
    ).status(),
  ).toBe(422);
  // Another user's session, or an unknown one → 404.
  expect(
    (await complete(first.user.headers, { sessionId: second.sessionId, likedProductIds: [card] })).status(),
  ).toBe(404);
  expect(
    (
      await complete(first.user.headers, { sessionId: crypto.randomUUID(), likedProductIds: [card] })
    ).status(),
  ).toBe(404);
  // Nothing above created a profile.
  const profile = await api.request.get('/api/users/me/profile', { headers: first.user.headers });
  expect((await profile.json()).version).toBe(0);
});
