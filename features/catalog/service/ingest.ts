import { createHash } from 'node:crypto';
import { imageProcessing } from '@/features/core/admission/admission';
import { getConfig } from '@/features/core/config/config';
import { uuidv7 } from '@/features/core/database/uuid';
import { forbidden } from '@/features/core/errors/errors';
import { describeError, logger } from '@/features/core/logger/logger';
import { getObjectStorage } from '@/features/core/storage/storage';
import {
  assessImageQuality,
  perceptualHashOf,
  QUALITY,
  type StoredImage,
  toStoredImage,
} from '../image/image';
import type { ProductRow } from '../repository/products.table';
import * as repository from '../repository/repository';
import type { IngestProduct, IngestRejection, IngestResult, InvalidIngestItem } from '../schemas/schemas';
import { mapBounded } from '../utils/bounded';
import { deriveCategory } from '../utils/category';
import { hammingDistance } from '../utils/image-maths';
import { productUrlAllowed } from '../utils/store-urls';
import { embedProduct, scheduleEmbedding } from './embedding-queue';
import { fetchImage, ImageFetchError } from './image-fetch';

// Ingest, top-down: authorise and validate each item → admit the batch → resolve images (fetch, quality gate,
// stored copy, perceptual hash) → upsert in batch order → embed → the result.

/** Hamming distance at or below which a new image is a near-duplicate of an earlier product. */
export const DUPLICATE_MAX_DISTANCE = 5;
/** Batches up to this size are embedded before the response; larger ones in the background. */
export const INLINE_EMBED_MAX_ITEMS = 10;
/** Items of one batch prepared (fetched, checked, re-encoded) at once. */
const PREPARE_CONCURRENCY = 4;

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

type ImageSource = { kind: 'url'; url: string } | { kind: 'bytes'; bytes: Uint8Array };

interface IngestEntry {
  item: CatalogItem;
  source: ImageSource;
}

/** What the caller's key may write: its stores (`mayWriteStore`). */
export interface StoreAccess {
  mayWriteStore(storeId: string): boolean;
}

// ---------------------------------------------------------------------------------------------------------
// The two ways in

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
  const entries = items.map((item) =>
    'invalid' in item ? invalidItemRejection(item) : authorisedEntry(item, access, storeHosts[item.storeId]),
  );
  return ingestEntries(entries, { trusted: false });
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

/** The item with its image source, or its refusal: a store the key may not write, a URL off the store's hosts. */
function authorisedEntry(
  data: IngestProduct,
  access: StoreAccess,
  storeHosts: readonly string[] | undefined,
): IngestEntry | IngestRejection {
  const { imageUrl, imageBase64, ...item } = data;
  if (!access.mayWriteStore(item.storeId))
    return rejection(item, `forbidden: this API key does not belong to store ${item.storeId}`);
  if (!productUrlAllowed(item.productUrl, storeHosts))
    return rejection(item, `invalid: productUrl is not on a host of store ${item.storeId}`);
  if (imageUrl !== undefined) return { item, source: { kind: 'url', url: imageUrl } };
  const bytes = Buffer.from(imageBase64 ?? '', 'base64');
  if (bytes.byteLength === 0) return rejection(item, 'invalid: imageBase64 is empty');
  return { item, source: { kind: 'bytes', bytes } };
}

/** An item the contract refused, named by whatever identity it carries. */
function invalidItemRejection(item: InvalidIngestItem): IngestRejection {
  const input = item.input && typeof item.input === 'object' ? (item.input as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return rejection(
    { externalId: text(input.externalId), storeId: text(input.storeId) },
    `invalid: ${item.invalid}`,
  );
}

function rejection(
  item: { storeId: string | null; externalId: string | null },
  error: string,
  retryable = false,
): IngestRejection {
  return { externalId: item.externalId, storeId: item.storeId, error, retryable };
}

// ---------------------------------------------------------------------------------------------------------
// The pipeline

/** The batch's running account. */
interface Tally {
  rejected: IngestRejection[];
  acceptedIds: string[];
  created: number;
  updated: number;
}

/** The ingest pipeline shared by the API (untrusted) and the seed (trusted: no quality gate). */
async function ingestEntries(
  entries: readonly (IngestEntry | IngestRejection)[],
  options: { trusted: boolean },
): Promise<IngestResult> {
  const tally: Tally = { rejected: [], acceptedIds: [], created: 0, updated: 0 };
  const admitted = admitEntries(entries, tally);
  const prepared = await resolveImages(admitted, options.trusted, tally);
  const written = await upsertInOrder(prepared, tally);
  await embedWritten(written);
  const { rejected, acceptedIds, created, updated } = tally;
  return { total: entries.length, created, updated, failed: rejected.length, acceptedIds, rejected };
}

/**
 * Refusals so far are kept; the second item with the same store and external id is refused. Ids are drawn here,
 * in input order (before the concurrent preparation), so new products list in batch order.
 */
function admitEntries(entries: readonly (IngestEntry | IngestRejection)[], tally: Tally) {
  const seen = new Set<string>();
  const admitted: { entry: IngestEntry; newId: string }[] = [];
  for (const entry of entries) {
    if (!('source' in entry)) {
      tally.rejected.push(entry);
      continue;
    }
    const key = `${entry.item.storeId}\u0000${entry.item.externalId}`;
    if (seen.has(key)) {
      tally.rejected.push(rejection(entry.item, 'the same storeId and externalId appear twice in the batch'));
      continue;
    }
    seen.add(key);
    admitted.push({ entry, newId: uuidv7() });
  }
  return admitted;
}

/** Each item's current row and new image, a few items at once; an item that fails here is refused (in batch order). */
async function resolveImages(
  admitted: readonly { entry: IngestEntry; newId: string }[],
  trusted: boolean,
  tally: Tally,
): Promise<PreparedItem[]> {
  const results = await mapBounded(admitted, PREPARE_CONCURRENCY, async ({ entry, newId }) => {
    try {
      const existing = await repository.findProductByExternalId(entry.item);
      const id = existing?.id ?? newId;
      const image = await prepareImage(id, entry.source, existing, trusted);
      return { item: entry.item, id, existing, image };
    } catch (error) {
      return { item: entry.item, error };
    }
  });
  const prepared: PreparedItem[] = [];
  for (const result of results) {
    if ('error' in result) tally.rejected.push(refusalOf(result.item, result.error));
    else prepared.push(result);
  }
  return prepared;
}

/** A refusal for an item whose preparation threw: its own reason (a fetch's among them), or (logged) an unexpected error. */
function refusalOf(item: CatalogItem, error: unknown): IngestRejection {
  if (error instanceof ItemRejected || error instanceof ImageFetchError)
    return rejection(item, error.message, error.retryable);
  logger.error('catalog: ingest item failed', describeError(error));
  return rejection(item, 'an unexpected error; retry later', true);
}

/**
 * Writes the prepared items one after another, in batch order, so a near-duplicate always points at an earlier
 * original. A write that fails is refused (retryable) and its new image removed.
 */
async function upsertInOrder(prepared: readonly PreparedItem[], tally: Tally) {
  let originals: Original[] | undefined;
  const written: { row: ProductRow; bytes: Buffer | undefined }[] = [];
  for (const item of prepared) {
    try {
      if (item.image) originals ??= await repository.listOriginalHashes();
      const { row, created } = await upsertPrepared(item, originals ?? []);
      if (created) tally.created++;
      else tally.updated++;
      tally.acceptedIds.push(row.id);
      written.push({ row, bytes: item.image?.stored.bytes });
    } catch (error) {
      logger.error('catalog: writing an ingested product failed', describeError(error));
      if (item.image) await discardImage(item.image.key);
      tally.rejected.push(rejection(item.item, 'the product could not be saved; retry later', true));
    }
  }
  return written;
}

/** Products without a vector: a small batch is embedded before the response; the queue takes the rest. */
async function embedWritten(written: readonly { row: ProductRow; bytes: Buffer | undefined }[]) {
  const needVectors = written.filter(({ row }) => row.embedding === null);
  if (needVectors.length === 0) return;
  if (needVectors.length <= INLINE_EMBED_MAX_ITEMS) {
    for (const { row, bytes } of needVectors) await embedProduct(row, bytes);
  }
  scheduleEmbedding();
}

// ---------------------------------------------------------------------------------------------------------
// Resolving an image

/** A per-item refusal: validation and quality are final; fetch timeouts and storage failures are retryable. */
class ItemRejected extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
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
  return fetchImage(source.url, {
    allowPrivate: fetchAllowPrivate,
    maxBytes: QUALITY.maxBytes,
    timeoutMs: fetchTimeoutMs,
  });
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

// ---------------------------------------------------------------------------------------------------------
// Writing a product

type Original = { id: string; phash: string };

/** Writes one prepared item; returns the row and whether it was created. `originals` gains a new original. */
async function upsertPrepared(
  prepared: PreparedItem,
  originals: Original[],
): Promise<{ row: ProductRow; created: boolean }> {
  const { item, image } = prepared;
  const duplicateOfId = image ? nearDuplicateOf(prepared.id, image.phash, originals) : null;
  const inserted =
    !prepared.existing && image
      ? await repository.insertProduct({
          id: prepared.id,
          ...rowValues(item),
          ...imageValues(image, duplicateOfId),
        })
      : undefined;
  // Not new, or another batch inserted it first: update it.
  const row =
    inserted ??
    (await updateProduct(prepared, {
      ...rowValues(item),
      ...(image ? imageValues(image, duplicateOfId) : {}),
    }));
  if (image && duplicateOfId === null) originals.push({ id: row.id, phash: image.phash });
  return { row, created: inserted !== undefined };
}

function nearDuplicateOf(id: string, phash: string, originals: readonly Original[]): string | null {
  const match = originals.find(
    (original) => original.id !== id && hammingDistance(original.phash, phash) <= DUPLICATE_MAX_DISTANCE,
  );
  return match?.id ?? null;
}

/** Updates the product; the image a new one replaces is removed. */
async function updateProduct(
  prepared: PreparedItem,
  values: Parameters<typeof repository.updateProduct>[0]['values'],
): Promise<ProductRow> {
  const current = prepared.existing ?? (await repository.findProductByExternalId(prepared.item));
  const row = current && (await repository.updateProduct({ id: current.id, values }));
  if (!current || !row) throw new Error('product vanished during ingest');
  if (prepared.image && prepared.existing && current.imageKey !== prepared.image.key) {
    await discardImage(current.imageKey);
  }
  return row;
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

async function discardImage(key: string): Promise<void> {
  await (await getObjectStorage()).delete(key).catch(() => {});
}

// ---------------------------------------------------------------------------------------------------------
// Archive

export async function archiveProducts(
  input: { storeId: string; externalIds: string[] },
  access: StoreAccess,
) {
  if (!access.mayWriteStore(input.storeId))
    throw forbidden(`This API key does not belong to store ${input.storeId}.`);
  const archivedIds = await repository.archiveProducts({ ...input, at: new Date() });
  return { archivedCount: archivedIds.length, archivedIds };
}
