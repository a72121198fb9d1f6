import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { imageProcessing } from '@/features/core/admission/admission';
import { getConfig } from '@/features/core/config/config';
import { isForeignKeyViolation } from '@/features/core/database/errors';
import { uuidv7 } from '@/features/core/database/uuid';
import { DomainError, notFound, unauthorized } from '@/features/core/errors/errors';
import { TEMP_FILE_SUFFIX, type UploadedFile } from '@/features/core/http/multipart';
import { toPage } from '@/features/core/http/pagination';
import { getObjectStorage, type StoredObject } from '@/features/core/storage/storage';
import { processImage } from '../image/image';
import * as repository from '../repository/repository';
import type { UploadRow } from '../repository/uploads.table';
import type { PublicUpload } from '../schemas/schemas';
import { isUploadKey, storageKeyFor } from '../utils/storage-keys';

// Outfit photos: validate and clean, store the bytes, then the row. Another user's upload is "not found".

function toPublicUpload(row: UploadRow): PublicUpload {
  return {
    id: row.id,
    contentType: row.contentType as PublicUpload['contentType'],
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    createdAt: row.createdAt.toISOString(),
  };
}

const UPLOAD_NOT_FOUND = 'No such upload.';
const IMAGE_TEMP_SUFFIX = '.image-out';

/** `signal`: the request's; a photo whose client left while it waited for a decoder is never decoded. */
export async function createUpload(
  userId: string,
  file: UploadedFile,
  signal?: AbortSignal,
): Promise<PublicUpload> {
  try {
    return await storeUpload(userId, file, signal);
  } catch (error) {
    // The account was deleted while this upload ran: its rows cannot reference the user any more.
    if (isForeignKeyViolation(error)) throw unauthorized('The account no longer exists.');
    throw error;
  }
}

async function storeUpload(
  userId: string,
  file: UploadedFile,
  signal: AbortSignal | undefined,
): Promise<PublicUpload> {
  const { maxBytes, perUser } = getConfig().uploads;
  if (file.size > maxBytes)
    throw new DomainError('too_large', `The file exceeds the limit of ${maxBytes} bytes.`);
  await enforceUploadLimits(userId);
  const output = join(getConfig().tempDir, `${uuidv7()}${IMAGE_TEMP_SUFFIX}`);
  try {
    const result = await imageProcessing().run(() => processImage(file.path, output), signal);
    if ('kind' in result) {
      if (result.kind === 'unsupported') {
        throw new DomainError(
          'unsupported_media_type',
          'Only JPEG, PNG and WebP photos are accepted (judged by their content).',
        );
      }
      throw new DomainError('invalid', result.message, {
        fields: [{ field: 'file', message: result.message }],
      });
    }
    const usage = await repository.getUploadUsage({ userId });
    if (usage.bytes + result.bytes > perUser.maxBytes) throw quotaExceeded(usage, perUser, 'bytes');
    const id = uuidv7();
    const storageKey = storageKeyFor(userId, id);
    const storage = await getObjectStorage();
    const sha256 = await sha256Of(output);
    // Bytes first: a crash between the two leaves an orphan object (the sweep removes it), never a row
    // without its bytes.
    await storage.putFile(storageKey, output, result.type);
    try {
      const row = await repository.insertUpload({
        id,
        userId,
        contentType: result.type,
        bytes: result.bytes,
        width: result.width,
        height: result.height,
        sha256,
        storageKey,
      });
      return toPublicUpload(row);
    } catch (error) {
      // Also the path of an upload racing its account's deletion: the row cannot reference a deleted user.
      await storage.delete(storageKey).catch(() => {});
      throw error;
    }
  } finally {
    await rm(output, { force: true });
  }
}

/** Per user: a rate of attempts, then a quota of photos and bytes. Each refusal says which limit and when. */
async function enforceUploadLimits(userId: string): Promise<void> {
  const { perUser } = getConfig().uploads;
  const { hits, resetAt } = await repository.hitUploadRateLimit({
    userId,
    windowSeconds: perUser.rateWindowSeconds,
  });
  if (hits > perUser.ratePerWindow) {
    const retryAfter = Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000));
    throw new DomainError(
      'rate_limited',
      `At most ${perUser.ratePerWindow} uploads per ${perUser.rateWindowSeconds} s; retry in ${retryAfter} s.`,
      { retryAfter, code: 'upload_rate_limited' },
    );
  }
  const usage = await repository.getUploadUsage({ userId });
  if (usage.count >= perUser.maxCount) throw quotaExceeded(usage, perUser, 'count');
  if (usage.bytes >= perUser.maxBytes) throw quotaExceeded(usage, perUser, 'bytes');
}

function quotaExceeded(
  usage: { count: number; bytes: number },
  limits: { maxCount: number; maxBytes: number },
  which: 'count' | 'bytes',
): DomainError {
  const detail =
    which === 'count'
      ? `You have ${usage.count} photos, the most one account may keep (${limits.maxCount}); delete some first.`
      : `Your photos use ${usage.bytes} of ${limits.maxBytes} bytes; this one does not fit. Delete some first.`;
  return new DomainError('forbidden', detail, {
    code: 'upload_quota_exceeded',
    details: {
      quota: { count: usage.count, maxCount: limits.maxCount, bytes: usage.bytes, maxBytes: limits.maxBytes },
    },
  });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('base64url');
}

export async function listUploads(userId: string, query: { limit: number; cursor?: string | undefined }) {
  const before = query.cursor;
  const rows = await repository.listUploads({ userId, before, limit: query.limit + 1 });
  return toPage(rows, query.limit, (row) => row.id, toPublicUpload);
}

export async function getUpload(userId: string, id: string): Promise<PublicUpload> {
  const row = await repository.findUpload({ userId, id });
  if (!row) throw notFound(UPLOAD_NOT_FOUND);
  return toPublicUpload(row);
}

export async function getUploadContent(userId: string, id: string) {
  const row = await repository.findUpload({ userId, id });
  if (!row) throw notFound(UPLOAD_NOT_FOUND);
  return {
    etag: `"${row.sha256}"`,
    contentType: row.contentType,
    bytes: row.bytes,
    open: async () => {
      const stream = await (await getObjectStorage()).get(row.storageKey);
      if (!stream) throw new Error(`upload ${row.id} has a row but no bytes in storage`);
      return stream;
    },
  };
}

export async function deleteUpload(userId: string, id: string): Promise<void> {
  const row = await repository.deleteUpload({ userId, id });
  if (!row) throw notFound(UPLOAD_NOT_FOUND);
  await (await getObjectStorage()).delete(row.storageKey);
}

/**
 * Erases every stored byte of a user: everything under their storage prefix, whether or not a row names it
 * (an upload that raced the account's deletion, a crash between a write and its insert). Call it AFTER the
 * user's row is gone: from then on no upload of theirs can be inserted, and one still in flight deletes its
 * own bytes when its insert fails.
 */
export async function eraseUserUploads(userId: string): Promise<number> {
  const storage = await getObjectStorage();
  let erased = 0;
  for await (const object of storage.list(`${userId}/`)) {
    await storage.delete(object.key);
    erased++;
  }
  return erased;
}

export interface SweepResult {
  scanned: number;
  deleted: string[];
}

/**
 * Removes bytes no row names — crashes between a storage write and its insert, uploads that raced an account
 * deletion, unfinished writes — once older than the grace period (younger ones may be uploads in flight),
 * and stale request temp files. `npm run uploads:sweep` runs it; the server runs it periodically.
 */
export async function sweepOrphanUploads(options: {
  graceSeconds: number;
  now?: Date;
}): Promise<SweepResult> {
  const cutoff = (options.now ?? new Date()).getTime() - options.graceSeconds * 1000;
  const storage = await getObjectStorage();
  const result: SweepResult = { scanned: 0, deleted: [] };
  let batch: StoredObject[] = [];
  const flush = async () => {
    const existing = await repository.findExistingStorageKeys({
      storageKeys: batch.map((object) => object.key),
    });
    for (const object of batch) {
      if (existing.has(object.key) || object.lastModified.getTime() > cutoff) continue;
      await storage.delete(object.key);
      result.deleted.push(object.key);
    }
    batch = [];
  };
  for await (const object of storage.list('')) {
    if (!isUploadKey(object.key)) continue; // never anything this feature did not write
    result.scanned++;
    batch.push(object);
    if (batch.length === 500) await flush();
  }
  await flush();
  result.deleted.push(...(await sweepTempFiles(getConfig().tempDir, cutoff)));
  return result;
}

async function sweepTempFiles(directory: string, cutoff: number): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(directory).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith(IMAGE_TEMP_SUFFIX) && !name.endsWith(TEMP_FILE_SUFFIX)) continue;
    const path = join(directory, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtime.getTime() <= cutoff) {
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
