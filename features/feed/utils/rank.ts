import type { Clock } from '@/features/core/clock/clock';
import type { Random } from '@/features/core/maths/random';
import { findInterests, type Interest, type LikedPoint, nearestInterest } from './interests';
import {
  fitTasteModel,
  LEARNER,
  logitSpread,
  recencyWeight,
  resetPoints,
  sampleBeta,
  sampleTasteModel,
  sigmoid,
  type TasteExample,
  type TasteModel,
} from './learner';
import { projectOne, rotate } from './projection';
import {
  becauseYouLiked,
  EXPLANATIONS,
  freshness,
  minMaxNormalise,
  type PriceProfile,
  priceAffinity,
  priceWindow,
  TIE_BREAK_WEIGHTS,
  trendingScore,
} from './scoring';
import type { TasteSpace } from './taste-space';
import { popularityOf, type TrendingStats } from './trending';

// One batch of the feed (PRODUCT.md §6), as a pure function of the catalogue, the user's swipes, trending, a
// clock and a seeded random source. The learner of §7 scores every candidate and fills the batch by Thompson
// sampling: one draw of the user's model per slot, the unseen product with the highest sampled score. Cold
// start explores one card per cluster; right after a taste-shift reset the next page explores clusters.

export const BATCH_SIZE = 60;
/**
 * After a reset: the next page's first this many cards come from clusters, one each, each the cluster's most
 * central card (a whole page: with 20 clusters, one card of every cluster the draws choose).
 */
export const RESET_EXPLORATION_CARDS = 20;
/** After a reset, each cluster's like and dislike counts decay by this factor per page of swipes. */
export const CLUSTER_COUNT_DECAY = 0.8;
/**
 * Interests (PRODUCT.md §7, two interests): the liked products since the last reset (a like counts 1, an
 * onboarding photo 2, standing for its nearest product) split into at most two groups — around the two photos
 * when there are two, else by a two-means; a group is an interest while it holds this much like weight and at
 * least this share of the answers nearest to it are likes; a turn takes its interest's best card only while the
 * draw gives that card at least this logit (a like probability of 0.73). Measured choices: docs/product.md §7.
 */
export const INTEREST_MIN_LIKES = 2;
export const INTEREST_MIN_LIKE_RATE = 0.25;
export const MAX_INTERESTS = 2;
export const INTEREST_MIN_LOGIT = 1;
/**
 * A turn ranks its interest's cards by the draw plus this pull toward the interest's centre and away from the
 * other's, `α·z·(c_i − c_j)`; the logit bound above still reads the draw alone. Measured: docs/product.md §7.
 */
export const INTEREST_PULL = 2;

export type FeedMode = 'trending' | 'exploring' | 'personalized';
/** primary: the learner's best guess; exploration: a draw or cluster card it is unsure of; trending. */
export type CardSource = 'primary' | 'exploration' | 'trending';
/** What placed a card. */
export type Placement = 'best_guess' | 'exploration_draw' | 'cluster' | 'trending';
/** Steps of the shortfall ladder, in the order they are taken. */
export type Relaxation = 'price_window' | 'revisits';

export interface RankProduct {
  id: string;
  title?: string;
  price: number;
  category: string;
  createdAt: Date;
  /** Archived products never reach a batch (the catalogue leaves them out already; this holds regardless). */
  archivedAt?: Date | null;
}

/** A standing swipe, oldest first; calibration answers come before the feed's swipes. */
export interface HistorySwipe {
  productId: string;
  liked: boolean;
  calibration: boolean;
}

export interface TasteHistory {
  swipes: readonly HistorySwipe[];
  /** Onboarding photo vectors (each a like) and the onboarding vector (the prior), when onboarded. */
  photos: readonly Float32Array[];
  onboardingVector: Float32Array | null;
}

export interface RankInput {
  products: readonly RankProduct[];
  space: TasteSpace;
  /** null: a user with no signal and no clusters yet — the trending feed. */
  history: TasteHistory | null;
  priceProfile: PriceProfile | null;
  trending: TrendingStats;
  /** Products never served again unless the ladder reaches revisits: swiped ones and calibration cards. */
  excluded: ReadonlySet<string>;
  /** Products already served earlier in this paging session. */
  served?: ReadonlySet<string>;
  category?: string | undefined;
  size?: number;
  clock: Clock;
  random: Random;
}

export interface CardFactors {
  placement: Placement;
  /** The model's like probability and the posterior spread of its logit (null outside the learner). */
  probability: number | null;
  uncertainty: number | null;
  /** The liked product nearest to this one (the evidence of a best guess). */
  nearestLikedId: string | null;
  cluster: number | null;
  priceScore: number | null;
  freshness: number;
  popularity: number | null;
  /** The batch follows a taste-shift reset. */
  reset: boolean;
}

export interface RankedCard {
  productId: string;
  source: CardSource;
  score: number;
  explanation: string;
  factors: CardFactors;
}

export interface RankedBatch {
  mode: FeedMode;
  cards: RankedCard[];
  relaxations: Relaxation[];
}

// --- the user's model ---------------------------------------------------------------------------------------

export interface TasteState {
  model: TasteModel;
  /** Resets seen in the feed's swipes, and whether the user has liked anything after the page that caused the last. */
  resets: number;
  likedSinceReset: boolean;
  /** Rows of the liked products that stand after the last reset (evidence for explanations). */
  likedRows: number[];
  /** Per exploration cluster, the decayed likes and dislikes since the last reset. */
  clusterLikes: Float64Array;
  clusterDislikes: Float64Array;
  /** Standing dislikes per exploration cluster (cold start visits the least disliked first). */
  dislikesPerCluster: Int32Array;
  /** The user's interests (groups of liked products, most liked first): a batch gives each its turn. */
  interests: Interest[];
  hasPrior: boolean;
  anyLike: boolean;
}

/** The data of PRODUCT.md §7 from the history: weighted examples, prior, reset state; and the fitted model. */
export function tasteState(
  space: TasteSpace,
  rowOf: ReadonlyMap<string, number>,
  history: TasteHistory,
): TasteState {
  const k = space.projection.k;
  const swipes = history.swipes;
  const feedIndexes: number[] = [];
  swipes.forEach((swipe, i) => {
    if (!swipe.calibration) feedIndexes.push(i);
  });
  const resetsAt = resetPoints(feedIndexes.map((i) => (swipes[i] as HistorySwipe).liked));
  // A reset at feed swipe r scales every swipe before swipes[feedIndexes[r]] (and the photos) by 0.001.
  const cuts = resetsAt.map((r) => feedIndexes[r] ?? swipes.length);
  const lastCut = cuts.at(-1) ?? 0;
  // The page that triggered the last reset is the new taste's first; the user has "liked again" once a swipe
  // after that page is a like.
  const lastReset = resetsAt.at(-1);
  const exploredFrom =
    lastReset === undefined ? 0 : (feedIndexes[lastReset + LEARNER.pageSwipes] ?? swipes.length);
  const scaleAt = (i: number) => {
    let scale = 1;
    for (const cut of cuts) if (i < cut) scale *= LEARNER.resetFactor;
    return scale;
  };
  const sp = scaleAt(-1);
  const examples: TasteExample[] = [];
  const likedRows: number[] = [];
  const clusterLikes = new Float64Array(space.clusterCount);
  const clusterDislikes = new Float64Array(space.clusterCount);
  const dislikesPerCluster = new Int32Array(space.clusterCount);
  const photoPoints: LikedPoint[] = [];
  const dislikedRows: number[] = [];
  const first = Math.max(0, swipes.length - LEARNER.historyLimit);
  let anyLike = false;
  let likedSinceReset = false;
  // Feed swipes before each swipe, so a swipe's page since the last reset is a division.
  const feedBefore = new Int32Array(swipes.length + 1);
  swipes.forEach((swipe, i) => {
    feedBefore[i + 1] = (feedBefore[i] as number) + (swipe.calibration ? 0 : 1);
  });
  const atCut = feedBefore[Math.min(lastCut, swipes.length)] as number;
  const pageOf = (i: number) => Math.floor(((feedBefore[i] as number) - atCut) / LEARNER.pageSwipes);
  const pagesSinceReset = pageOf(swipes.length);
  swipes.forEach((swipe, i) => {
    const row = rowOf.get(swipe.productId);
    if (swipe.liked) anyLike = true;
    if (row === undefined) return;
    const cluster = space.clusterOf[row] as number;
    if (!swipe.liked && cluster < space.clusterCount)
      dislikesPerCluster[cluster] = (dislikesPerCluster[cluster] as number) + 1;
    if (i >= lastCut && cuts.length > 0 && !swipe.calibration) {
      const decay = CLUSTER_COUNT_DECAY ** (pagesSinceReset - pageOf(i));
      if (swipe.liked) clusterLikes[cluster] = (clusterLikes[cluster] as number) + decay;
      else clusterDislikes[cluster] = (clusterDislikes[cluster] as number) + decay;
      if (swipe.liked && i >= exploredFrom) likedSinceReset = true;
    }
    if (swipe.liked && i >= lastCut) likedRows.push(row);
    if (i >= lastCut && !swipe.liked) dislikedRows.push(row);
    if (i < first) return;
    examples.push({
      z: space.z.subarray(row * k, (row + 1) * k),
      y: swipe.liked ? 1 : 0,
      c: recencyWeight(swipes.length - 1 - i) * scaleAt(i),
    });
  });
  const photoWeight = LEARNER.photoWeight * sp * recencyWeight(swipes.length);
  for (const photo of history.photos) {
    if (photo.length !== space.projection.d) continue;
    const z = projectOne(space.projection, photo);
    examples.push({ z, y: 1, c: photoWeight });
    // A photo is not a catalogue product (its camera, its background): among the liked products it stands for
    // the product nearest to it.
    if (cuts.length === 0) {
      const row = nearestRow(space, z);
      if (row >= 0)
        photoPoints.push({ z: space.z.subarray(row * k, (row + 1) * k), weight: LEARNER.photoWeight });
    }
  }
  const interests = likedInterests(space, likedRows, photoPoints, dislikedRows);
  let priorMean: Float64Array | null = null;
  if (history.onboardingVector && history.onboardingVector.length === space.projection.d) {
    priorMean = rotate(space.projection, history.onboardingVector);
    for (let j = 0; j < priorMean.length; j++)
      priorMean[j] = (priorMean[j] as number) * LEARNER.priorScale * sp;
  }
  return {
    model: fitTasteModel({ k, examples, priorMean }),
    resets: cuts.length,
    likedSinceReset,
    likedRows,
    clusterLikes,
    clusterDislikes,
    dislikesPerCluster,
    interests,
    hasPrior: history.photos.length > 0 || priorMean !== null,
    anyLike,
  };
}

/**
 * The row of `rows` (every catalogue row when omitted) nearest to the k values of `z` at `offset`, the first on
 * ties; -1 when there is none. A row's sum stops once it can no longer win.
 */
function nearestRow(space: TasteSpace, z: ArrayLike<number>, offset = 0, rows?: readonly number[]): number {
  const k = space.projection.k;
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  const visit = (row: number) => {
    let sum = 0;
    for (let j = 0; j < k && sum < bestDistance; j++)
      sum += ((space.z[row * k + j] as number) - (z[offset + j] as number)) ** 2;
    if (sum < bestDistance) {
      bestDistance = sum;
      best = row;
    }
  };
  if (rows) for (const row of rows) visit(row);
  else for (let row = 0; row < space.size; row++) visit(row);
  return best;
}

/**
 * The user's interests: two-means groups of the liked points holding ≥ INTEREST_MIN_LIKES like weight, of whose
 * nearest answers (the likes and the dislikes since the last reset) at least INTEREST_MIN_LIKE_RATE are likes.
 */
function likedInterests(
  space: TasteSpace,
  likedRows: readonly number[],
  photoPoints: readonly LikedPoint[],
  dislikedRows: readonly number[],
): Interest[] {
  const k = space.projection.k;
  const likedPoints = likedRows.map((row) => ({ z: space.z.subarray(row * k, (row + 1) * k), weight: 1 }));
  const groups = findInterests(likedPoints, k, INTEREST_MIN_LIKES, photoPoints).slice(0, MAX_INTERESTS);
  const dislikes = new Float64Array(groups.length);
  for (const row of dislikedRows) {
    const nearest = nearestInterest(groups, space.z, k, row * k);
    dislikes[nearest] = (dislikes[nearest] as number) + 1;
  }
  return groups.filter(
    (group, i) => group.weight >= INTEREST_MIN_LIKE_RATE * (group.weight + (dislikes[i] as number)),
  );
}

// --- candidates ---------------------------------------------------------------------------------------------

const rowsByCatalogue = new WeakMap<readonly RankProduct[], Map<string, number>>();

/** Row of every product id, built once per products array (the catalogue service caches it by version). */
export function catalogueRows(products: readonly RankProduct[]): Map<string, number> {
  let rowOf = rowsByCatalogue.get(products);
  if (!rowOf) {
    rowOf = new Map(products.map((product, row) => [product.id, row]));
    rowsByCatalogue.set(products, rowOf);
  }
  return rowOf;
}

function candidateRows(input: RankInput, allowExcluded: boolean, taken: ReadonlySet<number>): number[] {
  const rows: number[] = [];
  const served = input.served ?? new Set<string>();
  input.products.forEach((product, row) => {
    if (product.archivedAt || taken.has(row)) return;
    if (input.category && product.category !== input.category) return;
    if (!allowExcluded && (input.excluded.has(product.id) || served.has(product.id))) return;
    rows.push(row);
  });
  return rows;
}

// --- filling a batch ----------------------------------------------------------------------------------------

interface Filler {
  input: RankInput;
  cards: RankedCard[];
  taken: Set<number>;
  size: number;
}

function tieBreak(input: RankInput, product: RankProduct, now: Date): number {
  return (
    TIE_BREAK_WEIGHTS.price * (input.priceProfile ? priceAffinity(product.price, input.priceProfile) : 0) +
    TIE_BREAK_WEIGHTS.freshness * freshness(product.createdAt, now)
  );
}

function nearestLiked(space: TasteSpace, state: TasteState, row: number): number | null {
  const liked = nearestRow(space, space.z, row * space.projection.k, state.likedRows);
  return liked < 0 ? null : liked;
}

function learnerCard(
  filler: Filler,
  state: TasteState,
  row: number,
  placement: Placement,
  score: number,
  reset: boolean,
): RankedCard {
  const { input } = filler;
  const space = input.space;
  const k = space.projection.k;
  const product = input.products[row] as RankProduct;
  const logit = state.model.mean[k] as number;
  let mean = logit;
  for (let j = 0; j < k; j++) mean += (state.model.mean[j] as number) * (space.z[row * k + j] as number);
  const probability = sigmoid(mean);
  const nearest = nearestLiked(space, state, row);
  const nearestProduct = nearest === null ? undefined : input.products[nearest];
  const bestGuess = placement !== 'cluster' && probability >= 0.5;
  const finalPlacement: Placement =
    placement === 'cluster' ? 'cluster' : bestGuess ? 'best_guess' : 'exploration_draw';
  let explanation: string = EXPLANATIONS.exploring;
  if (bestGuess) {
    if (nearestProduct?.title) explanation = becauseYouLiked(nearestProduct.title);
    else explanation = state.hasPrior ? EXPLANATIONS.photos : EXPLANATIONS.price;
  }
  return {
    productId: product.id,
    source: bestGuess ? 'primary' : 'exploration',
    score,
    explanation,
    factors: {
      placement: finalPlacement,
      probability,
      uncertainty: logitSpread(state.model, space.z, row * k),
      nearestLikedId: nearestProduct?.id ?? null,
      cluster: space.clusterOf[row] ?? null,
      priceScore: input.priceProfile ? priceAffinity(product.price, input.priceProfile) : null,
      freshness: freshness(product.createdAt, input.clock.now()),
      popularity: null,
      reset,
    },
  };
}

/** Cold start: one card per cluster, the least disliked clusters first, each its next card nearest its centre. */
function fillColdStart(filler: Filler, state: TasteState, rows: readonly number[]): void {
  const { space } = filler.input;
  const allowed = new Set(rows);
  const order = Array.from({ length: space.clusterCount }, (_, c) => c).sort(
    (a, b) => (state.dislikesPerCluster[a] as number) - (state.dislikesPerCluster[b] as number) || a - b,
  );
  const next = new Int32Array(space.clusterCount);
  let progress = true;
  while (filler.cards.length < filler.size && progress) {
    progress = false;
    for (const cluster of order) {
      if (filler.cards.length >= filler.size) break;
      const members = space.byCentroid[cluster] as Int32Array;
      while ((next[cluster] as number) < members.length) {
        const row = members[next[cluster] as number] as number;
        next[cluster] = (next[cluster] as number) + 1;
        if (!allowed.has(row) || filler.taken.has(row)) continue;
        filler.taken.add(row);
        filler.cards.push(learnerCard(filler, state, row, 'cluster', 0, false));
        progress = true;
        break;
      }
    }
  }
}

/**
 * Thompson sampling over `rows`: per slot one draw `θ̃` of the model, the untaken row with the highest
 * `θ̃·a + tie-break`. Rows are visited by descending mean score and the scan stops once no later row can win
 * (|θ̃·a − θ·a| ≤ ‖z‖·‖δw‖ + |δb|): exact, and cheap once the model is sure.
 */
function fillThompson(
  filler: Filler,
  state: TasteState,
  rows: readonly number[],
  explorationSlots: ReadonlySet<number>,
  reset: boolean,
): void {
  const { input } = filler;
  const { space } = input;
  const k = space.projection.k;
  const now = input.clock.now();
  const theta = state.model.mean;
  const meanScore = new Float64Array(space.size);
  const order = [...rows];
  for (const row of rows) {
    let sum = theta[k] as number;
    for (let j = 0; j < k; j++) sum += (theta[j] as number) * (space.z[row * k + j] as number);
    meanScore[row] = sum + tieBreak(input, input.products[row] as RankProduct, now);
  }
  order.sort((a, b) => (meanScore[b] as number) - (meanScore[a] as number) || a - b);
  const usedClusters = new Set<number>();
  const allowed = explorationSlots.size > 0 ? new Set(rows) : new Set<number>();
  const turns = interestTurns(state);
  // Each candidate's interest (the nearest interest centre), worked out when a scan first needs it.
  const interestOfRow = new Int8Array(state.interests.length > 1 ? space.size : 0).fill(-1);
  // A turn of interest i ranks by the draw plus a pull toward its centre, away from the other's: α·z·(c_i − c_j)
  // (a nearer centre is a linear term in z), so the one model's blend of two interests picks each interest's own
  // cards in its turns, not the cards between them.
  const pulls: (Float64Array | null)[] = state.interests.map((interest, i) => {
    const other = state.interests[1 - i];
    if (state.interests.length !== 2 || !other) return null;
    return Float64Array.from(interest.centre, (c, j) => INTEREST_PULL * (c - (other.centre[j] as number)));
  });
  const pullNorms = pulls.map((pull) => (pull ? Math.hypot(...pull) : 0));
  const { headAxes } = space;
  const pullTails = pulls.map((pull) => (pull ? Math.hypot(...pull.subarray(headAxes)) : 0));
  const interestAt = (row: number) => {
    if (state.interests.length < 2) return 0;
    if ((interestOfRow[row] as number) < 0)
      interestOfRow[row] = nearestInterest(state.interests, space.z, k, row * k);
    return interestOfRow[row] as number;
  };
  while (filler.cards.length < filler.size) {
    const slot = filler.cards.length;
    if (explorationSlots.has(slot)) {
      const row = clusterExploration(filler, state, allowed, usedClusters);
      if (row !== null) {
        filler.taken.add(row);
        filler.cards.push(learnerCard(filler, state, row, 'cluster', meanScore[row] as number, reset));
        continue;
      }
    }
    const draw = sampleTasteModel(state.model, input.random);
    const delta = Float64Array.from({ length: k }, (_, j) => (draw[j] as number) - (theta[j] as number));
    const deltaNorm = Math.hypot(...delta);
    const tailDelta = Math.hypot(...delta.subarray(headAxes));
    const biasSlack = Math.abs((draw[k] as number) - (theta[k] as number));
    const slack = deltaNorm * space.maxNorm + biasSlack;
    const drawn = (interest: number | null) => {
      const pull = interest === null ? null : (pulls[interest] ?? null);
      const reach = pull ? (pullNorms[interest as number] as number) * space.maxNorm : 0;
      let best = -1;
      let bestScore = Number.NEGATIVE_INFINITY;
      let bestRanked = Number.NEGATIVE_INFINITY;
      for (const row of order) {
        if (filler.taken.has(row)) continue;
        const mean = meanScore[row] as number;
        if (mean + slack + reach < bestRanked) break;
        // This row's own bound: the leading axes exactly, the rest by Cauchy–Schwarz. A row that cannot win is
        // skipped without its full product (in a category far from the taste every mean is within the global
        // slack, so the break above comes late).
        const at = row * k;
        let head = 0;
        for (let j = 0; j < headAxes; j++) head += (delta[j] as number) * (space.z[at + j] as number);
        if (pull)
          for (let j = 0; j < headAxes; j++) head += (pull[j] as number) * (space.z[at + j] as number);
        const tail =
          (tailDelta + (pull ? (pullTails[interest as number] as number) : 0)) *
          (space.tailNorms[row] as number);
        if (mean + biasSlack + head + tail < bestRanked - 1e-9) continue;
        if (interest !== null && interestAt(row) !== interest) continue;
        let score = mean - (theta[k] as number) + (draw[k] as number);
        for (let j = 0; j < k; j++) score += (delta[j] as number) * (space.z[at + j] as number);
        let ranked = score;
        if (pull) for (let j = 0; j < k; j++) ranked += (pull[j] as number) * (space.z[at + j] as number);
        if (ranked > bestRanked) {
          bestRanked = ranked;
          bestScore = score;
          best = row;
        }
      }
      return { best, bestScore };
    };
    let { best, bestScore } = drawn(null);
    if (best < 0) return;
    // With two interests every slot is a turn: the interest served least (the draw's own on a tie) takes its best
    // card under the same draw, pulled toward it.
    const interest = interestAt(best);
    for (let due = turns.due(interest); due !== null; due = turns.due(interest)) {
      const turn = drawn(due);
      // The interest's turn stands while the draw still likes its best card there (a sampled logit of at least
      // INTEREST_MIN_LOGIT); past that it has run dry for this batch and leaves the turns.
      if (turn.best >= 0 && turn.bestScore >= INTEREST_MIN_LOGIT) {
        best = turn.best;
        bestScore = turn.bestScore;
        break;
      }
      turns.exhausted(due);
    }
    turns.served(interestAt(best));
    filler.taken.add(best);
    filler.cards.push(learnerCard(filler, state, best, 'exploration_draw', bestScore, reset));
  }
}

/**
 * Turns between the user's interests within a batch (PRODUCT.md §7, two interests): each slot goes to the
 * interest served least so far (the draw's own on a tie), which takes its best card under the same draw, pulled
 * toward its centre, while the draw likes that card; so both interests share the page while the draws choose
 * inside each, and the blend between them takes neither's turn.
 */
function interestTurns(state: TasteState) {
  const counts = new Map(state.interests.map((_, i) => [i, 0]));
  const least = (): number | null => {
    let fewest: number | null = null;
    for (const [c, count] of counts)
      if (fewest === null || count < (counts.get(fewest) as number)) fewest = c;
    return fewest;
  };
  return {
    /**
     * The interest whose turn this slot is, when the draw's best card is `interest`'s: the interest served least
     * so far, `interest` itself on a tie (null: one interest or none is left in the turns).
     */
    due(interest: number): number | null {
      const fewest = least();
      if (counts.size < 2 || fewest === null) return null;
      const count = counts.get(interest);
      return count !== undefined && count <= (counts.get(fewest) as number) ? interest : fewest;
    },
    /** The interest has no likely candidate left: it leaves the turns. */
    exhausted(interest: number): void {
      counts.delete(interest);
    },
    served(interest: number): void {
      const count = counts.get(interest);
      if (count !== undefined) counts.set(interest, count + 1);
    },
  };
}

/**
 * After a reset: a cluster not yet used in this batch, chosen by Thompson sampling on Beta(1 + likes, 1 +
 * dislikes) of its (decayed) answers since the reset, and its untaken candidate nearest its centroid.
 */
function clusterExploration(
  filler: Filler,
  state: TasteState,
  allowed: ReadonlySet<number>,
  used: Set<number>,
): number | null {
  const { space, random } = filler.input;
  let bestCluster = -1;
  let bestDraw = -1;
  for (let c = 0; c < space.clusterCount; c++) {
    if (used.has(c)) continue;
    const draw = sampleBeta(
      1 + (state.clusterLikes[c] as number),
      1 + (state.clusterDislikes[c] as number),
      random,
    );
    if (draw > bestDraw) {
      bestDraw = draw;
      bestCluster = c;
    }
  }
  if (bestCluster < 0) return null;
  used.add(bestCluster);
  // The cluster's most central card stands for the whole cluster: its answer teaches the model about the
  // cluster, where the card the (old) model scores best in it would be an outlier of it.
  for (const row of space.byCentroid[bestCluster] as Int32Array) {
    if (!filler.taken.has(row) && allowed.has(row)) return row;
  }
  return clusterExploration(filler, state, allowed, used);
}

function fillLearner(filler: Filler, state: TasteState, rows: readonly number[]): FeedMode {
  const coldStart = !state.anyLike && !state.hasPrior;
  if (coldStart) {
    fillColdStart(filler, state, rows);
    return 'exploring';
  }
  const exploring = state.resets > 0 && !state.likedSinceReset;
  const slots = new Set<number>();
  if (exploring) for (let i = 0; i < RESET_EXPLORATION_CARDS; i++) slots.add(filler.cards.length + i);
  fillThompson(filler, state, rows, slots, state.resets > 0 && !state.likedSinceReset);
  return exploring ? 'exploring' : 'personalized';
}

// --- trending -------------------------------------------------------------------------------------------------

/** `0.8·popularity + 0.2·freshness`, both min-max normalised over the candidates; ties by product id. */
function fillTrending(filler: Filler, rows: readonly number[]): void {
  const { input } = filler;
  const now = input.clock.now();
  const n = rows.length;
  const popularity = new Float64Array(n);
  const fresh = new Float64Array(n);
  rows.forEach((row, j) => {
    const product = input.products[row] as RankProduct;
    popularity[j] = popularityOf(input.trending, product.id);
    fresh[j] = freshness(product.createdAt, now);
  });
  const nPopularity = minMaxNormalise(Array.from(popularity));
  const nFresh = minMaxNormalise(Array.from(fresh));
  const entries = rows.map((row, j) => ({
    row,
    j,
    id: (input.products[row] as RankProduct).id,
    score: trendingScore({ popularity: nPopularity[j] as number, freshness: nFresh[j] as number }),
  }));
  entries.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const entry of entries) {
    if (filler.cards.length >= filler.size) break;
    if (filler.taken.has(entry.row)) continue;
    const product = input.products[entry.row] as RankProduct;
    filler.taken.add(entry.row);
    filler.cards.push({
      productId: product.id,
      source: 'trending',
      score: entry.score,
      explanation: EXPLANATIONS.trending,
      factors: {
        placement: 'trending',
        probability: null,
        uncertainty: null,
        nearestLikedId: null,
        cluster: input.space.clusterOf[entry.row] ?? null,
        priceScore: input.priceProfile ? priceAffinity(product.price, input.priceProfile) : null,
        freshness: fresh[entry.j] as number,
        popularity: popularity[entry.j] as number,
        reset: false,
      },
    });
  }
}

// --- one batch ----------------------------------------------------------------------------------------------

export function rankBatch(input: RankInput): RankedBatch {
  const size = input.size ?? BATCH_SIZE;
  const filler: Filler = { input, cards: [], taken: new Set(), size };
  const relaxations: Relaxation[] = [];
  const rowOf = catalogueRows(input.products);
  const state = input.history && input.space.size > 0 ? tasteState(input.space, rowOf, input.history) : null;
  const fillFrom = (rows: readonly number[]): FeedMode => {
    if (!state) {
      fillTrending(filler, rows);
      return 'trending';
    }
    return fillLearner(filler, state, rows);
  };

  let rows = candidateRows(input, false, filler.taken);
  const window = state && (state.anyLike || state.hasPrior) ? priceWindow(input.priceProfile) : null;
  if (window) {
    const inWindow = rows.filter((row) => {
      const price = (input.products[row] as RankProduct).price;
      return price >= window.low && price <= window.high;
    });
    if (inWindow.length >= size) rows = inWindow;
    else relaxations.push('price_window');
  }
  const mode = fillFrom(rows);
  if (filler.cards.length < size) {
    // Last rung: the user has seen everything that matches; show swiped and served products again.
    const again = candidateRows(input, true, filler.taken);
    if (again.length > 0) {
      relaxations.push('revisits');
      fillFrom(again);
    }
  }
  return { mode, cards: filler.cards, relaxations };
}
