import { lowerHeavyWorkPriority } from '@/features/core/admission/priority';
import { getConfigOrExit } from '@/features/core/config/config';
import { getDatabase } from '@/features/core/database/client';
import { PgliteLockedError } from '@/features/core/database/pglite-lock';
import { describeError, logger } from '@/features/core/logger/logger';
import { startTracing } from '@/features/core/tracing/tracing';
import { isOwnServer } from './lifecycle';
import { installGracefulShutdown } from './shutdown';

export async function startServer(): Promise<void> {
  const config = getConfigOrExit();
  logger.info('starting', {
    runtime: `node ${process.versions.node}`,
    env: config.env,
    database: config.database.driver,
    logLevel: config.logLevel,
  });
  // Under `next start` a route never sees the socket: Next writes the peer into X-Forwarded-For only when the
  // client sent none, so a direct client would choose the address every per-address limit keys on.
  if (config.isProduction && !isOwnServer() && config.trustedProxies === 0) {
    console.error(
      'next start cannot see the client address (a direct client chooses it through X-Forwarded-For): ' +
        'run `npm start`, or set TRUSTED_PROXIES to the reverse proxies in front of it.',
    );
    process.exit(1);
  }
  // Our own server (npm start) drains by itself; this one replaces Next's handler under `next start`.
  if (config.isProduction && !isOwnServer()) installGracefulShutdown();
  // Before the database opens: its client is traced only when tracing is on by then.
  await startTracing();
  // Not awaited: start-up does not wait for it (a few ms of `chrt`); heavy work before it runs as before.
  void lowerHeavyWorkPriority(config.admission.priority).then(({ applied, threads }) =>
    logger.info('heavy work priority', { requested: config.admission.priority, applied, threads }),
  );
  if (config.database.driver !== 'pglite') return; // pools connect lazily; readiness reports their state
  try {
    await getDatabase();
  } catch (error) {
    console.error(
      error instanceof PgliteLockedError
        ? error.message
        : `Cannot open the embedded database: ${describeError(error).message}`,
    );
    process.exit(1);
  }
}
