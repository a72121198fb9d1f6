import { expect, test } from '@playwright/test';
import { eq, sql } from 'drizzle-orm';
import { catalogVersionQuery } from '@/features/catalog/service/service';
import { getDb } from '@/features/core/database/client';
import { uuidv7 } from '@/features/core/database/uuid';
import type { StoredCard } from '@/features/feed/repository/feed.table';
import {
  findFeedBatch,
  findServedInBatch,
  forgetDecisions,
  insertFeedBatch,
  listFeedDecisions,
  type NewFeedBatch,
  serveStoredPage,
} from '@/features/feed/repository/repository';
import { styleProfiles } from '@/features/profiles/repository/profiles.table';
import { findStyleProfile, saveProfileUpdate } from '@/features/profiles/repository/repository';
import { profileVersionQuery } from '@/features/profiles/service/service';
import { insertUser, setUpMemoryDatabase } from '../support/memory-db';

// The feed's one-statement reads and writes and the arrays read as joined text, on a real (in-memory PGlite)
// database: every value comes back exactly as written (doubles, nulls, float4 vectors, UUID lists), a stored page
// is checked, served and recorded in one statement, and a retried page records nothing new. The API tests run the
// same paths on node-postgres and Neon.

setUpMemoryDatabase('feed');

const checks = { profileVersion: profileVersionQuery, catalogVersion: catalogVersionQuery };
const CREATED = new Date('2026-11-01T10:00:00.123Z');
const TTL_MS = 300_000;

const card = (values: Partial<StoredCard> = {}): StoredCard => ({
  productId: crypto.randomUUID(),
  source: 'primary',
  score: 0.5,
  explanation: 'Matches your style',
  cosine: 0.9,
  cluster: 1,
  prior: 0.1,
  priceScore: 0.5,
  freshness: 1,
  popularity: null,
  ...values,
});

const ids = (count: number) => Array.from({ length: count }, () => uuidv7());

type StoredPageRequest = Parameters<typeof serveStoredPage>[0];

/** serveStoredPage for a test: offset 0, a page of 1, no category, served at CREATED, fresh ids, unless given. */
function servePage(request: Pick<StoredPageRequest, 'userId' | 'id'> & Partial<StoredPageRequest>) {
  const pageSize = request.pageSize ?? 1;
  return serveStoredPage(
    {
      offset: 0,
      category: null,
      staleBefore: CREATED,
      servedAt: CREATED,
      ids: ids(pageSize),
      ...request,
      pageSize,
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

/** What the decision log holds for a batch: position, product, served-at and the card's factors. */
async function decisionsOf(batchId: string) {
  return (await listFeedDecisions({ batchId })).map((row) => ({
    position: row.position,
    servedAt: row.createdAt,
    card: {
      productId: row.productId,
      source: row.source,
      score: row.score,
      explanation: row.explanation,
      cosine: row.cosine,
      cluster: row.cluster,
      prior: row.prior,
      priceScore: row.priceScore,
      freshness: row.freshness,
      popularity: row.popularity,
    },
  }));
}

test('a batch and its first page are stored in one statement; every factor reads back exactly', async () => {
  const userId = await insertUser();
  const servedBefore = [crypto.randomUUID(), crypto.randomUUID()];
  const cards = [
    card({ score: 0.1 + 0.2, cosine: 1 / 3, prior: 5e-324, priceScore: 0.25, freshness: 0.9999999999999999 }),
    card({ score: 0, cosine: null, cluster: null, prior: null, priceScore: null, source: 'trending' }),
    card({ score: 1e300, cluster: 7, popularity: 2.5e-10, explanation: 'Trending, "quoted" \\ and ünïcode' }),
    card({ source: 'diversity' }),
  ];
  const batch = batchOf(userId, cards, { relaxations: ['price_window'], servedBefore, profileVersion: 3 });
  const pageIds = ids(3);
  const servedAt = new Date('2026-11-01T10:00:01.456Z');
  await insertFeedBatch(batch, { servedCount: 3, ids: pageIds, servedAt });

  const stored = await findFeedBatch({ userId, id: batch.id });
  expect(stored?.servedBefore).toEqual(servedBefore);
  expect(stored?.servedCount).toBe(3);
  expect(stored?.relaxations).toEqual(['price_window']);
  expect(stored?.cards).toEqual(cards);
  expect(await findFeedBatch({ userId: await insertUser(), id: batch.id })).toBeUndefined();

  // The first three cards, recorded from the batch's own cards under the ids the page gave them.
  expect(await decisionsOf(batch.id)).toEqual(
    cards.slice(0, 3).map((c, index) => ({ position: index + 1, servedAt, card: c })),
  );
  expect(
    (await listFeedDecisions({ batchId: batch.id })).map((row) => [row.id, row.userId, row.mode]),
  ).toEqual(pageIds.map((id) => [id, userId, 'personalized']));

  const unserved = batchOf(userId, cards);
  await insertFeedBatch(unserved, { servedCount: 0, ids: [], servedAt });
  expect(await listFeedDecisions({ batchId: unserved.id })).toEqual([]);
});

test('a stored page is served from its slice, recorded and marked in one statement; a retry records nothing new', async () => {
  const userId = await insertUser();
  const cards = Array.from({ length: 7 }, (_, i) =>
    card({
      score: i === 3 ? 0.1 + 0.2 : 1 / (i + 3),
      cosine: i === 5 ? null : 5e-324 * i,
      explanation: `Card ${i}, "quoted" \\ ünïcode`,
    }),
  );
  const batch = batchOf(userId, cards, { mode: 'hybrid', category: 'shoes' });
  await insertFeedBatch(batch, { servedCount: 0, ids: [], servedAt: CREATED });
  const now = new Date(CREATED.getTime() + 1000);
  const serve = (offset: number, pageSize: number, pageIds = ids(pageSize), servedAt = now) =>
    servePage({
      userId,
      id: batch.id,
      offset,
      pageSize,
      category: 'shoes',
      staleBefore: new Date(now.getTime() - TTL_MS),
      ids: pageIds,
      servedAt,
    });

  const catalogVersion = expect.stringMatching(/^\d+:/);
  const first = await serve(0, 3);
  expect(first).toEqual({
    id: batch.id,
    mode: 'hybrid',
    size: 7,
    verdict: null,
    cards: cards.slice(0, 3),
    catalogVersion,
  });
  const retryAt = new Date(now.getTime() + 500);
  expect((await serve(0, 3, ids(3), retryAt))?.cards).toEqual(cards.slice(0, 3));
  expect((await serve(3, 3))?.cards).toEqual(cards.slice(3, 6));
  // A page size that runs past the end serves what is left; the mark never goes back.
  expect((await serve(5, 50))?.cards).toEqual(cards.slice(5));
  expect((await serve(2, 1))?.cards).toEqual(cards.slice(2, 3));
  expect((await findFeedBatch({ userId, id: batch.id }))?.servedCount).toBe(7);

  // Every position once, with its first serving time: the retry at retryAt recorded nothing.
  expect(await decisionsOf(batch.id)).toEqual(
    cards.map((c, index) => ({ position: index + 1, servedAt: now, card: c })),
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
  await insertFeedBatch(batch, { servedCount: 0, ids: [], servedAt: CREATED });
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

  // Only the two pages that were served were recorded.
  expect((await listFeedDecisions({ batchId: batch.id })).map((row) => row.position)).toEqual([1, 3]);
  expect((await findFeedBatch({ userId, id: batch.id }))?.servedCount).toBe(3);

  // A batch without a category serves only requests without one; an empty batch is used up at once.
  const empty = batchOf(userId, [], { profileVersion: 2 });
  await insertFeedBatch(empty, { servedCount: 0, ids: [], servedAt: CREATED });
  const page = await servePage({ userId, id: empty.id, pageSize: 20 });
  expect(page).toMatchObject({ size: 0, verdict: 'used_up', cards: [] });
});

test('decisions a page recorded for cards it did not serve are taken back by their ids only', async () => {
  const userId = await insertUser();
  const cards = [card(), card(), card()];
  const batch = batchOf(userId, cards);
  const firstIds = ids(2);
  await insertFeedBatch(batch, { servedCount: 2, ids: firstIds, servedAt: CREATED });
  const retryIds = ids(3);
  await servePage({ userId, id: batch.id, pageSize: 3, ids: retryIds });
  // The retry's record of position 2 did not happen (the first page's stays); its position 3 did.
  await forgetDecisions({ ids: [retryIds[1] as string, retryIds[2] as string] });
  expect((await listFeedDecisions({ batchId: batch.id })).map((row) => [row.position, row.id])).toEqual([
    [1, firstIds[0]],
    [2, firstIds[1]],
  ]);
  await forgetDecisions({ ids: [] });
});

test('the catalogue version read inside another statement is the one read alone, and moves with any change', async () => {
  const read = async () => (await servePage({ userId: await insertUser(), id: uuidv7() }))?.catalogVersion;
  // No batch, no row: the version comes with a served (or refused) page only.
  expect(await read()).toBeUndefined();
  const userId = await insertUser();
  const batch = batchOf(userId, [card()]);
  await insertFeedBatch(batch, { servedCount: 0, ids: [], servedAt: CREATED });
  const version = async () => (await servePage({ userId, id: batch.id }))?.catalogVersion;
  const { findCatalogVersion } = await import('@/features/catalog/repository/repository');
  // `<rows>:<latest update in µs>`; the file's database may hold other tests' products.
  const rowsOf = (value: string | undefined) => Number(value?.split(':')[0]);
  const before = await version();
  expect(before).toMatch(/^\d+:(\d+|-)$/);
  expect(before).toBe(await findCatalogVersion());
  const db = await getDb();
  const product = crypto.randomUUID();
  await db.execute(sql`insert into products (id, store_id, external_id, title, price, product_url, category,
    image_key, image_sha256, source_image_sha256, image_content_type, image_bytes, image_width, image_height, phash)
    values (${product}, 'db-test', ${product}, 'A product', '10.00', 'https://shop.example.com/1', 'tops', 'k', 'x',
    'x', 'image/png', 1, 400, 400, '0000000000000000')`);
  const added = await version();
  expect(rowsOf(added)).toBe(rowsOf(before) + 1);
  expect(added).toMatch(/^\d+:\d+$/);
  expect(added).toBe(await findCatalogVersion());
  await db.execute(sql`update products set archived_at = now() where id = ${product}`);
  const archived = await version();
  expect(rowsOf(archived)).toBe(rowsOf(added));
  expect(archived).not.toBe(added);
  expect(archived).toBe(await findCatalogVersion());
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
