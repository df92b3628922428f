import { defineConfig } from 'vitest/config';

/**
 * The tests `npm run mutate` (Stryker) runs against each mutant: the unit tests beside the pure
 * core, the request parsing and the write path. A surviving mutant asks for a test here, where
 * it is fast, not in the HTTP suite.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    isolate: false,
    // Each property runs once per mutant, against instrumented code: fewer runs each time.
    env: { PROPERTY_RUNS_SCALE: '0.02' },
    include: [
      'src/model/**/*.test.ts',
      'src/statemachine/**/*.test.ts',
      'src/index/**/*.test.ts',
      'src/http/ads/query.test.ts',
      'src/replica/determinism.test.ts',
      'src/replica/replica.test.ts',
      // The write path without the HTTP layer (its HTTP-level test costs seconds per mutant).
      'src/replica/write-path.core.test.ts',
      'src/snapshot/**/*.test.ts',
    ],
    exclude: ['**/*.int.test.ts'],
  },
});
