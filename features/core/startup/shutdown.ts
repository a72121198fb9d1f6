import { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { getConfig } from '@/features/core/config/config';
import { closeDatabase } from '@/features/core/database/client';
import { describeError, logger } from '@/features/core/logger/logger';
import { stopTracing } from '@/features/core/tracing/tracing';
import { startDraining } from './lifecycle';

// The one graceful drain of both hosts (exit 0, nothing cut off):
//   1. readiness turns 503 and every response from now on carries `Connection: close`, so clients move their
//      next request elsewhere;
//   2. keep accepting until no new connection has arrived for a moment (what waits in the accept backlog is
//      served, not reset), then stop listening (net.Server#close: the listening socket only — http.Server#close
//      would also drop connections whose first request has not been parsed yet);
//   3. when the last connection ends, close the database (pools end; PGlite flushes and frees its lock) and
//      exit 0 — or 1 once SHUTDOWN_GRACE_MS runs out.
// Our own server (core/server/host.ts) drains the server it holds and closes idle connections itself;
// under `next start` this replaces Next's SIGTERM handler, which closes its server at once: connections still
// in the backlog are reset, and `server.close()` (Node >= 19) destroys connections whose request has not been
// parsed yet — measured: half of 40 concurrent POSTs got ECONNRESET — then exits 143 without closing our pools.
// `next dev` keeps Next's handler.

const QUIET_MS = 200;

export interface DrainOptions {
  servers: readonly HttpServer[];
  /** When the latest connection arrived (performance.now()). */
  lastConnection: () => number;
  /** Closes connections idle between requests; run while the servers close (our own server). */
  sweepIdle?: () => void;
}

let shuttingDown = false;

export async function drainAndExit(signal: NodeJS.Signals, options: DrainOptions): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  startDraining();
  const started = performance.now();
  const graceMs = getConfig().shutdownGraceMs;
  logger.info('shutting down', { signal, servers: options.servers.length });
  const grace = new Promise<false>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
  const settleUntil = started + graceMs / 2;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 4));
    // One more pass of the event loop's poll phase: connections waiting in the backlog are accepted now.
    await new Promise((resolve) => setImmediate(resolve));
    const now = performance.now();
    if (now - options.lastConnection() >= QUIET_MS || now >= settleUntil) break;
  }
  const closed = options.servers.map(
    (server) => new Promise<true>((resolve) => NetServer.prototype.close.call(server, () => resolve(true))),
  );
  options.sweepIdle?.();
  const sweep = options.sweepIdle ? setInterval(options.sweepIdle, QUIET_MS) : undefined;
  const drained = await Promise.race([Promise.all(closed).then(() => true as const), grace]);
  clearInterval(sweep);
  if (!drained) for (const server of options.servers) server.closeAllConnections();
  await exitAfterClosing(signal, started, drained);
}

async function exitAfterClosing(signal: NodeJS.Signals, started: number, drained: boolean): Promise<void> {
  try {
    await closeDatabase();
  } catch (error) {
    logger.warn('closing the database failed', describeError(error));
  }
  // The spans still batched are sent (bounded by the exporter's own timeout).
  await stopTracing().catch((error) => logger.warn('flushing traces failed', describeError(error)));
  logger.info('shut down', { signal, drained, durationMs: Math.round(performance.now() - started) });
  process.exit(drained ? 0 : 1);
}

/** Under `next start`: the drain replaces Next's signal handlers, on the servers Next holds. */
export function installGracefulShutdown(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const frameworkHandlers = process.listeners(signal);
    process.removeAllListeners(signal);
    process.on(signal, () => void drainNextServers(signal, frameworkHandlers));
  }
}

async function drainNextServers(
  signal: NodeJS.Signals,
  frameworkHandlers: NodeJS.SignalsListener[],
): Promise<void> {
  const servers = httpServers();
  if (shuttingDown) return;
  if (servers.length > 0) {
    let lastConnection = performance.now();
    for (const server of servers) {
      server.prependListener('request', (_request, response) => response.setHeader('connection', 'close'));
      server.on('connection', () => {
        lastConnection = performance.now();
      });
    }
    return drainAndExit(signal, { servers, lastConnection: () => lastConnection });
  }
  // Not found (an unusual runtime): fall back to Next's handler, catching its process.exit.
  shuttingDown = true;
  startDraining();
  const started = performance.now();
  logger.info('shutting down', { signal, servers: 0 });
  const grace = new Promise<false>((resolve) =>
    setTimeout(() => resolve(false), getConfig().shutdownGraceMs).unref(),
  );
  const exited = new Promise<true>((resolve) => {
    process.exit = (() => resolve(true)) as typeof process.exit;
  });
  for (const handler of frameworkHandlers) handler(signal);
  await exitAfterClosing(signal, started, await Promise.race([exited, grace]));
}

/** Next does not expose its HTTP server; the process's active handles do. */
function httpServers(): HttpServer[] {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  return handles.filter((handle): handle is HttpServer => handle instanceof HttpServer);
}
