// A web-test-runner reporter that counts tests and writes the totals to a file
// (WTR_COUNTS), so `npm test` can print one closing line for the browser and Node suites.
import { writeFileSync } from 'node:fs';

function count(suite, totals) {
  for (const t of suite.tests ?? []) {
    if (t.skipped) totals.skipped++;
    else if (t.passed) totals.passed++;
    else totals.failed++;
  }
  for (const s of suite.suites ?? []) count(s, totals);
}

export function countingReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const totals = { passed: 0, failed: 0, skipped: 0, brokenFiles: 0 };
      for (const s of sessions) {
        if (s.testResults) count(s.testResults, totals);
        // A file that failed to load or threw outside a test counts as one failure.
        if (!s.passed && (s.errors?.length ?? 0) > 0) totals.brokenFiles++;
      }
      if (process.env.WTR_COUNTS) writeFileSync(process.env.WTR_COUNTS, JSON.stringify(totals));
    },
  };
}
