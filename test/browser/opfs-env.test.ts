// OpfsEnv on Chromium's real OPFS (test/browser/opfs-env-worker.ts runs the checks in a worker):
// the rules the env and its Node tests' fake assume, as the browser keeps them.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skipWithoutChromium } from "./chromium.js";
import type { EnvReport } from "./opfs-env-worker.js";
import { serveStoreBundles, type Served, workerReport } from "./store-server.js";

let served: Served;
beforeAll(async () => {
  served = await serveStoreBundles();
});
afterAll(() => served?.stop());

describe.skipIf(skipWithoutChromium("test/browser/opfs-env.test.ts"))("OpfsEnv on Chromium's OPFS", () => {
  test("one env per directory (EBUSY), renames, removes and appends kept across envs, a removed file readable while open", async () => {
    const { report, foreign } = await workerReport<EnvReport>(served, "opfs-env-worker");
    if ("error" in report) throw new Error(report.error);
    expect(report.checks).toEqual({
      secondEnv: "EBUSY",
      removedButOpen: "3456",
      freedOnClose: 1,
      listAfterReopen: ["000001.log", "CURRENT"],
      current: "MANIFEST-000002\n",
      log: "record one;record two;",
      opfsNames: true,
    });
    expect(foreign).toEqual([]);
  });
});
