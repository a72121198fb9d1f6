import { IncomingMessage, type ServerResponse } from 'node:http';
import { DomainError } from '@/features/core/errors/errors';
import { DEFAULT_BODY_LIMIT_BYTES } from '@/features/core/http/body';
import type { Reply, ResponseWriter } from '@/features/core/http/lifecycle';
import { isDraining } from '@/features/core/startup/lifecycle';

// node:http ⇄ web Request/Response for our own server, in the order a request meets them: its body limit, the
// web Request the lifecycle reads (body counted as it streams in), then the writer that puts the lifecycle's
// reply onto the Node response. The feature handlers take and return web objects (the same functions app/api's
// route.ts files export to Next).

/** Past its limit a body is still read and discarded (so the 413 reaches a client that is still sending), up to this many times the limit; then the connection is closed (lingering). */
const DISCARD_FACTOR = 4;

export function tooLarge(limit: number): DomainError {
  return new DomainError('too_large', `The request body exceeds the limit of ${limit} bytes.`);
}

export function declaredLength(request: IncomingMessage): number | undefined {
  const header = request.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

export function hasBody(request: IncomingMessage): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  const length = declaredLength(request);
  return (length !== undefined && length > 0) || request.headers['transfer-encoding'] !== undefined;
}

/** Counts a body that is past its limit without keeping it; closes the connection when it goes on too long. */
function discardRest(request: IncomingMessage, response: ServerResponse, seen: number, limit: number): void {
  let total = seen;
  let closing = false;
  request.removeAllListeners('data');
  request.on('data', (chunk: Buffer) => {
    total += chunk.byteLength;
    if (closing || total <= limit * DISCARD_FACTOR) return;
    closing = true;
    closeLingering(response);
  });
  request.resume();
}

/** Past the discard bound: the connection closes once the answer is out (lingering, below). */
function closeLingering(response: ServerResponse): void {
  const socket = response.socket;
  if (!socket) return;
  if (!response.headersSent) {
    response.shouldKeepAlive = false; // Node closes it after the answer, through destroySoon
    return;
  }
  if (response.writableFinished) socket.destroySoon();
  else response.once('finish', () => socket.destroySoon());
}

/** The web Request the lifecycle reads: the Node request's method, headers and (counted) body. */
export function webRequest(request: IncomingMessage, response: ServerResponse, limit: number): Request {
  return new Request(`http://${hostOf(request)}${request.url}`, {
    method: request.method,
    headers: request.headers as Record<string, string>,
    ...(hasBody(request)
      ? { body: countedBody(request, response, limit), duplex: 'half', signal: abandonSignal(response) }
      : {}),
  } as RequestInit);
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
function hostOf(request: IncomingMessage): string {
  const host = request.headers.host;
  return host && HOST.test(host) ? host : 'localhost';
}

/**
 * `request.signal` of a request with a body (the ones that may wait for heavy work: an upload, a password
 * check): aborted when the connection closes before the response is complete, so queued work for a client that
 * left is dropped (core/admission). Under `next start` the signal is the one Next gives its route handlers.
 * Bodiless requests — the hot GETs — do not pay for it.
 */
function abandonSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The body as a web stream, counted as it arrives: past `limit` it errors with a 413 problem. */
function countedBody(
  request: IncomingMessage,
  response: ServerResponse,
  limit: number,
): ReadableStream<Uint8Array> {
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      request.on('data', (chunk: Buffer) => {
        seen += chunk.byteLength;
        if (seen > limit) {
          discardRest(request, response, seen, limit);
          controller.error(tooLarge(limit));
          return;
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) request.pause();
      });
      request.once('end', () => {
        if (seen <= limit) controller.close();
      });
      request.once('error', (error) => controller.error(error));
    },
    pull() {
      request.resume();
    },
    cancel() {
      discardRest(request, response, seen, limit);
    },
  });
}

/** Reads a whole (small) body up to `limit`; `undefined` when it is larger (the rest is discarded). */
export function bufferBody(
  request: IncomingMessage,
  response: ServerResponse,
  limit: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    const onData = (chunk: Buffer) => {
      seen += chunk.byteLength;
      if (seen > limit) {
        request.off('end', onEnd);
        discardRest(request, response, seen, limit);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', reject);
  });
}

/** A request carrying an already-read body, for handlers (Next's) that read the stream themselves. */
export function replayRequest(original: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(original.socket);
  replay.method = original.method;
  replay.url = original.url;
  replay.httpVersion = original.httpVersion;
  replay.httpVersionMajor = original.httpVersionMajor;
  replay.httpVersionMinor = original.httpVersionMinor;
  const headers = { ...original.headers, 'content-length': String(body.byteLength) };
  delete headers['transfer-encoding'];
  replay.headers = headers;
  replay.rawHeaders = Object.entries(headers).flatMap(([name, value]) =>
    Array.isArray(value) ? value.flatMap((item) => [name, item]) : [name, String(value)],
  );
  replay.complete = true;
  replay.push(body);
  replay.push(null);
  return replay;
}

/** The own server's writer: the reply straight onto the Node response, closing the connection when it must. */
export function nodeWriter(
  request: IncomingMessage,
  response: ServerResponse,
): ResponseWriter<Promise<void>> {
  return { write: (reply) => writeReply(response, reply, closeHeader(request)) };
}

/** A response that leaves part of its request body unread (or comes while draining) ends the connection. */
function closeHeader(request: IncomingMessage): Record<string, string> | undefined {
  if (isDraining()) return { connection: 'close' };
  const length = declaredLength(request);
  // Bodies past the limit are read and discarded up to a bound (node-bridge); beyond it, close.
  if (length !== undefined && !request.complete && length > 4 * DEFAULT_BODY_LIMIT_BYTES) {
    return { connection: 'close' };
  }
  return undefined;
}

/** Writes a reply of the lifecycle: a JSON text as is (with its length), any other body through its stream. */
async function writeReply(
  response: ServerResponse,
  reply: Reply,
  extraHeaders: Record<string, string> | undefined,
): Promise<void> {
  const headers = extraHeaders ? { ...reply.headers, ...extraHeaders } : reply.headers;
  if (reply.text !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(reply.text));
    response.writeHead(reply.status, headers).end(reply.text);
    return;
  }
  if (reply.body === undefined || reply.body === null) {
    response.writeHead(reply.status, headers).end();
    return;
  }
  // Through a web Response: it reads any BodyInit as a stream, and a Blob's type becomes its content-type.
  const web = new Response(reply.body, { status: reply.status, headers: plainHeaders(headers) });
  await sendResponse(response, web);
}

function plainHeaders(headers: Record<string, string | string[]>): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const item of value) result.append(name, item);
    else result.set(name, value);
  }
  return result;
}

/** Writes a web Response's stream (in one chunk: with Content-Length). */
async function sendResponse(response: ServerResponse, web: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  let cookies = false;
  web.headers.forEach((value, name) => {
    if (name === 'set-cookie') cookies = true;
    else headers[name] = value;
  });
  if (cookies) headers['set-cookie'] = web.headers.getSetCookie();
  const body = web.body;
  if (!body) {
    response.writeHead(web.status, headers).end();
    return;
  }
  const reader = body.getReader();
  const first = await reader.read();
  if (first.done) {
    response.writeHead(web.status, headers).end();
    return;
  }
  const second = await reader.read();
  if (second.done) {
    headers['content-length'] ??= String(first.value.byteLength);
    response.writeHead(web.status, headers).end(first.value);
    return;
  }
  response.writeHead(web.status, headers);
  let aborted = false;
  response.once('close', () => {
    if (!response.writableFinished) {
      aborted = true;
      void reader.cancel().catch(() => {});
    }
  });
  let chunk: ReadableStreamReadResult<Uint8Array> = second;
  if (!response.write(first.value)) await drained(response);
  while (!chunk.done && !aborted) {
    if (!response.write(chunk.value)) await drained(response);
    chunk = await reader.read();
  }
  response.end();
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}
