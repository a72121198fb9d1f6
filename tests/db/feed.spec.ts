import { expect, test } from '@playwright/test';
import { eq, sql } from 'drizzle-orm';
import { catalogVersionQuery } from '@/features/catalog/service/service';
import { getDb } from '@/features/core/database/client';
import { uuidv7 } from '@/features/core/database/uuid';
import type { StoredCard } from '@/features/feed/repository/feed.table';
import {
  findFeedBatch,
  findServedInBatch,
  insertFeedBatch,
  listServedPages,
  markSkipped,
  type NewFeedBatch,
  serveStoredPage,
} from '@/features/feed/repository/repository';
import { servedPositions } from '@/features/feed/utils/decisions';
import { styleProfiles } from '@/features/profiles/repository/profiles.table';
import { findStyleProfile, saveProfileUpdate } from '@/features/profiles/repository/repository';
import { profileVersionQuery } from '@/features/profiles/service/service';
import { insertUser, setUpMemoryDatabase } from '../support/memory-db';

// The feed's one-statement reads and writes and the arrays read as joined text, on a real (in-memory PGlite)
// database: every value comes back exactly as written (doubles, nulls, float4 vectors, UUID lists), a stored page
// is checked, served and recorded in one statement, and a retried page changes no position's first serving. The
// API tests run the same paths on node-postgres and Neon.

setUpMemoryDatabase('feed');

const checks = { profileVersion: profileVersionQuery, catalogVersion: catalogVersionQuery };
const CREATED = new Date('2026-11-01T10:00:00.123Z');
const TTL_MS = 300_000;

const card = (values: Partial<StoredCard> = {}): StoredCard => ({
  productId: crypto.randomUUID(),
  source: 'primary',
  score: 0.5,
  explanation: 'Because you liked Red Dress',
  placement: 'best_guess',
  probability: 0.9,
  uncertainty: 0.4,
  nearestLikedId: null,
  cluster: 1,
  priceScore: 0.5,
  freshness: 1,
  popularity: null,
  ...values,
});

type StoredPageRequest = Parameters<typeof serveStoredPage>[0];

/**
 * serveStoredPage for a test: offset 0, a page of 1, no category, served at CREATED, a fresh page id, the cards
 * asked for, unless given.
 */
function servePage(request: Pick<StoredPageRequest, 'userId' | 'id'> & Partial<StoredPageRequest>) {
  return serveStoredPage(
    {
      offset: 0,
      pageSize: 1,
      category: null,
      staleBefore: CREATED,
      servedAt: CREATED,
      pageId: uuidv7(),
      withCards: true,
      ...request,
    },
    checks,
  );
}

function batchOf(
  userId: string,
  cards: StoredCard[],
  values: Partial<NewFeedBatch> = {},
): NewFeedBatch & { id: string } {
  return {
    id: uuidv7(),
    userId,
    mode: 'personalized',
    profileVersion: 0,
    category: null,
    cards,
    relaxations: [],
    servedBefore: [],
    createdAt: CREATED,
    ...values,
  };
}

/** What the decision log holds for a user's batch: each served position, its first serving and its card. */
async function decisionsOf(userId: string, batchId: string) {
  const batch = await findFeedBatch({ userId, id: batchId });
  const pages = await listServedPages({ batchId });
  return servedPositions(
    pages.map((page) => ({ ...page, servedAt: page.createdAt })),
    batch?.size ?? 0,
  ).map(({ position, servedAt }) => ({ position, servedAt, card: batch?.cards[position - 1] }));
}

test('a batch and its first page are stored in one statement; every factor reads back exactly', async () => {
  const userId = await insertUser();
  const servedBefore = [crypto.randomUUID(), crypto.randomUUID()];
  const cards = [
    card({
      score: 0.1 + 0.2,
      probability: 1 / 3,
      uncertainty: 5e-324,
      priceScore: 0.25,
      freshness: 0.9999999999999999,
    }),
    card({
      score: 0,
      probability: null,
      cluster: null,
      uncertainty: null,
      priceScore: null,
      source: 'trending',
    }),
    card({ score: 1e300, cluster: 7, popularity: 2.5e-10, explanation: 'Trending, "quoted" \\ and ünïcode' }),
    card({ source: 'exploration', placement: 'cluster', reset: true, nearestLikedId: crypto.randomUUID() }),
  ];
  const batch = batchOf(userId, cards, { relaxations: ['price_window'], servedBefore, profileVersion: 3 });
  const pageId = uuidv7();
  const servedAt = new Date('2026-11-01T10:00:01.456Z');
  await insertFeedBatch(batch, { count: 3, pageId, servedAt });

  const stored = await findFeedBatch({ userId, id: batch.id });
  expect(stored?.servedBefore).toEqual(servedBefore);
  expect(stored?.size).toBe(4);
  expect(stored?.relaxations).toEqual(['price_window']);
  expect(stored?.cards).toEqual(cards);
  expect(await findFeedBatch({ userId: await insertUser(), id: batch.id })).toBeUndefined();

  // The first page's record: positions 1–3 under the page's id, served at its time, with the batch's own cards.
  expect(
    (await listServedPages({ batchId: batch.id })).map((page) => [
      page.id,
      page.userId,
      page.firstPosition,
      page.lastPosition,
      page.skipped,
      page.createdAt,
    ]),
  ).toEqual([[pageId, userId, 1, 3, [], servedAt]]);
  expect(await decisionsOf(userId, batch.id)).toEqual(
    cards.slice(0, 3).map((c, index) => ({ position: index + 1, servedAt, card: c })),
  );

  const unserved = batchOf(userId, cards);
  await insertFeedBatch(unserved, { count: 0, pageId: uuidv7(), servedAt });
  expect(await listServedPages({ batchId: unserved.id })).toEqual([]);
});

test('a stored page is checked and recorded in one statement, with the cards when asked; a retry changes no first serving', async () => {
  const userId = await insertUser();
  const cards = Array.from({ length: 7 }, (_, i) =>
    card({
      score: i === 3 ? 0.1 + 0.2 : 1 / (i + 3),
      probability: i === 5 ? null : 5e-324 * i,
      explanation: `Card ${i}, "quoted" \\ ünïcode`,
    }),
  );
  const batch = batchOf(userId, cards, { mode: 'exploring', category: 'shoes' });
  await insertFeedBatch(batch, { count: 0, pageId: uuidv7(), servedAt: CREATED });
  const now = new Date(CREATED.getTime() + 1000);
  const serve = (offset: number, pageSize: number, servedAt = now, withCards = false) =>
    servePage({
      userId,
      id: batch.id,
      offset,
      pageSize,
      category: 'shoes',
      staleBefore: new Date(now.getTime() - TTL_MS),
      servedAt,
      withCards,
    });

  const catalogVersion = expect.stringMatching(/^\d+$/);
  // Asked for, the cards come whole (the caller keeps them for the batch's later pages); else not read.
  expect(await serve(0, 3, now, true)).toEqual({
    id: batch.id,
    mode: 'exploring',
    size: 7,
    verdict: null,
    cards,
    catalogVersion,
  });
  const retryAt = new Date(now.getTime() + 500);
  expect(await serve(0, 3, retryAt)).toMatchObject({ verdict: null, cards: null });
  const later = new Date(now.getTime() + 1000);
  expect((await serve(3, 3, later))?.verdict).toBeNull();
  // A page size that runs past the end is recorded to the end.
  expect((await serve(5, 50, later))?.verdict).toBeNull();
  expect((await serve(2, 1, later))?.verdict).toBeNull();
  expect(
    (await listServedPages({ batchId: batch.id })).map((page) => [page.firstPosition, page.lastPosition]),
  ).toEqual([
    [1, 3],
    [1, 3],
    [4, 6],
    [6, 7],
    [3, 3],
  ]);

  // Every position once, with its first serving: the retry at retryAt changed nothing.
  expect(await decisionsOf(userId, batch.id)).toEqual(
    cards.map((c, index) => ({ position: index + 1, servedAt: index < 3 ? now : later, card: c })),
  );

  // Another user's batch is not served, read or recorded.
  expect(
    await servePage({
      userId: await insertUser(),
      id: batch.id,
      pageSize: 3,
      category: 'shoes',
      servedAt: now,
    }),
  ).toBeUndefined();
  expect(await listServedPages({ batchId: batch.id })).toHaveLength(5);

  // What a batch continuing the session keeps out: the ids served up to the offset, in order, and its own list.
  for (const offset of [0, 1, 4, 7, 20]) {
    expect(await findServedInBatch({ userId, id: batch.id, offset })).toEqual({
      productIds: cards.slice(0, offset).map((c) => c.productId),
      servedBefore: [],
    });
  }
  expect(await findServedInBatch({ userId: await insertUser(), id: batch.id, offset: 3 })).toBeUndefined();
});

test('a stored batch serves a page only while it may: category, used up, profile version, age — in that order', async () => {
  const userId = await insertUser();
  const batch = batchOf(userId, [card(), card(), card()], { profileVersion: 2, category: 'shoes' });
  await insertFeedBatch(batch, { count: 0, pageId: uuidv7(), servedAt: CREATED });
  const serve = async (request: { offset?: number; category?: string | null; now?: number }) =>
    (
      await servePage({
        userId,
        id: batch.id,
        offset: request.offset ?? 0,
        category: request.category === undefined ? 'shoes' : request.category,
        staleBefore: new Date((request.now ?? CREATED.getTime()) - TTL_MS),
      })
    )?.verdict;
  const setVersion = (version: number) =>
    getDb().then((db) => db.update(styleProfiles).set({ version }).where(sql`user_id = ${userId}`));

  // No profile reads as version 0.
  expect(await serve({})).toBe('profile_changed');
  await (await getDb()).execute(
    sql`insert into style_profiles (id, user_id, source, version) values (${uuidv7()}, ${userId}, 'onboarding', 2)`,
  );
  expect(await serve({ category: null })).toBe('category_changed');
  expect(await serve({ category: 'tops' })).toBe('category_changed');
  expect(await serve({ offset: 3 })).toBe('used_up');
  expect(await serve({ offset: 3, category: 'tops' })).toBe('category_changed');
  expect(await serve({ now: CREATED.getTime() + TTL_MS })).toBeNull();
  expect(await serve({ now: CREATED.getTime() + TTL_MS + 1 })).toBe('expired');
  await setVersion(3);
  expect(await serve({ now: CREATED.getTime() + TTL_MS + 1 })).toBe('profile_changed');
  expect(await serve({ offset: 3 })).toBe('used_up');
  await setVersion(2);
  expect(await serve({ offset: 2 })).toBeNull();

  // Only the two pages that were served were recorded; a refused page reads no cards.
  expect((await decisionsOf(userId, batch.id)).map((row) => row.position)).toEqual([1, 3]);
  expect(await servePage({ userId, id: batch.id, offset: 3, category: 'shoes' })).toMatchObject({
    verdict: 'used_up',
    cards: null,
  });

  // A batch without a category serves only requests without one; an empty batch is used up at once.
  const empty = batchOf(userId, [], { profileVersion: 2 });
  await insertFeedBatch(empty, { count: 0, pageId: uuidv7(), servedAt: CREATED });
  const page = await servePage({ userId, id: empty.id, pageSize: 20 });
  expect(page).toMatchObject({ size: 0, verdict: 'used_up', cards: null });
});

test('positions a page did not serve are noted on that page’s record only', async () => {
  const userId = await insertUser();
  const cards = [card(), card(), card()];
  const batch = batchOf(userId, cards);
  await insertFeedBatch(batch, { count: 2, pageId: uuidv7(), servedAt: CREATED });
  const retry = uuidv7();
  const retryAt = new Date(CREATED.getTime() + 1000);
  await servePage({ userId, id: batch.id, pageSize: 3, pageId: retry, servedAt: retryAt });
  // The retry did not serve positions 2 and 3 (their products had gone): the first page's record of 2 stays.
  await markSkipped({ pageId: retry, positions: [2, 3] });
  await markSkipped({ pageId: retry, positions: [] });
  expect((await listServedPages({ batchId: batch.id })).map((page) => page.skipped)).toEqual([[], [2, 3]]);
  expect((await decisionsOf(userId, batch.id)).map((row) => [row.position, row.servedAt])).toEqual([
    [1, CREATED],
    [2, CREATED],
  ]);
});

test('the catalogue version read inside another statement is the one read alone, and moves with every write to products', async () => {
  const read = async () => (await servePage({ userId: await insertUser(), id: uuidv7() }))?.catalogVersion;
  // No batch, no row: the version comes with a served (or refused) page only.
  expect(await read()).toBeUndefined();
  const userId = await insertUser();
  const batch = batchOf(userId, [card()]);
  await insertFeedBatch(batch, { count: 0, pageId: uuidv7(), servedAt: CREATED });
  const version = async () => (await servePage({ userId, id: batch.id }))?.catalogVersion;
  const { findCatalogVersion } = await import('@/features/catalog/repository/repository');
  const before = await version();
  expect(before).toMatch(/^\d+$/);
  expect(before).toBe(await findCatalogVersion());
  const db = await getDb();
  const product = crypto.randomUUID();
  const insert = () =>
    db.execute(sql`insert into products (id, store_id, external_id, title, price, product_url, category,
    image_key, image_sha256, source_image_sha256, image_content_type, image_bytes, image_width, image_height, phash)
    values (${product}, 'db-test', ${product}, 'A product', '10.00', 'https://shop.example.com/1', 'tops', 'k', 'x',
    'x', 'image/png', 1, 400, 400, '0000000000000000')`);
  await insert();
  const added = await version();
  expect(Number(added)).toBeGreaterThan(Number(before));
  expect(added).toBe(await findCatalogVersion());
  await db.execute(sql`update products set archived_at = now() where id = ${product}`);
  const archived = await version();
  expect(Number(archived)).toBeGreaterThan(Number(added));
  expect(archived).toBe(await findCatalogVersion());
  // A statement that fails, or a transaction rolled back, leaves the version as it was.
  await expect(insert()).rejects.toThrow();
  await expect(
    db.transaction(async (tx) => {
      await tx.execute(sql`update products set archived_at = null where id = ${product}`);
      tx.rollback();
    }),
  ).rejects.toThrow();
  expect(await version()).toBe(archived);
  // Every kind of write moves it: once per statement, however many rows it touches.
  await db.execute(sql`update products set embed_attempts = embed_attempts + 1 where store_id = 'db-test'`);
  const updated = await version();
  expect(Number(updated)).toBe(Number(archived) + 1);
  await db.execute(sql`delete from products where id = ${product}`);
  expect(Number(await version())).toBeGreaterThan(Number(updated));
});

test('a style vector reads back as the driver’s own array parse would (the same float4 values)', async () => {
  const userId = await insertUser();
  const vector = [0.1, -1 / 3, 1e-7, 3.4e38, -0.000123456789, 0, 42];
  expect(
    await saveProfileUpdate({
      userId,
      expectedVersion: 0,
      vector,
      modelId: 'test-v1',
      dims: vector.length,
      confidence: 0.7,
      source: 'learning',
      interactionCount: 30,
      likes: 20,
      dislikes: 10,
      priceProfile: null,
      lastProfileUpdateAt: new Date(),
      lastProcessedInteractionId: null,
    }),
  ).toBe(true);
  const row = await findStyleProfile({ userId });
  // The same numbers as the driver's own array parser reads from Postgres' text, and the same float4 values.
  const [plain] = await (await getDb())
    .select({ vector: styleProfiles.vector })
    .from(styleProfiles)
    .where(eq(styleProfiles.userId, userId));
  expect(row?.vector).toEqual(plain?.vector);
  expect(Float32Array.from(row?.vector ?? [])).toEqual(Float32Array.from(vector));

  const noVector = await insertUser();
  await (await getDb()).execute(
    sql`insert into style_profiles (id, user_id, source) values (${uuidv7()}, ${noVector}, 'onboarding')`,
  );
  expect((await findStyleProfile({ userId: noVector }))?.vector).toBeNull();
});
