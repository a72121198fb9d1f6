import { and, asc, count, desc, eq, gt, inArray, isNotNull, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { joinedArray, splitNumbers } from '@/features/core/database/arrays';
import { getDb } from '@/features/core/database/client';
import { prepared } from '@/features/core/database/prepared';
import type { QueryPart } from '@/features/core/database/query-part';
import { catalogState, type NewProductRow, type ProductRow, products } from './products.table';

// Products. Vectors travel as number[] (Postgres real[]); the service turns them into Float32Array.

export async function findProductById(id: string): Promise<ProductRow | undefined> {
  const [row] = await (await getDb()).select().from(products).where(eq(products.id, id)).limit(1);
  return row;
}

export async function findProductsByIds(ids: readonly string[]): Promise<ProductRow[]> {
  if (ids.length === 0) return [];
  return (await getDb())
    .select()
    .from(products)
    .where(inArray(products.id, [...ids]));
}

export async function findProductByExternalId({
  storeId,
  externalId,
}: {
  storeId: string;
  externalId: string;
}): Promise<ProductRow | undefined> {
  const [row] = await (await getDb())
    .select()
    .from(products)
    .where(and(eq(products.storeId, storeId), eq(products.externalId, externalId)))
    .limit(1);
  return row;
}

/** Inserts a product; undefined when (store, external id) exists already (a concurrent ingest won the race). */
export async function insertProduct(values: NewProductRow): Promise<ProductRow | undefined> {
  const [row] = await (await getDb())
    .insert(products)
    .values(values)
    .onConflictDoNothing({ target: [products.storeId, products.externalId] })
    .returning();
  return row;
}

export async function updateProduct({
  id,
  values,
}: {
  id: string;
  values: Partial<Omit<NewProductRow, 'id' | 'createdAt' | 'updatedAt'>>;
}): Promise<ProductRow | undefined> {
  const [row] = await (await getDb()).update(products).set(values).where(eq(products.id, id)).returning();
  return row;
}

/** Newest first, keyset-paginated on the time-ordered id. */
export async function listProducts({
  category,
  before,
  limit,
}: {
  category?: string | undefined;
  before?: string | undefined;
  limit: number;
}): Promise<ProductRow[]> {
  return (await getDb())
    .select()
    .from(products)
    .where(
      and(
        isNull(products.archivedAt),
        category ? eq(products.category, category) : undefined,
        before ? lt(products.id, before) : undefined,
      ),
    )
    .orderBy(desc(products.id))
    .limit(limit);
}

/** Soft-deletes a store's products; already archived ones are not counted again. */
export async function archiveProducts({
  storeId,
  externalIds,
  at,
}: {
  storeId: string;
  externalIds: readonly string[];
  at: Date;
}): Promise<string[]> {
  const rows = await (await getDb())
    .update(products)
    .set({ archivedAt: at })
    .where(
      and(
        eq(products.storeId, storeId),
        inArray(products.externalId, [...externalIds]),
        isNull(products.archivedAt),
      ),
    )
    .returning({ id: products.id });
  return rows.map((row) => row.id).sort();
}

/**
 * The catalogue's version (catalog_state, bumped in the transaction of every statement that writes products): one
 * row however large the catalogue. A scalar text, read alone or inside another feature's statement.
 */
export function catalogVersionOf(): QueryPart {
  return sql`(select ${catalogState.version}::text from ${catalogState} where ${catalogState.id} = 1)`;
}

const catalogVersion = prepared((db) =>
  db
    .select({ version: sql<string>`${catalogVersionOf()}` })
    .from(sql`(values (1)) as one (x)`)
    .prepare('products_catalog_version'),
);

export async function findCatalogVersion(): Promise<string> {
  const [row] = await (await catalogVersion()).execute();
  return row?.version ?? '';
}

const rankable = (modelId: string) =>
  and(
    isNull(products.archivedAt),
    isNull(products.duplicateOfId),
    eq(products.modelId, modelId),
    isNotNull(products.embedding),
  );

/**
 * Every product the feed may rank: not archived, not a duplicate, embedded by this model; ordered by id. The
 * embeddings come as joined text (see core/database/arrays): 10,000 × 280 floats through the driver's array
 * parser cost over a second of CPU on every catalogue change.
 */
export async function listRankableProducts({ modelId }: { modelId: string }) {
  const rows = await (await getDb())
    .select({
      id: products.id,
      title: products.title,
      price: products.price,
      currency: products.currency,
      category: products.category,
      productUrl: products.productUrl,
      storeId: products.storeId,
      createdAt: products.createdAt,
      embedding: joinedArray(products.embedding),
    })
    .from(products)
    .where(rankable(modelId))
    .orderBy(asc(products.id));
  return rows.map((row) => ({ ...row, embedding: splitNumbers(row.embedding) }));
}

export async function countCatalogChanges({ modelId, since }: { modelId: string; since: Date | null }) {
  const db = await getDb();
  const [active] = await db.select({ value: count() }).from(products).where(rankable(modelId));
  const [changed] = await db
    .select({ value: count() })
    .from(products)
    .where(
      since
        ? or(gt(products.createdAt, since), gt(products.updatedAt, since), gt(products.archivedAt, since))
        : undefined,
    );
  return { active: active?.value ?? 0, changed: changed?.value ?? 0 };
}

/** Products with no vector of this model yet (new, or embedded by another model), oldest first. */
export async function listProductsWaitingForVector({ modelId, limit }: { modelId: string; limit: number }) {
  return (await getDb())
    .select({ id: products.id, imageKey: products.imageKey, imageSha256: products.imageSha256 })
    .from(products)
    .where(or(isNull(products.embedding), isNull(products.modelId), ne(products.modelId, modelId)))
    .orderBy(asc(products.embedAttempts), asc(products.id))
    .limit(limit);
}

export async function countProductsWaitingForVector({ modelId }: { modelId: string }): Promise<number> {
  const [row] = await (await getDb())
    .select({ value: count() })
    .from(products)
    .where(or(isNull(products.embedding), isNull(products.modelId), ne(products.modelId, modelId)));
  return row?.value ?? 0;
}

/** Stores a vector, unless the product's image changed meanwhile (the newer image gets its own vector). */
export async function saveProductEmbedding({
  id,
  imageSha256,
  embedding,
  modelId,
}: {
  id: string;
  imageSha256: string;
  embedding: number[];
  modelId: string;
}): Promise<boolean> {
  const rows = await (await getDb())
    .update(products)
    .set({ embedding, modelId, dims: embedding.length })
    .where(and(eq(products.id, id), eq(products.imageSha256, imageSha256)))
    .returning({ id: products.id });
  return rows.length > 0;
}

export async function recordEmbeddingFailure({ id }: { id: string }): Promise<void> {
  await (await getDb())
    .update(products)
    .set({ embedAttempts: sql`${products.embedAttempts} + 1` })
    .where(eq(products.id, id));
}

/** Perceptual hashes of the products a new one may duplicate (originals only), oldest first. */
export async function listOriginalHashes(): Promise<{ id: string; phash: string }[]> {
  return (await getDb())
    .select({ id: products.id, phash: products.phash })
    .from(products)
    .where(isNull(products.duplicateOfId))
    .orderBy(asc(products.id));
}

export async function countProducts(): Promise<number> {
  const [row] = await (await getDb()).select({ value: count() }).from(products);
  return row?.value ?? 0;
}
