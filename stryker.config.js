// Mutation testing of the pure core, the request parsing and the write path: `npm run mutate`.
// Not part of `npm test` (it takes minutes). Reports go to reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  mutate: [
    // The ad model (errors.ts beside it holds messages and status codes, checked by the HTTP tests).
    'src/model/ad.ts',
    'src/statemachine/**/*.ts',
    'src/index/**/*.ts',
    'src/http/ads/query.ts',
    'src/replica/write-path.ts',
    '!**/*.test.ts',
    // The reference the index is checked against, not served code.
    '!src/index/brute-force.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 20_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
