// npm run learn   applies every user's pending interactions to their style profile now (docs/product.md §7), then
// purges the rows older than their retention (server/retention.ts: the decision log after 90 days, …). The server
// does both on its own (learning right after each swipe's response, the data-retention job hourly); this is for
// operators and for catching up after an outage. Takes the PGlite lock.
import { getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase } from '@/features/core/database/client';
import { PgliteLockedError } from '@/features/core/database/pglite-lock';
import { logToStderr } from '@/features/core/logger/logger';
import { interactionQueue } from '@/features/feedback/service/service';
import { applyAllPendingInteractions } from '@/features/profiles/service/learning';
import { purgeExpiredRows } from '@/server/retention';

logToStderr(); // stdout carries the command's result; logs go to stderr
getConfigOrExit();
try {
  const applied = await applyAllPendingInteractions(interactionQueue);
  let total = 0;
  for (const count of applied.values()) total += count;
  console.log(`learn: applied ${total} interaction(s) for ${applied.size} user(s)`);
  const purged = await purgeExpiredRows();
  console.log(
    `learn: purged rows past their retention: ${Object.entries(purged)
      .map(([table, count]) => `${table} ${count}`)
      .join(', ')}`,
  );
  await closeDatabase();
} catch (error) {
  await closeDatabase().catch(() => {});
  console.error(
    error instanceof PgliteLockedError ? error.message : `learn failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
