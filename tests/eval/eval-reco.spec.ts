import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { CI_EVAL, CI_FLOORS, CI_LIMITS } from '../../scripts/eval/floors';
import type { JourneySummary } from '../../scripts/eval/report';

// The recommendation loop's regression test: `npm run eval:reco` in its small, fixed-seed form
// (scripts/eval/floors.ts) on a database of its own — the 480-product seed catalogue built, embedded and
// clustered by the real code, simulated users through onboarding, feed, feedback and learning — and the floors
// its figures must stay above. Not timed. The CLI runs as a process of its own (under tsx, as `npm run` runs
// it): the clustering's worker thread needs tsx's loader, which Playwright's workers do not carry.

test('simulated users: the feed stays above its floors on every journey', async () => {
  test.setTimeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'stylipp-eval-reco-'));
  try {
    const json = join(dir, 'eval.json');
    const { stdout } = await promisify(execFile)(
      'node_modules/.bin/tsx',
      [
        'scripts/eval-reco.ts',
        ...['--size', String(CI_EVAL.size), '--users', String(CI_EVAL.usersPerJourney)],
        ...['--pages', String(CI_EVAL.pages), '--seed', String(CI_EVAL.seed)],
        ...['--data-dir', join(dir, 'data'), '--json', json, '--skip-ceiling'],
      ],
      { env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' }, maxBuffer: 16 * 1024 * 1024 },
    );
    await test.info().attach('eval-reco.txt', { body: stdout, contentType: 'text/plain' });
    console.log(stdout);
    const { journeys } = JSON.parse(readFileSync(json, 'utf8')) as { journeys: JourneySummary[] };
    expect(journeys.map((journey) => journey.journey)).toEqual(['A', 'B', 'C', 'D', 'E']);

    for (const journey of journeys) {
      const floors = CI_FLOORS[journey.journey];
      const name = `journey ${journey.journey} (${journey.title})`;
      if (floors.page1 !== undefined)
        expect
          .soft(journey.pages[0]?.precision, `${name}: page 1 precision`)
          .toBeGreaterThanOrEqual(floors.page1);
      expect
        .soft(journey.later.precision, `${name}: pages 2–${CI_EVAL.pages} precision`)
        .toBeGreaterThanOrEqual(floors.later);
      if (floors.lessShownInterest !== undefined)
        expect
          .soft(
            journey.interests?.lessShown,
            `${name}: the less-shown interest's share of the matching cards`,
          )
          .toBeGreaterThanOrEqual(floors.lessShownInterest);
      expect
        .soft(journey.repeats.cards, `${name}: cards served twice`)
        .toBeLessThanOrEqual(CI_LIMITS.repeats);
      expect
        .soft(journey.calibrationRepeats.page1Share, `${name}: calibration cards on page 1`)
        .toBeLessThanOrEqual(CI_LIMITS.calibrationRepeatsOfPage1);
      expect
        .soft(journey.onboardingErrors.length, `${name}: onboardings refused`)
        .toBeLessThanOrEqual(CI_LIMITS.onboardingErrors);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
