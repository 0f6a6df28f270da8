// The worker of scripts/bench-browser.mjs: one put and get workload, run in this dedicated worker
// over WasmLevel on OpfsEnv and over browser-level (IndexedDB, the Level ecosystem's browser store),
// through the same abstract-level calls, one after the other. The workload is db_bench's fillrandom
// then readrandom: `n` puts of 16-byte keys in a shuffled order, each awaited before the next (as
// application code writes), then `n` gets of those keys in another shuffled order, each awaited.
// Both stores keep their default durability: WasmLevel's writes default to sync: false (handed to
// the browser's file, not flushed, as classic-level's), browser-level's are IndexedDB transactions
// with the browser's default durability (no durability hint given). A third run makes every write of
// ours wait for its flush to disk (sync: true), the strictest setting, on `syncedN` keys. A get that
// misses fails the run.

import { BrowserLevel } from "browser-level";
import { order } from "../bench/db-data.js";
import { WasmLevel } from "../src/level/wasm-level.js";
import { fetchKernels, openOpfsEnv, opfsDirectory } from "./worker-setup.js";

export interface BenchRequest {
  readonly n: number;
  /** Puts and gets of the sync: true run (each put waits for a flush to disk: fewer). */
  readonly syncedN: number;
  readonly valueBytes: number;
  /** The salt of the puts' order (bench/db-data.ts order()); the gets' is seed + 1. */
  readonly seed: number;
}

export interface BenchRow {
  readonly store: string;
  readonly n: number;
  readonly putsPerSec: number;
  readonly getsPerSec: number;
  readonly putMs: number;
  readonly getMs: number;
}

type Db = { put(k: string, v: string): Promise<void>; get(k: string): Promise<string | undefined>; close(): Promise<void> };

const scope = self as unknown as { postMessage(m: { rows: BenchRow[] } | { error: string }): void; onmessage: ((e: MessageEvent<BenchRequest>) => void) | null };

/** The keys in the order of db_bench's permutation (bench/db-data.ts) for `salt`: the same for both stores. */
function shuffled(n: number, salt: number): string[] {
  return Array.from(order(n, salt), (i) => `key${String(i).padStart(13, "0")}`);
}

async function run(store: string, db: Db, r: BenchRequest): Promise<BenchRow> {
  const puts = shuffled(r.n, r.seed);
  const gets = shuffled(r.n, r.seed + 1);
  const value = (k: string) => k.repeat(Math.ceil(r.valueBytes / k.length)).slice(0, r.valueBytes);
  let t = performance.now();
  for (const k of puts) await db.put(k, value(k));
  const putMs = performance.now() - t;
  t = performance.now();
  for (const k of gets) if ((await db.get(k)) !== value(k)) throw new Error(`${store}: get of ${k} did not give its value`);
  const getMs = performance.now() - t;
  return { store, n: r.n, putsPerSec: Math.round((r.n / putMs) * 1000), getsPerSec: Math.round((r.n / getMs) * 1000), putMs: Math.round(putMs), getMs: Math.round(getMs) };
}

/** WasmLevel on OpfsEnv; `sync`: every write waits for its handle.flush() (an fsync), as a sync: true write of classic-level. */
async function ours(r: BenchRequest, sync: boolean): Promise<BenchRow> {
  const [kernels, dir] = await Promise.all([fetchKernels(), opfsDirectory("wasm-lsm-bench", { fresh: true })]);
  const env = await openOpfsEnv(dir);
  const db = new WasmLevel("db", { env, kernels, sync });
  try {
    return await run(`wasm-lsm (WasmLevel over OPFS${sync ? ", sync: true" : ""})`, db, r);
  } finally {
    await db.close();
    await env.close();
  }
}

async function indexedDb(r: BenchRequest): Promise<BenchRow> {
  const name = "wasm-lsm-bench";
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(`level-js-${name}`);
    req.onsuccess = req.onerror = req.onblocked = resolve;
  });
  const db = new BrowserLevel<string, string>(name);
  try {
    return await run("browser-level (IndexedDB)", db, r);
  } finally {
    await db.close();
  }
}

scope.onmessage = (e) => {
  const r = e.data;
  (async () => ({ rows: [await ours(r, false), await indexedDb(r), await ours({ ...r, n: r.syncedN }, true)] }))().then(
    (m) => scope.postMessage(m),
    (err: Error) => scope.postMessage({ error: String(err.stack ?? err) }),
  );
};
