// npm run uploads:sweep [-- --grace-seconds N] — removes stored upload bytes that no row names (a crash between
// the storage write and the insert, an upload racing an account deletion, unfinished writes) once older than the
// grace period (default UPLOADS_ORPHAN_GRACE_SECONDS), and stale request temp files. The server also runs it
// every UPLOADS_SWEEP_INTERVAL_SECONDS. With the embedded database, stop the server first (one process per dir).
import { parseArgs } from 'node:util';
import { getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase } from '@/features/core/database/client';
import { PgliteLockedError } from '@/features/core/database/pglite-lock';
import { sendLogsToStderr } from '@/features/core/logger/logger';
import { sweepOrphanUploads } from '@/features/uploads/service/service';

sendLogsToStderr();

const { values } = parseArgs({ options: { 'grace-seconds': { type: 'string' } } });
const config = getConfigOrExit();
const graceSeconds = Number(values['grace-seconds'] ?? config.uploads.orphanGraceSeconds);
if (!Number.isInteger(graceSeconds) || graceSeconds < 0) {
  console.error('uploads:sweep: --grace-seconds must be a whole number ≥ 0');
  process.exit(1);
}
try {
  const { scanned, deleted } = await sweepOrphanUploads({ graceSeconds });
  for (const key of deleted) console.log(`removed ${key}`);
  console.log(
    `uploads:sweep: ${scanned} stored objects scanned, ${deleted.length} removed (grace ${graceSeconds} s)`,
  );
  await closeDatabase();
} catch (error) {
  console.error(
    error instanceof PgliteLockedError ? error.message : `uploads:sweep failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
