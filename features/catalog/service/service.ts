import { createHash } from 'node:crypto';
import { imageProcessing } from '@/features/core/admission/admission';
import { getConfig } from '@/features/core/config/config';
import type { QueryPart } from '@/features/core/database/query-part';
import { uuidv7 } from '@/features/core/database/uuid';
import { DomainError, forbidden, notFound } from '@/features/core/errors/errors';
import { decodeCursor, toPage } from '@/features/core/http/pagination';
import { describeError, logger } from '@/features/core/logger/logger';
import { getObjectStorage } from '@/features/uploads/service/service';
import type { ProductRow } from '../repository/products.table';
import * as repository from '../repository/repository';
import type {
  Category,
  IngestProduct,
  IngestRejection,
  IngestResult,
  InvalidIngestItem,
  PublicProduct,
} from '../schemas/schemas';
import { deriveCategory } from '../utils/category';
import {
  assessImageQuality,
  perceptualHashOf,
  QUALITY,
  type QualityReport,
  type StoredImage,
  toStoredImage,
} from '../utils/image';
import { hammingDistance } from '../utils/image-maths';
import { productUrlAllowed } from '../utils/store-urls';
import { type Embedder, getEmbedder } from './embedder';
import { fetchImage, ImageFetchError } from './image-fetch';

// The catalogue: ingest (validate → fetch → quality gate → stored copy → perceptual hash → upsert → embed),
// reads for the API and for the feed, and the background embedding queue. The contract other features use
// is the set of functions exported here (loadCatalogVectors, getProduct, getProductsByIds, productExists,
// getProductUrl, countCatalogChangesSince, getEmbedder, checkImageQuality).

export type { QualityIssue } from '../utils/image';
export type { Embedder } from './embedder';
export { getEmbedder } from './embedder';

/** Hamming distance at or below which a new image is a near-duplicate of an earlier product. */
export const DUPLICATE_MAX_DISTANCE = 5;
/** Batches up to this size are embedded before the response; larger ones in the background. */
export const INLINE_EMBED_MAX_ITEMS = 10;
/** Items of one batch prepared (fetched, checked, re-encoded) at once. */
const PREPARE_CONCURRENCY = 4;
/** Images embedded at once by the background queue. */
const EMBED_CONCURRENCY = 2;

const imageUrlOf = (id: string) => `/api/products/${id}/image`;

function toPublicProduct(row: ProductRow): PublicProduct {
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

/** The quality gate of PRODUCT.md §3 on raw image bytes (store images now, onboarding photos next). */
export async function checkImageQuality(
  bytes: Uint8Array,
): Promise<{ ok: boolean; issues: QualityReport['issues']; width?: number; height?: number }> {
  const { ok, issues, width, height } = await imageProcessing().run(() => assessImageQuality(bytes));
  return { ok, issues, ...(width === undefined ? {} : { width, height }) };
}

// ---------------------------------------------------------------------------------------------------------
// Reads for the API

export async function listProducts(query: {
  limit: number;
  cursor?: string | undefined;
  category?: Category | undefined;
}) {
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && before === undefined) {
    throw new DomainError('invalid', 'The cursor is not valid.', {
      errors: [{ path: 'query.cursor', message: 'is not a cursor from this API' }],
    });
  }
  const rows = await repository.listProducts({ category: query.category, before, limit: query.limit + 1 });
  return toPage(rows, query.limit, (row) => row.id, toPublicProduct);
}

export async function getProductImage(id: string) {
  const row = await repository.findProductById(id);
  if (!row) throw notFound('No such product.');
  return {
    etag: `"${row.imageSha256}"`,
    contentType: row.imageContentType,
    bytes: row.imageBytes,
    open: async () => {
      const stream = await (await getObjectStorage()).get(row.imageKey);
      if (!stream) throw new Error(`product ${row.id} has a row but no image in storage`);
      return stream;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Ingest

/** A per-item refusal: validation and quality are final; fetch timeouts and storage failures are retryable. */
class ItemRejected extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

type ImageSource = { kind: 'url'; url: string } | { kind: 'bytes'; bytes: Uint8Array };

export interface CatalogItem {
  externalId: string;
  storeId: string;
  title: string;
  description?: string | undefined;
  price: number;
  currency: string;
  productUrl: string;
  rawCategories: string[];
}

interface NewImage {
  stored: StoredImage;
  key: string;
  sha256: string;
  sourceSha256: string;
  sourceUrl: string | null;
  phash: string;
}

interface PreparedItem {
  index: number;
  item: CatalogItem;
  id: string;
  existing: ProductRow | undefined;
  image: NewImage | undefined;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64url');

const EXTENSION: Record<StoredImage['contentType'], string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
};

async function sourceBytes(source: ImageSource): Promise<Uint8Array> {
  if (source.kind === 'bytes') return source.bytes;
  const { fetchAllowPrivate, fetchTimeoutMs } = getConfig().catalog;
  try {
    return await fetchImage(source.url, {
      allowPrivate: fetchAllowPrivate,
      maxBytes: QUALITY.maxBytes,
      timeoutMs: fetchTimeoutMs,
    });
  } catch (error) {
    if (error instanceof ImageFetchError) throw new ItemRejected(error.message, error.retryable);
    throw error;
  }
}

/** Fetches or decodes the image, applies the gate (unless trusted), stores our copy. Undefined: unchanged. */
async function prepareImage(
  id: string,
  source: ImageSource,
  existing: ProductRow | undefined,
  trusted: boolean,
): Promise<NewImage | undefined> {
  if (existing && source.kind === 'url' && existing.sourceImageUrl === source.url) return undefined;
  const bytes = await sourceBytes(source);
  const sourceSha256 = sha256(bytes);
  if (existing && existing.sourceImageSha256 === sourceSha256) return undefined;
  // Every decode (gate, stored copy, hash) under the image admission control, one slot for the lot.
  const { stored, phash } = await imageProcessing().run(async () => {
    if (!trusted) {
      const quality = await assessImageQuality(bytes);
      if (!quality.ok) throw new ItemRejected(`image quality: ${quality.issues.join(', ')}`, false);
    }
    let stored: StoredImage;
    try {
      stored = await toStoredImage(bytes, trusted ? { minSide: QUALITY.minSide } : {});
    } catch {
      throw new ItemRejected('image quality: invalid_format', false);
    }
    return { stored, phash: await perceptualHashOf(stored.bytes) };
  });
  const storedSha = sha256(stored.bytes);
  const key = `catalog/${id}/${storedSha}.${EXTENSION[stored.contentType]}`;
  try {
    await (await getObjectStorage()).put(key, stored.bytes, stored.contentType);
  } catch (error) {
    logger.error('catalog: storing a product image failed', { productId: id, ...describeError(error) });
    throw new ItemRejected('the image could not be stored; retry later', true);
  }
  return {
    stored,
    key,
    sha256: storedSha,
    sourceSha256,
    sourceUrl: source.kind === 'url' ? source.url : null,
    phash,
  };
}

async function prepareItem(
  index: number,
  item: CatalogItem,
  source: ImageSource,
  trusted: boolean,
  newId: string,
): Promise<PreparedItem> {
  const existing = await repository.findProductByExternalId(item);
  const id = existing?.id ?? newId;
  const image = await prepareImage(id, source, existing, trusted);
  return { index, item, id, existing, image };
}

function rowValues(item: CatalogItem) {
  return {
    storeId: item.storeId,
    externalId: item.externalId,
    title: item.title,
    description: item.description ?? '',
    price: item.price.toFixed(2),
    currency: item.currency,
    productUrl: item.productUrl,
    category: deriveCategory({ rawCategories: item.rawCategories, title: item.title }),
    rawCategories: item.rawCategories,
    archivedAt: null,
  };
}

function imageValues(image: NewImage, duplicateOfId: string | null) {
  return {
    imageKey: image.key,
    imageSha256: image.sha256,
    sourceImageSha256: image.sourceSha256,
    sourceImageUrl: image.sourceUrl,
    imageContentType: image.stored.contentType,
    imageBytes: image.stored.bytes.byteLength,
    imageWidth: image.stored.width,
    imageHeight: image.stored.height,
    phash: image.phash,
    duplicateOfId,
    embedding: null,
    modelId: null,
    dims: null,
    embedAttempts: 0,
  };
}

/** Writes one prepared item; returns the row and whether it was created. */
async function upsertPrepared(
  prepared: PreparedItem,
  originals: { id: string; phash: string }[],
): Promise<{ row: ProductRow; created: boolean }> {
  const { item, image } = prepared;
  let duplicateOfId: string | null = null;
  if (image) {
    const match = originals.find(
      (original) =>
        original.id !== prepared.id && hammingDistance(original.phash, image.phash) <= DUPLICATE_MAX_DISTANCE,
    );
    duplicateOfId = match?.id ?? null;
  }
  const values = { ...rowValues(item), ...(image ? imageValues(image, duplicateOfId) : {}) };
  let created = false;
  let row: ProductRow | undefined;
  if (!prepared.existing && image) {
    row = await repository.insertProduct({
      id: prepared.id,
      ...rowValues(item),
      ...imageValues(image, duplicateOfId),
    });
    created = row !== undefined;
  }
  if (!row) {
    const current = prepared.existing ?? (await repository.findProductByExternalId(item));
    if (!current) throw new Error('product vanished during ingest');
    row = await repository.updateProduct({ id: current.id, values });
    if (!row) throw new Error('product vanished during ingest');
    if (image && current.imageKey !== image.key && prepared.existing) {
      await (await getObjectStorage()).delete(current.imageKey).catch(() => {});
    }
  }
  if (image && duplicateOfId === null) originals.push({ id: row.id, phash: image.phash });
  return { row, created };
}

async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface IngestEntry {
  item: CatalogItem;
  source: ImageSource;
}

const keyOf = (item: { storeId: string; externalId: string }) => `${item.storeId}\u0000${item.externalId}`;

/** The ingest pipeline shared by the API (untrusted) and the seed (trusted: no quality gate). */
async function ingestEntries(
  entries: readonly (IngestEntry | IngestRejection)[],
  options: { trusted: boolean },
): Promise<IngestResult> {
  const rejected: IngestRejection[] = [];
  const acceptedIds: string[] = [];
  let created = 0;
  let updated = 0;
  const reject = (
    item: { storeId: string | null; externalId: string | null },
    error: string,
    retryable: boolean,
  ) => rejected.push({ externalId: item.externalId, storeId: item.storeId, error, retryable });

  const seen = new Set<string>();
  // Ids are drawn in input order (before the concurrent preparation), so new products list in batch order.
  const work: { index: number; entry: IngestEntry; newId: string }[] = [];
  for (const [index, entry] of entries.entries()) {
    if (!('source' in entry)) {
      rejected.push(entry);
    } else if (seen.has(keyOf(entry.item))) {
      reject(entry.item, 'the same storeId and externalId appear twice in the batch', false);
    } else {
      seen.add(keyOf(entry.item));
      work.push({ index, entry, newId: uuidv7() });
    }
  }

  const prepared = await mapBounded(work, PREPARE_CONCURRENCY, async ({ index, entry, newId }) => {
    try {
      return await prepareItem(index, entry.item, entry.source, options.trusted, newId);
    } catch (error) {
      return { error, item: entry.item };
    }
  });

  let originals: { id: string; phash: string }[] | undefined;
  const written: { row: ProductRow; bytes: Buffer | undefined }[] = [];
  for (const result of prepared) {
    if ('error' in result) {
      if (result.error instanceof ItemRejected)
        reject(result.item, result.error.message, result.error.retryable);
      else {
        logger.error('catalog: ingest item failed', describeError(result.error));
        reject(result.item, 'an unexpected error; retry later', true);
      }
      continue;
    }
    try {
      if (result.image) originals ??= await repository.listOriginalHashes();
      const { row, created: isNew } = await upsertPrepared(result, originals ?? []);
      if (isNew) created++;
      else updated++;
      acceptedIds.push(row.id);
      written.push({ row, bytes: result.image?.stored.bytes });
    } catch (error) {
      logger.error('catalog: writing an ingested product failed', describeError(error));
      if (result.image) await (await getObjectStorage()).delete(result.image.key).catch(() => {});
      reject(result.item, 'the product could not be saved; retry later', true);
    }
  }

  const needVectors = written.filter(({ row }) => row.embedding === null);
  if (needVectors.length > 0 && needVectors.length <= INLINE_EMBED_MAX_ITEMS) {
    for (const { row, bytes } of needVectors) await embedProduct(row, bytes);
  }
  if (needVectors.length > 0) scheduleEmbedding();

  return { total: entries.length, created, updated, failed: rejected.length, acceptedIds, rejected };
}

/** What the caller's key may write: its stores (`mayWriteStore`). */
export interface StoreAccess {
  mayWriteStore(storeId: string): boolean;
}

/**
 * A batch from a store scraper, validated item by item by the contract: one bad product never fails the batch.
 * A product of a store the key does not belong to, or whose URL names a host its store does not list, is
 * rejected (not retryable).
 */
export async function ingestProducts(
  items: readonly (IngestProduct | InvalidIngestItem)[],
  access: StoreAccess,
): Promise<IngestResult> {
  const { storeHosts } = getConfig();
  const entries = items.map((item): IngestEntry | IngestRejection => {
    if (!('invalid' in item)) {
      const refuse = (error: string) => ({
        externalId: item.externalId,
        storeId: item.storeId,
        error,
        retryable: false,
      });
      if (!access.mayWriteStore(item.storeId))
        return refuse(`forbidden: this API key does not belong to store ${item.storeId}`);
      if (!productUrlAllowed(item.productUrl, storeHosts[item.storeId]))
        return refuse(`invalid: productUrl is not on a host of store ${item.storeId}`);
      return toEntry(item);
    }
    const identity =
      item.input && typeof item.input === 'object' ? (item.input as Record<string, unknown>) : {};
    return {
      externalId: typeof identity.externalId === 'string' ? identity.externalId : null,
      storeId: typeof identity.storeId === 'string' ? identity.storeId : null,
      error: `invalid: ${item.invalid}`,
      retryable: false,
    };
  });
  return ingestEntries(entries, { trusted: false });
}

function toEntry(data: IngestProduct): IngestEntry | IngestRejection {
  const { imageUrl, imageBase64, ...item } = data;
  if (imageUrl !== undefined) return { item, source: { kind: 'url', url: imageUrl } };
  const bytes = Buffer.from(imageBase64 ?? '', 'base64');
  if (bytes.byteLength === 0)
    return {
      externalId: item.externalId,
      storeId: item.storeId,
      error: 'invalid: imageBase64 is empty',
      retryable: false,
    };
  return { item, source: { kind: 'bytes', bytes } };
}

/** Products from a trusted source (the seed): no quality gate; small images are upscaled to 400 px. */
export async function ingestTrustedProducts(
  items: readonly (CatalogItem & { imageBytes: Uint8Array })[],
): Promise<IngestResult> {
  return ingestEntries(
    items.map(({ imageBytes, ...item }) => ({ item, source: { kind: 'bytes', bytes: imageBytes } })),
    { trusted: true },
  );
}

export async function archiveProducts(
  input: { storeId: string; externalIds: string[] },
  access: StoreAccess,
) {
  if (!access.mayWriteStore(input.storeId))
    throw forbidden(`This API key does not belong to store ${input.storeId}.`);
  const archivedIds = await repository.archiveProducts({ ...input, at: new Date() });
  return { archivedCount: archivedIds.length, archivedIds };
}

export async function countProducts(): Promise<number> {
  return repository.countProducts();
}

// ---------------------------------------------------------------------------------------------------------
// Embeddings: inline for small batches, otherwise a bounded background queue over the products table (the
// table is the queue: a product without a vector of the current model is picked up again after a crash or
// a failure — never dropped).

async function readStoredImage(key: string): Promise<Uint8Array> {
  const stream = await (await getObjectStorage()).get(key);
  if (!stream) throw new Error(`no stored image at ${key}`);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function embedProduct(
  row: Pick<ProductRow, 'id' | 'imageKey' | 'imageSha256'>,
  bytes?: Uint8Array,
  embedder: Embedder = getEmbedder(),
): Promise<boolean> {
  try {
    const image = bytes ?? (await readStoredImage(row.imageKey));
    const vector = await imageProcessing().run(() => embedder.embed(image)); // a decode: admission control
    await repository.saveProductEmbedding({
      id: row.id,
      imageSha256: row.imageSha256,
      embedding: Array.from(vector),
      modelId: embedder.modelId,
    });
    return true;
  } catch (error) {
    logger.warn('catalog: embedding failed; it will be retried', {
      productId: row.id,
      ...describeError(error),
    });
    await repository.recordEmbeddingFailure({ id: row.id }).catch(() => {});
    return false;
  }
}

const RETRY_AFTER_FAILURE_MS = 60_000;
let draining: Promise<number> | undefined;
let rerun = false;
let retryTimer: NodeJS.Timeout | undefined;

/** Embeds every product still waiting for a vector; returns how many were embedded. */
export function drainEmbeddingQueue(): Promise<number> {
  draining ??= (async () => {
    const embedder = getEmbedder();
    const tried = new Set<string>();
    let embedded = 0;
    let failed = false;
    for (;;) {
      const waiting = (
        await repository.listProductsWaitingForVector({ modelId: embedder.modelId, limit: 64 })
      ).filter((row) => !tried.has(row.id));
      if (waiting.length === 0) break;
      for (const row of waiting) tried.add(row.id);
      const results = await mapBounded(waiting, EMBED_CONCURRENCY, (row) =>
        embedProduct(row, undefined, embedder),
      );
      embedded += results.filter(Boolean).length;
      failed ||= results.includes(false);
    }
    if (failed && !retryTimer) {
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        scheduleEmbedding();
      }, RETRY_AFTER_FAILURE_MS);
      retryTimer.unref();
    }
    return embedded;
  })().finally(() => {
    draining = undefined;
    if (rerun) {
      rerun = false;
      scheduleEmbedding();
    }
  });
  return draining;
}

/** Starts the background queue (no-op when it runs already; a run re-reads the table until it is empty). */
export function scheduleEmbedding(): void {
  if (draining) {
    rerun = true; // products written after this run listed its queue get a run of their own
    return;
  }
  drainEmbeddingQueue().catch((error) =>
    logger.error('catalog: embedding queue failed', describeError(error)),
  );
}

/** For readiness: the embedder and how many products wait for its vector. */
export async function getEmbeddingStatus(): Promise<{
  modelId: string;
  dims: number;
  waitingForVector: number;
}> {
  const { modelId, dims } = getEmbedder();
  return { modelId, dims, waitingForVector: await repository.countProductsWaitingForVector({ modelId }) };
}
