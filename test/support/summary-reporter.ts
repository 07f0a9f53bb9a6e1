import type { Reporter, TestModule } from 'vitest/node';

/** Prints the closing `N passed, N failed, N skipped` line CI reads, and names every skipped test with its reason. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedNames: string[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          skippedNames.push(`${mod.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}`);
        }
      }
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
    }
    failed += unhandledErrors.length;
    if (skippedNames.length > 0) {
      process.stdout.write(`\nSkipped (the reason is in each test's name):\n${skippedNames.map((n) => `  - ${n}`).join('\n')}\n`);
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
