import { fixedClock } from '@/features/core/clock/clock';
import { type Random, seededRandom } from '@/features/core/maths/random';
import { nextPage, oracleRanking, rankByScore } from './ceilings';
import {
  calibrate,
  completeCalibration,
  createEvalUser,
  deleteEvalUser,
  EVAL_EMAIL_DOMAIN,
  fetchFeedPage,
  learn,
  outfitPhoto,
  swipe,
  uploadPhoto,
} from './client';
import {
  drawChangedTaste,
  drawTaste,
  drawTwoInterests,
  type EvalProduct,
  interestOf,
  SINGLE_KINDS,
  type SingleTaste,
  type Taste,
  tasteKey,
} from './tastes';

// One simulated user's journey through the real onboarding, feed, feedback and learning code (PRODUCT.md §10),
// and the same pages served by the two ceilings. Journeys:
//   A  no onboarding: the feed from nothing, swiping by the taste
//   B  onboarding: two photos of matching products, 15 calibration answers by the taste
//   C  as B, the taste changes after page `changeAfterPage` (4)
//   D  as B, 10 % of all answers (calibration and feed) flipped
//   E  as B with two interests (a photo of each); likes a card matching either

export const JOURNEYS = ['A', 'B', 'C', 'D', 'E'] as const;
export type Journey = (typeof JOURNEYS)[number];

export const JOURNEY_TITLES: Record<Journey, string> = {
  A: 'no onboarding',
  B: 'onboarding (2 photos, 15 answers)',
  C: 'onboarding, taste changes after page 4',
  D: 'onboarding, 10 % of answers flipped',
  E: 'onboarding, two interests',
};

export interface SimulationSettings {
  seed: number;
  pages: number;
  pageSize: number;
  /** C: the taste changes after this page. */
  changeAfterPage: number;
  /** D: the share of answers flipped. */
  noise: number;
  /** Simulated seconds per swipe (the batch's 300 s lifetime then passes as in a real session). */
  secondsPerSwipe: number;
}

export const DEFAULT_SETTINGS: SimulationSettings = {
  seed: 1,
  pages: 10,
  pageSize: 20,
  changeAfterPage: 4,
  noise: 0.1,
  secondsPerSwipe: 3,
};

/** One page as the user saw it, and the same page from each ceiling. Counts are cards. */
export interface PageRecord {
  served: number;
  /** Cards matching the taste in force on this page (the true taste, noise or not). */
  matching: number;
  /** Calibration cards this user had answered, served again. */
  calibrationRepeats: number;
  /** Cards this user had already been served in an earlier page. */
  repeats: number;
  /** Matching cards per interest (E), else [matching, 0]. */
  interests: [number, number];
  feedMode: string;
  sources: Record<string, number>;
  /** Matching and served among the cards that are not calibration cards. */
  freshMatching: number;
  freshServed: number;
  oracle: { served: number; matching: number; interests: [number, number] };
  /**
   * C: the change-blind oracle — the label oracle that learns of a taste change only from the answers to the page
   * that showed it, as any learner must: each page ranked by the taste of the page before. Absent elsewhere
   * (without a change it is the oracle).
   */
  blindOracle?: { served: number; matching: number };
  /** Null when the run was made without the embedding ceiling (the CI test). */
  logistic: { served: number; matching: number } | null;
}

export interface UserRecord {
  journey: Journey;
  index: number;
  taste: string;
  /** C: the taste after the change. */
  changedTo?: string;
  /** Share of the catalogue matching the (first) taste: a random feed's expected precision. */
  baseRate: number;
  onboarding?: { calibrationCards: number; liked: number; error?: string };
  pages: PageRecord[];
  seconds: number;
}

/** Scores of the embedding ceiling for a taste: ids ranked by a logistic model trained on all its labels. */
export type CeilingRanker = (taste: Taste) => readonly string[];

/** Independent seeded streams per user: results for a user do not depend on which other users run. */
export function userRandom(seed: number, journey: Journey, index: number, stream: number): Random {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const value of [JOURNEYS.indexOf(journey) + 1, index + 1, stream + 1]) {
    h = Math.imul(h ^ value, 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return seededRandom(h);
}

const STREAM = { taste: 0, photos: 1, noise: 2, oracle: 3 } as const;

/** The user's taste(s): journeys A–D cycle through the four kinds of single taste; E has two interests. */
export function tastesFor(
  journey: Journey,
  index: number,
  products: readonly EvalProduct[],
  random: Random,
): { first: Taste; changed?: Taste } {
  if (journey === 'E') return { first: drawTwoInterests(products, random) };
  const first = drawTaste(SINGLE_KINDS[index % SINGLE_KINDS.length] as SingleTaste['kind'], products, random);
  return journey === 'C' ? { first, changed: drawChangedTaste(first, products, random) } : { first };
}

/** Two products to photograph: matching the taste (one per interest for E), drawn with the seeded source. */
function photoProducts(taste: Taste, products: readonly EvalProduct[], random: Random): EvalProduct[] {
  const of = (interest: number) => products.filter((product) => interestOf(taste, product) === interest);
  const pick = (list: EvalProduct[], avoid?: EvalProduct) => {
    const candidates = list.filter((product) => product !== avoid);
    return candidates[random.int(candidates.length)] as EvalProduct;
  };
  if (taste.kind === 'two-interests') return [pick(of(0)), pick(of(1))];
  const first = pick(of(0));
  return [first, pick(of(0), first)];
}

export async function simulateUser(input: {
  journey: Journey;
  index: number;
  products: readonly EvalProduct[];
  settings: SimulationSettings;
  /** Where every user's session starts (all start at the same instant). */
  start: Date;
  ceiling: CeilingRanker | null;
}): Promise<UserRecord> {
  const { journey, index, products, settings } = input;
  const started = performance.now();
  const byId = new Map(products.map((product) => [product.id, product]));
  const random = (stream: number) => userRandom(settings.seed, journey, index, stream);
  const noise = random(STREAM.noise);
  const { first, changed } = tastesFor(journey, index, products, random(STREAM.taste));
  const tasteOnPage = (page: number) => (changed && page > settings.changeAfterPage ? changed : first);
  /** The user's answer: the truth, flipped with probability `noise` on journey D. */
  const answer = (taste: Taste, productId: string) => {
    const product = byId.get(productId);
    const truth = product !== undefined && interestOf(taste, product) >= 0;
    return journey === 'D' && noise.next() < settings.noise ? !truth : truth;
  };
  const clock = fixedClock(input.start);
  const advance = () => clock.advance(settings.secondsPerSwipe * 1000);
  const record: UserRecord = {
    journey,
    index,
    taste: tasteKey(first),
    ...(changed ? { changedTo: tasteKey(changed) } : {}),
    baseRate: products.filter((product) => interestOf(first, product) >= 0).length / products.length,
    pages: [],
    seconds: 0,
  };
  const userId = await createEvalUser(`eval-${settings.seed}-${journey}-${index}${EVAL_EMAIL_DOMAIN}`);
  try {
    const calibration = new Set<string>();
    if (journey !== 'A') {
      const photos = random(STREAM.photos);
      const photoIds: string[] = [];
      for (const product of photoProducts(first, products, photos))
        photoIds.push(await uploadPhoto(userId, await outfitPhoto(product.id, photos)));
      const session = await calibrate(userId, photoIds);
      const liked: string[] = [];
      const disliked: string[] = [];
      for (const card of session.cards) {
        calibration.add(card.productId);
        (answer(first, card.productId) ? liked : disliked).push(card.productId);
        advance();
      }
      record.onboarding = { calibrationCards: session.cards.length, liked: liked.length };
      try {
        await completeCalibration(userId, { sessionId: session.sessionId, liked, disliked }, clock);
      } catch (error) {
        // Counted and reported: the user goes on to the feed as the client would, without a profile.
        record.onboarding.error = (error as Error).message;
      }
    }

    const served = new Set<string>();
    const oracleSeen = new Set(calibration);
    const logisticSeen = new Set(calibration);
    const blindSeen = new Set(calibration);
    const oracleRandom = random(STREAM.oracle);
    const oracleRankings = new Map<Taste, string[]>();
    const ids = products.map((product) => product.id);
    let cursor: string | undefined;
    for (let pageNumber = 1; pageNumber <= settings.pages; pageNumber++) {
      const taste = tasteOnPage(pageNumber);
      const matches = (id: string) => {
        const product = byId.get(id);
        return product !== undefined && interestOf(taste, product) >= 0;
      };
      const interestCounts = (list: readonly string[]): [number, number] => {
        const counts: [number, number] = [0, 0];
        for (const id of list) {
          const product = byId.get(id);
          const interest = product ? interestOf(taste, product) : -1;
          if (interest >= 0) counts[interest as 0 | 1] += 1;
        }
        return counts;
      };

      const page = await fetchFeedPage(userId, cursor, settings.pageSize, clock);
      const pageIds = page.cards.map((card) => card.productId);
      const fresh = pageIds.filter((id) => !calibration.has(id));
      const sources: Record<string, number> = {};
      for (const card of page.cards) sources[card.source] = (sources[card.source] ?? 0) + 1;
      let oracleOrder = oracleRankings.get(taste);
      if (!oracleOrder) {
        oracleOrder = oracleRanking(ids, matches, oracleRandom);
        oracleRankings.set(taste, oracleOrder);
      }
      const oraclePage = nextPage(oracleOrder, oracleSeen, settings.pageSize);
      const logisticPage = input.ceiling && nextPage(input.ceiling(taste), logisticSeen, settings.pageSize);
      // The taste of the page before has always been ranked already (the same order, no new random draws).
      const blindPage =
        changed &&
        nextPage(
          oracleRankings.get(tasteOnPage(Math.max(1, pageNumber - 1))) ?? oracleOrder,
          blindSeen,
          settings.pageSize,
        );
      record.pages.push({
        served: pageIds.length,
        matching: pageIds.filter(matches).length,
        calibrationRepeats: pageIds.length - fresh.length,
        repeats: pageIds.filter((id) => served.has(id)).length,
        interests: interestCounts(pageIds),
        feedMode: page.feedMode,
        sources,
        freshMatching: fresh.filter(matches).length,
        freshServed: fresh.length,
        oracle: {
          served: oraclePage.length,
          matching: oraclePage.filter(matches).length,
          interests: interestCounts(oraclePage),
        },
        logistic: logisticPage && {
          served: logisticPage.length,
          matching: logisticPage.filter(matches).length,
        },
        ...(blindPage
          ? { blindOracle: { served: blindPage.length, matching: blindPage.filter(matches).length } }
          : {}),
      });
      for (const id of pageIds) served.add(id);

      for (const card of page.cards) {
        advance();
        await swipe(userId, { ...card, batchId: page.batchId }, answer(taste, card.productId));
      }
      await learn(userId, clock);
      cursor = page.nextCursor ?? undefined;
    }
  } finally {
    await deleteEvalUser(userId);
  }
  record.seconds = (performance.now() - started) / 1000;
  return record;
}

/**
 * The embedding ceiling's ranking per taste. A model is trained once per single taste and kept for the run; a
 * two-interest taste ranks by the larger of its two interests' scores (one linear model per interest: a single
 * one cannot carve two disjoint regions out of the catalogue, and the ceiling is what the vectors allow).
 */
export function ceilingRanker(
  products: readonly EvalProduct[],
  train: (labels: boolean[]) => ArrayLike<number>,
): CeilingRanker {
  const scoresByTaste = new Map<string, ArrayLike<number>>();
  const rankings = new Map<string, string[]>();
  const ids = products.map((product) => product.id);
  const scoresOf = (taste: SingleTaste) => {
    const key = tasteKey(taste);
    let scores = scoresByTaste.get(key);
    if (!scores) {
      scores = train(products.map((product) => interestOf(taste, product) >= 0));
      scoresByTaste.set(key, scores);
    }
    return scores;
  };
  return (taste) => {
    const key = tasteKey(taste);
    let ranking = rankings.get(key);
    if (!ranking) {
      const parts = taste.kind === 'two-interests' ? taste.interests.map(scoresOf) : [scoresOf(taste)];
      const combined = ids.map((_, i) => Math.max(...parts.map((scores) => scores[i] as number)));
      ranking = rankByScore(ids, combined);
      rankings.set(key, ranking);
    }
    return ranking;
  };
}
