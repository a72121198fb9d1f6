import { defineConfig, devices } from '@playwright/test';
import { PASS_HOSTS, type Pass } from './tests/support/hosts';

// Projects:
//   unit          pure functions, in-process
//   db            drivers, migrations and triggers against each database, in-process
//   eval          the recommendation loop's regression run (simulated users, floors), in-process, own worker
//   process       tests that start servers of their own (config errors, PGlite lock, readiness 503)
//   api-<pass>    HTTP tests against the production build, once per database pass; pglite and neon on our own
//                 server (`npm start`), pg on `next start` (the route.ts files): each host sees the whole suite
//   e2e           Swagger UI in a real browser
// `npm test` (scripts/test.ts) decides which passes and browser this machine can run, and says what it skipped.

// In-process tests (unit, db) provoke errors on purpose: keep their logs quiet. Servers set their own level.
process.env.LOG_LEVEL ??= 'silent';
// One id per run, shared with the servers, so tests find their server's storage (tests/support/server.ts).
process.env.STYLIPP_TEST_RUN ??= `${process.pid}`;

const passes = (process.env.STYLIPP_TEST_PASSES ?? 'pglite').split(',').filter(Boolean);
const browser = process.env.STYLIPP_TEST_BROWSER; // executable path, or unset when no browser can be had
// Fixed ports per pass; STYLIPP_TEST_PORT_BASE moves them so two checkouts can run their suites at once.
const PORT_BASE = Number(process.env.STYLIPP_TEST_PORT_BASE ?? 8100);
const PORTS: Record<string, number> = { pglite: PORT_BASE + 1, pg: PORT_BASE + 2, neon: PORT_BASE + 3 };

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [
    ['list'],
    ...(process.env.CI ? [['github'] as const] : []),
    ['./tests/support/summary-reporter.ts'],
  ],
  timeout: 30_000,
  projects: [
    { name: 'unit', testDir: 'tests', testMatch: /(unit|contract)\/.*\.test\.ts$/ },
    { name: 'db', testDir: 'tests/db' },
    { name: 'eval', testDir: 'tests/eval', timeout: 600_000 },
    { name: 'process', testDir: 'tests/process', timeout: 120_000 },
    ...passes.map((pass) => ({
      name: `api-${pass}`,
      testDir: 'tests/api',
      use: { baseURL: `http://127.0.0.1:${PORTS[pass]}` },
      metadata: { pass, host: PASS_HOSTS[pass as Pass] },
    })),
    ...(browser
      ? [
          {
            name: 'e2e',
            testDir: 'tests/e2e',
            use: {
              ...devices['Desktop Chrome'],
              baseURL: `http://127.0.0.1:${PORTS.pglite}`,
              launchOptions: { executablePath: browser || undefined, args: chromiumArgs },
            },
          },
        ]
      : []),
  ],
  webServer: passes.map((pass) => ({
    command: `node_modules/.bin/tsx tests/support/serve.ts ${pass} ${PORTS[pass]}`,
    url: `http://127.0.0.1:${PORTS[pass]}/api/health`,
    reuseExistingServer: false,
    // Migrations, the seed catalogue (480 images embedded) and the server start: minutes on a busy machine.
    timeout: 600_000,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 10_000 },
  })),
});
