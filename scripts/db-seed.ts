// npm run db:seed [-- --seed <n>] [--size <n>] [--if-empty]
// Builds the seed catalogue deterministically (same seed → same products, same vectors): Fashion-MNIST from
// Debian's `dataset-fashion-mnist` when installed, generated garments otherwise. Re-running updates the same
// products. `--if-empty` (what `npm run dev` runs) seeds only an empty catalogue, and only when
// CATALOG_AUTO_SEED is on (the development default).
import { parseArgs } from 'node:util';
import { countProducts } from '@/features/catalog/service/reads';
import { DEFAULT_SEED, DEFAULT_SEED_SIZE, seedCatalog } from '@/features/catalog/service/seed';
import { getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase } from '@/features/core/database/client';
import { PgliteLockedError } from '@/features/core/database/pglite-lock';
import { sendLogsToStderr } from '@/features/core/logger/logger';

sendLogsToStderr();

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    size: { type: 'string', default: String(DEFAULT_SEED_SIZE) },
    'if-empty': { type: 'boolean', default: false },
  },
});
const config = getConfigOrExit();
const started = performance.now();
try {
  if (values['if-empty'] && (!config.catalog.autoSeed || (await countProducts()) > 0)) {
    await closeDatabase();
    process.exit(0);
  }
  if (values['if-empty'])
    console.log('db:seed: the catalogue is empty; seeding it (CATALOG_AUTO_SEED=false skips this)…');
  const result = await seedCatalog({ seed: Number(values.seed), size: Number(values.size) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `db:seed (${config.database.driver}): ${result.total} products from ${result.source} (${result.created} created, ${result.updated} updated) in ${seconds} s`,
  );
  await closeDatabase();
} catch (error) {
  await closeDatabase().catch(() => {});
  console.error(
    error instanceof PgliteLockedError ? error.message : `db:seed failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
