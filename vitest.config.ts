import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/http/**/*.test.ts', 'test/deploy/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['src/**/*.int.test.ts'],
        },
      },
      // Real Postgres and Redis; every file owns its schema, key prefix or db number.
      { test: { ...shared, name: 'int', include: ['src/**/*.int.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Process-level tests run the compiled server: build it once per run.
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          // A browser on a busy machine can take seconds to draw a page: poll up to 10 s, not 1 s.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
