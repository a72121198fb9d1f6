import { expect, test } from '@playwright/test';
import { PALETTE } from '@/features/catalog/image/seed-images';
import { seededRandom } from '@/features/core/maths/random';
import {
  crossValidatedScores,
  fitLogistic,
  logit,
  nextPage,
  oraclePrecision,
  oracleRanking,
  rankByScore,
  shuffled,
  standardisedMatrix,
  standardiser,
} from '../../scripts/eval/ceilings';
import { evalUserId } from '../../scripts/eval/client';
import { formatReport, summariseJourney } from '../../scripts/eval/report';
import type { PageRecord, UserRecord } from '../../scripts/eval/simulate';
import { tastesFor, userRandom } from '../../scripts/eval/simulate';
import { bootstrapMeanInterval, mean, quantile, wilsonInterval } from '../../scripts/eval/stats';
import {
  COLOUR_FAMILIES,
  drawChangedTaste,
  drawTwoInterests,
  type EvalProduct,
  interestOf,
  matchesTaste,
  parseSeedTitle,
  type Taste,
  tasteKey,
  tastesOfKind,
} from '../../scripts/eval/tastes';

// The pure parts of `npm run eval:reco` (scripts/eval): intervals, tastes, the two ceilings, the summary.

test('Wilson interval: hand-computed values at z = 1.96', () => {
  // 8 of 10: p = 0.8, z² = 3.8416, centre (0.8 + 0.19208)/1.38416 = 0.71674,
  // half 1.96·√(0.016 + 0.0096040)/1.38416 = 0.22658 → [0.49016, 0.94332].
  const eight = wilsonInterval(8, 10, 1.96);
  expect(eight.low).toBeCloseTo(0.49016, 4);
  expect(eight.high).toBeCloseTo(0.94332, 4);
  // 0 of 10: centre 0.19208/1.38416 = 0.13877, half 1.96·0.098000/1.38416 = 0.13877 → [0, 0.27754].
  const none = wilsonInterval(0, 10, 1.96);
  expect(none.low).toBeCloseTo(0, 10);
  expect(none.high).toBeCloseTo(0.27754, 4);
  // Symmetric: 10 of 10 mirrors 0 of 10.
  expect(wilsonInterval(10, 10, 1.96).low).toBeCloseTo(1 - 0.27754, 4);
  expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
});

test('mean, quantiles (linear, as numpy) and the seeded bootstrap', () => {
  expect(mean([1, 2, 3, 6])).toBe(3);
  expect(mean([])).toBeNaN();
  expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
  expect(quantile([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
  expect(quantile([5], 0.975)).toBe(5);
  const constant = bootstrapMeanInterval([0.4, 0.4, 0.4], seededRandom(1));
  expect(constant.low).toBeCloseTo(0.4, 12);
  expect(constant.high).toBeCloseTo(0.4, 12);
  const values = [0, 0.1, 0.2, 0.5, 0.9, 1, 0.3, 0.6];
  const interval = bootstrapMeanInterval(values, seededRandom(7));
  expect(interval).toEqual(bootstrapMeanInterval(values, seededRandom(7)));
  expect(interval.low).toBeLessThan(mean(values));
  expect(interval.high).toBeGreaterThan(mean(values));
  expect(interval.low).toBeGreaterThanOrEqual(0);
  expect(interval.high).toBeLessThanOrEqual(1);
});

test('seed titles: colour, family and garment; every palette colour is in exactly one family', () => {
  expect(parseSeedTitle('Navy Ankle Boots')).toEqual({
    garment: 'Ankle Boots',
    colour: 'Navy',
    family: 'blue',
  });
  expect(parseSeedTitle('Mustard T-shirt')).toEqual({
    garment: 'T-shirt',
    colour: 'Mustard',
    family: 'earth',
  });
  expect(parseSeedTitle('Purple Dress')).toBeUndefined();
  expect(parseSeedTitle('Dress')).toBeUndefined();
  const listed = Object.values(COLOUR_FAMILIES).flat().sort();
  expect(listed).toEqual(PALETTE.map((colour) => colour.name).sort());
});

const product = (title: string, category: string, id = title): EvalProduct => ({
  id,
  title,
  category,
  price: 10,
  vector: new Float32Array(2),
  ...(parseSeedTitle(title) as { garment: string; colour: string; family: string }),
});

test('a user likes a card iff it matches the taste, of every kind', () => {
  const boots = product('Navy Ankle Boots', 'shoes');
  const dress = product('Red Dress', 'dresses');
  expect(matchesTaste({ kind: 'garment', garment: 'Ankle Boots' }, boots)).toBe(true);
  expect(matchesTaste({ kind: 'garment', garment: 'Ankle Boots' }, dress)).toBe(false);
  expect(matchesTaste({ kind: 'category', category: 'shoes' }, boots)).toBe(true);
  expect(matchesTaste({ kind: 'colour', family: 'blue' }, boots)).toBe(true);
  expect(matchesTaste({ kind: 'colour', family: 'blue' }, dress)).toBe(false);
  expect(matchesTaste({ kind: 'category-colour', category: 'shoes', family: 'blue' }, boots)).toBe(true);
  expect(matchesTaste({ kind: 'category-colour', category: 'shoes', family: 'red' }, boots)).toBe(false);
  const two: Taste = {
    kind: 'two-interests',
    interests: [
      { kind: 'garment', garment: 'Dress' },
      { kind: 'category', category: 'shoes' },
    ],
  };
  expect(interestOf(two, dress)).toBe(0);
  expect(interestOf(two, boots)).toBe(1);
  expect(interestOf(two, product('Red Bag', 'bags'))).toBe(-1);
  expect(tasteKey(two)).toBe('garment:Dress+category:shoes');
});

// 100 products: 10 garments (shoes ×3, tops ×3, one each of pants, dresses, jackets, bags) × 10 colours.
const GARMENTS: [string, string][] = [
  ['Sandals', 'shoes'],
  ['Sneakers', 'shoes'],
  ['Ankle Boots', 'shoes'],
  ['T-shirt', 'tops'],
  ['Pullover', 'tops'],
  ['Shirt', 'tops'],
  ['Trousers', 'pants'],
  ['Dress', 'dresses'],
  ['Coat', 'jackets'],
  ['Bag', 'bags'],
];
const COLOURS = ['Black', 'Navy', 'Sky', 'Red', 'Blush', 'Camel', 'Olive', 'Grey', 'Teal', 'Mustard'];
const catalogue = GARMENTS.flatMap(([garment, category], g) =>
  COLOURS.map((colour, c) =>
    product(`${colour} ${garment}`, category, `p${String(g * 10 + c).padStart(3, '0')}`),
  ),
);

test('tastes of each kind; category × colour only where the combination holds ≥ 3 % of the catalogue', () => {
  expect(tastesOfKind('garment', catalogue)).toHaveLength(10);
  expect(tastesOfKind('category', catalogue).map(tasteKey)).toEqual([
    'category:bags',
    'category:dresses',
    'category:jackets',
    'category:pants',
    'category:shoes',
    'category:tops',
  ]);
  expect(tastesOfKind('colour', catalogue)).toHaveLength(4);
  // Per single-garment category the families hold 2 (neutral), 3 (blue), 2 (red), 3 (earth) products: only
  // blue and earth reach 3; shoes and tops hold 3× as many.
  const combinations = tastesOfKind('category-colour', catalogue).map(tasteKey);
  expect(combinations).toContain('category-colour:bags/blue');
  expect(combinations).not.toContain('category-colour:bags/red');
  expect(combinations).toContain('category-colour:shoes/red');
  expect(combinations).toHaveLength(4 * 2 + 2 * 4);
});

test('a changed taste has nothing in common with the old; two interests sit in two categories', () => {
  for (let seed = 0; seed < 40; seed++) {
    const random = seededRandom(seed);
    const old = tastesOfKind('category-colour', catalogue)[seed % 16];
    if (old?.kind !== 'category-colour') throw new Error('no taste');
    const changed = drawChangedTaste(old, catalogue, random);
    expect(changed.kind).toBe('category-colour');
    if (changed.kind === 'category-colour') {
      expect(changed.category).not.toBe(old.category);
      expect(changed.family).not.toBe(old.family);
    }
    const two = drawTwoInterests(catalogue, random);
    const [first, second] = [0, 1].map((interest) =>
      catalogue.filter((p) => interestOf(two, p) === interest),
    );
    expect(first?.length).toBeGreaterThan(0);
    expect(second?.length).toBeGreaterThan(0);
    const categories = (list: EvalProduct[] | undefined) => new Set(list?.map((p) => p.category));
    expect([...categories(first)].some((category) => categories(second).has(category))).toBe(false);
  }
});

test('journeys A–D cycle through the four kinds of taste; the draw is the same for the same seed', () => {
  const kinds = [0, 1, 2, 3, 4].map(
    (index) => tastesFor('B', index, catalogue, userRandom(1, 'B', index, 0)).first.kind,
  );
  expect(kinds).toEqual(['garment', 'category', 'colour', 'category-colour', 'garment']);
  const again = tastesFor('C', 3, catalogue, userRandom(1, 'C', 3, 0));
  expect(tastesFor('C', 3, catalogue, userRandom(1, 'C', 3, 0))).toEqual(again);
  expect(again.changed).toBeDefined();
  expect(tastesFor('E', 0, catalogue, userRandom(1, 'E', 0, 0)).first.kind).toBe('two-interests');
  expect(userRandom(1, 'A', 0, 0).next()).not.toBe(userRandom(1, 'A', 1, 0).next());
});

test('the label oracle serves unseen matching cards first: min(1, matching left / page size)', () => {
  const ids = Array.from({ length: 100 }, (_, i) => `id${String(i).padStart(3, '0')}`);
  const matches = (id: string) => Number(id.slice(2)) % 10 < 3; // 30 of 100
  const ranking = oracleRanking(ids, matches, seededRandom(3));
  expect(ranking.slice(0, 30).every(matches)).toBe(true);
  expect(ranking.slice(30).some(matches)).toBe(false);
  expect(new Set(ranking).size).toBe(100);
  const seen = new Set<string>(['id000', 'id001']); // two matching calibration cards already answered
  const precisions = [1, 2, 3].map(() => nextPage(ranking, seen, 20).filter(matches).length / 20);
  expect(precisions).toEqual([1, 0.4, 0]);
  expect([28, 8, 0].map((left) => oraclePrecision(left, 20))).toEqual([1, 0.4, 0]);
  expect(shuffled([1, 2, 3, 4], seededRandom(5))).toEqual(shuffled([1, 2, 3, 4], seededRandom(5)));
});

test('ranking by score breaks ties on the id', () => {
  expect(rankByScore(['b', 'a', 'c'], [1, 1, 2])).toEqual(['c', 'a', 'b']);
});

test('the logistic ceiling separates a separable taste, out of fold', () => {
  // Two clusters on a circle, the taste the first: every out-of-fold score ranks the taste first.
  const random = seededRandom(11);
  const rows = Array.from({ length: 60 }, (_, i) => {
    const angle = (i < 20 ? 0.3 : 2.2) + 0.2 * random.normal();
    return Float32Array.from([Math.cos(angle), Math.sin(angle), 0.1 * random.normal()]);
  });
  const labels = rows.map((_, i) => i < 20);
  const matrix = standardisedMatrix(rows, standardiser(rows));
  const scores = crossValidatedScores(matrix, 3, labels, 5, { iterations: 100, learningRate: 0.1, l2: 0.1 });
  const ranking = rankByScore(
    rows.map((_, i) => String(i).padStart(2, '0')),
    scores,
  );
  expect(ranking.slice(0, 20).every((id) => Number(id) < 20)).toBe(true);
  // Standardised columns: mean 0, variance 1.
  const column = rows.map((_, i) => matrix[i * 3] as number);
  expect(mean(column)).toBeCloseTo(0, 10);
  expect(mean(column.map((x) => x * x))).toBeCloseTo(1, 10);
  // One fit: the bias is last; the score is w·x + b.
  const w = fitLogistic(matrix, 3, labels);
  expect(logit(matrix, 3, w, 0)).toBeCloseTo(
    (w[3] as number) + [0, 1, 2].reduce((sum, j) => sum + (w[j] as number) * (matrix[j] as number), 0),
    12,
  );
});

const page = (values: Partial<PageRecord>): PageRecord => ({
  served: 20,
  matching: 0,
  calibrationRepeats: 0,
  repeats: 0,
  interests: [values.matching ?? 0, 0],
  feedMode: 'personalized',
  sources: { primary: 20 },
  freshMatching: values.matching ?? 0,
  freshServed: 20,
  oracle: { served: 20, matching: 20, interests: [20, 0] },
  logistic: { served: 20, matching: 10 },
  ...values,
});
const user = (pages: PageRecord[], extra: Partial<UserRecord> = {}): UserRecord => ({
  journey: 'B',
  index: 0,
  taste: 'garment:Dress',
  baseRate: 0.1,
  pages,
  seconds: 1,
  ...extra,
});

test('the summary: precision per page, later pages, time to taste, re-adaptation, repeats, mode drops', () => {
  const users = [
    user([page({ matching: 4 }), page({ matching: 10 }), page({ matching: 12 }), page({ matching: 2 })]),
    user([
      page({ matching: 12, feedMode: 'hybrid' }),
      page({ matching: 2 }),
      page({ matching: 0, feedMode: 'exploring', repeats: 1 }),
      page({ matching: 11, calibrationRepeats: 3 }),
    ]),
  ];
  const summary = summariseJourney('C', 'test', users, { seed: 1, changeAfterPage: 2 });
  expect(summary.pages.map((p) => p.precision)).toEqual([0.4, 0.3, 0.3, 0.325]);
  expect(summary.pages[0]?.wilson).toEqual(wilsonInterval(16, 40));
  // Pages 2–4: user 1 (0.5 + 0.6 + 0.1)/3 = 0.4, user 2 (0.1 + 0 + 0.55)/3 = 0.21667.
  expect(summary.later.precision).toBeCloseTo((0.4 + 0.65 / 3) / 2, 12);
  expect(summary.later.oracle).toBe(1);
  expect(summary.later.logistic).toBe(0.5);
  expect(summary.timeToTaste).toEqual({ reachedShare: 1, medianPage: 1, meanPageReached: 1.5 });
  // The taste changed after page 2: user 1 had 0.6 on page 3, user 2 got there on page 4.
  expect(summary.readaptation).toEqual({ '3': 0.5, '4': 1 });
  expect(summary.repeats).toEqual({ cards: 1, users: 1 });
  // One drop (user 2, page 3) after a page the oracle filled with matches: the learner's mistake.
  expect(summary.modeDrops).toEqual({
    count: 1,
    per80Users: 40,
    whileMatching: 1,
    whileMatchingPer80Users: 40,
  });
  expect(summary.pages[0]?.feedModes).toEqual({ hybrid: 1, personalized: 1 });
  expect(summary.matchingVsOracle).toBeCloseTo(53 / 160, 12);
});

test('a mode drop after the catalogue ran out of the taste (the oracle found 9 of 20) is counted apart', () => {
  const ranOut = { served: 20, matching: 9, interests: [9, 0] as [number, number] };
  const users = [
    user([page({ matching: 18 }), page({ matching: 2, oracle: ranOut }), page({ feedMode: 'exploring' })]),
    user([
      page({ matching: 18 }),
      page({ matching: 2, oracle: { ...ranOut, matching: 10 } }),
      page({ feedMode: 'exploring' }),
    ]),
  ];
  const summary = summariseJourney('B', 'test', users, { seed: 1, changeAfterPage: 4 });
  expect(summary.modeDrops).toEqual({
    count: 2,
    per80Users: 80,
    whileMatching: 1,
    whileMatchingPer80Users: 40,
  });
});

test('the summary of two interests: the less-shown interest per user, and the oracle’s', () => {
  const users = [
    user([
      page({ matching: 10, interests: [9, 1], oracle: { served: 20, matching: 20, interests: [12, 8] } }),
    ]),
    user([
      page({ matching: 4, interests: [2, 2], oracle: { served: 20, matching: 20, interests: [10, 10] } }),
    ]),
  ];
  const summary = summariseJourney('E', 'two', users, { seed: 1, changeAfterPage: 4 });
  expect(summary.interests?.lessShown).toBeCloseTo((0.1 + 0.5) / 2, 12);
  expect(summary.interests?.oracleLessShown).toBeCloseTo((0.4 + 0.5) / 2, 12);
});

test('a simulated user’s id comes from its email: the same every run (draws are seeded by it), a valid UUID', () => {
  const id = evalUserId('eval-1-B-0@eval.invalid');
  expect(id).toBe(evalUserId('eval-1-B-0@eval.invalid'));
  expect(id).not.toBe(evalUserId('eval-1-B-1@eval.invalid'));
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('a taste change is also measured against the change-blind oracle, which learns of it a page late', () => {
  // Two pages each: the blind oracle matches 20 then 0 (the changed page, ranked by the old taste), the oracle
  // 20 and 20; the learner 15 + 5 and 10 + 2. Matching: 32 of the oracle's 80 and of the blind oracle's 40.
  const blind = (matching: number) => ({ blindOracle: { served: 20, matching } });
  const users = [
    user([page({ matching: 15, ...blind(20) }), page({ matching: 5, ...blind(0) })]),
    user([page({ matching: 10, ...blind(20) }), page({ matching: 2, ...blind(0) })]),
  ];
  const summary = summariseJourney('C', 'test', users, { seed: 1, changeAfterPage: 1 });
  expect(summary.matchingVsOracle).toBeCloseTo(32 / 80, 12);
  expect(summary.matchingVsBlindOracle).toBeCloseTo(32 / 40, 12);
  const header = { size: 480, catalogSeed: 1, seed: 1, usersPerJourney: 2, pages: 2, pageSize: 20 };
  expect(formatReport(header, [summary])).toContain('40 % (change-blind oracle: 80 %)');
  expect(
    summariseJourney('B', 'test', [user([page({ matching: 4 })])], { seed: 1, changeAfterPage: 1 }),
  ).not.toHaveProperty('matchingVsBlindOracle');
});
