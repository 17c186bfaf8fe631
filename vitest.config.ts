import { defineConfig } from 'vitest/config';

// Integration tests start brokers and child processes: run files in separate forks, a few at a time
// (the project's machines have two cores), with bounded timeouts instead of sleeps.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: process.env.VITEST_JSON_REPORT ? ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT }]] : ['default'],
  },
});
