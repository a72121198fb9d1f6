// npm run bench:feed-db -- <postgres url of an EMPTY, migrated database>
// Server CPU of the feed path against a real database: a 10,000-product synthetic catalogue (random unit
// descriptors of the current embedder's dimensions) written straight into `products`, one user, then per call:
// GET /api/feed's service with a new batch, a page from the stored batch, and POST /api/feedback's service.
// In-process (no HTTP framework cost); measures this process's CPU (user + system).
import { randomUUID } from 'node:crypto';
import { cpuUsage } from 'node:process';
import { sql } from 'drizzle-orm';
import { getEmbedder, loadCatalogVectors } from '@/features/catalog/service/service';
import { getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase, getDb } from '@/features/core/database/client';
import { seededRandom } from '@/features/core/maths/random';
import { normalise } from '@/features/core/maths/vector';
import { getFeed } from '@/features/feed/service/service';
import { recordFeedback } from '@/features/feedback/service/service';
import { settleLearning } from '@/features/profiles/service/learning';

getConfigOrExit();
const N = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const db = await getDb();
const { modelId, dims } = getEmbedder();
const random = seededRandom(11);
const categories = ['tops', 'shoes', 'pants', 'dresses', 'jackets', 'bags', 'accessories', 'other'];
for (let start = 0; start < N; start += 100) {
  const rows = Array.from({ length: Math.min(100, N - start) }, (_, j) => {
    const i = start + j;
    const vector = normalise(Array.from({ length: dims }, () => Math.abs(random.normal())));
    return sql`(${randomUUID()}, 'bench', ${`b-${i}`}, ${`Product ${i}`}, ${(10 + random.int(200)).toFixed(2)},
      ${`https://shop.example.com/${i}`}, ${categories[i % 8]}, ${`k${i}`}, 'x', 'x', 'image/png', 1, 400, 400,
      ${i.toString(16).padStart(16, '0')}, ${`{${[...vector].join(',')}}`}::real[], ${modelId}, ${dims})`;
  });
  await db.execute(sql`insert into products (id, store_id, external_id, title, price, product_url, category, image_key,
    image_sha256, source_image_sha256, image_content_type, image_bytes, image_width, image_height, phash, embedding,
    model_id, dims) values ${sql.join(rows, sql`, `)}`);
}
const userId = randomUUID();
await db.execute(
  sql`insert into users (id, email, password_hash) values (${userId}, ${`${userId}@bench.example`}, 'x')`,
);
console.log(
  `catalogue: ${(await loadCatalogVectors()).products.length} products of ${modelId} (${dims} dims)`,
);

async function measure(label: string, runs: number, work: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await work(i);
  const start = cpuUsage();
  const wall = performance.now();
  for (let i = 0; i < runs; i++) await work(i);
  const used = cpuUsage(start);
  console.log(
    `${label}: ${((used.user + used.system) / 1000 / runs).toFixed(2)} ms CPU, ${((performance.now() - wall) / runs).toFixed(2)} ms wall per call`,
  );
}

await measure('GET /api/feed, new batch (trending)', 20, () => getFeed(userId, { pageSize: 20 }));
const first = await getFeed(userId, { pageSize: 20 });
await measure('GET /api/feed, page from the stored batch', 40, () =>
  getFeed(userId, { pageSize: 20, cursor: first.nextCursor as string }),
);
const products = (await loadCatalogVectors()).products;
await measure('POST /api/feedback (learning after the response)', 40, (i) =>
  recordFeedback(userId, {
    productId: (products[i] as { id: string }).id,
    action: i % 3 ? 'like' : 'dislike',
  }),
);
await settleLearning();
await measure('GET /api/feed, new batch (profile after cold start)', 20, () =>
  getFeed(userId, { pageSize: 20 }),
);
await closeDatabase();
