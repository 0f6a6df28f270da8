#!/usr/bin/env node
// `npm run build:web`: bundles every browser page's code with esbuild into dist/web/, one ES module
// per entry, for web/server.mjs to serve: the inspector's entries (ENTRIES below), then the OPFS
// store's (scripts/build-store-web.mjs, which needs shims for the Node built-ins of the store's
// paths it never takes; the inspector's code reaches none). The pages import the engine from src/
// (the same code Node runs) and load build/kernels.wasm as its own file with
// WebAssembly.instantiateStreaming (README "The browser"), so no bundle embeds the module. A page,
// a worker or a test page of the inspector is one line of ENTRIES.
//
//   node scripts/build-web.mjs [--watch]     (--watch: the inspector's entries only)

import { build, context } from "esbuild";
import { fileURLToPath } from "node:url";
import { buildStoreWeb } from "./build-store-web.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** web/NAME.ts -> dist/web/NAME.js */
export const ENTRIES = [
  "web/inspector.ts", // the inspector page (web/index.html)
  "web/kernel-bench-worker.ts", // the benchmark panel's worker: the kernel workloads off the page's thread
  "web/differential.ts", // the test page of the wasm/JS differential check (web/differential.html)
];

export const OPTIONS = {
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: "dist/web",
  bundle: true,
  format: "esm",
  platform: "browser", // fails on any Node built-in the pages reach
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--watch")) {
    const ctx = await context(OPTIONS);
    await ctx.watch();
    process.stdout.write("build-web: watching web/ and src/\n");
  } else {
    const started = Date.now();
    await build(OPTIONS);
    await buildStoreWeb();
    process.stdout.write(`build-web: the inspector's ${ENTRIES.length} entries and the OPFS store's bundles -> dist/web/ in ${Date.now() - started} ms\n`);
  }
}
