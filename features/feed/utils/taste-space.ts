import { LEARNER } from './learner';
import { type Projection, principalAxes, projectRows } from './projection';

// The catalogue as the learner sees it (PRODUCT.md §7), built once per catalogue version and shared by every
// user's batch: each product's coordinates on the catalogue's principal axes, and a k = 20 clustering of those
// coordinates for exploration (cold start, after a taste-shift reset).

export const EXPLORATION_CLUSTERS = 20;
/** The leading axes a pruning bound takes exactly (the rest through `tailNorms`). */
export const HEAD_AXES = 8;

export interface TasteSpace {
  /** Products, in the catalogue's order (row i is products[i]). */
  size: number;
  projection: Projection;
  /** size × k coordinates, row-major. */
  z: Float32Array;
  /** The largest ‖z_row‖ (the bound for exact pruning of Thompson draws). */
  maxNorm: number;
  /** min(HEAD_AXES, k): the leading axes a pruning bound takes exactly. */
  headAxes: number;
  /**
   * ‖z_row‖ past the first `headAxes` axes: a draw's score is bounded by the head's exact product plus this times
   * the draw's own tail norm — tight, since the leading principal axes carry most of a row's length.
   */
  tailNorms: Float64Array;
  clusterCount: number;
  clusterOf: Int32Array;
  /** Per cluster, its rows nearest the centroid first (the row index breaks ties). */
  byCentroid: Int32Array[];
}

/** A k-means of n points of d dimensions (row-major): a label per point and the k × d centroids. */
export type Clusterer = (
  points: { n: number; d: number; data: Float32Array },
  k: number,
) => { labels: Int32Array; centroids: Float64Array; k: number };

export function buildTasteSpace(vectors: readonly Float32Array[], clusterer: Clusterer): TasteSpace {
  const size = vectors.length;
  const d = vectors[0]?.length ?? 0;
  const rows = new Float32Array(size * d);
  vectors.forEach((vector, i) => {
    rows.set(vector, i * d);
  });
  const projection = principalAxes(rows, size, d, LEARNER.axes);
  const k = projection.k;
  const z = projectRows(projection, rows, size);
  const headAxes = Math.min(HEAD_AXES, k);
  const tailNorms = new Float64Array(size);
  let maxNorm = 0;
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let j = k - 1; j >= 0; j--) {
      sum += (z[i * k + j] as number) ** 2;
      if (j === headAxes) tailNorms[i] = Math.sqrt(sum);
    }
    maxNorm = Math.max(maxNorm, Math.sqrt(sum));
  }
  const clusterCount = Math.min(EXPLORATION_CLUSTERS, size);
  const clusterOf = new Int32Array(size);
  const byCentroid: Int32Array[] = [];
  if (clusterCount > 0) {
    const clustering = clusterer({ n: size, d: k, data: z }, clusterCount);
    clusterOf.set(clustering.labels);
    const distance = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const c = clusterOf[i] as number;
      let sum = 0;
      for (let j = 0; j < k; j++)
        sum += ((z[i * k + j] as number) - (clustering.centroids[c * k + j] as number)) ** 2;
      distance[i] = sum;
    }
    for (let c = 0; c < clustering.k; c++) {
      const members: number[] = [];
      for (let i = 0; i < size; i++) if (clusterOf[i] === c) members.push(i);
      members.sort((a, b) => (distance[a] as number) - (distance[b] as number) || a - b);
      byCentroid.push(Int32Array.from(members));
    }
  }
  return {
    size,
    projection,
    z,
    maxNorm,
    headAxes,
    tailNorms,
    clusterCount: byCentroid.length,
    clusterOf,
    byCentroid,
  };
}
