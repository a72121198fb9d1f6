// npm test — builds the production bundle when sources changed, works out which database passes and which
// browser this machine can run, says what it skips and why (nothing may be skipped in CI), then runs
// Playwright. Extra arguments go to Playwright: `npm test -- --project=unit`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { postgresUnavailableReason } from '../tests/support/postgres';
import { buildIfNeeded } from './lib/build-if-needed';

const inCi = !!process.env.CI;
const skipped: string[] = [];

// 1. A production build that matches the sources (API tests run against `next start`).
await buildIfNeeded('npm test');

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

// Playwright on the project's Node 24 (the `node` dependency), whatever Node runs this script: its workers
// fork with the runner's own binary, and servers started through `node_modules/.bin` find it first on PATH.
const bin = resolve('node_modules/.bin');
const result = spawnSync(
  join(bin, 'node'),
  ['node_modules/@playwright/test/cli.js', 'test', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
      STYLIPP_TEST_PASSES: passes.join(','),
      ...(browser ? { STYLIPP_TEST_BROWSER: browser } : {}),
      ...(postgresProblem === undefined ? { STYLIPP_TEST_POSTGRES: '1' } : {}),
    },
  },
);
if (skipped.length > 0) console.log(`npm test: skipped (see above): ${skipped.length} group(s)`);
process.exit(result.status ?? 1);

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
