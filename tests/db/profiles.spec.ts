import { expect, test } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { getDb, openDatabase } from '@/features/core/database/client';
import { queryRows } from '@/features/core/database/rows';
import {
  completeOnboardingSession,
  findStyleProfile,
  insertOnboardingSession,
  type ProfileValues,
  saveProfileUpdate,
} from '@/features/profiles/repository/repository';
import {
  findActiveClusterRun,
  insertActiveClusterRun,
  listRunClusters,
  withRebuildLock,
} from '@/features/styles/repository/repository';
import { insertUser, setUpMemoryDatabase } from '../support/memory-db';
import { createDatabase, dropDatabase } from '../support/postgres';

// Repositories of styles and profiles on a real (in-memory PGlite) database: atomic run activation, the
// version-guarded profile write, single completion, and account deletion erasing a user's style data.

setUpMemoryDatabase('profiles');

const run = (k: number) => ({
  run: {
    modelId: 'test-v1',
    dims: 2,
    k,
    minK: 2,
    maxK: 3,
    silhouette: 0.5,
    seed: 42,
    productCount: 4,
    purity: 1,
    catalogSnapshotAt: new Date(),
    durationMs: 1,
    evaluatedKs: [2, 3],
    evaluatedSilhouettes: [0.5, 0.4],
  },
  members: Array.from({ length: k }, (_, index) => ({
    index,
    centroid: [1, 0],
    size: 1,
    prior: 1 / k,
    productIds: [crypto.randomUUID()],
  })),
});

test('a new run replaces the active one in one step; old runs are pruned to the last five', async () => {
  const first = await insertActiveClusterRun(run(2));
  expect((await findActiveClusterRun())?.id).toBe(first.id);
  const second = await insertActiveClusterRun(run(3));
  expect((await findActiveClusterRun())?.id).toBe(second.id);
  expect((await listRunClusters({ runId: second.id })).map((row) => row.index)).toEqual([0, 1, 2]);
  const [{ active }] = (await queryRows<{ active: number }>(
    await getDb(),
    sql`select count(*)::int as active from cluster_runs where active`,
  )) as [{ active: number }];
  expect(active).toBe(1);
  // The database itself refuses a second active run.
  await expect(
    (await getDb()).execute(sql`update cluster_runs set active = true where id = ${first.id}`),
  ).rejects.toThrow();
  for (let i = 0; i < 5; i++) await insertActiveClusterRun(run(2));
  const [{ runs }] = (await queryRows<{ runs: number }>(
    await getDb(),
    sql`select count(*)::int as runs from cluster_runs`,
  )) as [{ runs: number }];
  expect(runs).toBe(5);
});

test('one rebuild at a time: the lock is refused while held', async () => {
  const inner = await withRebuildLock(async () => withRebuildLock(async () => 'nested'));
  expect(inner).toEqual({ value: undefined });
  expect(await withRebuildLock(async () => 'free again')).toEqual({ value: 'free again' });
});

const profileValues = (likes: number): ProfileValues => ({
  vector: [1, 0],
  modelId: 'test-v1',
  dims: 2,
  confidence: 0.5,
  source: 'onboarding',
  interactionCount: likes,
  likes,
  dislikes: 0,
  priceMin: 9,
  priceMax: 90,
  priceMedian: 30,
  priceStd: 10,
  lastProfileUpdateAt: new Date(),
  hasPhotos: true,
  onboardedAt: new Date(),
});

async function newSession(userId: string) {
  return insertOnboardingSession({
    userId,
    photoIds: [crypto.randomUUID()],
    photoVectors: [1, 0],
    modelId: 'test-v1',
    dims: 2,
    clusterRunId: null,
    primaryClusters: [0, 1, 2],
    diversityClusters: [3, 4],
    cards: [{ productId: crypto.randomUUID(), source: 'primary', position: 1, price: 20 }],
  });
}

test('a session completes once: the second completion writes nothing', async () => {
  const userId = await insertUser();
  const session = await newSession(userId);
  const complete = () =>
    completeOnboardingSession({
      userId,
      sessionId: session.id,
      completedAt: new Date(),
      answers: [],
      build: (current) => profileValues((current?.likes ?? 0) + 1),
    });
  const [a, b] = await Promise.all([complete(), complete()]);
  expect([a, b].filter(Boolean)).toHaveLength(1);
  const profile = await findStyleProfile({ userId });
  expect(profile).toMatchObject({ version: 1, likes: 1, source: 'onboarding' });
  // A second session (re-onboarding) updates the same profile: version 2, never a second row.
  const again = await completeOnboardingSession({
    userId,
    sessionId: (await newSession(userId)).id,
    completedAt: new Date(),
    answers: [],
    build: (current) => profileValues((current?.likes ?? 0) + 1),
  });
  expect(again).toMatchObject({ version: 2, likes: 2, id: profile?.id });
  // Another user's session cannot be completed by this one.
  const stranger = await insertUser();
  const theirs = await newSession(stranger);
  expect(
    await completeOnboardingSession({
      userId,
      sessionId: theirs.id,
      completedAt: new Date(),
      answers: [],
      build: () => profileValues(1),
    }),
  ).toBeUndefined();
});

test('saveProfileUpdate writes only at the expected version', async () => {
  const userId = await insertUser();
  const update = (expectedVersion: number, likes: number) =>
    saveProfileUpdate({
      userId,
      expectedVersion,
      vector: [0, 1],
      modelId: 'test-v1',
      dims: 2,
      confidence: 0.3,
      source: 'learning',
      interactionCount: likes,
      likes,
      dislikes: 0,
      priceProfile: { priceMin: 1, priceMax: 2, priceMedian: 1.5, priceStd: 0.1 },
      lastProfileUpdateAt: new Date(),
      lastProcessedInteractionId: crypto.randomUUID(),
    });
  expect(await update(0, 1)).toBe(true); // creates version 1
  expect(await update(0, 9)).toBe(false); // a profile exists already
  expect(await update(1, 2)).toBe(true); // version 2
  expect(await update(1, 9)).toBe(false); // stale
  expect(await findStyleProfile({ userId })).toMatchObject({ version: 2, likes: 2, source: 'learning' });
});

test('deleting the account erases the profile, the sessions and their photo vectors', async () => {
  const userId = await insertUser();
  const session = await newSession(userId);
  await completeOnboardingSession({
    userId,
    sessionId: session.id,
    completedAt: new Date(),
    answers: [],
    build: () => profileValues(1),
  });
  await (await getDb()).execute(sql`delete from users where id = ${userId}`);
  const [counts] = await queryRows<{ profiles: number; sessions: number }>(
    await getDb(),
    sql`select (select count(*)::int from style_profiles where user_id = ${userId}) as profiles,
               (select count(*)::int from onboarding_sessions where user_id = ${userId}) as sessions`,
  );
  expect(counts).toEqual({ profiles: 0, sessions: 0 });
});

test('on Postgres the rebuild lock holds across instances (advisory lock)', async () => {
  test.skip(!process.env.STYLIPP_TEST_POSTGRES, 'no Postgres server on this machine');
  const database = await createDatabase('stylipp_locktest');
  const pool = { poolMax: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 };
  const one = await openDatabase({ driver: 'pg', url: database.url, ...pool });
  const two = await openDatabase({ driver: 'pg', url: database.url, ...pool });
  try {
    const release = await one.tryAdvisoryLock(42);
    expect(release).toBeDefined();
    expect(await two.tryAdvisoryLock(42)).toBeUndefined();
    await release?.();
    const again = await two.tryAdvisoryLock(42);
    expect(again).toBeDefined();
    await again?.();
  } finally {
    await one.close();
    await two.close();
    await dropDatabase(database.name);
  }
});

test('onboarding sessions expire: 24 h after calibration completion is a 404, and the purge deletes them', async () => {
  const { completeOnboarding, ONBOARDING_SESSION_TTL_MS, purgeOnboardingSessions } = await import(
    '@/features/profiles/service/service'
  );
  const { findOnboardingSession } = await import('@/features/profiles/repository/repository');
  const userId = await insertUser();
  const old = await newSession(userId);
  const fresh = await newSession(userId);
  await (await getDb()).execute(
    sql`update onboarding_sessions set created_at = now() - interval '25 hours' where id = ${old.id}`,
  );
  await expect(
    completeOnboarding(userId, {
      sessionId: old.id,
      likedProductIds: [old.cards[0]?.productId as string],
      dislikedProductIds: [],
    }),
  ).rejects.toMatchObject({ kind: 'not_found' });
  expect(
    await purgeOnboardingSessions(new Date(Date.now() - ONBOARDING_SESSION_TTL_MS)),
  ).toBeGreaterThanOrEqual(1);
  expect(await findOnboardingSession({ userId, id: old.id })).toBeUndefined();
  expect(await findOnboardingSession({ userId, id: fresh.id })).toBeDefined();
});

test('calibration is limited per user: past the window’s allowance a 429, before any photo is read', async () => {
  const { startCalibration } = await import('@/features/profiles/service/service');
  const userId = await insertUser();
  const kinds: string[] = [];
  for (let i = 0; i < 11; i += 1)
    kinds.push(
      await startCalibration(userId, [crypto.randomUUID()]).then(
        () => 'ok',
        (error: { kind?: string }) => error.kind ?? 'error',
      ),
    );
  // USER_WRITE_LIMITS.calibration: ten a minute get as far as the (missing) photo, the eleventh is refused.
  expect(kinds.slice(0, 10)).toEqual(Array(10).fill('not_found'));
  expect(kinds[10]).toBe('rate_limited');
});

test('the learning backlog counts swipes after each profile’s marker, and dates the oldest', async () => {
  const { insertInteraction, measureLearningBacklog } = await import(
    '@/features/feedback/repository/repository'
  );
  const before = await measureLearningBacklog();
  const userId = await insertUser();
  const productId = crypto.randomUUID();
  await (
    await getDb()
  ).execute(sql`insert into products (id, store_id, external_id, title, price, product_url,
    category, image_key, image_sha256, source_image_sha256, image_content_type, image_bytes, image_width,
    image_height, phash) values (${productId}, 'backlog-test', ${productId}, 'A product', '10.00',
    'https://shop.example.com/1', 'tops', 'k', 'x', 'x', 'image/png', 1, 400, 400, '0000000000000000')`);
  const swipe = (action: 'like' | 'dislike') => insertInteraction({ userId, productId, action });
  const first = await swipe('like');
  const second = await swipe('dislike');
  const third = await swipe('like');
  // No profile yet: every swipe of the user waits.
  const waiting = await measureLearningBacklog();
  expect(waiting.pending - before.pending).toBe(3);
  expect(waiting.oldest?.getTime()).toBeLessThanOrEqual(first.createdAt.getTime());
  // Learning applied the first two: one waits, and it is the oldest (when nothing older waits elsewhere).
  const save = (marker: string, expectedVersion: number) =>
    saveProfileUpdate({
      userId,
      expectedVersion,
      vector: [1, 0],
      modelId: 'test-v1',
      dims: 2,
      confidence: 0.1,
      source: 'learning',
      interactionCount: 2,
      likes: 1,
      dislikes: 1,
      priceProfile: null,
      lastProfileUpdateAt: new Date(),
      lastProcessedInteractionId: marker,
    });
  expect(await save(second.id, 0)).toBe(true);
  const one = await measureLearningBacklog();
  expect(one.pending - before.pending).toBe(1);
  if (before.pending === 0) expect(one.oldest?.getTime()).toBe(third.createdAt.getTime());
  expect(await save(third.id, 1)).toBe(true);
  expect((await measureLearningBacklog()).pending).toBe(before.pending);
});
