import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing, `db` needs PostgreSQL (the embedded server, or DATABASE_URL).
// CI runs everything on the embedded server, then `db` again on the machine's PostgreSQL 15.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.db.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'db',
          include: ['test/**/*.db.test.ts'],
          globalSetup: ['./test/support/db-global-setup.ts'],
          // Each file gets its own database cloned from a migrated template.
        },
      },
    ],
  },
});
