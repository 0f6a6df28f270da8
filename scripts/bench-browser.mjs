#!/usr/bin/env node
// `npm run bench:browser`: the store over OPFS against browser-level (IndexedDB) in Chromium, in
// one run: the same put and get workload (web/bench-worker.ts: fillrandom, then readrandom, each
// call awaited) through the same abstract-level calls, in one dedicated worker, one store after the
// other. Prints ops/s per store and our ratios; --json FILE writes them too. Needs the bundles
// (`npm run build:store-web`, which the npm script runs first) and Debian's chromium.
//
//   node scripts/bench-browser.mjs [--n 50000] [--synced-n 2000] [--value-bytes 100] [--seed 1] [--json FILE]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startWebServer } from "../web/server.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1];
};
// 50,000 entries of 116 bytes pass the 4 MiB MemTable: the gets read tables too
const n = Number(option("n", 50000));
const syncedN = Number(option("synced-n", 2000));
const valueBytes = Number(option("value-bytes", 100));
const seed = Number(option("seed", 1));
const json = option("json", null);
if (![n, syncedN, valueBytes, seed].every((v) => Number.isSafeInteger(v) && v > 0)) {
  console.error("usage: node scripts/bench-browser.mjs [--n N] [--synced-n N] [--value-bytes N] [--seed N] [--json FILE]");
  process.exit(2);
}

const { server, url } = await startWebServer({ port: 0 });
// a profile on disk, as a user's browser has: an incognito context keeps OPFS and IndexedDB in memory
const profile = mkdtempSync(join(tmpdir(), "wasm-lsm-bench-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--no-sandbox"],
});
const browser = context.browser() ?? { version: () => "(unknown version)" };
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${url}dist/web/test/index.html`);
  const result = await page.evaluate(
    (request) =>
      new Promise((resolve) => {
        const worker = new Worker("/dist/web/bench-worker.js", { type: "module" });
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => resolve({ error: `worker error: ${e.message}` });
        worker.postMessage(request);
      }),
    { n, syncedN, valueBytes, seed },
  );
  if (result.error !== undefined) throw new Error(result.error);
  const [ours, idb, oursSynced] = result.rows;
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`Chromium ${browser.version()}, N puts then N gets, 16-byte keys, ${valueBytes}-byte values, each call awaited; load average ${load}`);
  console.log("");
  console.log("| store | N | puts/s | gets/s | put phase ms | get phase ms |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of result.rows) console.log(`| ${r.store} | ${r.n.toLocaleString("en")} | ${r.putsPerSec.toLocaleString("en")} | ${r.getsPerSec.toLocaleString("en")} | ${r.putMs} | ${r.getMs} |`);
  const ratios = { puts: ours.putsPerSec / idb.putsPerSec, gets: ours.getsPerSec / idb.getsPerSec, syncedPuts: oursSynced.putsPerSec / idb.putsPerSec };
  console.log("");
  console.log(`OPFS store / IndexedDB, both at their default durability: puts ${ratios.puts.toFixed(1)}x, gets ${ratios.gets.toFixed(1)}x`);
  console.log(`with every write of ours flushed to disk (sync: true): puts ${ratios.syncedPuts.toFixed(1)}x`);
  if (json !== null) writeFileSync(json, `${JSON.stringify({ chromium: browser.version(), n, syncedN, valueBytes, seed, loadavg: loadavg(), rows: result.rows, ratios }, null, 2)}\n`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
