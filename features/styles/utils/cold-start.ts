import { dot } from '@/features/core/maths/vector';

// Cold start from photos (PRODUCT.md §4): the calibration cards come from the clusters nearest to the photos,
// primary clusters (ranks 1–3) filling most slots and diversity clusters (ranks 4–5) a fixed few, interleaved.

export const CALIBRATION_CARDS = 15;
export const PRIMARY_CLUSTER_COUNT = 3;
export const DIVERSITY_CLUSTER_COUNT = 2;
export const DIVERSITY_CARDS = 3;

export interface ClusterCentroid {
  index: number;
  /** Unit vector. */
  centroid: Float32Array;
}

export interface CandidateProduct {
  id: string;
  /** Unit vector. */
  vector: Float32Array;
  cluster: number;
}

export type CardSource = 'primary' | 'diversity';

export interface CalibrationCard {
  productId: string;
  source: CardSource;
  /** 1-based. */
  position: number;
  /** Cosine to the query vector. */
  score: number;
}

export interface CalibrationPlan {
  cards: CalibrationCard[];
  primaryClusters: number[];
  diversityClusters: number[];
}

/**
 * Cluster indexes ordered by cosine of their centroid to `q` (q and centroids are unit vectors, so the dot
 * product is the cosine); the lower index wins a tie.
 */
export function rankClusters(q: Float32Array, clusters: readonly ClusterCentroid[], count: number): number[] {
  return clusters
    .map((cluster) => ({ index: cluster.index, score: dot(q, cluster.centroid) }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .map((entry) => entry.index);
}

/** The slot kinds for n cards: `chunk = ceil(primary/diversity)` primary cards, then one diversity card, … */
export function interleaveSlots(primary: number, diversity: number): CardSource[] {
  const slots: CardSource[] = [];
  const chunk = diversity === 0 ? primary : Math.ceil(primary / diversity);
  let p = primary;
  let d = diversity;
  while (p > 0 || d > 0) {
    for (let i = 0; i < chunk && p > 0; i++, p--) slots.push('primary');
    if (d > 0) {
      slots.push('diversity');
      d--;
    }
  }
  return slots;
}

/** Candidates per group: max(24, 4·count). */
export const candidatesPerGroup = (count: number) => Math.max(24, 4 * count);

interface Scored {
  id: string;
  score: number;
}

function byScore(a: Scored, b: Scored): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The calibration cards for query vector `q` (normalise(mean(photo vectors))). n cards: 3 diversity and n − 3
 * primary; candidates by cosine to q inside the primary / diversity clusters, diversity de-duplicated against
 * the primary candidates; a group that runs short is filled from the whole catalogue by cosine (such a card
 * counts as primary). Every card is a distinct product; fewer than n only when the catalogue has fewer.
 */
export function selectCalibrationCards(input: {
  q: Float32Array;
  clusters: readonly ClusterCentroid[];
  products: readonly CandidateProduct[];
  count?: number;
}): CalibrationPlan {
  const count = input.count ?? CALIBRATION_CARDS;
  const ranked = rankClusters(input.q, input.clusters, PRIMARY_CLUSTER_COUNT + DIVERSITY_CLUSTER_COUNT);
  const primaryClusters = ranked.slice(0, PRIMARY_CLUSTER_COUNT);
  const diversityClusters = ranked.slice(PRIMARY_CLUSTER_COUNT);
  const diversityCount = Math.min(DIVERSITY_CARDS, count);
  const primaryCount = count - diversityCount;

  const scored = input.products
    .map((product) => ({ id: product.id, cluster: product.cluster, score: dot(input.q, product.vector) }))
    .sort(byScore);
  const inClusters = (indexes: number[], limit: number, exclude: Set<string>) =>
    scored.filter((product) => indexes.includes(product.cluster) && !exclude.has(product.id)).slice(0, limit);
  const primary = inClusters(primaryClusters, candidatesPerGroup(primaryCount), new Set());
  const diversity = inClusters(
    diversityClusters,
    candidatesPerGroup(diversityCount),
    new Set(primary.map((product) => product.id)),
  );

  // Each group's best cards first; reserve them so a filler never takes a card another slot will use.
  const primaryPicks = primary.slice(0, primaryCount);
  const diversityPicks = diversity.slice(0, diversityCount);
  const used = new Set([...primaryPicks, ...diversityPicks].map((product) => product.id));
  const fillers = scored.filter((product) => !used.has(product.id));

  const cards: CalibrationCard[] = [];
  for (const slot of interleaveSlots(primaryCount, diversityCount)) {
    const own = slot === 'primary' ? primaryPicks.shift() : diversityPicks.shift();
    const pick = own ?? fillers.shift();
    if (!pick) continue;
    cards.push({
      productId: pick.id,
      source: own ? slot : 'primary',
      position: cards.length + 1,
      score: pick.score,
    });
  }
  return { cards, primaryClusters, diversityClusters };
}
