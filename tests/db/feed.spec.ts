import { expect, test } from '@playwright/test';
import { eq, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { uuidv7 } from '@/features/core/database/uuid';
import {
  findFeedBatch,
  findFeedBatchPage,
  findServedInBatch,
  insertFeedBatch,
  listFeedDecisions,
  type NewFeedDecision,
  recordServedPage,
} from '@/features/feed/repository/repository';
import { styleProfiles } from '@/features/profiles/repository/profiles.table';
import {
  findStyleProfile,
  findStyleProfileVersion,
  saveProfileUpdate,
} from '@/features/profiles/repository/repository';
import { insertUser, setUpMemoryDatabase } from '../support/memory-db';

// The feed's one-statement writes and the arrays read as joined text, on a real (in-memory PGlite) database:
// every value comes back exactly as written (doubles, NaN, nulls, float4 vectors, UUID lists), and a retried
// page records nothing new. The API tests run the same paths on node-postgres and Neon.

setUpMemoryDatabase('feed');

const card = (productId: string) => ({
  productId,
  source: 'primary' as const,
  score: 0.5,
  explanation: 'Matches your style',
  cosine: 0.9,
  cluster: 1,
  prior: 0.1,
  priceScore: 0.5,
  freshness: 1,
  popularity: null,
});

function decision(
  userId: string,
  batchId: string,
  position: number,
  values: Partial<NewFeedDecision>,
): NewFeedDecision {
  return {
    userId,
    batchId,
    productId: crypto.randomUUID(),
    position,
    mode: 'personalized',
    source: 'primary',
    score: 0.5,
    explanation: 'Matches your style',
    cosine: null,
    cluster: null,
    prior: null,
    priceScore: null,
    freshness: 1,
    popularity: null,
    createdAt: new Date('2026-11-01T10:00:00.123Z'),
    ...values,
  };
}

test('a batch and its first page are stored in one statement; every factor reads back exactly', async () => {
  const userId = await insertUser();
  const batchId = uuidv7();
  const servedBefore = [crypto.randomUUID(), crypto.randomUUID()];
  const tricky = [
    { score: 0.1 + 0.2, cosine: 1 / 3, prior: 5e-324, priceScore: 0.25, freshness: 0.9999999999999999 },
    { score: Number.NaN, cosine: Number.POSITIVE_INFINITY, priceScore: Number.NEGATIVE_INFINITY },
    { score: 1e300, cluster: 7, popularity: 2.5e-10, explanation: 'Trending, "quoted" \\ and ünïcode' },
  ];
  const decisions = tricky.map((values, index) => decision(userId, batchId, index + 1, values));
  await insertFeedBatch(
    {
      id: batchId,
      userId,
      mode: 'personalized',
      profileVersion: 3,
      category: null,
      cards: decisions.map((row) => card(row.productId)),
      relaxations: ['price_window'],
      servedBefore,
      createdAt: new Date('2026-11-01T10:00:00.000Z'),
    },
    { servedCount: 3, decisions },
  );

  const batch = await findFeedBatch({ userId, id: batchId });
  expect(batch?.servedBefore).toEqual(servedBefore);
  expect(batch?.servedCount).toBe(3);
  expect(batch?.relaxations).toEqual(['price_window']);
  expect(batch?.cards).toHaveLength(3);
  expect(await findFeedBatch({ userId: await insertUser(), id: batchId })).toBeUndefined();

  const rows = await listFeedDecisions({ batchId });
  expect(rows.map(({ id: _id, updatedAt: _updated, ...row }) => row)).toEqual(decisions);
});

test('a served page advances the mark once; a retried page records nothing new', async () => {
  const userId = await insertUser();
  const batchId = uuidv7();
  await insertFeedBatch(
    {
      id: batchId,
      userId,
      mode: 'trending',
      profileVersion: 0,
      category: 'shoes',
      cards: [],
      relaxations: [],
      servedBefore: [],
      createdAt: new Date(),
    },
    { servedCount: 0, decisions: [] },
  );
  expect((await findFeedBatch({ userId, id: batchId }))?.servedBefore).toEqual([]);

  const page = [1, 2].map((position) => decision(userId, batchId, position, { score: position / 10 }));
  await recordServedPage({ batchId, servedCount: 2, decisions: page });
  const retry = [1, 2].map((position) => decision(userId, batchId, position, { score: 0.99 }));
  await recordServedPage({ batchId, servedCount: 2, decisions: retry });
  await recordServedPage({ batchId, servedCount: 1, decisions: [] });

  const rows = await listFeedDecisions({ batchId });
  expect(rows.map((row) => [row.position, row.score, row.productId])).toEqual(
    page.map((row) => [row.position, row.score, row.productId]),
  );
  expect((await findFeedBatch({ userId, id: batchId }))?.servedCount).toBe(2);
});

test('a stored page reads only its slice of the batch, exactly as the whole batch holds it', async () => {
  const userId = await insertUser();
  const batchId = uuidv7();
  const servedBefore = [crypto.randomUUID(), crypto.randomUUID()];
  const cards = Array.from({ length: 7 }, (_, i) => ({
    ...card(crypto.randomUUID()),
    score: i === 3 ? 0.1 + 0.2 : 1 / (i + 3),
    cosine: i === 5 ? null : 5e-324 * i,
    explanation: `Card ${i}, "quoted" \\ ünïcode`,
  }));
  const createdAt = new Date('2026-11-01T10:00:00.123Z');
  await insertFeedBatch(
    {
      id: batchId,
      userId,
      mode: 'hybrid',
      profileVersion: 4,
      category: 'shoes',
      cards,
      relaxations: [],
      servedBefore,
      createdAt,
    },
    { servedCount: 0, decisions: [] },
  );
  const whole = await findFeedBatch({ userId, id: batchId });
  expect(whole?.cards).toEqual(cards);
  for (const [offset, pageSize] of [
    [0, 3],
    [3, 3],
    [6, 3],
    [5, 50],
    [7, 3],
    [9999, 50],
  ] as const) {
    expect(await findFeedBatchPage({ userId, id: batchId, offset, pageSize })).toEqual({
      id: batchId,
      mode: 'hybrid',
      profileVersion: 4,
      category: 'shoes',
      createdAt,
      size: 7,
      cards: cards.slice(offset, offset + pageSize),
    });
  }
  expect(
    await findFeedBatchPage({ userId: await insertUser(), id: batchId, offset: 0, pageSize: 3 }),
  ).toBeUndefined();

  // What a batch continuing the session keeps out: the ids served up to the offset, in order, and its own list.
  for (const offset of [0, 1, 4, 7, 20]) {
    expect(await findServedInBatch({ userId, id: batchId, offset })).toEqual({
      productIds: cards.slice(0, offset).map((c) => c.productId),
      servedBefore,
    });
  }
  expect(await findServedInBatch({ userId: await insertUser(), id: batchId, offset: 3 })).toBeUndefined();

  const empty = uuidv7();
  await insertFeedBatch(
    {
      id: empty,
      userId,
      mode: 'trending',
      profileVersion: 0,
      category: null,
      cards: [],
      relaxations: [],
      servedBefore: [],
      createdAt,
    },
    { servedCount: 0, decisions: [] },
  );
  expect(await findFeedBatchPage({ userId, id: empty, offset: 0, pageSize: 20 })).toMatchObject({
    size: 0,
    cards: [],
    category: null,
  });
  expect(await findServedInBatch({ userId, id: empty, offset: 0 })).toEqual({
    productIds: [],
    servedBefore: [],
  });
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

test('the profile version reads alone as the whole profile holds it; none without a profile', async () => {
  const userId = await insertUser();
  expect(await findStyleProfileVersion({ userId })).toBeUndefined();
  await (await getDb()).execute(
    sql`insert into style_profiles (id, user_id, source, version) values (${uuidv7()}, ${userId}, 'onboarding', 5)`,
  );
  expect(await findStyleProfileVersion({ userId })).toBe(5);
  expect((await findStyleProfile({ userId }))?.version).toBe(5);
});
