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
  cluster: number;
}

function byScore(a: Scored, b: Scored): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Items of the lists taken in turns (the first list first), each item once, until `limit` or the lists run out. */
export function takeTurns<T>(lists: readonly (readonly T[])[], limit: number, key: (item: T) => string): T[] {
  const taken: T[] = [];
  const seen = new Set<string>();
  const next = lists.map(() => 0);
  let progress = true;
  while (taken.length < limit && progress) {
    progress = false;
    lists.forEach((list, i) => {
      while (taken.length < limit && (next[i] as number) < list.length) {
        const item = list[next[i] as number] as T;
        next[i] = (next[i] as number) + 1;
        if (seen.has(key(item))) continue;
        seen.add(key(item));
        taken.push(item);
        progress = true;
        return;
      }
    });
  }
  return taken;
}

/**
 * The calibration cards for the query vectors (one per photo, unit vectors). n cards: 3 diversity and n − 3
 * primary. Each photo ranks the clusters by cosine to it; the 5 clusters are taken from those rankings in turns
 * (primary the first 3, diversity the next 2). Candidates by cosine to each photo inside the primary / diversity
 * clusters (diversity de-duplicated against the primary candidates), and the cards are taken from the photos'
 * candidate lists in turns: a card's score is its cosine to its own photo. Two photos of two different styles
 * get cards of both, not of the blend between them that neither shows. A group that runs short is filled from
 * the whole catalogue by cosine, in turns too (such a card counts as primary). Every card is a distinct product;
 * fewer than n only when the catalogue has fewer. With one photo this is its nearest clusters and products.
 */
export function selectCalibrationCards(input: {
  queries: readonly Float32Array[];
  clusters: readonly ClusterCentroid[];
  products: readonly CandidateProduct[];
  count?: number;
}): CalibrationPlan {
  const count = input.count ?? CALIBRATION_CARDS;
  const clusterCount = PRIMARY_CLUSTER_COUNT + DIVERSITY_CLUSTER_COUNT;
  const ranked = takeTurns(
    input.queries.map((q) => rankClusters(q, input.clusters, clusterCount)),
    clusterCount,
    String,
  );
  const primaryClusters = ranked.slice(0, PRIMARY_CLUSTER_COUNT);
  const diversityClusters = ranked.slice(PRIMARY_CLUSTER_COUNT);
  const diversityCount = Math.min(DIVERSITY_CARDS, count);
  const primaryCount = count - diversityCount;

  const scored = input.queries.map((q) =>
    input.products
      .map((product) => ({ id: product.id, cluster: product.cluster, score: dot(q, product.vector) }))
      .sort(byScore),
  );
  const inClusters = (list: Scored[], indexes: number[], limit: number, exclude: Set<string>) =>
    list.filter((product) => indexes.includes(product.cluster) && !exclude.has(product.id)).slice(0, limit);
  const primary = scored.map((list) =>
    inClusters(list, primaryClusters, candidatesPerGroup(primaryCount), new Set()),
  );
  const primaryIds = new Set(primary.flat().map((product) => product.id));
  const diversity = scored.map((list) =>
    inClusters(list, diversityClusters, candidatesPerGroup(diversityCount), primaryIds),
  );

  // Each group's best cards first; reserve them so a filler never takes a card another slot will use.
  const id = (product: Scored) => product.id;
  const primaryPicks = takeTurns(primary, primaryCount, id);
  const picked = new Set(primaryPicks.map(id));
  const diversityPicks = takeTurns(
    diversity.map((list) => list.filter((product) => !picked.has(product.id))),
    diversityCount,
    id,
  );
  const used = new Set([...primaryPicks, ...diversityPicks].map(id));
  const fillers = takeTurns(
    scored.map((list) => list.filter((product) => !used.has(product.id))),
    count,
    id,
  );

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
