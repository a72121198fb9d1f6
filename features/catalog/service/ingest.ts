import { createHash } from 'node:crypto';
import { getConfig } from '@/features/core/config/config';
import { uuidv7 } from '@/features/core/database/uuid';
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
import { embedProduct, scheduleEmbedding } from './embedding-queue';
import { fetchImage, ImageFetchError } from './image-fetch';

// Ingest: validate → fetch → quality gate → stored copy → perceptual hash → upsert → embed.

/** Hamming distance at or below which a new image is a near-duplicate of an earlier product. */
export const DUPLICATE_MAX_DISTANCE = 5;
/** Batches up to this size are embedded before the response; larger ones in the background. */
export const INLINE_EMBED_MAX_ITEMS = 10;
/** Items of one batch prepared (fetched, checked, re-encoded) at once. */
const PREPARE_CONCURRENCY = 4;
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
  const storedSha = sha256(stored.bytes);
  const key = `catalog/${id}/${storedSha}.${EXTENSION[stored.contentType]}`;
  const phash = await perceptualHashOf(stored.bytes);
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

/** A batch from a store scraper, validated item by item by the contract: one bad product never fails the batch. */
export async function ingestProducts(
  items: readonly (IngestProduct | InvalidIngestItem)[],
): Promise<IngestResult> {
  const entries = items.map((item): IngestEntry | IngestRejection => {
    if (!('invalid' in item)) return toEntry(item);
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

export async function archiveProducts(input: { storeId: string; externalIds: string[] }) {
  const archivedIds = await repository.archiveProducts({ ...input, at: new Date() });
  return { archivedCount: archivedIds.length, archivedIds };
}
