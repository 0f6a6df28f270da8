#!/usr/bin/env node
// `npm run build:store-web`: the browser bundles of the store over OPFS (README "The store in the
// browser (OPFS)"), written to dist/web/ where web/server.mjs serves them:
//
//   dist/web/store.js                    the playground page's script (web/store.html)
//   dist/web/store-worker.js             its dedicated worker: the store over OpfsEnv
//   dist/web/bench-worker.js             the worker of scripts/bench-browser.mjs
//   dist/web/test/level-suite-worker.js  abstract-level's compliance suite in a worker
//   dist/web/test/opfs-env-worker.js     OpfsEnv's checks on the real OPFS
//   dist/web/test/index.html             a blank page the browser tests start their workers from
//
// The engine is bundled from the same src/ files Node runs, with build/kernels.wasm fetched by the
// worker. Its Node-only paths (node:fs locks, ephemeral stores, the compaction worker thread,
// kernels read from disk) are not taken on OpfsEnv, so their built-ins are stubs that throw
// (web/shims/); node:path is a small POSIX implementation; Buffer and setImmediate are injected
// (web/shims/globals.ts). A Node built-in the shims do not cover fails this build.

import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SHIMS = {
  "node:path": "web/shims/node-path.ts",
  "node:fs": "web/shims/node-fs.ts",
  "node:os": "web/shims/node-os.ts",
  "node:url": "web/shims/node-url.ts",
  "node:worker_threads": "web/shims/node-worker-threads.ts",
};

/**
 * Resolves the Node built-ins to web/shims/ (tape, in the suite's worker, asks for "path" and "fs"
 * without the prefix); any other one is an error naming its importer.
 */
const nodeShims = {
  name: "node-shims",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      const shim = SHIMS[args.path];
      if (shim !== undefined) return { path: `${ROOT}${shim}` };
      return { errors: [{ text: `${args.path} (imported by ${args.importer}) has no browser shim in web/shims/` }] };
    });
    b.onResolve({ filter: /^(path|fs)$/ }, (args) => ({ path: `${ROOT}${SHIMS[`node:${args.path}`]}` }));
    // and "stream" (its through streams): readable-stream, the npm copy of Node's streams
    b.onResolve({ filter: /^stream$/ }, (args) => b.resolve("readable-stream", { kind: args.kind, resolveDir: ROOT }));
  },
};

/** The workers: the engine, with the shims and the injected globals. */
export const WORKERS = {
  "store-worker": "web/store-worker.ts",
  "bench-worker": "web/bench-worker.ts",
  "test/opfs-env-worker": "test/browser/opfs-env-worker.ts",
};
/** The suite's worker: tape needs `process` too (test/browser/suite-globals.ts). */
export const SUITE = { "test/level-suite-worker": "test/browser/level-suite-worker.ts" };
/** The page the tests start their workers from (a worker needs a page of the origin). */
const TEST_PAGE = "<!doctype html><meta charset=utf-8><title>wasm-lsm browser tests</title>\n";
/** The pages' scripts: DOM code that posts to a worker, none of the engine. */
export const PAGES = { store: "web/store.ts" };

/** Builds every bundle into outdir (default dist/web). */
export async function buildStoreWeb({ outdir = `${ROOT}dist/web`, minify = false } = {}) {
  const common = { absWorkingDir: ROOT, outdir, bundle: true, platform: "browser", format: "esm", target: "es2022", sourcemap: true, minify, logLevel: "warning" };
  await build({ ...common, entryPoints: PAGES });
  const globals = `${ROOT}web/shims/globals.ts`;
  await build({ ...common, entryPoints: WORKERS, inject: [globals], plugins: [nodeShims] });
  await build({ ...common, entryPoints: SUITE, inject: [globals, `${ROOT}test/browser/suite-globals.ts`], plugins: [nodeShims] });
  mkdirSync(`${outdir}/test`, { recursive: true });
  writeFileSync(`${outdir}/test/index.html`, TEST_PAGE);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildStoreWeb({ minify: process.argv.includes("--minify") });
  console.log(`build-store-web: ${[...Object.keys(PAGES), ...Object.keys(WORKERS), ...Object.keys(SUITE)].map((e) => `dist/web/${e}.js`).join(" ")}`);
}
