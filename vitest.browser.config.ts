// The Chromium tests (`npm run test:browser`, README "The browser"), apart from `npm test`: each
// file starts the page server and a headless Chromium (test/browser/chromium.ts). One file at a
// time: two Chromiums on a 2-core machine only slow each other down.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
