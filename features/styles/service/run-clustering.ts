import { Worker } from 'node:worker_threads';
import { type Clustering, type ClusteringOptions, clusterCatalogue, type PointMatrix } from '../utils/kmeans';

// Below this many products a rebuild takes milliseconds and runs inline; above it, in a worker thread.
export const WORKER_MIN_PRODUCTS = 64;

/** Runs the clustering off the event loop (a worker thread) unless the catalogue is tiny. */
export async function runClustering(points: PointMatrix, options: ClusteringOptions): Promise<Clustering> {
  if (points.n < WORKER_MIN_PRODUCTS) return clusterCatalogue(points, options);
  // The `new Worker(new URL(…, import.meta.url))` form is what Next's bundler recognises and emits as its
  // own entry, so this works in the production build as well as under tsx.
  const worker = new Worker(new URL('./clustering-worker.ts', import.meta.url), {
    workerData: { points, options },
  });
  try {
    return await new Promise<Clustering>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`clustering worker exited with code ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}
