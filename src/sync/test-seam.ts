/**
 * Test seam (tests only; production never sets either): stops a sync inside its apply transaction,
 * after every row is written and just before COMMIT, so a test can look at the database from another
 * connection or kill the process at that point (S1, N4).
 *
 * - In process: set `testSeam.beforeCommit` to an async function; the sync awaits it.
 * - In a child process: set PEBBLES_TEST_PAUSE_BEFORE_COMMIT_MS; the sync writes
 *   `pebbles-test: run <id> paused before commit` to standard error and waits that long.
 */
export const testSeam: { beforeCommit: ((runId: number) => Promise<void>) | null } = { beforeCommit: null };

export async function beforeCommit(runId: number): Promise<void> {
  if (testSeam.beforeCommit) await testSeam.beforeCommit(runId);
  const ms = Number(process.env.PEBBLES_TEST_PAUSE_BEFORE_COMMIT_MS ?? 0);
  if (ms > 0) {
    process.stderr.write(`pebbles-test: run ${runId} paused before commit\n`);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
