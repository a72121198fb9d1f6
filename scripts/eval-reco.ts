// npm run eval:reco [-- --size 480|4800] [--users 60] [--pages 10] [--seed 1] [--journeys A,B,C,D,E]
//                     [--json <path>] [--catalog-seed <n>] [--data-dir <dir>] [--skip-ceiling] [--first-user <n>]
// The simulated-user evaluation of the recommendation loop (PRODUCT.md §10, issue 21): users with a hidden
// taste go through the real onboarding, feed, feedback and learning code in this process, on a real database;
// per page the precision with a 95 % interval beside the label oracle and the embedding ceiling. Prints the
// tables, writes everything as JSON. Deterministic for a seed.
//
// The seed catalogue (`db:seed`'s code, clustered like the server does) is built once per size and catalogue
// seed into its own embedded database, .data/eval/<size>-<catalogue seed>/ (480 products ≈ 1 min,
// 4,800 ≈ 5 min), and reused; every run creates its users and deletes them again. DATABASE_URL in the real
// environment (not from .env files) puts the catalogue in that Postgres database instead: give it one of its own.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED } from '@/features/catalog/service/seed';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '480' },
    users: { type: 'string', default: '60' },
    pages: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    journeys: { type: 'string', default: 'A,B,C,D,E' },
    json: { type: 'string' },
    'catalog-seed': { type: 'string', default: String(DEFAULT_SEED) },
    /** Where the catalogue's embedded database and images live (default .data/eval/<size>-<catalogue seed>). */
    'data-dir': { type: 'string' },
    /** Leave out the embedding ceiling (its models take minutes on the 4,800 seed; the CI run skips it). */
    'skip-ceiling': { type: 'boolean', default: false },
    /** Each journey's users are numbered from this one (to extend an earlier run with the users after it). */
    'first-user': { type: 'string', default: '0' },
  },
});

const int = (name: string, value: string | undefined, min: number) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    console.error(`eval:reco: --${name} must be an integer ≥ ${min} (got ${value})`);
    process.exit(2);
  }
  return parsed;
};
const size = int('size', values.size, 20);
const usersPerJourney = int('users', values.users, 1);
const pages = int('pages', values.pages, 1);
const seed = int('seed', values.seed, 0);
const catalogSeed = int('catalog-seed', values['catalog-seed'], 0);
const firstUser = int('first-user', values['first-user'], 0);
const journeys = (values.journeys ?? '').split(',').map((name) => name.trim().toUpperCase());

// The environment, before anything reads the configuration: this run's own data directory (photos, the
// embedded database), quiet logs, and photo decoding at normal priority (it is the work being measured).
const dataDir = resolve(values['data-dir'] ?? `.data/eval/${size}-${catalogSeed}`);
const realDatabaseUrl = process.env.DATABASE_URL;
Object.assign(process.env, {
  DATA_DIR: dataDir,
  // Empty, not unset, so a DATABASE_URL in .env files cannot point the evaluation at a development database.
  DATABASE_URL: realDatabaseUrl ?? '',
  UPLOADS_STORAGE: 'disk',
  UPLOADS_DIR: `${dataDir}/uploads`,
  CATALOG_AUTO_SEED: 'false',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  HEAVY_WORK_PRIORITY: process.env.HEAVY_WORK_PRIORITY ?? 'normal',
});

const { getConfigOrExit } = await import('@/features/core/config/config');
const { closeDatabase } = await import('@/features/core/database/client');
const { PgliteLockedError } = await import('@/features/core/database/pglite-lock');
const { prepareCatalogue } = await import('./eval/catalogue');
const { runEvaluation } = await import('./eval/run');
const { formatReport } = await import('./eval/report');
const { JOURNEYS } = await import('./eval/simulate');

const unknown = journeys.filter((name) => !(JOURNEYS as readonly string[]).includes(name));
if (unknown.length > 0 || journeys.length === 0) {
  console.error(`eval:reco: --journeys takes a comma-separated list of ${JOURNEYS.join(', ')}`);
  process.exit(2);
}
const config = getConfigOrExit();
const jsonPath = resolve(values.json ?? `.data/eval/reco-${size}-${catalogSeed}-seed${seed}.json`);
const log = (line: string) => console.error(line);

try {
  log(`eval:reco: catalogue in ${config.database.driver === 'pglite' ? dataDir : 'DATABASE_URL'}`);
  const catalogue = await prepareCatalogue({ size, catalogSeed, log });
  log(
    `eval:reco: ${catalogue.products.length} products ready in ${catalogue.seconds.toFixed(1)} s` +
      (catalogue.built.length > 0 ? ` (built: ${catalogue.built.join(', ')})` : ' (cached)'),
  );
  const result = await runEvaluation({
    products: catalogue.products,
    start: catalogue.start,
    journeys: journeys as (typeof JOURNEYS)[number][],
    usersPerJourney,
    firstUser,
    settings: { seed, pages },
    ceiling: !values['skip-ceiling'],
    log,
  });
  const header = { size, catalogSeed, seed, usersPerJourney, pages, pageSize: result.settings.pageSize };
  console.log(formatReport(header, result.journeys));
  console.log(
    `\n${result.users.length} users in ${result.seconds.toFixed(0)} s ` +
      `(embedding ceiling ${result.ceilingSeconds.toFixed(0)} s; catalogue ${catalogue.seconds.toFixed(0)} s)`,
  );
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(
    jsonPath,
    `${JSON.stringify(
      {
        ...header,
        settings: result.settings,
        catalogue: {
          products: catalogue.products.length,
          built: catalogue.built,
          seconds: catalogue.seconds,
        },
        seconds: result.seconds,
        ceilingSeconds: result.ceilingSeconds,
        journeys: result.journeys,
        users: result.users,
      },
      null,
      1,
    )}\n`,
  );
  console.log(`JSON: ${jsonPath}`);
  await closeDatabase();
} catch (error) {
  await closeDatabase().catch(() => {});
  console.error(
    error instanceof PgliteLockedError ? error.message : `eval:reco failed: ${(error as Error).stack}`,
  );
  process.exit(1);
}
