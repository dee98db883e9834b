import { availableParallelism } from 'node:os';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.ts'],
    // Native addons and worker-thread pools do not mix well; each test file gets its own process.
    pool: 'forks',
    // Vitest's default (cores - 1) is one file at a time on a 2-core machine, but most files wait on
    // child processes (the CLI, Python readers): two at a time cut the suite there from ~43 to ~23 min.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['__test__/support/setup.ts'],
    // Tests hand tokenizers small inputs: without this, the warm-up (docs/engine.md) would have 0.23 serve
    // them all and the 1.0 engine would go untested. The warm-up's own tests set engineWarmUpBytes.
    env: { TOKENSHIFT_ENGINE_WARM_UP_BYTES: '0' },
    reporters: ['default'],
    // Load the built package with Node's own loaders, exactly as a consumer would.
    server: { deps: { external: [/\/dist\//, /\/native\//] } },
  },
});
