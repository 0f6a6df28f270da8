import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // the Chromium tests run apart: `npm run test:browser` (vitest.browser.config.ts)
    exclude: ["test/browser/**", "**/node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // one worker per core: vitest's default leaves one core free (one worker on a 2-core machine),
    // yet most files spend their time waiting on the child processes and fsyncs they drive
    maxWorkers: availableParallelism(),
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
