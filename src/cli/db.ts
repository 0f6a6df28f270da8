// `wasm-lsm db ...`: a store's directory from the command line, in the style of RocksDB's `ldb`
// (README.md, "The `db` command"), over the store's library API (src/lsm/store.ts).
//
//   wasm-lsm db get DIR KEY [--hex]                                                (db-read.ts)
//   wasm-lsm db put DIR KEY VALUE [--hex] [--create-if-missing]                    (db-write.ts)
//   wasm-lsm db delete DIR KEY [--hex] [--create-if-missing]                       (db-write.ts)
//   wasm-lsm db scan DIR [--from K] [--to K] [--limit N] [--reverse] [--hex]       (db-read.ts)
//   wasm-lsm db dump DIR [--hex] [--progress]                                      (db-read.ts)
//   wasm-lsm db stats DIR [--progress]                                             (db-stats.ts)
//   wasm-lsm db compact DIR [--from K] [--to K] [--hex] [--progress]               (db-compact.ts)
//   wasm-lsm db check DIR [--progress]                                             (db-check.ts)
//   wasm-lsm db [COMMAND] --help
//   every command takes --kernels wasm|js (also before `db`: src/cli/global-flags.ts); those that
//   open the store take --verbose
//
// On a LevelDB database directory, get, scan, dump, stats and check read LevelDB's files through
// the directory reader, writing nothing (db-leveldb.ts); the other commands refuse it.
//
// Results go to stdout as JSON lines (as `sst dump` prints them: sst-json.ts, sst-output.ts),
// messages to stderr, each prefixed "wasm-lsm db CMD: ".
//
// Exit codes (those of `sst`, sst-common.ts):
//   0  success; also get of an absent key, --help, and a command whose stdout reader went away
//   1  DIR is missing or holds no store; the store cannot be opened (a running node holds its
//      lock, a table is missing, a log is damaged...); check found a problem; a read or a write
//      failed (the message names the file, and for corruption the offset and the failed check)
//   2  bad usage: unknown command or option, a missing or extra operand, a value out of range, a
//      --hex operand that is not hex, a key or value past the protocol node's limits

import { NotLevelDbDirectoryError } from "../lsm/leveldb-directory.js";
import { LockedError } from "../lsm/lock.js";
import { ManifestWriteError } from "../lsm/manifest.js";
import { runCommandGroup } from "./command-group.js";
import { check, CheckFailed } from "./db-check.js";
import { compact } from "./db-compact.js";
import { dump, get, scan } from "./db-read.js";
import { stats } from "./db-stats.js";
import { StoreDirError, StoreOpenError } from "./db-store.js";
import { del, put } from "./db-write.js";
import { failureMessage, type SstCommand as DbCommand } from "./sst-common.js";

const COMMANDS: Readonly<Record<string, DbCommand>> = { get, put, delete: del, scan, dump, stats, compact, check };

const EXIT_CODES = `Exit codes:
  0  success (get: found or not; also when the reader of stdout goes away, as with | head)
  1  DIR is missing or holds no store, the store cannot be opened (a running node holds it, a
     table is missing, a log is damaged), check found a problem, or a read or write failed (the
     message names the file, and for corruption the offset and the failed check)
  2  bad usage`;

/** The usage lines of every db command, for the bin's own --help. */
export const DB_SYNOPSES = Object.values(COMMANDS).map((c) => `wasm-lsm db ${c.synopsis}`);

export const DB_USAGE = `Usage: ${DB_SYNOPSES.join("\n       ")}
       wasm-lsm db COMMAND --help

Commands on a store's directory (as the node keeps it with --data-dir), in the style of ldb:
  get      one key's value
  put      write one key, durably
  delete   delete one key, durably
  scan     the live entries of a key range, either way
  dump     every live entry
  stats    levels, space and write amplification, cache hit rates
  compact  compact a key range (or everything) down to the deepest level
  check    verify the manifest, every table's blocks and the logs, reading only

Every command but check opens the store as the node does, taking its lock: stop the node first.
On a LevelDB database directory (CURRENT beside LevelDB's LOG or NNNNNN.ldb tables), get, scan,
dump, stats and check read LevelDB's files instead, writing nothing and taking no lock; put,
delete and compact refuse it.
Keys and values print as JSON strings when their bytes are UTF-8, else {"hex": "..."}; with --hex
they are given and printed as hex digits.

${EXIT_CODES}
`;

/**
 * Runs `wasm-lsm db ARGS`; resolves to the exit code. `globals` are the bin's global flags given
 * before `db` (src/cli/global-flags.ts): they go ahead of the command's own arguments.
 */
export function runDb(args: readonly string[], globals: readonly string[] = []): Promise<number> {
  return runCommandGroup({ name: "db", commands: COMMANDS, usage: DB_USAGE, exitCodes: EXIT_CODES, failureMessage: dbFailureMessage }, args, globals);
}

/** The one-line message of a failure that ends a command with exit 1, or null for a bug. */
function dbFailureMessage(err: unknown, dir: string | undefined): string | null {
  const ours = err instanceof StoreDirError || err instanceof StoreOpenError || err instanceof CheckFailed || err instanceof LockedError || err instanceof ManifestWriteError || err instanceof NotLevelDbDirectoryError;
  return ours ? err.message : failureMessage(err, dir);
}
