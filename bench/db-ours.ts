// Our engine in the database workloads: a Store (src/lsm/store.ts) on the wasm or the JS kernels.
//
// Written against the store's library API (README "The store (library API)"): Store.open, put,
// get, delete, iterator, compactRange, close. Writes are `sync: false` like the natives' by
// default (handed to the OS, no fsync: LevelDB's WriteOptions), durable with --db-sync (resolved
// once fsynced; puts in flight together share one fsync, a group commit); db-child.ts keeps a
// bounded number in flight, as it does for classic-level.

import { loadKernels, type KernelsName } from "../src/kernels/node.js";
import { Store, type StoreOptions } from "../src/lsm/store.js";
import { firstWord, type Found } from "./db-data.js";
import type { BenchEngine } from "./db-engine.js";

/** Up to count entries from a fresh iterator seeked to key (BenchEngine.seek). */
function seekOn(store: Store, key: Uint8Array, count: number): Found {
  const it = store.iterator();
  try {
    const r: Found = { found: 0, sum: 0 };
    for (let e = it.seekGE(key); e !== null; e = it.next()) {
      r.found++;
      r.sum = (r.sum + firstWord(e.value)) >>> 0;
      if (r.found === count) break;
    }
    return r;
  } finally {
    it.close();
  }
}

/** Our store on `impl` kernels; its compactions merge on `compactionThread` (default: the store's default). */
export function openOurs(impl: KernelsName, dir: string, cacheBytes: number, sync: boolean, compactionThread?: StoreOptions["compactionThread"]): BenchEngine {
  const store = Store.open({ kernels: loadKernels(impl), dir, blockCacheBytes: cacheBytes, compactionThread });
  const options = { sync };
  return {
    put: (key, value) => store.put(key, value, options),
    del: (key) => store.delete(key, options),
    get: (key) => store.get(key),
    seek: (key, count) => seekOn(store, key, count),
    compactAll: () => store.compactRange(),
    close: () => store.close(),
    missing: "",
  };
}
