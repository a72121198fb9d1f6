import { DomainError } from '@/features/core/errors/errors';
import { assertJsonShapeBounded } from './input-bounds';
import { readMultipart } from './multipart';

// Request bodies: media type checked against what the operation accepts, size counted while streaming
// (Content-Length is only used to refuse early, never trusted), then decoded.

export type BodyMediaType = 'application/json' | 'application/x-www-form-urlencoded' | 'multipart/form-data';

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
/** Operations without a guard (register, token, revoke) are reachable by anyone: a much smaller default. */
export const ANONYMOUS_BODY_LIMIT_BYTES = 16 * 1024;

export function mediaTypeOf(request: Request): string | undefined {
  const header = request.headers.get('content-type');
  return header?.split(';', 1)[0]?.trim().toLowerCase() || undefined;
}

export function tooLarge(limit: number): DomainError {
  return new DomainError('too_large', `The request body exceeds the limit of ${limit} bytes.`);
}

/** A copy of `body` that errors with 413 once more than `limit` bytes have passed. */
export function limitStream(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  let seen = 0;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += value.byteLength;
      if (seen > limit) {
        await reader.cancel().catch(() => {});
        return controller.error(tooLarge(limit));
      }
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DomainError('bad_request', 'The request body is not valid UTF-8.');
  }
}

/**
 * Reads and decodes the body as one of `accepted` media types. Returns the raw value to validate:
 * parsed JSON, an object of form fields (repeated keys become arrays), or multipart fields and files
 * (`UploadedFile`, streamed to `options.tempDir`; removed by the `options.disposables` the caller runs).
 */
export async function readBody(
  request: Request,
  accepted: readonly BodyMediaType[],
  limit: number,
  options: { tempDir: string; disposables: (() => Promise<void>)[] },
): Promise<unknown> {
  const mediaType = mediaTypeOf(request);
  if (mediaType === undefined || !accepted.includes(mediaType as BodyMediaType)) {
    throw new DomainError(
      'unsupported_media_type',
      `Content-Type must be ${accepted.join(' or ')}${mediaType ? `, not ${mediaType}` : ''}.`,
      { headers: { 'accept-post': accepted.join(', ') } },
    );
  }
  // A declared length over the limit is refused before reading; the stream is counted either way.
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (mediaType === 'multipart/form-data') {
    const limited = request.body ? limitStream(request.body, limit) : null;
    return entriesToObject(
      await readMultipart(limited, {
        contentType: request.headers.get('content-type') ?? '',
        tempDir: options.tempDir,
        disposables: options.disposables,
      }),
    );
  }
  const text = decodeText(await readLimited(request, limit));
  if (mediaType === 'application/x-www-form-urlencoded')
    return entriesToObject(new URLSearchParams(text).entries());
  if (text.trim() === '')
    throw new DomainError('bad_request', 'The request body is empty; a JSON document is expected.');
  assertJsonShapeBounded(text);
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError('bad_request', 'The request body is not valid JSON.');
  }
}

/** Query strings and forms: one key → a string; a repeated key → an array of its values. */
export function entriesToObject<V>(entries: Iterable<[string, V]>): Record<string, V | V[]> {
  // No prototype: a field named `__proto__` stays a field.
  const result: Record<string, V | V[]> = Object.create(null);
  for (const [key, value] of entries) {
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing, value];
  }
  return result;
}
