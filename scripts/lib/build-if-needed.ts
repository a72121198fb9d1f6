import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer, CLI_ENTRIES, SERVER_ENTRY } from '../build-server';

// The production build that `npm test` and `npm run bench` run against, rebuilt only when a source is newer
// than `.next/BUILD_ID`. `next build` directly, not `npm run build`: its prebuild would migrate (and need the
// lock of) the developer's own embedded database, which test and bench servers never use.

const BUILD_INPUTS = [
  'app',
  'features',
  'server',
  'drizzle',
  'next.config.ts',
  'instrumentation.ts',
  'package-lock.json',
  'tsconfig.json',
  // The command-line entry points compiled beside the server.
  'scripts/build-server.ts',
  ...Object.values(CLI_ENTRIES),
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** Runs `next build` + our server's build when either output is missing or older than a source. */
export async function buildIfNeeded(label: string): Promise<boolean> {
  const newestSource = Math.max(...BUILD_INPUTS.map(newestMtime));
  const fresh = (output: string) => existsSync(output) && statSync(output).mtimeMs >= newestSource;
  if (fresh('.next/BUILD_ID') && fresh(SERVER_ENTRY)) return false;
  console.log(`${label}: building the production bundle (sources changed since the last build)…`);
  execFileSync('node_modules/.bin/next', ['build'], { stdio: 'inherit' });
  await buildServer();
  return true;
}
