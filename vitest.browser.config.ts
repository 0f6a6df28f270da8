// `npm run test:browser` (README "The browser"): the tests that drive real Chromium (test/browser/),
// apart from `npm test`. Each file starts the page server and a Chromium of its own (the OPFS files
// also build the store's bundles and share one OPFS per profile), so they run one at a time: two
// Chromiums on a 2-core machine only slow each other down.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
