// A web-test-runner reporter that counts tests and writes the totals to a file
// (WTR_COUNTS), so `npm test` can print one closing line for the browser and Node suites.
// It also notes how long each test file took (files run one at a time, so the time between
// two finished files is the later one's), which `npm test` uses to name the slowest.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

function count(suite, totals) {
  for (const t of suite.tests ?? []) {
    if (t.skipped) totals.skipped++;
    else if (t.passed) totals.passed++;
    else totals.failed++;
  }
  for (const s of suite.suites ?? []) count(s, totals);
}

export function countingReporter() {
  let last = Date.now();
  /** @type {Record<string, number>} */
  const fileMs = {};
  return {
    onTestRunStarted() {
      last = Date.now();
    },
    reportTestFileResults({ testFile }) {
      const now = Date.now();
      fileMs[relative(process.cwd(), testFile)] = now - last;
      last = now;
    },
    onTestRunFinished({ sessions }) {
      const totals = { passed: 0, failed: 0, skipped: 0, brokenFiles: 0 };
      for (const s of sessions) {
        if (s.testResults) count(s.testResults, totals);
        // A file that failed to load or threw outside a test counts as one failure.
        if (!s.passed && (s.errors?.length ?? 0) > 0) totals.brokenFiles++;
      }
      if (process.env.WTR_COUNTS) writeFileSync(process.env.WTR_COUNTS, JSON.stringify({ ...totals, fileMs }));
    },
  };
}
