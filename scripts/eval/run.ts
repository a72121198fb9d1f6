import {
  CEILING_FOLDS,
  CEILING_MODEL,
  crossValidatedScores,
  standardisedMatrix,
  standardiser,
} from './ceilings';
import { deleteLeftoverEvalUsers } from './client';
import { type JourneySummary, summariseJourney } from './report';
import {
  ceilingRanker,
  DEFAULT_SETTINGS,
  JOURNEY_TITLES,
  type Journey,
  type SimulationSettings,
  simulateUser,
  type UserRecord,
} from './simulate';
import type { EvalProduct } from './tastes';

// The evaluation of the recommendation loop (PRODUCT.md §10, issue 21): simulated users of journeys A–E, one
// after another, on a prepared catalogue (./catalogue.ts). Shared by `npm run eval:reco` and the CI test.

export interface EvaluationOptions {
  products: readonly EvalProduct[];
  /** Where every simulated session starts. */
  start: Date;
  journeys: readonly Journey[];
  usersPerJourney: number;
  /** The index of each journey's first user (a run of users 24–59 completes one of users 0–23). */
  firstUser?: number;
  settings?: Partial<SimulationSettings>;
  /** Train the embedding ceiling (default true; the CI test leaves it out: minutes on the 4,800 seed). */
  ceiling?: boolean;
  log?: (line: string) => void;
}

export interface EvaluationResult {
  settings: SimulationSettings;
  usersPerJourney: number;
  journeys: JourneySummary[];
  users: UserRecord[];
  /** Training the embedding ceiling's models (once per taste). */
  ceilingSeconds: number;
  seconds: number;
}

export async function runEvaluation(options: EvaluationOptions): Promise<EvaluationResult> {
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const log = options.log ?? (() => {});
  const started = performance.now();
  const vectors = options.products.map((product) => product.vector);
  const dims = vectors[0]?.length ?? 0;
  const matrix =
    options.ceiling === false ? new Float64Array(0) : standardisedMatrix(vectors, standardiser(vectors));
  let ceilingSeconds = 0;
  const ceiling =
    options.ceiling === false
      ? null
      : ceilingRanker(options.products, (labels) => {
          const at = performance.now();
          const scores = crossValidatedScores(matrix, dims, labels, CEILING_FOLDS, CEILING_MODEL);
          ceilingSeconds += (performance.now() - at) / 1000;
          return scores;
        });

  const leftovers = await deleteLeftoverEvalUsers();
  if (leftovers > 0) log(`eval: deleted ${leftovers} simulated user(s) an interrupted run left behind`);
  const users: UserRecord[] = [];
  const journeys: JourneySummary[] = [];
  for (const journey of options.journeys) {
    const records: UserRecord[] = [];
    const first = options.firstUser ?? 0;
    for (let index = first; index < first + options.usersPerJourney; index++) {
      records.push(
        await simulateUser({
          journey,
          index,
          products: options.products,
          settings,
          start: options.start,
          ceiling,
        }),
      );
      const done = records.length;
      if (done % 10 === 0 || done === options.usersPerJourney)
        log(`eval: journey ${journey}: ${done}/${options.usersPerJourney} users`);
    }
    users.push(...records);
    journeys.push(summariseJourney(journey, JOURNEY_TITLES[journey], records, settings));
  }
  return {
    settings,
    usersPerJourney: options.usersPerJourney,
    journeys,
    users,
    ceilingSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}
