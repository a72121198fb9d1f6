import { IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { DomainError } from '@/features/core/errors/errors';
import type { Reply } from '@/features/core/http/lifecycle';

// node:http ⇄ web Request/Response for our own server: the feature handlers take and return web objects
// (the same functions app/api's route.ts files export to Next).

/** Past its limit a body is still read and discarded (so the 413 reaches a client that is still sending), up to this many times the limit; then the connection is closed (lingering). */
const DISCARD_FACTOR = 4;
/** How long a closed connection still reads and drops what arrives, so the client reads the answer, not a reset. */
const LINGER_MS = 2_000;

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

const CURRENT = Symbol('the request being read on this connection');
type LingeringSocket = Socket & { [CURRENT]?: IncomingMessage };

/**
 * A lingering close for every connection of the server (as nginx and Apache do). Node ends a connection after
 * an answer (`Connection: close`, a body past its limit) with `socket.destroySoon()`: FIN, then destroy once
 * written. When the client is still sending a body nobody will read (a 413, a 401 before an upload), its next
 * bytes meet a closed socket, the kernel answers with a reset, and the reset can discard the answer the client
 * has not read yet. Here, while the request is incomplete, the socket sends its FIN and goes on reading (the
 * bytes are dropped) for LINGER_MS, or until the client closes, before it is destroyed.
 */
export function lingerOnClose(socket: Socket): void {
  const destroySoon = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    const request = (socket as LingeringSocket)[CURRENT];
    if (!request || request.complete) return destroySoon();
    request.resume();
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

/** The request now being read on its connection (what `lingerOnClose` looks at). */
export function trackRequest(request: IncomingMessage): void {
  (request.socket as LingeringSocket)[CURRENT] = request;
}

/** The body as a web stream, counted as it arrives: past `limit` it errors with a 413 problem. */
export function countedBody(
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

/** Writes a reply of the lifecycle: a JSON text as is (with its length), any other body through its stream. */
export async function writeReply(
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
