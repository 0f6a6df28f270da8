// The browser bundles of the store over OPFS (scripts/build-store-web.mjs) build in `npm test`, so
// an engine change that reaches for a Node built-in the shims lack (web/shims/) fails here and not
// only in `npm run test:browser`; and no bundle keeps an import of a Node built-in.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";

const out = mkdtempSync(join(tmpdir(), "wasm-lsm-store-web-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test("scripts/build-store-web.mjs bundles the pages and workers, with no Node built-in left in them", async () => {
  const { buildStoreWeb } = (await import("../scripts/build-store-web.mjs" as string)) as { buildStoreWeb(o: { outdir: string }): Promise<void> };
  await buildStoreWeb({ outdir: out });
  const bundles = [...readdirSync(out), ...readdirSync(join(out, "test")).map((f) => `test/${f}`)].filter((f) => f.endsWith(".js")).sort();
  expect(bundles).toEqual(["bench-worker.js", "store-worker.js", "store.js", "test/level-suite-worker.js", "test/opfs-env-worker.js"]);
  for (const b of bundles) expect(readFileSync(join(out, b), "utf8")).not.toMatch(/(from|require\()\s*["']node:/);
  // the page's script posts to its worker and holds none of the engine
  expect(readFileSync(join(out, "store.js"), "utf8")).not.toMatch(/OpfsEnv|class Store\b/);
});
