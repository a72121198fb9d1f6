// Runs once when a Next.js server starts (dev and start). Validates the config before any request, so a
// bad environment stops start-up with one message, and opens the embedded database early so its lock is
// taken (or refused) at start rather than on the first request. Then starts the periodic upload sweep.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startServer } = await import('./features/core/startup/startup');
  await startServer();
  // Bytes without a row (crashes, uploads racing an account deletion) are swept periodically.
  const { scheduleOrphanSweeps } = await import('./features/uploads/service/service');
  scheduleOrphanSweeps();
  // Style clusters are (re)built in the background when due: no active run yet, or the catalogue moved on.
  const { startClusterMaintenance } = await import('./features/styles/service/service');
  startClusterMaintenance();
}
