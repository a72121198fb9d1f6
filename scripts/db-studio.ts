// npm run db:studio — drizzle-kit studio. On the embedded database it holds the PGlite lock for as long as
// studio runs, because drizzle-kit itself ignores it (two processes on one PGlite dir lose writes).
import { spawn } from 'node:child_process';
import { getConfigOrExit } from '@/features/core/config/config';
import { acquirePgliteLock, PgliteLockedError } from '@/features/core/database/pglite-lock';

const { database } = getConfigOrExit();

if (database.driver === 'pglite') {
  try {
    acquirePgliteLock(database.dataDir);
  } catch (error) {
    console.error(error instanceof PgliteLockedError ? error.message : error);
    process.exit(1);
  }
} else if (database.driver === 'pglite-memory') {
  console.error('db:studio: an in-memory database lives only inside the server process; nothing to open.');
  process.exit(1);
}
const child = spawn('npx', ['drizzle-kit', 'studio', '--config', 'scripts/lib/drizzle-studio.config.ts'], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
