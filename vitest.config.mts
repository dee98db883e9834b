import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.ts'],
    // Native addons and worker-thread pools do not mix well; each test file gets its own process.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['__test__/support/setup.ts'],
    reporters: ['default'],
    // Load the built package with Node's own loaders, exactly as a consumer would.
    server: { deps: { external: [/\/dist\//, /\/native\//] } },
  },
});
