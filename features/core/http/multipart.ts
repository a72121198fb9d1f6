import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { DomainError } from '@/features/core/errors/errors';

// multipart/form-data, streamed: each file part goes straight to a temporary file while the body is counted,
// so a 10 MiB photo costs a few 64 KiB buffers of memory, not the ~38 MB of a buffered FormData + copies.
// The temporary files live until the request ends (`dispose`), then are removed.

/** A file part of a multipart body, already on disk. */
export class UploadedFile {
  constructor(
    /** Absolute path of the temporary file (removed when the request ends). */
    readonly path: string,
    readonly size: number,
    /** The client's file name and Content-Type: informative only, never trusted. */
    readonly name: string,
    readonly type: string,
  ) {}
}

export const TEMP_FILE_SUFFIX = '.request-part';

export interface MultipartOptions {
  contentType: string;
  /** Where file parts are written; created if missing. */
  tempDir: string;
  /** Temporary files to remove when the request ends are pushed here. */
  disposables: (() => Promise<void>)[];
}

/** Reads a (size-limited) multipart body into fields (strings) and files (UploadedFile). */
export async function readMultipart(
  body: ReadableStream<Uint8Array> | null,
  options: MultipartOptions,
): Promise<[string, string | UploadedFile][]> {
  const entries: [string, string | UploadedFile][] = [];
  if (!body) return entries;
  const directory = resolve(options.tempDir);
  await mkdir(directory, { recursive: true });
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': options.contentType },
      limits: { fields: 50, fieldSize: 64 * 1024, files: 5, parts: 60 },
    });
  } catch {
    throw new DomainError('bad_request', 'The multipart body could not be parsed.');
  }
  const writes: Promise<void>[] = [];
  const done = new Promise<void>((resolveDone, reject) => {
    parser.on('field', (name, value) => entries.push([name, value]));
    parser.on('file', (name, stream, info) => {
      const path = join(directory, `${randomUUID()}${TEMP_FILE_SUFFIX}`);
      options.disposables.push(() => rm(path, { force: true }));
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
      });
      const entry: [string, string | UploadedFile] = [name, ''];
      entries.push(entry);
      writes.push(
        pipeline(stream, createWriteStream(path, { flags: 'wx', mode: 0o600 })).then(() => {
          entry[1] = new UploadedFile(path, size, info.filename ?? '', info.mimeType ?? '');
        }),
      );
    });
    parser.on('close', () => resolveDone());
    parser.on('error', reject);
  });
  const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  try {
    await Promise.all([pipeline(source, parser), done]);
    await Promise.all(writes);
  } catch (error) {
    await Promise.allSettled(writes);
    const cause = findProblem(error);
    if (cause) throw cause;
    throw new DomainError('bad_request', 'The multipart body could not be parsed.');
  }
  return entries;
}

function findProblem(error: unknown): DomainError | undefined {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    if (current instanceof DomainError) return current;
  }
  return undefined;
}
