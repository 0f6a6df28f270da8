// `wasm-lsm db get | scan | dump | stats | check` on a LevelDB database directory (CURRENT beside LevelDB's
// LOG or its NNNNNN.ldb tables: src/lsm/leveldb-files.ts), read through the directory reader
// (src/lsm/leveldb-directory.ts) instead of opening it as a store: nothing in it is written,
// renamed or removed, and its LOCK is neither taken nor looked at, so LevelDB's directory stays
// exactly as it was. put, delete and compact still open a store, which refuses LevelDB's
// directory (src/lsm/lock.ts). README.md "The `db` command".

import { readdirSync, statSync } from "node:fs";
import { nodeEnv } from "../io/node-env.js";
import type { DbIterator } from "../lsm/db-iterator.js";
import { openLevelDbDirectory, type LevelDbDirectory } from "../lsm/leveldb-directory.js";
import { isLevelDbDirectory } from "../lsm/leveldb-files.js";
import type { TableMeta } from "../lsm/version.js";
import { withStore, type OpenOptions } from "./db-store.js";
import { kernelsFlag, type Flags } from "./sst-common.js";

/** What the reading commands read: a store, or a LevelDB directory. */
export interface EntrySource {
  iterator(range: { readonly gte?: Uint8Array; readonly lt?: Uint8Array }): DbIterator;
  /** Every table, for a scan's progress. */
  tables(): readonly TableMeta[];
}

/** Whether dir is a directory holding LevelDB's database rather than a store. */
export function holdsLevelDb(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true && isLevelDbDirectory(readdirSync(dir));
}

/** Reads the LevelDB database in dir with `use`, and closes it whatever happens. */
export async function withLevelDb<T>(dir: string, flags: Flags, use: (db: LevelDbDirectory) => Promise<T>): Promise<T> {
  const db = openLevelDbDirectory(nodeEnv, dir, { kernels: kernelsFlag(flags) });
  try {
    return await use(db);
  } finally {
    db.close();
  }
}

/** `use` on dir's LevelDB database, read only, or else on the store in dir, opened as withStore opens it. */
export function withEntrySource<T>(dir: string, flags: Flags, options: OpenOptions, use: (source: EntrySource) => Promise<T>): Promise<T> {
  return holdsLevelDb(dir) ? withLevelDb(dir, flags, use) : withStore(dir, flags, options, use);
}
