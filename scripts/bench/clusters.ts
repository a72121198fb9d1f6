// npm run bench:clusters — how long a cluster rebuild takes and what it finds.
//   --synthetic N     N seeded synthetic unit vectors (280 dims, 60 tilted blobs): time and k of the default search
//   --catalog         the configured database's catalogue (run `npm run db:seed` first): the default
//                     coarse-to-fine search against a full sweep of every k, with silhouette and purity
import { parseArgs } from 'node:util';
import { loadCatalogVectors } from '@/features/catalog/service/service';
import { getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase } from '@/features/core/database/client';
import { seededRandom } from '@/features/core/maths/random';
import { normalise } from '@/features/core/maths/vector';
import { clusterCatalogue, type PointMatrix, purity, toMatrix } from '@/features/styles/utils/kmeans';

const { values: args } = parseArgs({
  options: {
    synthetic: { type: 'string' },
    catalog: { type: 'boolean', default: false },
    seed: { type: 'string', default: '42' },
  },
});
const seed = Number(args.seed);

/** Wall time and this process's CPU time (the machine may be shared: CPU time is the honest cost). */
const clock = () => ({ wall: performance.now(), cpu: process.cpuUsage() });

function report(
  label: string,
  started: ReturnType<typeof clock>,
  result: ReturnType<typeof clusterCatalogue>,
  extra = '',
) {
  const wall = ((performance.now() - started.wall) / 1000).toFixed(1);
  const used = process.cpuUsage(started.cpu);
  const cpu = ((used.user + used.system) / 1e6).toFixed(1);
  console.log(
    `${label}: ${cpu} s CPU (${wall} s wall), k = ${result.k} in [${result.minK}, ${result.maxK}], silhouette ${result.silhouette.toFixed(4)}, ` +
      `${result.evaluated.length} k values scored${result.sampled ? ' (on a sample)' : ''}${extra}`,
  );
}

if (args.synthetic) {
  const n = Number(args.synthetic);
  const d = 280;
  const random = seededRandom(seed);
  const centres = Array.from({ length: 60 }, () =>
    normalise(Array.from({ length: d }, () => random.normal())),
  );
  const vectors = Array.from({ length: n }, (_, i) => {
    const centre = centres[i % centres.length] as Float32Array;
    return normalise(Array.from(centre, (x) => x + 0.05 * random.normal()));
  });
  const points: PointMatrix = toMatrix(vectors);
  const started = clock();
  const result = clusterCatalogue(points, { seed });
  report(`synthetic ${n} × ${d}`, started, result);
}

if (args.catalog) {
  getConfigOrExit();
  const catalogue = await loadCatalogVectors();
  await closeDatabase();
  const products = catalogue.products;
  if (products.length === 0) {
    console.error('The catalogue is empty: run `npm run db:seed` first.');
    process.exit(1);
  }
  const points = toMatrix(products.map((product) => product.vector));
  const categories = products.map((product) => product.category);
  for (const fullSweep of [false, true]) {
    const started = clock();
    const result = clusterCatalogue(points, { seed, fullSweep });
    report(
      `${catalogue.modelId} catalogue, ${products.length} products, ${fullSweep ? 'full sweep' : 'coarse-to-fine'}`,
      started,
      result,
      `, purity ${purity(result.labels, categories).toFixed(4)}`,
    );
    if (fullSweep) {
      const top = [...result.evaluated].sort((a, b) => b.score - a.score).slice(0, 5);
      console.log(`  best k by silhouette: ${top.map((e) => `${e.k} (${e.score.toFixed(4)})`).join(', ')}`);
    }
  }
}
