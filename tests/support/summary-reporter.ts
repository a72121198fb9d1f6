import { writeFileSync } from 'node:fs';
import type { FullResult, Reporter, Suite } from '@playwright/test/reporter';

/**
 * Closes a run with one plain line, `tests: N passed, N failed, N skipped`, the form any CI log reader counts
 * (Playwright's own summary splits the counts over several lines). The same line goes to
 * `SUMMARY_FILE` when set, so `.ci/run` can repeat it as its own last line after the steps that follow the tests.
 */
export default class SummaryReporter implements Reporter {
  private root: Suite | undefined;

  onBegin(_config: unknown, suite: Suite) {
    this.root = suite;
  }

  onEnd(result: FullResult) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const test of this.root?.allTests() ?? []) {
      const outcome = test.outcome();
      if (outcome === 'skipped') counts.skipped += 1;
      else if (outcome === 'unexpected') counts.failed += 1;
      else counts.passed += 1;
    }
    // A run that ends early (interrupted, timed out, a global setup error) has failed whatever the counts say.
    if (result.status !== 'passed' && counts.failed === 0) counts.failed = 1;
    const line = `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
    console.log(`\n${line}`);
    const file = process.env.SUMMARY_FILE;
    if (file) writeFileSync(file, `${line}\n`);
  }

  printsToStdio() {
    return false;
  }
}
