import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two at once, whatever the machine: many tests wait on sockets, timers and child
    // processes, and vitest's default (CPUs − 1) runs one file at a time on two cores.
    maxWorkers: 2,
  },
});
