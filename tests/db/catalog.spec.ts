import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { setTestEnv } from '../support/env';
import { productImage } from '../support/images';

// The catalogue service in-process against an in-memory PGlite: the contract the feed, styles and profiles
// use (loadCatalogVectors, getProductsByIds, countCatalogChangesSince, …), near-duplicates, stored vectors
// and the embedding queue. Runs in its own worker with its own config (in-memory database, temp storage).

const dir = mkdtempSync(join(tmpdir(), 'stylipp-catalog-'));
setTestEnv({
  DATABASE_URL: 'memory://',
  DATA_DIR: dir,
  UPLOADS_DIR: join(dir, 'uploads'),
  UPLOADS_STORAGE: 'disk',
});

// The catalogue's service, all of its jobs: the read contract, the API reads, ingest and the embedding queue.
const catalog = {
  ...(await import('@/features/catalog/service/service')),
  ...(await import('@/features/catalog/service/reads')),
  ...(await import('@/features/catalog/service/ingest')),
  ...(await import('@/features/catalog/service/embedding-queue')),
};
const { getDatabase, closeDatabase } = await import('@/features/core/database/client');
const { getObjectStorage } = await import('@/features/core/storage/storage');
const { featureEmbedder } = await import('@/features/catalog/service/embedder');
const { IngestBatchSchema } = await import('@/features/catalog/schemas/schemas');

/** As the route does: the contract parses the batch item by item, then the service ingests it. */
const ingest = (products: unknown[]) =>
  catalog.ingestProducts(IngestBatchSchema.parse({ products }).products);

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await (await getDatabase()).migrate('drizzle');
});
test.afterAll(async () => {
  await closeDatabase();
  rmSync(dir, { recursive: true, force: true });
});

const inline = async (externalId: string, image: Buffer, extra: Record<string, unknown> = {}) => ({
  externalId,
  storeId: 'db-store',
  title: `Cotton tee ${externalId}`,
  price: '19.5',
  productUrl: `https://shop.example.com/${externalId}`,
  imageBase64: image.toString('base64'),
  ...extra,
});

test('near-duplicates are kept but marked, and left out of the rankable catalogue', async () => {
  const original = await productImage(900);
  const twin = await sharp(original).jpeg({ quality: 92 }).toBuffer(); // same picture, other bytes
  const result = await ingest([
    await inline('orig', original),
    await inline('twin', twin),
    await inline('other', await productImage(901)),
  ]);
  expect(result).toMatchObject({ created: 3, failed: 0 });
  const [orig, twinId, other] = result.acceptedIds as [string, string, string];
  const { products, modelId, dims, version } = await catalog.loadCatalogVectors();
  expect([modelId, dims]).toEqual(['feature-v1', 280]);
  const ids = products.map((p) => p.id);
  expect(ids).toEqual([orig, other].sort());
  expect(ids).not.toContain(twinId);
  expect(await catalog.productExists(twinId)).toBe(true);
  // Stored vectors come back bit-identical to what the embedder computes on the stored image.
  const storedBytes = new Uint8Array(
    await new Response(
      await (await getObjectStorage()).get(`catalog/${orig}/${await storedSha(orig)}`),
    ).arrayBuffer(),
  );
  const expected = await featureEmbedder.embed(storedBytes);
  const loaded = products.find((p) => p.id === orig)?.vector as Float32Array;
  expect(Buffer.from(loaded.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  expect(products.find((p) => p.id === orig)).toMatchObject({
    price: 19.5,
    priceText: '19.50',
    category: 'tops',
  });
  // Cached under the version until something changes.
  expect(await catalog.loadCatalogVectors()).toBe(await catalog.loadCatalogVectors());
  await catalog.archiveProducts({ storeId: 'db-store', externalIds: ['other'] });
  // Requests that find the cache stale at once share one load (a cold server under load reads 10,000 vectors
  // once, not once per request in flight).
  const concurrent = await Promise.all(Array.from({ length: 8 }, () => catalog.loadCatalogVectors()));
  const after = concurrent[0] as Awaited<ReturnType<typeof catalog.loadCatalogVectors>>;
  for (const loaded of concurrent) expect(loaded).toBe(after);
  expect(after.version).not.toBe(version);
  expect(after.products.map((p) => p.id)).toEqual([orig]);
  // The version another statement read (catalogVersionQuery) names the same cached catalogue.
  expect(await catalog.loadCatalogVectors(after.version.slice(after.modelId.length + 1))).toBe(after);
});

async function storedSha(id: string): Promise<string> {
  const { etag } = await catalog.getProductImage(id);
  const { contentType } = await catalog.getProductImage(id);
  return `${etag.replaceAll('"', '')}.${contentType === 'image/png' ? 'png' : contentType === 'image/jpeg' ? 'jpg' : 'webp'}`;
}

test('getProductsByIds keeps the input order and omits unknown ids; getProductUrl; notFound', async () => {
  const { acceptedIds } = await ingest([
    await inline('p1', await productImage(910)),
    await inline('p2', await productImage(911)),
  ]);
  const [a, b] = acceptedIds as [string, string];
  const unknown = '01900000-0000-7000-8000-000000000000';
  expect((await catalog.getProductsByIds([b, unknown, a])).map((p) => p.id)).toEqual([b, a]);
  expect(await catalog.getProductUrl(a)).toEqual({
    productUrl: 'https://shop.example.com/p1',
    storeId: 'db-store',
  });
  await expect(catalog.getProduct(unknown)).rejects.toMatchObject({ kind: 'not_found' });
  await expect(catalog.getProductUrl(unknown)).rejects.toMatchObject({ kind: 'not_found' });
  expect(await catalog.productExists(unknown)).toBe(false);
});

test('countCatalogChangesSince counts creations, updates and archives after the instant', async () => {
  const before = await catalog.countCatalogChangesSince(null);
  const since = new Date();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const { acceptedIds } = await ingest([await inline('c1', await productImage(920))]);
  const now = await catalog.countCatalogChangesSince(since);
  expect(now.changed).toBe(1);
  expect(now.active).toBe(before.active + 1);
  await catalog.archiveProducts({ storeId: 'db-store', externalIds: ['c1'] });
  const archived = await catalog.countCatalogChangesSince(since);
  expect(archived).toEqual({ active: before.active, changed: 1 });
  expect(acceptedIds).toHaveLength(1);
});

test('a metadata-only re-ingest keeps the vector; a new image replaces it', async () => {
  const image = await productImage(930);
  const first = await ingest([await inline('m1', image)]);
  const id = first.acceptedIds[0] as string;
  const vector = (await catalog.loadCatalogVectors()).products.find((p) => p.id === id)?.vector;
  expect(vector).toBeDefined();
  await ingest([await inline('m1', image, { title: 'Renamed tee', price: 25 })]);
  const same = (await catalog.loadCatalogVectors()).products.find((p) => p.id === id);
  expect(same?.title).toBe('Renamed tee');
  expect(same?.vector).toEqual(vector);
  await ingest([await inline('m1', await productImage(931))]);
  const changed = (await catalog.loadCatalogVectors()).products.find((p) => p.id === id);
  expect(changed?.vector).not.toEqual(vector);
});

test('large batches embed in the background; a failed embedding stays queued and is retried', async () => {
  const items = await Promise.all(
    Array.from({ length: catalog.INLINE_EMBED_MAX_ITEMS + 2 }, async (_, i) =>
      inline(`bg${i}`, await productImage(1000 + i)),
    ),
  );
  const result = await ingest(items);
  expect(result.created).toBe(items.length);
  // The response did not wait for vectors; the queue catches up.
  await catalog.drainEmbeddingQueue();
  expect((await catalog.getEmbeddingStatus()).waitingForVector).toBe(0);

  // A product whose stored image is (temporarily) missing cannot be embedded: it waits, and is never dropped.
  const { acceptedIds } = await ingest(
    await Promise.all(
      Array.from({ length: catalog.INLINE_EMBED_MAX_ITEMS + 1 }, async (_, i) =>
        inline(`f${i}`, await productImage(1100 + i)),
      ),
    ),
  );
  await catalog.drainEmbeddingQueue();
  const victim = acceptedIds[0] as string;
  const key = `catalog/${victim}/${await storedSha(victim)}`;
  const storage = await getObjectStorage();
  const bytes = new Uint8Array(await new Response(await storage.get(key)).arrayBuffer());
  await storage.delete(key);
  // As after a crash before its vector was written (or an embedder switch): the product has no vector.
  await (await getDatabase()).db.execute(
    sql`update products set embedding = null, model_id = null where id = ${victim}`,
  );
  await catalog.drainEmbeddingQueue();
  expect((await catalog.getEmbeddingStatus()).waitingForVector).toBe(1);
  expect((await catalog.loadCatalogVectors()).products.map((p) => p.id)).not.toContain(victim);
  await storage.put(key, bytes, 'image/png');
  expect(await catalog.drainEmbeddingQueue()).toBe(1);
  expect((await catalog.getEmbeddingStatus()).waitingForVector).toBe(0);
  expect((await catalog.loadCatalogVectors()).products.map((p) => p.id)).toContain(victim);
});

test('checkImageQuality is the gate on its own', async () => {
  const sharpImage = await productImage(1200);
  expect(await catalog.checkImageQuality(sharpImage)).toEqual({
    ok: true,
    issues: [],
    width: 512,
    height: 512,
  });
  const blurred = await sharp(sharpImage).blur(8).png().toBuffer();
  expect((await catalog.checkImageQuality(blurred)).issues).toEqual(['too_blurry']);
});
