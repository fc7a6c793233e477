import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One graphql instance: without this, vitest loads graphql's ESM build for our code while CommonJS
  // dependencies load its CJS build, and graphql refuses types from "another realm".
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    // The workspace packages' own tests run here too (each package also runs them alone).
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files run in parallel workers; each test builds its own database file.
    pool: 'forks',
  },
});
