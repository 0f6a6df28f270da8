import { defineConfig } from "vitest/config";

// `npm run test:browser`: the tests that drive real Chromium (test/browser/), apart from `npm test`:
// each starts a browser and builds the pages' bundles, and they share one OPFS per profile.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: "forks",
    // one file at a time: each runs a Chromium of its own, on a 2-core machine
    fileParallelism: false,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
