// npm test — builds the production bundle when sources changed, works out which database passes and which
// browser this machine can run, says what it skips and why (nothing may be skipped in CI), then runs
// Playwright. Extra arguments go to Playwright: `npm test -- --project=unit`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { postgresUnavailableReason } from '../tests/support/postgres';

const inCi = !!process.env.CI;
const skipped: string[] = [];

function newestMtime(paths: string[]): number {
  let newest = 0;
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const path of paths) visit(path);
  return newest;
}

// 1. A production build that matches the sources (API tests run against `next start`).
const buildId = '.next/BUILD_ID';
const sources = [
  'app',
  'features',
  'drizzle',
  'next.config.ts',
  'instrumentation.ts',
  'package-lock.json',
  'tsconfig.json',
];
if (!existsSync(buildId) || newestMtime(sources) > statSync(buildId).mtimeMs) {
  console.log('npm test: building the production bundle (sources changed since the last build)…');
  // `next build` directly: the test databases get their migrations from the test servers, so the build
  // need not touch (or wait for the lock of) the developer's embedded database.
  execFileSync('node_modules/.bin/next', ['build'], { stdio: 'inherit' });
}

// 2. Database passes: PGlite always; pg and Neon (through a WebSocket relay) when a Postgres server answers.
const passes = ['pglite'];
const postgresProblem = await postgresUnavailableReason();
if (postgresProblem === undefined) passes.push('pg', 'neon');
else skipped.push(`api-pg and api-neon passes, db tests on pg/neon: ${postgresProblem}`);

// 3. A browser for the /docs tests: explicit path → Playwright's own → Debian's chromium.
const candidates = [process.env.CHROMIUM_PATH, safe(() => chromium.executablePath()), '/usr/bin/chromium'];
const browser = candidates.find((path) => path && existsSync(path));
if (!browser)
  skipped.push(
    'e2e (/docs in a browser): no Chromium found; install one with `apt-get install chromium` or set CHROMIUM_PATH',
  );

if (skipped.length > 0) {
  console.log(`npm test: SKIPPING\n${skipped.map((line) => `  - ${line}`).join('\n')}`);
  if (inCi) {
    console.error('npm test: CI must run every pass; refusing to skip.');
    process.exit(1);
  }
}

// Servers only when a selected project needs them (`npm test -- --project=unit` starts none).
const selected = process.argv
  .slice(2)
  .flatMap((arg) => (arg.startsWith('--project=') ? [arg.slice(10)] : []));
const needsServers =
  selected.length === 0 || selected.some((name) => name.startsWith('api-') || name === 'e2e');
if (!needsServers) passes.length = 0;

const result = spawnSync('node_modules/.bin/playwright', ['test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    STYLIPP_TEST_PASSES: passes.join(','),
    ...(browser ? { STYLIPP_TEST_BROWSER: browser } : {}),
    ...(postgresProblem === undefined ? { STYLIPP_TEST_POSTGRES: '1' } : {}),
  },
});
if (skipped.length > 0) console.log(`npm test: skipped (see above): ${skipped.length} group(s)`);
process.exit(result.status ?? 1);

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
