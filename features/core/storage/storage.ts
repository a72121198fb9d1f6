import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { getConfig } from '@/features/core/config/config';

// Where the bytes of uploads live: one small interface, two real drivers chosen by config.

export interface StoredObject {
  key: string;
  lastModified: Date;
}

export interface ObjectStorage {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** Stores the file at `path` (streamed, never read into memory). */
  putFile(key: string, path: string, contentType: string): Promise<void>;
  /** Every object whose key starts with `prefix` (`''` for all), including unfinished writes. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** The object's bytes as a stream, or undefined when it does not exist. */
  get(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  delete(key: string): Promise<void>;
}

/** Local disk under one directory. Writes go to a temporary name, then rename: a crash never leaves a half file. */
export function diskStorage(directory: string): ObjectStorage {
  const root = resolve(directory);
  const pathOf = (key: string) => {
    const path = resolve(root, key);
    if (!path.startsWith(`${root}/`)) throw new Error(`storage key escapes the storage root: ${key}`);
    return path;
  };
  return {
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${crypto.randomUUID()}.partial`;
      try {
        await writeFile(temporary, bytes, { flag: 'wx', mode: 0o600 });
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
    async putFile(key, source) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${crypto.randomUUID()}.partial`;
      try {
        await copyFile(source, temporary);
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
    async *list(prefix) {
      const walk = async function* (directory: string): AsyncGenerator<StoredObject> {
        let entries: import('node:fs').Dirent[];
        try {
          entries = await readdir(directory, { withFileTypes: true });
        } catch {
          return; // nothing stored there (yet)
        }
        for (const entry of entries) {
          const path = join(directory, entry.name);
          if (entry.isDirectory()) yield* walk(path);
          else if (entry.isFile()) {
            const key = relative(root, path);
            if (!key.startsWith(prefix)) continue;
            const info = await stat(path).catch(() => undefined);
            if (info) yield { key, lastModified: info.mtime };
          }
        }
      };
      // Keys are `<userId>/<uploadId>`: a prefix ending in `/` names one directory.
      yield* walk(prefix.endsWith('/') ? pathOf(prefix.slice(0, -1)) : root);
    },
    async get(key) {
      const path = pathOf(key);
      try {
        await stat(path);
      } catch {
        return undefined;
      }
      return Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}

/** Any S3-compatible object store (AWS, R2, MinIO, …) through @aws-sdk/client-s3. */
export async function s3Storage(
  options: Extract<ReturnType<typeof getConfig>['uploads']['storage'], { driver: 's3' }>,
) {
  const {
    S3Client,
    PutObjectCommand,
    GetObjectCommand,
    DeleteObjectCommand,
    ListObjectsV2Command,
    NoSuchKey,
  } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
  });
  const storage: ObjectStorage = {
    async put(key, bytes, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: bytes, ContentType: contentType }),
      );
    },
    async putFile(key, path, contentType) {
      // A buffer, not a stream: with a stream body the SDK sends aws-chunked framing with a trailing checksum,
      // which S3-compatible servers (s3rver, older MinIO) store verbatim. One re-encoded photo, briefly.
      await storage.put(key, await readFile(path), contentType);
    },
    async *list(prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: options.bucket,
            Prefix: prefix || undefined,
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? [])
          if (object.Key) yield { key: object.Key, lastModified: object.LastModified ?? new Date(0) };
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async get(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
        return object.Body?.transformToWebStream() as ReadableStream<Uint8Array> | undefined;
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
    },
  };
  return storage;
}

let configured: Promise<ObjectStorage> | undefined;
/** The storage the config names, created once. */
export function getObjectStorage(): Promise<ObjectStorage> {
  const { storage } = getConfig().uploads;
  configured ??= storage.driver === 's3' ? s3Storage(storage) : Promise.resolve(diskStorage(storage.dir));
  return configured;
}
