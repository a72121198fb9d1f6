// npm run bench:feed-db -- [postgres url of an EMPTY, migrated database]   (else DATABASE_URL)
// Server CPU of the feed path against a real database, per mode (issue 14's speed targets). Set-up: a 10,000-product
// synthetic catalogue (random unit descriptors of the current embedder's dimensions, created over 60 days) written
// straight into `products`, some engagement from other shoppers (trending), a k-means cluster run built up front
// (a rebuild left to the background would run during the measurements), and one user per mode (trending: no
// profile; hybrid: confidence 0.4; personalized: 0.8), each with 100 swipes behind them.
// Then, per call, this process's CPU (user + system) around one request, garbage collection included, as the median
// of RUNS calls after warm-up (or, against the yardstick, the median block mean: see measureAlternating):
//   - the route handlers in-process (auth, validation, service, JSON; only the HTTP server's parsing is left out):
//     GET /api/users/me (the yardstick), GET /api/feed with a new batch, a page from a stored batch (page 2 of
//     batches made before each block of 10, unmeasured), POST /api/feedback (learning after the response);
//   - the services alone (getFeed, recordFeedback), to show where the time goes;
//   - settleLearning after each feedback (after the response: not in the feedback budget).
// The stored-page and feedback ratios divide by /me measured in alternating blocks with them (see measureAlternating).
// Options: BENCH_PRODUCTS (10000), BENCH_RUNS (200), BENCH_WARMUP (300: the optimising compiler has settled — with 30,
// /me measured twice its steady cost), BENCH_REUSE=1 (see below). The database's own CPU is not in these figures; for
// a Postgres on this machine the alternating measurements also report it apart (its backends' run time, from
// /proc/<pid>/schedstat, read by a separate connection between the half-blocks).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';
import { sql } from 'drizzle-orm';
import { operationTable } from '@/app/api/operations';
import { accessTokenKey } from '@/features/accounts/service/tokens';
import { signAccessToken } from '@/features/accounts/utils/tokens';
import { getEmbedder, loadCatalogVectors } from '@/features/catalog/service/service';
import { getConfig, getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase, getDb } from '@/features/core/database/client';
import { queryRows } from '@/features/core/database/rows';
import { serveOperation } from '@/features/core/http/lifecycle';
import type { PathOperations } from '@/features/core/http/operation-table';
import { seededRandom } from '@/features/core/maths/random';
import { normalise } from '@/features/core/maths/vector';
import { getFeed } from '@/features/feed/service/service';
import { decodeFeedCursor } from '@/features/feed/utils/paging';
import { recordFeedback } from '@/features/feedback/service/service';
import { settleLearning } from '@/features/profiles/service/learning';
import { rebuildClusters } from '@/features/styles/service/service';

const url = process.argv[2];
if (url) process.env.DATABASE_URL = url;
getConfigOrExit();
const N = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const db = await getDb();
const { modelId, dims } = getEmbedder();
const random = seededRandom(11);
const categories = ['tops', 'shoes', 'pants', 'dresses', 'jackets', 'bags', 'accessories', 'other'];
// BENCH_REUSE=1 on a database an earlier run seeded (or a copy of one): keep its catalogue, engagement and
// cluster run, add only the measured users (paired before/after runs without re-seeding).
const reuse = process.env.BENCH_REUSE === '1';
const productIds: string[] = reuse
  ? (await queryRows<{ id: string }>(db, sql`select id from products order by external_id`)).map(
      (row) => row.id,
    )
  : [];
for (let start = 0; start < (reuse ? 0 : N); start += 100) {
  const rows = Array.from({ length: Math.min(100, N - start) }, (_, j) => {
    const i = start + j;
    const id = randomUUID();
    productIds.push(id);
    const vector = normalise(Array.from({ length: dims }, () => Math.abs(random.normal())));
    const age = `${random.int(60 * 24)} hours`;
    return sql`(${id}, 'bench', ${`b-${i}`}, ${`Product ${i}`}, ${(10 + random.int(200)).toFixed(2)},
      ${`https://shop.example.com/${i}`}, ${categories[i % 8]}, ${`k${i}`}, 'x', 'x', 'image/png', 1, 400, 400,
      ${i.toString(16).padStart(16, '0')}, ${`{${[...vector].join(',')}}`}::real[], ${modelId}, ${dims},
      now() - ${age}::interval)`;
  });
  await db.execute(sql`insert into products (id, store_id, external_id, title, price, product_url, category, image_key,
    image_sha256, source_image_sha256, image_content_type, image_bytes, image_width, image_height, phash, embedding,
    model_id, dims, created_at) values ${sql.join(rows, sql`, `)}`);
}
console.log(
  `catalogue: ${(await loadCatalogVectors()).products.length} products of ${modelId} (${dims} dims)`,
);

async function insertUser(): Promise<string> {
  const id = randomUUID();
  await db.execute(
    sql`insert into users (id, email, password_hash) values (${id}, ${`${id}@bench.example`}, 'x')`,
  );
  return id;
}

/** `count` swipes of `userId` on random products, spread over the last 30 days (already learnt from). */
async function insertSwipes(userId: string, count: number): Promise<void> {
  const rows = Array.from({ length: count }, () => {
    const productId = productIds[random.int(productIds.length)] as string;
    const action = ['like', 'like', 'dislike', 'save'][random.int(4)] as string;
    const at = new Date(Date.now() - random.int(30 * 24) * 3_600_000).toISOString();
    return sql`(${randomUUID()}, ${userId}, ${productId}, ${action}, ${at}::timestamptz, ${at}::timestamptz)`;
  });
  await db.execute(
    sql`insert into interactions (id, user_id, product_id, action, created_at, updated_at) values ${sql.join(rows, sql`, `)}`,
  );
}

if (!reuse) {
  // Other shoppers' engagement: trending has something to rank.
  for (let shopper = 0; shopper < 20; shopper++) await insertSwipes(await insertUser(), 150);
  await db.execute(sql`insert into exposures (id, user_id, product_id, session_id, feed_mode, position, shown_at)
    select gen_random_uuid(), u.id, p.id, 's1', 'trending', 1, now() - (random() * interval '30 days')
    from (select id from users limit 20) u cross join lateral
      (select id from products order by md5(u.id::text || products.id::text) limit 300) p`);
  // A steady-state database (autovacuum's visibility map): the catalogue-version count is an index-only scan.
  await db.execute(sql`vacuum analyze`);
  const started = performance.now();
  const run = await rebuildClusters({ seed: 42 });
  console.log(
    `clusters: k = ${run.k} over ${run.productCount} products, built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** A user whose style vector lies near a random product, with a price profile and `confidence`. */
async function userWithProfile(confidence: number): Promise<string> {
  const userId = await insertUser();
  const catalogue = (await loadCatalogVectors()).products;
  const anchor = catalogue[random.int(catalogue.length)]?.vector as Float32Array;
  const vector = normalise(Array.from(anchor, (value) => value + 0.05 * random.normal()));
  await db.execute(sql`insert into style_profiles (id, user_id, vector, model_id, dims, confidence, version, source,
    interaction_count, likes, dislikes, price_min, price_max, price_median, price_std, has_photos, onboarded_at)
    values (gen_random_uuid(), ${userId}, ${`{${[...vector].join(',')}}`}::real[], ${modelId}, ${dims}, ${confidence}, 3, 'onboarding',
    100, 60, 40, 30, 120, 60, 25, true, now())`);
  return userId;
}

const users = {
  trending: await insertUser(),
  hybrid: await userWithProfile(0.4),
  personalized: await userWithProfile(0.8),
};
for (const userId of Object.values(users)) await insertSwipes(userId, 100);
// Already learnt from: the feedback measured below does not replay these 100 swipes.
await db.execute(sql`update style_profiles set last_processed_interaction_id = (
  select id from interactions i where i.user_id = style_profiles.user_id order by created_at desc, id desc limit 1)`);
const feedbackUser = await userWithProfile(0.8);

const key = await accessTokenKey();
const bearer = async (userId: string) =>
  `Bearer ${await signAccessToken(key, { userId, authTime: Date.now(), ttlSeconds: 3600 })}`;
type Page = { nextCursor: string; feedMode: string };
const handlers = {
  me: operationTable.get('/api/users/me'),
  feed: operationTable.get('/api/feed'),
  feedback: operationTable.get('/api/feedback'),
};

/**
 * One request through the lifecycle, the way our own server calls it (features/core/server/host.ts): a JSON
 * body is handed over as its text, as the host writes it to the socket. Returns the body's text: parsing it is
 * the client's work, not the server's (done outside the measured calls).
 */
async function call(
  entry: PathOperations,
  path: string,
  authorization: string,
  body?: unknown,
): Promise<string> {
  const request = new Request(`http://127.0.0.1:8000${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const { status, text } = await serveOperation(request, entry, {}, { write: (reply) => reply });
  if (status >= 300) throw new Error(`${path}: ${status} ${text}`);
  return text ?? '';
}
const feedPage = async (path: string, authorization: string) =>
  JSON.parse(await call(handlers.feed, path, authorization)) as Page;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** CPU ms of one call: this process's user + system time, so its share of garbage collection is in it too. */
async function timed(call: () => Promise<unknown>): Promise<number> {
  const start = cpuUsage();
  await call();
  const used = cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** CPU ms of `work` per call: median over RUNS calls after WARMUP; `prepare` runs unmeasured before each call. */
async function measure<T>(
  prepare: (i: number) => Promise<T>,
  work: (prepared: T, i: number) => Promise<unknown>,
): Promise<number> {
  const costs: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const prepared = await prepare(i);
    const cost = await timed(() => work(prepared, i));
    if (i >= WARMUP) costs.push(cost);
  }
  return median(costs);
}

const BLOCK = 10;

/**
 * For a Postgres on this machine, the CPU ms its client backends on the benchmarked database have run so far (their
 * /proc/<pid>/schedstat, in ns, listed by a connection of its own); undefined elsewhere (PGlite runs inside this
 * process and is counted with it).
 */
const databaseMonitor = await (async () => {
  const database = getConfig().database;
  if (
    database.driver !== 'pg' ||
    !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(database.url).hostname)
  )
    return undefined;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  return {
    async cpu(): Promise<number> {
      const { rows } = await client.query<{ pid: number }>(
        `select pid from pg_stat_activity
         where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()`,
      );
      let ns = 0;
      for (const { pid } of rows) {
        try {
          ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
        } catch {
          // A backend that ended since the query: its time left with it.
        }
      }
      return ns / 1e6;
    },
    close: () => client.end(),
  };
})();
const databaseCpu = databaseMonitor && (() => databaseMonitor.cpu());

/**
 * CPU ms per call of `work` and of the yardstick (GET /api/users/me) in steady state, measured in alternating
 * blocks: BLOCK calls of `work` (their inputs made before the block, unmeasured; `beforeEach` unmeasured before
 * each call and once after the last, so work a call leaves for after its response lands in neither half), then
 * BLOCK calls of the yardstick, (WARMUP + RUNS) / BLOCK times. Each figure is the median over
 * the measured blocks of the block's mean, so a call's share of garbage collection is counted (a median of
 * single calls would leave it out), and the ratio is the median of the blocks' ratios: this VM's speed drifts
 * about 2× from minute to minute, and neighbouring blocks share the same minute.
 */
async function measureAlternating<T>(
  prepareBlock: () => Promise<T[]>,
  work: (prepared: T) => Promise<unknown>,
  yardstick: () => Promise<unknown>,
  beforeEach: () => Promise<unknown> = nothing,
): Promise<{
  cost: number;
  yardstick: number;
  ratio: number;
  /** The database's CPU ms per call (median block means), when it can be read. */
  database?: { cost: number; yardstick: number };
}> {
  const costs: number[] = [];
  const yardsticks: number[] = [];
  const ratios: number[] = [];
  const databaseCosts: number[] = [];
  const databaseYardsticks: number[] = [];
  const blocks = Math.ceil((WARMUP + RUNS) / BLOCK);
  for (let block = 0; block < blocks; block++) {
    const inputs = await prepareBlock();
    const databaseAtStart = await databaseCpu?.();
    let cost = 0;
    // The database time of `beforeEach` (learning a call left for after its response) is no call's own.
    let learnt = 0;
    const settle = async () => {
      if (beforeEach === nothing) return;
      const before = await databaseCpu?.();
      await beforeEach();
      if (before !== undefined) learnt += ((await databaseCpu?.()) ?? 0) - before;
    };
    for (const input of inputs) {
      await settle();
      cost += await timed(() => work(input));
    }
    // What the block's last call left to do is not the yardstick's either.
    await settle();
    const databaseAtSwitch = await databaseCpu?.();
    let reference = 0;
    for (let i = 0; i < inputs.length; i++) reference += await timed(yardstick);
    const databaseAtEnd = await databaseCpu?.();
    if (block * BLOCK >= WARMUP) {
      costs.push(cost / inputs.length);
      yardsticks.push(reference / inputs.length);
      ratios.push(cost / reference);
      if (databaseAtStart !== undefined && databaseAtSwitch !== undefined && databaseAtEnd !== undefined) {
        databaseCosts.push((databaseAtSwitch - databaseAtStart - learnt) / inputs.length);
        databaseYardsticks.push((databaseAtEnd - databaseAtSwitch) / inputs.length);
      }
    }
  }
  return {
    cost: median(costs),
    yardstick: median(yardsticks),
    ratio: median(ratios),
    ...(databaseCosts.length > 0
      ? { database: { cost: median(databaseCosts), yardstick: median(databaseYardsticks) } }
      : {}),
  };
}
const nothing = async () => undefined;

const rows: [string, string, string][] = [];
const row = (label: string, handler: number | null, service: number | null) => {
  rows.push([label, handler === null ? '' : handler.toFixed(2), service === null ? '' : service.toFixed(2)]);
};

const meAuth = await bearer(users.trending);
const callMe = () => call(handlers.me, '/api/users/me', meAuth);
const me = await measure(nothing, callMe);
row('GET /api/users/me (yardstick)', me, null);

const figures: Record<string, Awaited<ReturnType<typeof measureAlternating>> & { batch: number }> = {};
for (const [mode, userId] of Object.entries(users)) {
  const authorization = await bearer(userId);
  const first = await feedPage('/api/feed?pageSize=20', authorization);
  if (first.feedMode !== mode) throw new Error(`expected ${mode}, got ${first.feedMode}`);
  const batch = await measure(nothing, () => call(handlers.feed, '/api/feed?pageSize=20', authorization));
  const batchService = await measure(nothing, () => getFeed(userId, { pageSize: 20 }));
  // Page 2 of batches made before the block: a stored page is not measured right after a ranking.
  const paged = await measureAlternating(
    async () => {
      const cursors: string[] = [];
      for (let i = 0; i < BLOCK; i++)
        cursors.push((await feedPage('/api/feed?pageSize=20', authorization)).nextCursor);
      return cursors;
    },
    (cursor) =>
      call(handlers.feed, `/api/feed?pageSize=20&cursor=${encodeURIComponent(cursor)}`, authorization),
    callMe,
  );
  const page = paged.cost;
  const pageService = await measure(
    async () => (await getFeed(userId, { pageSize: 20 })).nextCursor as string,
    (cursor) => getFeed(userId, { pageSize: 20, cursor: decodeFeedCursor(cursor) }),
  );
  row(`GET /api/feed, new batch (${mode})`, batch, batchService);
  row(`GET /api/feed, stored page (${mode})`, page, pageService);
  figures[mode] = { ...paged, batch };
}

const feedbackAuth = await bearer(feedbackUser);
const learning: number[] = [];
let swipes = 0;
const feedbackPaired = await measureAlternating(
  async () => Array.from({ length: BLOCK }, () => swipes++),
  (i) =>
    call(handlers.feedback, '/api/feedback', feedbackAuth, {
      productId: productIds[i] as string,
      action: i % 3 ? 'like' : 'dislike',
    }),
  callMe,
  // Learning runs after the response (not in the feedback's budget): it settles, timed apart, before each call.
  async () => {
    const start = cpuUsage();
    await settleLearning();
    const used = cpuUsage(start);
    if (swipes > WARMUP) learning.push((used.user + used.system) / 1000);
  },
);
const feedback = feedbackPaired.cost;
await settleLearning();
const feedbackService = await measure(
  async (i) => {
    await settleLearning();
    return productIds[(N >> 1) + i] as string;
  },
  (productId, i) => recordFeedback(feedbackUser, { productId, action: i % 3 ? 'like' : 'dislike' }),
);
await settleLearning();
row('POST /api/feedback', feedback, feedbackService);
row('settleLearning after one feedback', null, median(learning));

const width = Math.max(...rows.map((r) => r[0].length));
console.log(
  `\nCPU ms per call after ${WARMUP} warm-up calls: the median of ${RUNS} calls, or for the stored page and feedback handlers the median mean of ${RUNS / BLOCK} blocks of ${BLOCK} alternating with /me (handler: in-process route; service alone)`,
);
console.log(`${'operation'.padEnd(width)}  handler  service`);
for (const [label, handler, service] of rows)
  console.log(`${label.padEnd(width)}  ${handler.padStart(7)}  ${service.padStart(7)}`);
console.log(
  '\ntargets: new batch ≤ 15 ms; stored page and feedback ≤ 2 × /me (each against /me in alternating blocks)',
);
for (const [mode, { batch, ratio }] of Object.entries(figures))
  console.log(`${mode}: new batch ${batch.toFixed(2)} ms, stored page ${ratio.toFixed(2)} × /me`);
console.log(`feedback: ${feedbackPaired.ratio.toFixed(2)} × /me`);
console.log(
  `/me in the alternating blocks: ${[...Object.values(figures), feedbackPaired].map((m) => m.yardstick.toFixed(2)).join(', ')} ms`,
);
if (databaseMonitor) {
  console.log("\nthe database's own CPU ms per call, in the same alternating blocks (call / its /me)");
  for (const [label, { database }] of [
    ...Object.entries(figures).map(([mode, figure]) => [`stored page (${mode})`, figure] as const),
    ['POST /api/feedback', feedbackPaired] as const,
  ]) {
    if (database) console.log(`${label}: ${database.cost.toFixed(3)} / ${database.yardstick.toFixed(3)} ms`);
  }
}
await databaseMonitor?.close();
await closeDatabase();
