// The node's options and the `serve` flags that set them (PROTOCOL.md section 1). The flags are
// parsed and checked here, with no store behind them yet; the store reads them from NodeOptions.

import { parseArgs } from "node:util";
import { DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import type { KernelsName } from "../kernels/node.js";
import { DEFAULT_COMPACTION_THREAD } from "../lsm/store.js";
import { WAL_RECOVERY_MODES, type WalRecoveryMode } from "../lsm/wal.js";

export interface NodeOptions {
  /** A durable store in this directory; undefined: an ephemeral store under the OS temp dir. */
  readonly dataDir: string | undefined;
  /** The MemTable flush threshold. */
  readonly memtableBytes: number;
  /** Bloom filter bits per key. */
  readonly bitsPerKey: number;
  readonly kernels: KernelsName;
  /** How replaying a damaged write-ahead log goes (RocksDB's WALRecoveryMode). */
  readonly walRecoveryMode: WalRecoveryMode;
  /** Bytes of data blocks the one block cache shared by every open table may hold. */
  readonly blockCacheBytes: number;
  /** Tables kept open at once (LevelDB's max_open_files); the least recently used one is closed. */
  readonly maxOpenFiles: number;
  /** Bytes of request lines read ahead of the replies written; past this the node stops reading. */
  readonly readAheadBytes: number;
  /** Level-0 tables that start a compaction (LevelDB's 4). */
  readonly l0Trigger: number;
  /** Level 1's target size (LevelDB's 10 MiB); each deeper level 10 times the one above. */
  readonly levelBaseBytes: number;
  /** Compaction output tables are cut at this size (LevelDB's 2 MiB). */
  readonly tableBytes: number;
  /** Compact in the background when a level passes its trigger. */
  readonly compaction: boolean;
  /** Where compactions merge: the store's worker thread, or the main thread in slices (StoreOptions.compactionThread). */
  readonly compactionThread: CompactionThread;
}

export type CompactionThread = "main" | "worker";


export const DEFAULT_MEMTABLE_BYTES = 4 * 1024 * 1024;
export const MAX_MEMTABLE_BYTES = 1024 * 1024 * 1024;
export const MAX_BITS_PER_KEY = 64;
export const DEFAULT_BLOCK_CACHE_BYTES = 8 * 1024 * 1024;
export const MAX_BLOCK_CACHE_BYTES = 64 * 1024 * 1024 * 1024;
export const DEFAULT_MAX_OPEN_FILES = 1000;
export const MIN_MAX_OPEN_FILES = 10;
export const MAX_MAX_OPEN_FILES = 1_000_000;
export const DEFAULT_READ_AHEAD_BYTES = 64 * 1024 * 1024;
export const MAX_READ_AHEAD_BYTES = 64 * 1024 * 1024 * 1024;
export const DEFAULT_L0_TRIGGER = 4;
export const MAX_L0_TRIGGER = 1000;
export const DEFAULT_LEVEL_BASE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_TABLE_BYTES = 2 * 1024 * 1024;
export const MAX_LEVEL_BYTES = 2 ** 50;

export const DEFAULT_NODE_OPTIONS: NodeOptions = {
  dataDir: undefined,
  memtableBytes: DEFAULT_MEMTABLE_BYTES,
  bitsPerKey: DEFAULT_BITS_PER_KEY,
  kernels: "wasm",
  walRecoveryMode: "tolerate-corrupted-tail-records",
  blockCacheBytes: DEFAULT_BLOCK_CACHE_BYTES,
  maxOpenFiles: DEFAULT_MAX_OPEN_FILES,
  readAheadBytes: DEFAULT_READ_AHEAD_BYTES,
  l0Trigger: DEFAULT_L0_TRIGGER,
  levelBaseBytes: DEFAULT_LEVEL_BASE_BYTES,
  tableBytes: DEFAULT_TABLE_BYTES,
  compaction: true,
  compactionThread: DEFAULT_COMPACTION_THREAD,
};

/** Bad command-line usage: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const SERVE_FLAGS_USAGE = `  --data-dir DIR        keep the store in DIR (durable, locked); default: an ephemeral
                        store under the OS temp dir, removed at exit
  --memtable-bytes N    MemTable flush threshold, 1..${MAX_MEMTABLE_BYTES} (default ${DEFAULT_MEMTABLE_BYTES})
  --bits-per-key N      Bloom filter bits per key, 1..${MAX_BITS_PER_KEY} (default ${DEFAULT_BITS_PER_KEY})
  --kernels wasm|js     hot paths in WebAssembly (default) or the pure-TypeScript twins
  --wal-recovery-mode M how a damaged write-ahead log is replayed: ${WAL_RECOVERY_MODES.join(",\n                        ")}
                        (default ${DEFAULT_NODE_OPTIONS.walRecoveryMode})
  --block-cache-bytes N bytes of data blocks cached, shared by all tables, 0..${MAX_BLOCK_CACHE_BYTES} (default ${DEFAULT_BLOCK_CACHE_BYTES})
  --max-open-files N    files kept open at once, ${MIN_MAX_OPEN_FILES}..${MAX_MAX_OPEN_FILES} (default ${DEFAULT_MAX_OPEN_FILES}): tables get
                        N - 10, fewer to stay under the process's open-file limit (ulimit -n)
  --read-ahead-bytes N  bytes of requests read ahead of the replies, 1..${MAX_READ_AHEAD_BYTES} (default ${DEFAULT_READ_AHEAD_BYTES})
  --l0-trigger N        level-0 tables that start a compaction, 1..${MAX_L0_TRIGGER} (default ${DEFAULT_L0_TRIGGER}); writes slow
                        down at max(8, 2N) tables and wait at that + 4
  --level-base-bytes N  level 1's target size, x10 per level below, 1..${MAX_LEVEL_BYTES} (default ${DEFAULT_LEVEL_BASE_BYTES})
  --table-bytes N       compaction output tables are cut at N bytes, 1..${MAX_LEVEL_BYTES} (default ${DEFAULT_TABLE_BYTES})
  --no-compaction       no background compactions (lsm_compact still compacts)
  --compaction-thread main|worker
                        where compactions merge: a worker thread, or the main thread in
                        slices between requests (default ${DEFAULT_NODE_OPTIONS.compactionThread})`;

/** The options of `serve ARGS`, or "help" for --help / -h, "version" for --version; throws UsageError. */
export function parseServeArgs(args: readonly string[]): NodeOptions | "help" | "version" {
  const { values } = parseFlags(args);
  if (values.help === true) return "help";
  if (values.version === true) return "version";
  return {
    dataDir: values["data-dir"] === undefined ? undefined : dataDir(values["data-dir"]),
    memtableBytes: intFlag("--memtable-bytes", values["memtable-bytes"], 1, MAX_MEMTABLE_BYTES, DEFAULT_MEMTABLE_BYTES),
    bitsPerKey: intFlag("--bits-per-key", values["bits-per-key"], 1, MAX_BITS_PER_KEY, DEFAULT_BITS_PER_KEY),
    kernels: kernelsFlag(values.kernels),
    walRecoveryMode: walRecoveryModeFlag(values["wal-recovery-mode"]),
    blockCacheBytes: intFlag("--block-cache-bytes", values["block-cache-bytes"], 0, MAX_BLOCK_CACHE_BYTES, DEFAULT_BLOCK_CACHE_BYTES),
    maxOpenFiles: intFlag("--max-open-files", values["max-open-files"], MIN_MAX_OPEN_FILES, MAX_MAX_OPEN_FILES, DEFAULT_MAX_OPEN_FILES),
    readAheadBytes: intFlag("--read-ahead-bytes", values["read-ahead-bytes"], 1, MAX_READ_AHEAD_BYTES, DEFAULT_READ_AHEAD_BYTES),
    l0Trigger: intFlag("--l0-trigger", values["l0-trigger"], 1, MAX_L0_TRIGGER, DEFAULT_L0_TRIGGER),
    levelBaseBytes: intFlag("--level-base-bytes", values["level-base-bytes"], 1, MAX_LEVEL_BYTES, DEFAULT_LEVEL_BASE_BYTES),
    tableBytes: intFlag("--table-bytes", values["table-bytes"], 1, MAX_LEVEL_BYTES, DEFAULT_TABLE_BYTES),
    compaction: values["no-compaction"] !== true,
    compactionThread: compactionThreadFlag(values["compaction-thread"]),
  };
}

function parseFlags(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        "data-dir": { type: "string" },
        "memtable-bytes": { type: "string" },
        "bits-per-key": { type: "string" },
        kernels: { type: "string" },
        "wal-recovery-mode": { type: "string" },
        "block-cache-bytes": { type: "string" },
        "max-open-files": { type: "string" },
        "read-ahead-bytes": { type: "string" },
        "l0-trigger": { type: "string" },
        "level-base-bytes": { type: "string" },
        "table-bytes": { type: "string" },
        "no-compaction": { type: "boolean" },
        "compaction-thread": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function dataDir(value: string): string {
  if (value === "") throw new UsageError("--data-dir needs a directory, got an empty string");
  return value;
}

function intFlag(flag: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function kernelsFlag(value: string | undefined): KernelsName {
  if (value === undefined) return DEFAULT_NODE_OPTIONS.kernels;
  if (value === "wasm" || value === "js") return value;
  throw new UsageError(`--kernels must be wasm or js, got ${JSON.stringify(value)}`);
}

function compactionThreadFlag(value: string | undefined): CompactionThread {
  if (value === undefined) return DEFAULT_NODE_OPTIONS.compactionThread;
  if (value === "main" || value === "worker") return value;
  throw new UsageError(`--compaction-thread must be main or worker, got ${JSON.stringify(value)}`);
}

function walRecoveryModeFlag(value: string | undefined): WalRecoveryMode {
  if (value === undefined) return DEFAULT_NODE_OPTIONS.walRecoveryMode;
  if ((WAL_RECOVERY_MODES as readonly string[]).includes(value)) return value as WalRecoveryMode;
  throw new UsageError(`--wal-recovery-mode must be one of ${WAL_RECOVERY_MODES.join(", ")}, got ${JSON.stringify(value)}`);
}
