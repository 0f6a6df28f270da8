// Our engine in the database workloads: a Store (src/lsm/store.ts) on the wasm or the JS kernels.
//
// Written against the store's library API (README "Library API"): Store.open, put, get, delete,
// iterator, compactRange, close. The methods this checkout's Store may not have yet are reached
// through DbApi below, by a cast, and looked up at run time: a missing one turns its workloads into
// a skip with a message, so the bench runs for the other engines meanwhile.
//
// Our put resolves once the write is durable (fsynced; concurrent puts share one fsync, a group
// commit): db-child.ts keeps a bounded number of puts in flight, as it does for classic-level.

import { loadKernels, type KernelsName } from "../src/kernels/node.js";
import { Store, type StoreOptions } from "../src/lsm/store.js";
import { firstWord, type Found } from "./db-data.js";
import type { BenchEngine } from "./db-engine.js";

interface DbEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The store's iterator as the library API gives it (seekGE may position without returning the entry). */
interface DbIterator {
  seekGE(key: Uint8Array): DbEntry | null | undefined;
  next(): DbEntry | null;
  close(): void;
}

/** The store's library API, as far as the workloads use it. */
interface DbApi {
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  delete(key: Uint8Array): Promise<void>;
  get?(key: Uint8Array): Uint8Array | null;
  iterator?(range?: { gte?: Uint8Array; lt?: Uint8Array }): DbIterator;
  compactRange?(start?: Uint8Array, end?: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const has = (db: DbApi, name: keyof DbApi) => typeof (db as unknown as Record<string, unknown>)[name] === "function";

/** Up to count entries from a fresh iterator seeked to key (BenchEngine.seek). */
function seekOn(db: DbApi, key: Uint8Array, count: number): Found {
  const it = db.iterator!();
  try {
    const r: Found = { found: 0, sum: 0 };
    const first = it.seekGE(key);
    let e = first === undefined ? it.next() : first;
    while (e !== null) {
      r.found++;
      r.sum = (r.sum + firstWord(e.value)) >>> 0;
      if (r.found === count) break;
      e = it.next();
    }
    return r;
  } finally {
    it.close();
  }
}

/** Our store on `impl` kernels; its compactions merge on `compactionThread` (default: the store's default). */
export function openOurs(impl: KernelsName, dir: string, cacheBytes: number, compactionThread?: StoreOptions["compactionThread"]): BenchEngine {
  const store = Store.open({ kernels: loadKernels(impl), dir, blockCacheBytes: cacheBytes, compactionThread });
  const db = store as unknown as DbApi;
  const lacking = (["get", "iterator", "compactRange"] as const).filter((m) => !has(db, m));
  return {
    put: (key, value) => db.put(key, value),
    del: (key) => db.delete(key),
    get: has(db, "get") ? (key) => db.get!(key) : null,
    seek: has(db, "iterator") ? (key, count) => seekOn(db, key, count) : null,
    compactAll: has(db, "compactRange") ? () => db.compactRange!() : null,
    close: () => db.close(),
    missing: lacking.length === 0 ? "" : `this Store has no ${lacking.join(", ")} (src/lsm/store.ts)`,
  };
}
