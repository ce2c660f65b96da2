import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Integration tests time real failure detection; on a 2-core machine, running files one at a
    // time keeps those timings honest instead of racing other suites for the CPU.
    fileParallelism: false,
  },
});
