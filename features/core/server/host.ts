import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getConfigOrExit } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';
import { DEFAULT_BODY_LIMIT_BYTES } from '@/features/core/http/body';
import { resolveClientAddress } from '@/features/core/http/client-address';
import { routeBodyLimit } from '@/features/core/http/define-route';
import { serveOperation, serveProblem } from '@/features/core/http/lifecycle';
import { HTTP_METHODS, type OperationTable } from '@/features/core/http/operation-table';
import { STATUS } from '@/features/core/http/status';
import { describeError, logger } from '@/features/core/logger/logger';
import { isDraining, markOwnServer } from '@/features/core/startup/lifecycle';
import { drainAndExit } from '@/features/core/startup/shutdown';
import { startServer } from '@/features/core/startup/startup';
import {
  bufferBody,
  declaredLength,
  hasBody,
  nodeWriter,
  replayRequest,
  tooLarge,
  webRequest,
} from './node-bridge';
import { parseTarget, type Target } from './target';

// Our production server (`npm start`). It owns the http.Server: feature operations go straight to the
// request lifecycle (features/core/http/lifecycle.ts) with the operation table Next's route.ts files read
// (app/api/operations.ts) and a writer onto the Node response; everything else — /docs,
// next-auth, assets, unknown paths — to Next's request handler (Next's documented custom-server API).
// Owning the socket gives: the client address from the socket (X-Forwarded-For only for TRUSTED_PROXIES
// hops), one counted body limit for every route, a problem for malformed targets, a real graceful shutdown.
// Next is loaded on the first request bound for it, not before: an API-only process (mobile clients,
// scrapers, load) never pays its ~70 MB and ~1 s of start-up; that first /docs or sign-in waits for it.

type NextHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;
const ACTIVE = Symbol('requests in flight');
const STARTED = Symbol('requests started');
/** A connection, how many of its requests are being answered (undefined: none has started yet), how many began. */
type TrackedSocket = Socket & { [ACTIVE]?: number; [STARTED]?: number };

/**
 * Slow clients are closed (a slow-loris holds a connection by sending its headers a byte at a time): the headers
 * must arrive within 10 s, a whole request (body included: a 25 MB photo over a slow phone link) within 120 s,
 * and a connection idle between requests closes after 5 s. Node checks these every 2 s (default 30 s).
 */
export const SERVER_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 120_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 2_000,
} as const;

export async function runServer(table: OperationTable): Promise<void> {
  markOwnServer();
  const config = getConfigOrExit();
  await startServer();
  // Requests bound for Next wait here while it loads (once, on the first of them).
  let startNext: () => void = () => {};
  const nextReady: Promise<NextHandler> = new Promise<void>((resolve) => {
    startNext = resolve;
  })
    .then(() => import('next'))
    .then(async ({ default: next }) => {
      const app = next({ dev: false, dir: process.cwd(), hostname: config.host, port: config.port });
      await app.prepare();
      return app.getRequestHandler() as NextHandler;
    });
  const loadNext = () => {
    startNext();
    return nextReady;
  };
  nextReady.catch((error) => {
    logger.error('Next failed to start', describeError(error));
    process.exit(1);
  });

  const server = createServer(SERVER_TIMEOUTS, (request, response) => {
    const socket = request.socket as TrackedSocket;
    trackRequest(request);
    socket[ACTIVE] = (socket[ACTIVE] ?? 0) + 1;
    socket[STARTED] = (socket[STARTED] ?? 0) + 1;
    response.once('close', () => {
      socket[ACTIVE] = (socket[ACTIVE] ?? 1) - 1;
    });
    void handle(request, response, table, loadNext, config.trustedProxies).catch((error) => {
      logger.error('request failed outside the kernel', describeError(error));
      if (!response.headersSent) response.writeHead(STATUS.INTERNAL_SERVER_ERROR).end();
      else response.destroy();
    });
  });
  server.maxConnections = config.maxConnections;
  let lastConnection = performance.now();
  const sockets = new Set<TrackedSocket>();
  server.on('connection', (socket: TrackedSocket) => {
    lastConnection = performance.now();
    lingerOnClose(socket);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  logger.info('listening', {
    url: `http://${config.host}:${config.port}`,
    runtime: `node ${process.versions.node}`,
    host: 'own server',
  });
  // Graceful shutdown (core/startup/shutdown.ts), on the server we hold, closing idle connections ourselves.
  const drain = { servers: [server], lastConnection: () => lastConnection, sweepIdle: idleSweeper(sockets) };
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => void drainAndExit(signal, drain));
}

/** One request, top-down: target → client address → a feature operation (the lifecycle) or Next. */
async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  table: OperationTable,
  nextReady: () => Promise<NextHandler>,
  trustedProxies: number,
): Promise<void> {
  const parsed = parseTarget(request.url);
  if (!parsed.ok) {
    return answerProblem(request, response, new DomainError('bad_request', parsed.reason), parsed.path);
  }
  // Every handler downstream, ours and Next's, reads the client from X-Forwarded-For (clientAddress):
  // replace it with the one address the socket and the trusted hops vouch for.
  request.headers['x-forwarded-for'] = resolveClientAddress(
    request.socket.remoteAddress,
    request.headers['x-forwarded-for'],
    trustedProxies,
  );
  if (isDraining()) response.shouldKeepAlive = false;
  const method = request.method ?? 'GET';
  const match = (HTTP_METHODS as readonly string[]).includes(method)
    ? table.match(parsed.target.segments)
    : undefined;
  if (!match) return toNext(request, response, nextReady, parsed.target);
  // A feature operation: its body limit (the default one for a method it lacks: the lifecycle answers 405),
  // refused up front when the declared length is over it, else counted as the body streams in.
  const operation = match.entry.operations.get(method);
  const limit = operation ? routeBodyLimit(operation) : DEFAULT_BODY_LIMIT_BYTES;
  if ((declaredLength(request) ?? 0) > limit) {
    return answerProblem(request, response, tooLarge(limit), parsed.target.pathname, operation?.operationId);
  }
  await serveOperation(
    webRequest(request, response, limit),
    match.entry,
    match.params,
    nodeWriter(request, response),
  );
}

async function toNext(
  request: IncomingMessage,
  response: ServerResponse,
  nextReady: () => Promise<NextHandler>,
  target: Target,
): Promise<void> {
  const limit = DEFAULT_BODY_LIMIT_BYTES;
  let forward = request;
  if (hasBody(request)) {
    // Next's handlers (next-auth's callback among them) buffer bodies without a limit: read it here,
    // counted, and hand Next the bytes.
    if ((declaredLength(request) ?? 0) > limit) {
      return answerProblem(request, response, tooLarge(limit), target.pathname);
    }
    const body = await bufferBody(request, response, limit);
    if (!body) return answerProblem(request, response, tooLarge(limit), target.pathname);
    forward = replayRequest(request, body);
  }
  const handler = await nextReady();
  await handler(forward, response);
}

function answerProblem(
  request: IncomingMessage,
  response: ServerResponse,
  problem: DomainError,
  path: string,
  operation?: string,
): Promise<void> {
  const meta = {
    method: request.method ?? 'GET',
    path,
    requestId: header(request, 'x-request-id'),
    origin: header(request, 'origin'),
    operation,
  };
  return serveProblem(meta, problem, nodeWriter(request, response));
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Closes the connections idle between requests: one idle across a whole sweep interval is closed (the event
 * loop has run meanwhile, so a next request already sent would have been parsed and counted); those with a
 * request in flight finish it (Connection: close).
 */
function idleSweeper(sockets: ReadonlySet<TrackedSocket>): () => void {
  let idle = new Map<TrackedSocket, number | undefined>();
  return () => {
    const stillIdle = new Map<TrackedSocket, number | undefined>();
    for (const socket of sockets) {
      if (socket[ACTIVE] !== 0) continue;
      if (idle.has(socket) && idle.get(socket) === socket[STARTED]) socket.destroy();
      else stillIdle.set(socket, socket[STARTED]);
    }
    idle = stillIdle;
  };
}

/** How long a closed connection still reads and drops what arrives, so the client reads the answer, not a reset. */
const LINGER_MS = 2_000;
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
function lingerOnClose(socket: Socket): void {
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
function trackRequest(request: IncomingMessage): void {
  (request.socket as LingeringSocket)[CURRENT] = request;
}
