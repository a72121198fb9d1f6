import {
  countCatalogChangesSince,
  getEmbedder,
  loadCatalogVectors,
  type RankableProduct,
} from '@/features/catalog/service/service';
import { type Clock, systemClock } from '@/features/core/clock/clock';
import { getConfig } from '@/features/core/config/config';
import { conflict } from '@/features/core/errors/errors';
import { describeError, logger } from '@/features/core/logger/logger';
import { normalise } from '@/features/core/maths/vector';
import {
  type ClusterRunRow,
  findActiveClusterRun,
  insertActiveClusterRun,
  listRunClusters,
  withRebuildLock,
} from '../repository/repository';
import type { ClusterOverview, ClusterRunSummary } from '../schemas/schemas';
import { type CardSource, rankClusters, selectCalibrationCards } from '../utils/cold-start';
import { isRebuildNeeded, kmeans, purity, toMatrix } from '../utils/kmeans';
import { runClustering } from './run-clustering';

// Style clusters (docs/product.md §4): rebuilds (one at a time across instances, written atomically), the cached
// active run other features read, the automatic rebuild, and the cold-start calibration plan.

export interface ActiveCluster {
  index: number;
  centroid: Float32Array;
  prior: number;
  size: number;
}

export interface ActiveClusters {
  runId: string;
  modelId: string;
  clusters: ActiveCluster[];
  /** productId → cluster index, for the products the run clustered. */
  assignment: Map<string, number>;
}

let cachedClusters: ActiveClusters | undefined;

/** The active run's clusters, cached in memory under the run id (one cheap query per call). */
export async function getActiveClusters(): Promise<ActiveClusters | null> {
  const run = await findActiveClusterRun();
  if (!run) {
    scheduleClusterCheck();
    return null;
  }
  if (cachedClusters?.runId === run.id) return cachedClusters;
  const rows = await listRunClusters({ runId: run.id });
  const assignment = new Map<string, number>();
  for (const row of rows) for (const productId of row.productIds) assignment.set(productId, row.index);
  cachedClusters = {
    runId: run.id,
    modelId: run.modelId,
    clusters: rows.map((row) => ({
      index: row.index,
      centroid: Float32Array.from(row.centroid),
      prior: row.prior,
      size: row.size,
    })),
    assignment,
  };
  return cachedClusters;
}

/** Cluster indexes of the active run by cosine of their centroid to q (the lower index on a tie). */
export async function nearestClusters(q: Float32Array, count: number): Promise<number[]> {
  const active = await getActiveClusters();
  return active ? nearestActiveClusters(active, q, count) : [];
}

/** nearestClusters over a run already in hand (no second look-up of the active run). */
export function nearestActiveClusters(active: ActiveClusters, q: Float32Array, count: number): number[] {
  return rankClusters(normalise(q), active.clusters, count);
}

/** A product's cluster: the run's assignment, else (a product newer than the run) its nearest centroid. */
export function clusterOf(active: ActiveClusters, product: { id: string; vector: Float32Array }): number {
  const assigned = active.assignment.get(product.id);
  if (assigned !== undefined) return assigned;
  return rankClusters(product.vector, active.clusters, 1)[0] ?? 0;
}

/** The seed of the exploration clusterings (fixed: the same catalogue gives the same clusters everywhere). */
const POINT_CLUSTERING_SEED = 20_261_205;

/**
 * A seeded k-means (3 starts) of any n points of d dimensions: the feed's exploration clusters over the
 * catalogue's principal axes (k = 20 of PRODUCT.md §6–7; distinct from the active run, whose k is searched).
 */
export function clusterPoints(points: { n: number; d: number; data: Float32Array }, k: number) {
  const result = kmeans(points, Math.min(k, points.n), { seed: POINT_CLUSTERING_SEED, nInit: 3 });
  return { labels: result.labels, centroids: result.centroids, k: result.k };
}

// --- rebuilds -------------------------------------------------------------------------------------------

// One rebuild per process at a time (the advisory lock covers other instances; PGlite has only this process).
const store = globalThis as typeof globalThis & { __stylippClusterRebuild?: Promise<ClusterRunSummary> };

/**
 * Clusters the current catalogue and makes the result the active run. Conflict while another rebuild runs
 * (here or on another instance) or when there is nothing to cluster.
 */
export async function rebuildClusters(
  options: { seed?: number; clock?: Clock } = {},
): Promise<ClusterRunSummary> {
  if (store.__stylippClusterRebuild) throw rebuildRunning();
  const rebuilding = (async () => {
    const locked = await withRebuildLock(() => buildRun(options));
    if (!locked) throw rebuildRunning();
    return locked.value;
  })();
  store.__stylippClusterRebuild = rebuilding;
  try {
    return await rebuilding;
  } finally {
    store.__stylippClusterRebuild = undefined;
  }
}

const rebuildRunning = () => conflict('A cluster rebuild is already running.', 'rebuild_running');

async function buildRun(options: { seed?: number; clock?: Clock }): Promise<ClusterRunSummary> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? getConfig().clusters.seed;
  const snapshotAt = clock.now();
  const catalogue = await loadCatalogVectors();
  const products = catalogue.products;
  if (products.length === 0)
    throw conflict('The catalogue has no embedded products to cluster.', 'empty_catalog');
  const started = performance.now();
  const result = await runClustering(toMatrix(products.map((product) => product.vector)), { seed });
  const durationMs = Math.round(performance.now() - started);
  const members: string[][] = Array.from({ length: result.k }, () => []);
  products.forEach((product, i) => {
    members[result.labels[i] as number]?.push(product.id);
  });
  const run = await insertActiveClusterRun({
    run: {
      modelId: catalogue.modelId,
      dims: catalogue.dims,
      k: result.k,
      minK: result.minK,
      maxK: result.maxK,
      silhouette: result.silhouette,
      seed,
      productCount: products.length,
      purity: purity(
        result.labels,
        products.map((product) => product.category),
      ),
      catalogSnapshotAt: snapshotAt,
      durationMs,
      evaluatedKs: result.evaluated.map((entry) => entry.k),
      evaluatedSilhouettes: result.evaluated.map((entry) => entry.score),
    },
    members: result.centroids.map((centroid, index) => ({
      index,
      centroid: [...centroid],
      size: result.sizes[index] as number,
      prior: result.priors[index] as number,
      productIds: members[index] as string[],
    })),
  });
  logger.info('cluster run built', {
    runId: run.id,
    products: products.length,
    k: run.k,
    silhouette: Number(run.silhouette.toFixed(4)),
    purity: Number(run.purity.toFixed(4)),
    durationMs,
  });
  return toRunSummary(run);
}

function toRunSummary(run: ClusterRunRow): ClusterRunSummary {
  return {
    id: run.id,
    modelId: run.modelId,
    dims: run.dims,
    k: run.k,
    kRange: { min: run.minK, max: run.maxK },
    silhouette: run.silhouette,
    purity: run.purity,
    seed: run.seed,
    productCount: run.productCount,
    durationMs: run.durationMs,
    evaluated: run.evaluatedKs.map((k, i) => ({ k, silhouette: run.evaluatedSilhouettes[i] ?? 0 })),
    active: run.active,
    createdAt: run.createdAt.toISOString(),
  };
}

/** The active run and its clusters, each with its majority category among the products it holds now. */
export async function getClusterOverview(): Promise<ClusterOverview> {
  const run = await findActiveClusterRun();
  if (!run) return { run: null, clusters: [] };
  const [rows, catalogue] = await Promise.all([listRunClusters({ runId: run.id }), loadCatalogVectors()]);
  const categoryOf = new Map(catalogue.products.map((product) => [product.id, product.category]));
  return {
    run: toRunSummary(run),
    clusters: rows.map((row) => {
      const counts = new Map<string, number>();
      for (const id of row.productIds) {
        const category = categoryOf.get(id);
        if (category) counts.set(category, (counts.get(category) ?? 0) + 1);
      }
      const [category, count] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? [
        null,
        0,
      ];
      return {
        index: row.index,
        size: row.size,
        prior: row.prior,
        majorityCategory: category,
        majorityShare: row.productIds.length === 0 ? 0 : count / row.productIds.length,
      };
    }),
  };
}

// --- automatic rebuilds -----------------------------------------------------------------------------------

/**
 * Whether a rebuild is due: products and no active run, a run of another embedder, or more than 5 % of the
 * catalogue created, updated or archived since the last run read its vectors.
 */
export async function isRebuildDue(): Promise<boolean> {
  const run = await findActiveClusterRun();
  const { active, changed } = await countCatalogChangesSince(run?.catalogSnapshotAt ?? null);
  return isRebuildNeeded({ run, currentModelId: getEmbedder().modelId, active, changed });
}

/** Rebuilds when one is due; never throws (another instance rebuilding is not an error). */
export async function checkClusters(): Promise<void> {
  try {
    if (store.__stylippClusterRebuild || !(await isRebuildDue())) return;
    await rebuildClusters();
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'rebuild_running') return;
    logger.warn('automatic cluster rebuild failed', describeError(error));
  }
}

let checkScheduled = false;

/** A check soon, off the request's path (a reader that found no run asks for one). */
export function scheduleClusterCheck(): void {
  if (checkScheduled || store.__stylippClusterRebuild) return;
  checkScheduled = true;
  setTimeout(() => {
    checkScheduled = false;
    void checkClusters();
  }, 0).unref();
}

// --- cold start -------------------------------------------------------------------------------------------

export interface CalibrationItem {
  product: RankableProduct;
  source: CardSource;
  position: number;
  score: number;
}

export interface CalibrationPlan {
  runId: string;
  items: CalibrationItem[];
  primaryClusters: number[];
  diversityClusters: number[];
}

/**
 * The calibration cards for photo vectors (docs/product.md §4): each photo's nearest clusters and products, taken
 * in turns; 12 primary and 3 diversity cards interleaved. Undefined while no run of the current embedder is active.
 */
export async function planCalibration(photos: readonly Float32Array[]): Promise<CalibrationPlan | undefined> {
  const [active, catalogue] = await Promise.all([getActiveClusters(), loadCatalogVectors()]);
  if (!active || active.modelId !== catalogue.modelId) {
    scheduleClusterCheck();
    return undefined;
  }
  const plan = selectCalibrationCards({
    queries: photos.map((photo) => normalise(photo)),
    clusters: active.clusters,
    products: catalogue.products.map((product) => ({
      id: product.id,
      vector: product.vector,
      cluster: clusterOf(active, product),
    })),
  });
  const byId = new Map(catalogue.products.map((product) => [product.id, product]));
  return {
    runId: active.runId,
    items: plan.cards.map((card) => ({
      product: byId.get(card.productId) as RankableProduct,
      source: card.source,
      position: card.position,
      score: card.score,
    })),
    primaryClusters: plan.primaryClusters,
    diversityClusters: plan.diversityClusters,
  };
}
