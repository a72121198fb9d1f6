// npm run db:migrate — applies drizzle/ through the app's own driver selection (PGlite on disk, in-memory
// PGlite, pg or Neon), taking the PGlite lock, so it can never race a running server on the same data dir.
import { getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase, getDatabase } from '@/features/core/database/client';
import { migrationStatus } from '@/features/core/database/migrations';
import { PgliteLockedError } from '@/features/core/database/pglite-lock';
import { sendLogsToStderr } from '@/features/core/logger/logger';

sendLogsToStderr();

const started = performance.now();
const config = getConfigOrExit();
try {
  const handle = await getDatabase();
  const before = await migrationStatus(handle.db);
  await handle.migrate('drizzle');
  const after = await migrationStatus(handle.db);
  if (after.pending.length > 0) throw new Error(`migrations still pending: ${after.pending.join(', ')}`);
  const ms = Math.round(performance.now() - started);
  console.log(
    `db:migrate (${config.database.driver}): ${before.pending.length} applied, ${after.applied} total, ${ms} ms`,
  );
  await closeDatabase();
} catch (error) {
  console.error(
    error instanceof PgliteLockedError ? error.message : `db:migrate failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
