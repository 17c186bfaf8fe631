// Sums every suite's results into one closing line: cargo's "test result:" lines from the npm test log,
// and vitest's JSON reports. A missing report counts as a failure, so a suite that never ran is not green.
import { existsSync, readFileSync } from 'node:fs';

const [log, ...vitestReports] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

for (const match of readFileSync(log, 'utf8').matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
  passed += Number(match[1]);
  failed += Number(match[2]);
  skipped += Number(match[3]);
}
for (const path of vitestReports) {
  if (!existsSync(path)) {
    console.log(`missing vitest report ${path}`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(path, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A test file that fails to load has no failed test of its own: count it, or a broken suite looks green.
  failed += report.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed')).length;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
