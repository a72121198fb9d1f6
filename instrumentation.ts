// Runs once when a Next.js server starts (dev and start). Validates the config before any request, so a
// bad environment stops start-up with one message, and opens the embedded database early so its lock is
// taken (or refused) at start rather than on the first request. Then starts the periodic background work
// (the same call our own server makes: server/background-work.ts).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startServer } = await import('./features/core/startup/startup');
  await startServer();
  const { startBackgroundWork } = await import('./server/background-work');
  startBackgroundWork();
}
