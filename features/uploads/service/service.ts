import { createHash } from 'node:crypto';
import { getConfig } from '@/features/core/config/config';
import { uuidv7 } from '@/features/core/database/uuid';
import { DomainError, notFound } from '@/features/core/errors/errors';
import { decodeCursor, toPage } from '@/features/core/http/pagination';
import {
  deleteUpload,
  findUpload,
  insertUpload,
  listStorageKeys,
  listUploads,
} from '../repository/repository';
import type { UploadRow } from '../repository/uploads.table';
import type { PublicUpload } from '../schemas/schemas';
import { getStorage, storageKeyFor } from '../storage/storage';

/** The object storage (disk or S3) photos live in; the catalogue keeps product images there too, under `catalog/`. */
export { getStorage as getObjectStorage };

import { processImage } from '../utils/image';

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

export async function createUpload(userId: string, file: File): Promise<PublicUpload> {
  const { maxBytes } = getConfig().uploads;
  if (file.size > maxBytes)
    throw new DomainError('too_large', `The file exceeds the limit of ${maxBytes} bytes.`);
  const result = await processImage(new Uint8Array(await file.arrayBuffer()));
  if ('kind' in result) {
    if (result.kind === 'unsupported') {
      throw new DomainError(
        'unsupported_media_type',
        'Only JPEG, PNG and WebP photos are accepted (judged by their content).',
      );
    }
    throw new DomainError('invalid', result.message, {
      errors: [{ path: 'body.file', message: result.message }],
    });
  }
  const id = uuidv7();
  const storageKey = storageKeyFor(userId, id);
  const storage = await getStorage();
  // Bytes first: a crash between the two leaves an orphan object, never a row without its bytes.
  await storage.put(storageKey, result.bytes, result.type);
  try {
    const row = await insertUpload({
      id,
      userId,
      contentType: result.type,
      bytes: result.bytes.byteLength,
      width: result.width,
      height: result.height,
      sha256: createHash('sha256').update(result.bytes).digest('base64url'),
      storageKey,
    });
    return toPublicUpload(row);
  } catch (error) {
    await storage.delete(storageKey).catch(() => {});
    throw error;
  }
}

export async function listUserUploads(userId: string, query: { limit: number; cursor?: string | undefined }) {
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && before === undefined) {
    throw new DomainError('invalid', 'The cursor is not valid.', {
      errors: [{ path: 'query.cursor', message: 'is not a cursor from this API' }],
    });
  }
  const rows = await listUploads({ userId, before, limit: query.limit + 1 });
  return toPage(rows, query.limit, (row) => row.id, toPublicUpload);
}

export async function getUpload(userId: string, id: string): Promise<PublicUpload> {
  const row = await findUpload({ userId, id });
  if (!row) throw notFound(UPLOAD_NOT_FOUND);
  return toPublicUpload(row);
}

export async function getUploadContent(userId: string, id: string) {
  const row = await findUpload({ userId, id });
  if (!row) throw notFound(UPLOAD_NOT_FOUND);
  return {
    etag: `"${row.sha256}"`,
    contentType: row.contentType,
    bytes: row.bytes,
    open: async () => {
      const stream = await (await getStorage()).get(row.storageKey);
      if (!stream) throw new Error(`upload ${row.id} has a row but no bytes in storage`);
      return stream;
    },
  };
}

export async function removeUpload(userId: string, id: string): Promise<void> {
  const row = await deleteUpload({ userId, id });
  if (!row) throw notFound(UPLOAD_NOT_FOUND);
  await (await getStorage()).delete(row.storageKey);
}

/** Deletes every stored photo of a user (their rows go with the account, by cascade). */
export async function deleteAllUploadBytes(userId: string): Promise<void> {
  const storage = await getStorage();
  for (const key of await listStorageKeys({ userId })) await storage.delete(key);
}
