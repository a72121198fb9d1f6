import { seededRandom } from '@/features/core/maths/random';
import type { Journey, PageRecord, UserRecord } from './simulate';
import { bootstrapMeanInterval, type Interval, mean, wilsonInterval } from './stats';

// From the users' page records to the figures of PRODUCT.md §10 and issue 21, and the table a person reads.
// Pure: the CLI prints it, the CI test asserts floors on it.

/** A page reaches the taste when at least this share of its cards match. */
export const TASTE_THRESHOLD = 0.5;

export interface PageSummary {
  page: number;
  /** Mean over users of matching / served. */
  precision: number;
  /** 95 % percentile bootstrap over users. */
  interval: Interval;
  /** 95 % Wilson interval of all the page's cards pooled (treats cards as independent: narrower). */
  wilson: Interval;
  oracle: number;
  logistic: number;
  /** Mean cards served (below the page size when the feed ran dry). */
  served: number;
  feedModes: Record<string, number>;
  sources: Record<string, number>;
  calibrationRepeats: number;
  repeats: number;
}

export interface JourneySummary {
  journey: Journey;
  title: string;
  users: number;
  pages: PageSummary[];
  /** Pages 2…N: the mean over users of each user's mean page precision. */
  later: { precision: number; interval: Interval; oracle: number; logistic: number };
  /** A random feed's expected precision: the mean share of the catalogue matching the (first) taste. */
  baseRate: number;
  /** Page 1 precision on the cards that are not calibration cards (users with onboarding). */
  page1Fresh: number | null;
  timeToTaste: { reachedShare: number; medianPage: number | null; meanPageReached: number | null };
  /** C: the share of users with a page ≥ 0.5 after the change, by each page. */
  readaptation?: Record<string, number>;
  repeats: { cards: number; users: number };
  calibrationRepeats: { cards: number; page1Share: number };
  /** E: each interest's share of the matching cards; the less-shown one per user, averaged. */
  interests?: { lessShown: number; oracleLessShown: number; users: number };
  /**
   * Pages where feedMode left `personalized` after having been it (a reset becomes visible so); `whileMatching`
   * counts those whose triggering page the oracle could still fill at least half with matches — the taste had
   * not run out, so the reset was the learner's mistake (a drop after the catalogue ran out of the taste is not).
   */
  modeDrops: { count: number; per80Users: number; whileMatching: number; whileMatchingPer80Users: number };
  /** Matching cards served over all pages, as a share of what the oracle serves. */
  matchingVsOracle: number;
  /** C: the same against the change-blind oracle (it learns of the change from the changed page's answers). */
  matchingVsBlindOracle?: number;
  onboardingErrors: string[];
  seconds: number;
}

const userPrecision = (page: PageRecord) => (page.served === 0 ? 0 : page.matching / page.served);
const ratio = (part: { matching: number; served: number }) =>
  part.served === 0 ? 0 : part.matching / part.served;

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
}

export function summariseJourney(
  journey: Journey,
  title: string,
  users: readonly UserRecord[],
  options: { seed: number; changeAfterPage: number },
): JourneySummary {
  const pageCount = Math.max(0, ...users.map((user) => user.pages.length));
  const random = seededRandom((options.seed * 31 + journey.charCodeAt(0)) >>> 0);
  const pages: PageSummary[] = [];
  for (let p = 0; p < pageCount; p++) {
    const records = users.flatMap((user) => (user.pages[p] ? [user.pages[p] as PageRecord] : []));
    const precisions = records.map(userPrecision);
    const feedModes: Record<string, number> = {};
    const sources: Record<string, number> = {};
    for (const record of records) {
      add(feedModes, { [record.feedMode]: 1 });
      add(sources, record.sources);
    }
    const sum = (pick: (record: PageRecord) => number) => records.reduce((total, r) => total + pick(r), 0);
    pages.push({
      page: p + 1,
      precision: mean(precisions),
      interval: bootstrapMeanInterval(precisions, random),
      wilson: wilsonInterval(
        sum((r) => r.matching),
        sum((r) => r.served),
      ),
      oracle: mean(records.map((r) => ratio(r.oracle))),
      logistic: mean(records.flatMap((r) => (r.logistic ? [ratio(r.logistic)] : []))),
      served: mean(records.map((r) => r.served)),
      feedModes,
      sources,
      calibrationRepeats: sum((r) => r.calibrationRepeats),
      repeats: sum((r) => r.repeats),
    });
  }

  const laterOf = (user: UserRecord, pick: (page: PageRecord) => number) =>
    mean(user.pages.slice(1).map(pick));
  const laterPrecisions = users.map((user) => laterOf(user, userPrecision));

  const reached = users.map((user) => {
    const index = user.pages.findIndex((page) => userPrecision(page) >= TASTE_THRESHOLD);
    return index < 0 ? null : index + 1;
  });
  const reachedPages = reached.filter((page): page is number => page !== null);
  const sortedReach = reached.map((page) => page ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const median = sortedReach[Math.floor((sortedReach.length - 1) / 2)];

  let readaptation: Record<string, number> | undefined;
  if (journey === 'C') {
    readaptation = {};
    for (let page = options.changeAfterPage + 1; page <= pageCount; page++) {
      const adapted = users.filter((user) =>
        user.pages
          .slice(options.changeAfterPage, page)
          .some((record) => userPrecision(record) >= TASTE_THRESHOLD),
      ).length;
      readaptation[String(page)] = users.length === 0 ? 0 : adapted / users.length;
    }
  }

  let interests: JourneySummary['interests'];
  if (journey === 'E') {
    const lessShown = (counts: [number, number]) => {
      const total = counts[0] + counts[1];
      return total === 0 ? 0 : Math.min(counts[0], counts[1]) / total;
    };
    const totals = (user: UserRecord, pick: (page: PageRecord) => [number, number]) =>
      user.pages.reduce<[number, number]>(
        (sum, page) => [sum[0] + pick(page)[0], sum[1] + pick(page)[1]],
        [0, 0],
      );
    interests = {
      lessShown: mean(users.map((user) => lessShown(totals(user, (page) => page.interests)))),
      oracleLessShown: mean(users.map((user) => lessShown(totals(user, (page) => page.oracle.interests)))),
      users: users.length,
    };
  }

  const per80 = (count: number) => (users.length === 0 ? 0 : (count * 80) / users.length);
  let modeDrops = 0;
  let dropsWhileMatching = 0;
  for (const user of users) {
    let wasPersonalized = false;
    user.pages.forEach((page, i) => {
      if (page.feedMode === 'personalized') wasPersonalized = true;
      else if (wasPersonalized) {
        modeDrops++;
        const trigger = user.pages[i - 1];
        if (trigger && trigger.oracle.served > 0 && trigger.oracle.matching / trigger.oracle.served >= 0.5)
          dropsWhileMatching++;
        wasPersonalized = false;
      }
    });
  }

  const allPages = users.flatMap((user) => user.pages);
  const matchingServed = allPages.reduce((total, page) => total + page.matching, 0);
  /** Matching cards served over all pages, as a share of what a ceiling serves. */
  const matchingShare = (ceiling: (page: PageRecord) => number) =>
    matchingServed /
    Math.max(
      1,
      allPages.reduce((total, page) => total + ceiling(page), 0),
    );
  const onboarded = users.filter((user) => user.onboarding && user.pages[0]);
  const page1Fresh = onboarded.filter((user) => (user.pages[0] as PageRecord).freshServed > 0);
  return {
    journey,
    title,
    users: users.length,
    pages,
    later: {
      precision: mean(laterPrecisions),
      interval: bootstrapMeanInterval(laterPrecisions, random),
      oracle: mean(users.map((user) => laterOf(user, (page) => ratio(page.oracle)))),
      logistic: mean(
        users.flatMap((user) =>
          user.pages.some((page) => page.logistic === null)
            ? []
            : [laterOf(user, (page) => ratio(page.logistic ?? { matching: 0, served: 0 }))],
        ),
      ),
    },
    baseRate: mean(users.map((user) => user.baseRate)),
    page1Fresh:
      page1Fresh.length === 0
        ? null
        : mean(
            page1Fresh.map((user) => {
              const first = user.pages[0] as PageRecord;
              return first.freshMatching / first.freshServed;
            }),
          ),
    timeToTaste: {
      reachedShare: users.length === 0 ? 0 : reachedPages.length / users.length,
      medianPage: median === undefined || !Number.isFinite(median) ? null : median,
      meanPageReached: reachedPages.length === 0 ? null : mean(reachedPages),
    },
    ...(readaptation ? { readaptation } : {}),
    repeats: {
      cards: allPages.reduce((total, page) => total + page.repeats, 0),
      users: users.filter((user) => user.pages.some((page) => page.repeats > 0)).length,
    },
    calibrationRepeats: {
      cards: allPages.reduce((total, page) => total + page.calibrationRepeats, 0),
      page1Share:
        onboarded.length === 0
          ? 0
          : onboarded.reduce((total, user) => total + (user.pages[0] as PageRecord).calibrationRepeats, 0) /
            Math.max(
              1,
              onboarded.reduce((total, user) => total + (user.pages[0] as PageRecord).served, 0),
            ),
    },
    ...(interests ? { interests } : {}),
    modeDrops: {
      count: modeDrops,
      per80Users: per80(modeDrops),
      whileMatching: dropsWhileMatching,
      whileMatchingPer80Users: per80(dropsWhileMatching),
    },
    matchingVsOracle: matchingShare((page) => page.oracle.matching),
    ...(allPages.some((page) => page.blindOracle)
      ? { matchingVsBlindOracle: matchingShare((page) => page.blindOracle?.matching ?? 0) }
      : {}),
    onboardingErrors: users.flatMap((user) => (user.onboarding?.error ? [user.onboarding.error] : [])),
    seconds: users.reduce((total, user) => total + user.seconds, 0),
  };
}

// --- the table -----------------------------------------------------------------------------------------

const f2 = (value: number | null | undefined) =>
  value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(2);
const pct = (value: number) => `${Math.round(value * 100)} %`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function counts(record: Record<string, number>): string {
  return Object.entries(record)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, count]) => `${key} ${count}`)
    .join(', ');
}

export interface ReportHeader {
  size: number;
  catalogSeed: number;
  seed: number;
  usersPerJourney: number;
  pages: number;
  pageSize: number;
}

export function formatReport(header: ReportHeader, journeys: readonly JourneySummary[]): string {
  const out: string[] = [];
  const pageCount = Math.max(0, ...journeys.map((journey) => journey.pages.length));
  const later = pageCount > 1 ? `2–${pageCount}` : '–';
  out.push(
    `eval:reco — ${header.size}-product seed catalogue (seed ${header.catalogSeed}), users seed ${header.seed}, ` +
      `${header.usersPerJourney} users a journey, ${header.pages} pages of ${header.pageSize}`,
    '',
    'Precision (matching cards / cards served), mean over users:',
    '',
    table(
      [
        'journey',
        ...Array.from({ length: pageCount }, (_, i) => `p${i + 1}`),
        `mean ${later} [95 % CI]`,
        `oracle ${later}`,
        `logistic ${later}`,
        'random',
      ],
      journeys.map((j) => [
        `${j.journey} ${j.title}`,
        ...j.pages.map((page) => f2(page.precision)),
        `${f2(j.later.precision)} [${f2(j.later.interval.low)}, ${f2(j.later.interval.high)}]`,
        f2(j.later.oracle),
        f2(j.later.logistic),
        f2(j.baseRate),
      ]),
    ),
    '',
    table(
      [
        'journey',
        'page 1 w/o calibration cards',
        'time to taste (page ≥ 0.5)',
        'repeats',
        'calibration repeats',
        'matching vs oracle',
        'feedMode drops',
        'other',
      ],
      journeys.map((j) => [
        j.journey,
        f2(j.page1Fresh),
        `${pct(j.timeToTaste.reachedShare)} reach it; median page ${j.timeToTaste.medianPage ?? 'never'}`,
        `${j.repeats.cards} (${j.repeats.users} users)`,
        `${j.calibrationRepeats.cards} (${pct(j.calibrationRepeats.page1Share)} of page 1)`,
        j.matchingVsBlindOracle === undefined
          ? pct(j.matchingVsOracle)
          : `${pct(j.matchingVsOracle)} (change-blind oracle: ${pct(j.matchingVsBlindOracle)})`,
        `${j.modeDrops.count} (${j.modeDrops.per80Users.toFixed(1)} / 80 users); ${j.modeDrops.whileMatching} while matches remained (${j.modeDrops.whileMatchingPer80Users.toFixed(1)} / 80)`,
        [
          j.readaptation
            ? `re-adapted by page ${Object.entries(j.readaptation)
                .map(([page, share]) => `${page}: ${pct(share)}`)
                .join(', ')}`
            : '',
          j.interests
            ? `less-shown interest ${pct(j.interests.lessShown)} of matching cards (oracle ${pct(j.interests.oracleLessShown)})`
            : '',
          j.onboardingErrors.length > 0 ? `${j.onboardingErrors.length} onboarding(s) failed` : '',
        ]
          .filter(Boolean)
          .join('; '),
      ]),
    ),
  );
  for (const j of journeys) {
    out.push(
      '',
      `${j.journey} — ${j.title}: ${j.users} users, ${j.seconds.toFixed(0)} s`,
      '',
      table(
        [
          'page',
          'precision [95 % CI]',
          'oracle',
          'logistic',
          'served',
          'feedMode',
          'source',
          'cal. rep.',
          'repeats',
        ],
        j.pages.map((page) => [
          String(page.page),
          `${f2(page.precision)} [${f2(page.interval.low)}, ${f2(page.interval.high)}]`,
          f2(page.oracle),
          f2(page.logistic),
          page.served.toFixed(1),
          counts(page.feedModes),
          counts(page.sources),
          String(page.calibrationRepeats),
          String(page.repeats),
        ]),
      ),
    );
  }
  return out.join('\n');
}
