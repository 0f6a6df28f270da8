// abstract-level's compliance suite inside Chromium, over WasmLevel on OpfsEnv: the bundle of
// test/browser/level-suite-worker.ts runs it in a dedicated worker (tape, as scripts/test-level.mjs
// runs it in Node) and reports each pass's assertion counts. Node's run (`npm run test:level`)
// counts 2 passes per kernel set; this is the wasm kernels' two passes, which must count what Node's
// wasm run counts (README "The database (abstract-level)": 2,569 and 2,563), give or take a few.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skipWithoutChromium } from "./chromium.js";
import type { SuiteReport } from "./level-suite-worker.js";
import { serveStoreBundles, type Served, workerReport } from "./store-server.js";

let served: Served;
beforeAll(async () => {
  served = await serveStoreBundles();
});
afterAll(() => served?.stop());

describe.skipIf(skipWithoutChromium("test/browser/opfs-level-suite.test.ts"))("abstract-level's suite in Chromium over OPFS", () => {
  test("every assertion passes, in both passes (database, sublevel)", async () => {
    const { report, foreign } = await workerReport<SuiteReport>(served, "level-suite-worker");
    if ("error" in report) throw new Error(report.error);
    const total = report.runs.reduce((n, r) => n + r.passed + r.failed + r.skipped, 0);
    console.log(`abstract-level suite in Chromium over OPFS: ${report.runs.map((r) => `${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`).join("; ")}; ${total} assertions, ${report.databases} databases`);
    expect(report.failures).toEqual([]);
    expect(report.runs.map((r) => r.name)).toEqual(["database", "sublevel"]);
    // Node's wasm run of the same suite: 2,569 and 2,563 (a new abstract-level moves both)
    const NODE = [2569, 2563];
    report.runs.forEach((r, i) => expect(Math.abs(r.passed - NODE[i])).toBeLessThanOrEqual(10));
    expect(foreign).toEqual([]);
  });
});
