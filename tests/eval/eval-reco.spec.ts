import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { DEFAULT_SEED } from '@/features/catalog/service/seed';
import { closeDatabase } from '@/features/core/database/client';
import { prepareCatalogue } from '../../scripts/eval/catalogue';
import { CI_EVAL, CI_FLOORS, CI_LIMITS } from '../../scripts/eval/floors';
import { formatReport } from '../../scripts/eval/report';
import { runEvaluation } from '../../scripts/eval/run';
import { JOURNEYS } from '../../scripts/eval/simulate';
import { setTestEnv } from '../support/env';

// The recommendation loop's regression test: `npm run eval:reco` in small, fixed-seed form (scripts/eval/floors.ts)
// on a fresh in-memory database — the 480-product seed catalogue built and clustered by the real code, simulated
// users through onboarding, feed, feedback and learning — and the floors it must stay above. Not timed.

setTestEnv({
  DATABASE_URL: 'memory://',
  DATA_DIR: mkdtempSync(join(tmpdir(), 'stylipp-eval-reco-')),
  CATALOG_AUTO_SEED: 'false',
  // Photo decoding is part of the work measured here: not behind every other process on a busy machine.
  HEAVY_WORK_PRIORITY: 'normal',
});
test.afterAll(() => closeDatabase());

test('simulated users: the feed stays above its floors on every journey', async () => {
  test.setTimeout(600_000);
  const catalogue = await prepareCatalogue({ size: CI_EVAL.size, catalogSeed: DEFAULT_SEED });
  const result = await runEvaluation({
    products: catalogue.products,
    start: catalogue.start,
    journeys: JOURNEYS,
    usersPerJourney: CI_EVAL.usersPerJourney,
    settings: { seed: CI_EVAL.seed, pages: CI_EVAL.pages },
    ceiling: false,
  });
  const report = formatReport(
    { ...CI_EVAL, catalogSeed: DEFAULT_SEED, pageSize: result.settings.pageSize },
    result.journeys,
  );
  await test.info().attach('eval-reco.txt', { body: report, contentType: 'text/plain' });
  console.log(
    `${report}\n(catalogue ${catalogue.seconds.toFixed(0)} s, users ${result.seconds.toFixed(0)} s)`,
  );

  for (const journey of result.journeys) {
    const floors = CI_FLOORS[journey.journey];
    const name = `journey ${journey.journey} (${journey.title})`;
    if (floors.page1 !== undefined)
      expect
        .soft(journey.pages[0]?.precision, `${name}: page 1 precision`)
        .toBeGreaterThanOrEqual(floors.page1);
    expect
      .soft(journey.later.precision, `${name}: pages 2–${CI_EVAL.pages} precision`)
      .toBeGreaterThanOrEqual(floors.later);
    expect.soft(journey.repeats.cards, `${name}: cards served twice`).toBeLessThanOrEqual(CI_LIMITS.repeats);
    expect
      .soft(journey.calibrationRepeats.page1Share, `${name}: calibration cards on page 1`)
      .toBeLessThanOrEqual(CI_LIMITS.calibrationRepeatsOfPage1);
    expect
      .soft(journey.onboardingErrors.length, `${name}: onboardings refused`)
      .toBeLessThanOrEqual(CI_LIMITS.onboardingErrors);
  }
});
