// Opening a store's directory for one `wasm-lsm db` command (get, put, delete, scan, dump, stats,
// compact; check reads without opening it: db-check.ts). The store is opened as the node opens it
// (src/lsm/store.ts): it takes DIR's lock, so a directory a running node holds is refused before
// anything is read or written, and it recovers (replays the logs, removes what is provably
// garbage). Two things differ from the node:
//
//   - DIR must exist and hold a store (CURRENT, or a 0.1 store's MANIFEST): opening creates a
//     directory and a manifest where there are none, and a typo must not make a new empty store.
//     put and delete take --create-if-missing to make one in a missing or empty directory.
//   - no background compaction (a get must not reshape the levels; `db compact` asks for one), and
//     a compaction merges on this thread: there are no requests for it to yield to, and no worker
//     thread is started for a command that needs none.
//
// The store's log lines (what recovery did) go to stderr with --verbose only.

import { readdirSync, statSync } from "node:fs";
import { LEGACY_MANIFEST } from "../lsm/legacy-manifest.js";
import { CURRENT } from "../lsm/manifest.js";
import { Store } from "../lsm/store.js";
import { parseTableName } from "../lsm/store-files.js";
import { kernelsFlag, type Flags } from "./sst-common.js";

/** DIR is missing, not a directory, or holds no store: exit 1, nothing changed. */
export class StoreDirError extends Error {
  override readonly name = "StoreDirError";
}

/** The store refused to open (locked by a live node, a table missing, a damaged log...): exit 1. */
export class StoreOpenError extends Error {
  override readonly name = "StoreOpenError";
  constructor(override readonly cause: Error) {
    super(`cannot open the store: ${cause.message.replace(/\s*\n\s*/g, " ")}`);
  }
}

export interface OpenOptions {
  /** Make a new store when DIR is missing or empty (put, delete: --create-if-missing). */
  readonly create?: boolean;
  /** Where the store's log lines go; null: nowhere. */
  readonly log: ((line: string) => void) | null;
}

/** Opens the store in dir, runs `use` on it and closes it, whatever happens (the first error wins). */
export async function withStore<T>(dir: string, flags: Flags, options: OpenOptions, use: (store: Store) => Promise<T>): Promise<T> {
  const kernels = kernelsFlag(flags);
  checkStoreDir(dir, options.create === true);
  let store: Store;
  try {
    store = Store.open({ kernels, dir, backgroundCompaction: false, compactionThread: "main", log: options.log ?? undefined });
  } catch (err) {
    throw new StoreOpenError(err as Error);
  }
  let result: T;
  try {
    result = await use(store);
  } catch (err) {
    await store.close().catch(() => {}); // the error of the work is the one to report
    throw err;
  }
  await store.close();
  return result;
}

/** Throws StoreDirError unless dir holds a store (or, with `create`, is missing or empty). */
export function checkStoreDir(dir: string, create: boolean): void {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st === undefined) {
    if (create) return;
    throw new StoreDirError(`${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw new StoreDirError(`${dir} is not a directory`);
  const names = readdirSync(dir);
  if (names.includes(CURRENT) || names.includes(LEGACY_MANIFEST)) return;
  if (create && names.length === 0) return;
  const tables = names.filter((n) => parseTableName(n) !== null).length;
  const why =
    tables > 0 ? `, though it holds ${tables} table${tables === 1 ? "" : "s"}: if its manifest was lost, run "wasm-lsm repair ${dir}"`
    : create ? ": --create-if-missing makes a store only in a missing or empty directory"
    : "";
  throw new StoreDirError(`${dir} holds no store (no ${CURRENT})${why}`);
}
