// npm run learn   applies every user's pending interactions to their style profile now (docs/product.md §7), then
// purges feed decisions older than 90 days. The server does both on its own (learning right after each
// swipe's response); this is for operators and for catching up after an outage. Takes the PGlite lock.
import { getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase } from '@/features/core/database/client';
import { PgliteLockedError } from '@/features/core/database/pglite-lock';
import { sendLogsToStderr } from '@/features/core/logger/logger';
import { purgeFeedDecisions } from '@/features/feed/service/service';
import { interactionQueue } from '@/features/feedback/service/service';
import { applyAllPendingInteractions } from '@/features/profiles/service/learning';

sendLogsToStderr();

getConfigOrExit();
try {
  const applied = await applyAllPendingInteractions(interactionQueue);
  let total = 0;
  for (const count of applied.values()) total += count;
  console.log(`learn: applied ${total} interaction(s) for ${applied.size} user(s)`);
  console.log(`learn: purged ${await purgeFeedDecisions()} served feed page(s) older than 90 days`);
  await closeDatabase();
} catch (error) {
  await closeDatabase().catch(() => {});
  console.error(
    error instanceof PgliteLockedError ? error.message : `learn failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
