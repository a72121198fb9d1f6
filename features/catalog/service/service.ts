import type { QueryPart } from '@/features/core/database/query-part';
import { notFound } from '@/features/core/errors/errors';
import { assessImageQuality, type QualityReport } from '../image/image';
import type { ProductRow } from '../repository/products.table';
import * as repository from '../repository/repository';
import type { Category, PublicProduct } from '../schemas/schemas';
import { getEmbedder } from './embedder';

// The catalogue's read contract: what other features use (loadCatalogVectors, getProduct, getProductsByIds,
// productExists, getProductUrl, countCatalogChangesSince, getEmbedder, checkImageQuality, toProductCard).
// The API's reads are in reads.ts, ingest in ingest.ts, the background embedding queue in embedding-queue.ts.

export type { QualityIssue } from '../image/image';
export type { Embedder } from './embedder';
export { getEmbedder } from './embedder';

const imageUrlOf = (id: string) => `/api/products/${id}/image`;

export function toPublicProduct(row: ProductRow): PublicProduct {
  return {
    id: row.id,
    storeId: row.storeId,
    externalId: row.externalId,
    title: row.title,
    description: row.description,
    price: row.price,
    currency: row.currency,
    category: row.category as Category,
    productUrl: row.productUrl,
    imageUrl: imageUrlOf(row.id),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The contract for styles, profiles and feed

export interface RankableProduct {
  id: string;
  title: string;
  price: number;
  priceText: string;
  currency: string;
  category: Category;
  productUrl: string;
  imageUrl: string;
  storeId: string;
  createdAt: Date;
  vector: Float32Array;
}

// The catalogue by id, built once per loaded catalogue (it is cached under its version between requests).
const byIdCache = new WeakMap<object, Map<string, RankableProduct>>();

/** The loaded catalogue's products by id (one map per loaded catalogue, shared by every feature). */
export function productsById(catalogue: {
  products: RankableProduct[];
}): ReadonlyMap<string, RankableProduct> {
  let byId = byIdCache.get(catalogue);
  if (!byId) {
    byId = new Map(catalogue.products.map((product) => [product.id, product]));
    byIdCache.set(catalogue, byId);
  }
  return byId;
}

/** A product as every swipe card shows it (feed items, calibration cards: `productCardFields`). */
export function toProductCard(product: RankableProduct) {
  return {
    id: product.id,
    title: product.title,
    price: product.priceText,
    currency: product.currency,
    category: product.category,
    productUrl: product.productUrl,
    imageUrl: product.imageUrl,
  };
}

export interface CatalogVectors {
  version: string;
  modelId: string;
  dims: number;
  products: RankableProduct[];
}

let cachedVectors: CatalogVectors | undefined;
/** The load in flight: concurrent requests that find the cache stale share it (one load, not one each). */
let loading: { version: string; vectors: Promise<CatalogVectors> } | undefined;

/** The catalogue's version as a part of another feature's statement: pass what it reads to loadCatalogVectors. */
export const catalogVersionQuery: () => QueryPart = repository.catalogVersionOf;

/**
 * Every rankable product (not archived, not a duplicate, embedded by the current model), ordered by id.
 * Cached in memory under a version read cheaply from the database (one row, bumped by every write), so any
 * ingest, archive or new vector is seen on the next call — on every instance. `knownVersion` is that version
 * when the caller has just read it (catalogVersionQuery in its own statement); else it is read here.
 */
export async function loadCatalogVectors(knownVersion?: string): Promise<CatalogVectors> {
  const embedder = getEmbedder();
  const version = `${embedder.modelId}:${knownVersion ?? (await repository.findCatalogVersion())}`;
  if (cachedVectors?.version === version) return cachedVectors;
  if (loading?.version !== version) {
    const vectors = readCatalogVectors(embedder, version);
    const current = { version, vectors };
    loading = current;
    vectors.then(
      (loaded) => {
        cachedVectors = loaded;
        if (loading === current) loading = undefined;
      },
      () => {
        if (loading === current) loading = undefined;
      },
    );
  }
  return loading.vectors;
}

async function readCatalogVectors(
  embedder: { modelId: string; dims: number },
  version: string,
): Promise<CatalogVectors> {
  const found = await repository.listRankableProducts({ modelId: embedder.modelId });
  const products: RankableProduct[] = [];
  for (const row of found) {
    if (!row.embedding || row.embedding.length !== embedder.dims) continue;
    products.push({
      id: row.id,
      title: row.title,
      price: Number(row.price),
      priceText: row.price,
      currency: row.currency,
      category: row.category as Category,
      productUrl: row.productUrl,
      imageUrl: imageUrlOf(row.id),
      storeId: row.storeId,
      createdAt: row.createdAt,
      vector: Float32Array.from(row.embedding),
    });
  }
  return { version, modelId: embedder.modelId, dims: embedder.dims, products };
}

/** One product (archived ones too: their history stays readable); notFound for unknown ids. */
export async function getProduct(id: string): Promise<PublicProduct> {
  const row = await repository.findProductById(id);
  if (!row) throw notFound('No such product.');
  return toPublicProduct(row);
}

export async function productExists(id: string): Promise<boolean> {
  return (await repository.findProductById(id)) !== undefined;
}

/** The products of these ids, in the order given; unknown ids are left out. */
export async function getProductsByIds(ids: string[]): Promise<PublicProduct[]> {
  const rows = await repository.findProductsByIds([...new Set(ids)]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [toPublicProduct(row)] : [];
  });
}

/** Where a click-out goes; notFound for unknown ids. */
export async function getProductUrl(id: string): Promise<{ productUrl: string; storeId: string }> {
  const row = await repository.findProductById(id);
  if (!row) throw notFound('No such product.');
  return { productUrl: row.productUrl, storeId: row.storeId };
}

/** Rankable products now, and how many products were created, updated or archived after `since`. */
export async function countCatalogChangesSince(
  since: Date | null,
): Promise<{ active: number; changed: number }> {
  return repository.countCatalogChanges({ modelId: getEmbedder().modelId, since });
}

/** The quality gate of docs/product.md §3 on raw image bytes (store images now, onboarding photos next). */
export async function checkImageQuality(
  bytes: Uint8Array,
): Promise<{ ok: boolean; issues: QualityReport['issues']; width?: number; height?: number }> {
  const { ok, issues, width, height } = await assessImageQuality(bytes);
  return { ok, issues, ...(width === undefined ? {} : { width, height }) };
}
