import { getEmbeddingStatus } from '@/features/catalog/service/embedding-queue';
import { countProducts } from '@/features/catalog/service/reads';
import { SEED_STORE_ID, seedCatalog } from '@/features/catalog/service/seed';
import { loadCatalogVectors } from '@/features/catalog/service/service';
import { DAY_MS } from '@/features/core/clock/clock';
import { getDatabase } from '@/features/core/database/client';
import { isRebuildDue, rebuildClusters } from '@/features/styles/service/service';
import { type EvalProduct, parseSeedTitle } from './tastes';

// The evaluation's catalogue: the seed catalogue built by the real seed code, embedded by the real embedder
// and clustered the way the server clusters it. Building it is the slow part (480 products ≈ 1 min, 4,800 ≈
// 3–5 min of embedding plus the clustering), so the database it lives in is reused when it already holds it:
// the CLI keeps one PGlite data directory per size and seed under .data/eval/. Each step is idempotent.

export interface PreparedCatalogue {
  products: EvalProduct[];
  /** A day after the newest product was created: where every simulated session starts (fresh, not future). */
  start: Date;
  /** Steps this call had to take (empty when the database already held the whole catalogue). */
  built: string[];
  seconds: number;
}

export async function prepareCatalogue(options: {
  size: number;
  catalogSeed: number;
  log?: (line: string) => void;
}): Promise<PreparedCatalogue> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const built: string[] = [];
  // Migrations first: a schema the code moved on from is brought up to date like `npm run db:migrate` would.
  await (await getDatabase()).migrate('drizzle');
  const count = await countProducts();
  if (count < options.size || (await getEmbeddingStatus()).waitingForVector > 0) {
    log(`eval: seeding ${options.size} products (seed ${options.catalogSeed}); this database had ${count}…`);
    await seedCatalog({ seed: options.catalogSeed, size: options.size });
    built.push('seed');
  }
  if (await isRebuildDue()) {
    log('eval: clustering the catalogue…');
    await rebuildClusters();
    built.push('clusters');
  }
  const catalogue = await loadCatalogVectors();
  const products = catalogue.products.flatMap((product) => {
    const described = product.storeId === SEED_STORE_ID ? parseSeedTitle(product.title) : undefined;
    return described
      ? [
          {
            id: product.id,
            title: product.title,
            category: product.category,
            price: product.price,
            vector: product.vector,
            ...described,
          },
        ]
      : [];
  });
  if (products.length !== options.size) {
    throw new Error(
      `eval: the database holds ${products.length} seed products, expected ${options.size} (another seed or size in it?)`,
    );
  }
  const newest = Math.max(...catalogue.products.map((product) => product.createdAt.getTime()));
  return { products, start: new Date(newest + DAY_MS), built, seconds: (performance.now() - started) / 1000 };
}
