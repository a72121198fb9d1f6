import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase } from '@/features/core/database/client';
import { DEFAULT_BODY_LIMIT_BYTES } from '@/features/core/http/body';
import { resolveClientAddress } from '@/features/core/http/client-address';
import { routeBodyLimit } from '@/features/core/http/execute-route';
import { kernelHeaderRecord, kernelProblem, markHostWritten } from '@/features/core/http/kernel';
import { HttpProblem } from '@/features/core/http/problem';
import { requestIdFrom } from '@/features/core/http/request-id';
import type { Router } from '@/features/core/http/router';
import { STATUS } from '@/features/core/http/status';
import { describeError, logger } from '@/features/core/logger/logger';
import { isDraining, markOwnServer, startDraining } from '@/features/core/startup/lifecycle';
import { startServer } from '@/features/core/startup/startup';
import {
  bufferBody,
  countedBody,
  declaredLength,
  hasBody,
  lingerOnClose,
  replayRequest,
  sendResponse,
  tooLarge,
  trackRequest,
} from './node-bridge';
import { createRouteTable, type RouteMatch, type RouteTable } from './routes';
import { parseTarget, type Target } from './target';

// Our production server (`npm start`). It owns the http.Server: feature operations go straight to the
// handlers their route.ts files export (routing table from app/api/routers.ts), everything else — /docs,
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
const QUIET_MS = 200;

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

export async function runServer(routers: readonly Router[]): Promise<void> {
  markOwnServer();
  const config = getConfigOrExit();
  await startServer();
  const table = createRouteTable(routers);
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
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(
      signal,
      () => void shutdown(server, sockets, signal, () => lastConnection, config.shutdownGraceMs),
    );
  }
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  table: RouteTable,
  nextReady: () => Promise<NextHandler>,
  trustedProxies: number,
): Promise<void> {
  const parsed = parseTarget(request.url);
  if (!parsed.ok) {
    return answerProblem(request, response, new HttpProblem(STATUS.BAD_REQUEST, parsed.reason), parsed.path);
  }
  // Every handler downstream, ours and Next's, reads the client from X-Forwarded-For (clientAddress):
  // replace it with the one address the socket and the trusted hops vouch for.
  request.headers['x-forwarded-for'] = resolveClientAddress(
    request.socket.remoteAddress,
    request.headers['x-forwarded-for'],
    trustedProxies,
  );
  if (isDraining()) response.shouldKeepAlive = false;
  const match = table.match(parsed.target.segments);
  const method = request.method ?? 'GET';
  if (match && method in match.entry.handlers) return own(request, response, match, parsed.target, method);
  return toNext(request, response, nextReady, parsed.target);
}

async function own(
  request: IncomingMessage,
  response: ServerResponse,
  match: RouteMatch,
  target: Target,
  method: string,
): Promise<void> {
  const operation = match.entry.operations.get(method);
  const limit = operation ? routeBodyLimit(operation) : DEFAULT_BODY_LIMIT_BYTES;
  if ((declaredLength(request) ?? 0) > limit) {
    return answerProblem(request, response, tooLarge(limit), target.pathname);
  }
  // The request id is settled here, so the kernel's headers can go straight onto the Node response.
  const requestId = requestIdFrom(header(request, 'x-request-id') ?? null);
  request.headers['x-request-id'] = requestId;
  const web = new Request(`http://${hostOf(request)}${request.url}`, {
    method,
    headers: request.headers as Record<string, string>,
    ...(hasBody(request)
      ? { body: countedBody(request, response, limit), duplex: 'half', signal: abandonSignal(response) }
      : {}),
  } as RequestInit);
  markHostWritten(web);
  const handler = match.entry.handlers[method as keyof typeof match.entry.handlers];
  const answer = await handler(web, { params: Promise.resolve(match.params) });
  const headers = kernelHeaderRecord(requestId, header(request, 'origin'));
  const close = closeHeader(request);
  if (close) Object.assign(headers, close);
  await sendResponse(response, answer, headers, true);
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
  problem: HttpProblem,
  path: string,
): Promise<void> {
  const web = kernelProblem(problem, {
    method: request.method ?? 'GET',
    path,
    requestId: header(request, 'x-request-id'),
    origin: header(request, 'origin'),
  });
  return sendResponse(response, web, closeHeader(request));
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

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
function hostOf(request: IncomingMessage): string {
  const host = request.headers.host;
  return host && HOST.test(host) ? host : 'localhost';
}

// Graceful shutdown, with nothing but the server we own: readiness turns 503 and every response closes its
// connection; the listener keeps accepting until no connection has arrived for a moment (what waits in the
// accept backlog is served, not reset), then closes; connections idle between requests are closed, those
// with a request in flight finish it (Connection: close); once the last connection ends the pools close
// (PGlite flushes and frees its lock) and the process exits 0 — or 1 when SHUTDOWN_GRACE_MS runs out.
let shuttingDown = false;
async function shutdown(
  server: Server,
  sockets: ReadonlySet<TrackedSocket>,
  signal: NodeJS.Signals,
  lastConnection: () => number,
  graceMs: number,
): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  startDraining();
  const started = performance.now();
  logger.info('shutting down', { signal });
  const grace = new Promise<false>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
  const settleUntil = started + graceMs / 2;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 4));
    // One more pass of the event loop's poll phase: connections waiting in the backlog are accepted now.
    await new Promise((resolve) => setImmediate(resolve));
    const now = performance.now();
    if (now - lastConnection() >= QUIET_MS || now >= settleUntil) break;
  }
  // net.Server#close: stop listening only (http.Server#close would also drop connections whose first
  // request has not been parsed yet). Connections between requests are closed; the others close after
  // their response (Connection: close).
  const closed = new Promise<true>((resolve) => NetServer.prototype.close.call(server, () => resolve(true)));
  // A connection is closed once it has been idle between requests across a whole sweep interval (the event
  // loop has run meanwhile, so a next request already sent would have been parsed and counted).
  let idle = new Map<TrackedSocket, number | undefined>();
  const closeIdle = () => {
    const stillIdle = new Map<TrackedSocket, number | undefined>();
    for (const socket of sockets) {
      if (socket[ACTIVE] !== 0) continue;
      if (idle.has(socket) && idle.get(socket) === socket[STARTED]) socket.destroy();
      else stillIdle.set(socket, socket[STARTED]);
    }
    idle = stillIdle;
  };
  closeIdle();
  const sweep = setInterval(closeIdle, QUIET_MS);
  const drained = await Promise.race([closed, grace]);
  clearInterval(sweep);
  if (!drained) server.closeAllConnections();
  try {
    await closeDatabase();
  } catch (error) {
    logger.warn('closing the database failed', describeError(error));
  }
  logger.info('shut down', { signal, drained, durationMs: Math.round(performance.now() - started) });
  process.exit(drained ? 0 : 1);
}
