// A node:test reporter that only counts leaf tests (not suites) and prints JSON at the end.
export default async function* countReporter(source) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    if (event.data.skip || event.data.todo) totals.skipped++;
    else if (event.type === 'test:pass') totals.passed++;
    else totals.failed++;
  }
  yield JSON.stringify(totals);
}
