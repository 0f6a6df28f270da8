// The names of the files in a LevelDB database directory (LevelDB's db/filename.cc), as the
// directory reader (leveldb-directory.ts) and `wasm-lsm db` (src/cli/db-store.ts) tell them apart
// from a store's own (store-files.ts, FORMAT.md "Data directory"):
//
//   CURRENT, MANIFEST-NNNNNN   as a store's (manifest-name.ts)
//   NNNNNN.ldb                 a table; NNNNNN.sst is the name LevelDB wrote before 1.14, and
//                              still reads (table_cache.cc tries .ldb, then .sst)
//   NNNNNN.log                 a write-ahead log, as a store's
//   LOG, LOG.old               LevelDB's info log (text), which a store never writes
//   LOCK                       empty: LevelDB locks it with fcntl
//   IDENTITY, OPTIONS-NNNNNN   RocksDB's, never LevelDB's: its directories are refused
//
// Paths are joined with "/", which Node takes on every platform and a browser's Env expects.
// Nothing of Node here: a browser runs it.

import { CURRENT } from "./manifest-name.js";

/** LevelDB's info log, and the one before it. */
export const INFO_LOG = "LOG";
export const OLD_INFO_LOG = "LOG.old";

const pad = (n: number) => String(n).padStart(6, "0");

/** The names a table numbered n may have, in the order LevelDB looks for them. */
export const tableNamesOf = (n: number): readonly string[] => [`${pad(n)}.ldb`, `${pad(n)}.sst`];

/** The number of a log's name (NNNNNN.log, six digits or more), or null. */
export function logNumberOf(name: string): number | null {
  const m = /^([0-9]{6,})\.log$/.exec(name);
  const n = m === null ? NaN : Number(m[1]);
  return Number.isSafeInteger(n) && `${pad(n)}.log` === name ? n : null;
}

/** The RocksDB files among `names` (a directory's): IDENTITY, OPTIONS-NNNNNN. */
export const rocksDbFilesIn = (names: readonly string[]): string[] => names.filter((n) => n === "IDENTITY" || /^OPTIONS-[0-9]+$/.test(n));

/**
 * Whether a directory holding `names` is LevelDB's (or RocksDB's) and not a store's: CURRENT beside
 * LevelDB's info log or a table of LevelDB's naming. A store writes neither.
 */
export function isLevelDbDirectory(names: readonly string[]): boolean {
  if (!names.includes(CURRENT)) return false;
  return names.some((n) => n === INFO_LOG || n === OLD_INFO_LOG || /^[0-9]{6,}\.(ldb|sst)$/.test(n));
}

/** dir/name, with one "/" between them. */
export const joinPath = (dir: string, name: string): string => (dir === "" ? name : dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`);
