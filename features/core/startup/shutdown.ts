import { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { getConfig } from '@/features/core/config/config';
import { closeDatabase } from '@/features/core/database/client';
import { describeError, logger } from '@/features/core/logger/logger';
import { startDraining } from './lifecycle';

// Graceful shutdown for `next start` (exit 0, nothing cut off). Next's own SIGTERM handler closes its server
// at once: connections still waiting in the kernel's accept backlog (a busy event loop has not accepted them
// yet) are reset, and `server.close()` (Node >= 19) also destroys connections whose request has not been
// parsed yet — measured: half of 40 concurrent POSTs got ECONNRESET. It then exits 143 without closing our
// pools. Ours replaces it:
//   1. every response from now on carries `Connection: close`, so clients move their next request elsewhere;
//   2. keep accepting until no new connection has arrived for a moment (the backlog is drained), then stop
//      listening (net.Server#close: the listening socket only, open connections untouched);
//   3. when the last connection ends (idle keep-alive ones at Next's keep-alive timeout), close the database
//      (pools end; PGlite flushes and frees its lock) and exit 0 — or exit 1 after SHUTDOWN_GRACE_MS.
// `next dev` keeps Next's handler.

const QUIET_MS = 200;

let shuttingDown = false;

export function installGracefulShutdown(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const frameworkHandlers = process.listeners(signal);
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal, frameworkHandlers));
  }
}

/** Next does not expose its HTTP server; the process's active handles do. */
function httpServers(): HttpServer[] {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  return handles.filter((handle): handle is HttpServer => handle instanceof HttpServer);
}

async function shutdown(signal: NodeJS.Signals, frameworkHandlers: NodeJS.SignalsListener[]): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  startDraining();
  const started = performance.now();
  const servers = httpServers();
  logger.info('shutting down', { signal, servers: servers.length });
  const grace = new Promise<false>((resolve) =>
    setTimeout(() => resolve(false), getConfig().shutdownGraceMs).unref(),
  );

  let drained: boolean;
  if (servers.length === 0) {
    // Not found (an unusual runtime): fall back to Next's handler, catching its process.exit.
    const exited = new Promise<true>((resolve) => {
      process.exit = (() => resolve(true)) as typeof process.exit;
    });
    for (const handler of frameworkHandlers) handler(signal);
    drained = await Promise.race([exited, grace]);
  } else {
    let lastConnection = performance.now();
    for (const server of servers) {
      server.prependListener('request', (_request, response) => response.setHeader('connection', 'close'));
      server.on('connection', () => {
        lastConnection = performance.now();
      });
    }
    const settleUntil = started + getConfig().shutdownGraceMs / 2;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 4));
      // One more pass of the event loop's poll phase: connections waiting in the backlog are accepted now.
      await new Promise((resolve) => setImmediate(resolve));
      const now = performance.now();
      if (now - lastConnection >= QUIET_MS || now >= settleUntil) break;
    }
    const closed = servers.map(
      (server) => new Promise<true>((resolve) => NetServer.prototype.close.call(server, () => resolve(true))),
    );
    drained = await Promise.race([Promise.all(closed).then(() => true as const), grace]);
  }

  try {
    await closeDatabase();
  } catch (error) {
    logger.warn('closing the database failed', describeError(error));
  }
  logger.info('shut down', { signal, drained, durationMs: Math.round(performance.now() - started) });
  process.exit(drained ? 0 : 1);
}
