// The options of a WasmLevel (README "The database (abstract-level)"): the store's knobs, named as
// classic-level names the same LevelDB knobs (so that options written for classic-level mean the
// same here), plus the ones only this engine has. Checked when the database is made and again when
// it opens (open() takes them too, as classic-level's does): a bad value is a TypeError or a
// RangeError that names the option and what it may be, before anything touches the directory.

import { loadKernels, type KernelsName } from "../kernels/node.js";
import type { Kernels } from "../kernels/types.js";
import type { Env } from "../lsm/env.js";
import type { StoreOptions } from "../lsm/store.js";
import { WAL_RECOVERY_MODES, type WalRecoveryMode } from "../lsm/wal.js";

export interface WasmLevelStoreOptions {
  /**
   * The hot paths in WebAssembly ("wasm", the default) or in their pure-TypeScript twins ("js"), or
   * kernels made by the caller: a browser, which has no build/kernels.wasm on disk, gives
   * createWasmKernels over the bytes it fetched.
   */
  readonly kernels?: KernelsName | Kernels;
  /**
   * The file system the store is on (default node:fs): OpfsEnv in a browser's worker
   * (src/io/opfs-env.ts). On any other than node:fs, compactions merge on this thread.
   */
  readonly env?: Env;
  /** Bytes of data blocks cached, one cache for every table (classic-level's cacheSize; default 8 MiB). */
  readonly cacheSize?: number;
  /** The MemTable's flush threshold (classic-level's writeBufferSize; default 4 MiB). */
  readonly writeBufferSize?: number;
  /** Data block size of the tables written (classic-level's blockSize; default 4096). */
  readonly blockSize?: number;
  /** Files kept open at once (classic-level's maxOpenFiles; default 1000). */
  readonly maxOpenFiles?: number;
  /** Compaction outputs are cut at this size (classic-level's maxFileSize; default 2 MiB). */
  readonly maxFileSize?: number;
  /** Bloom filter bits per key (default 10: about 1% false positives). */
  readonly bitsPerKey?: number;
  /** Where compactions merge: the store's worker thread ("worker", the default) or this one ("main"). */
  readonly compactionThread?: "main" | "worker";
  /** How a damaged write-ahead log is replayed at open (default "tolerate-corrupted-tail-records"). */
  readonly walRecoveryMode?: WalRecoveryMode;
  /**
   * Tables are written uncompressed (they read LevelDB's Snappy blocks): false is accepted, for
   * options written for classic-level; true is refused.
   */
  readonly compression?: boolean;
  /** The default of every write's `sync` (default false, as classic-level's). */
  readonly sync?: boolean;
  /** Where the store's log lines go (recovery, failed flushes and their retries); default nowhere. */
  readonly log?: (message: string) => void;
}

/** What the database takes from its options. */
export interface LevelSettings {
  readonly store: Omit<StoreOptions, "dir">;
  readonly sync: boolean;
}

const MiB = 1024 * 1024;
const LIMITS = {
  cacheSize: [0, 64 * 1024 * MiB],
  writeBufferSize: [1, 1024 * MiB],
  blockSize: [1, 16 * MiB],
  maxOpenFiles: [10, 1_000_000],
  maxFileSize: [1, 2 ** 50],
  bitsPerKey: [1, 64],
} as const satisfies Record<string, readonly [number, number]>;

/** The settings for these options; throws TypeError or RangeError for a value they cannot be. */
export function levelSettings(options: WasmLevelStoreOptions): LevelSettings {
  const { kernels, ...checked } = checkedOptions(options);
  return { ...checked, store: { ...checked.store, kernels: typeof kernels === "string" ? loadKernels(kernels) : kernels } };
}

/**
 * The checks of levelSettings, without loading the kernels (the wasm module is loaded at the
 * open, not when the database is made: in a browser only the caller can load it).
 */
export function checkLevelOptions(options: WasmLevelStoreOptions): { readonly sync: boolean } {
  return { sync: checkedOptions(options).sync };
}

/** The options checked, the kernels not yet loaded. */
interface CheckedOptions {
  readonly kernels: KernelsName | Kernels;
  readonly store: Omit<StoreOptions, "dir" | "kernels">;
  readonly sync: boolean;
}

function checkedOptions(options: WasmLevelStoreOptions): CheckedOptions {
  const kernels = isKernels(options.kernels) ? options.kernels : (oneOf("kernels", options.kernels, ["wasm", "js"] as const) ?? "wasm");
  if (options.env !== undefined && !isEnv(options.env)) throw new TypeError(`env must be an Env (src/lsm/env.ts), got ${describe(options.env)}`);
  if (options.compression === true) throw new RangeError("compression: true is not supported: tables are written uncompressed (Snappy tables of LevelDB are read); pass compression: false or leave it out");
  if (options.compression !== undefined && typeof options.compression !== "boolean") throw new TypeError(`compression must be a boolean, got ${describe(options.compression)}`);
  if (options.log !== undefined && typeof options.log !== "function") throw new TypeError(`log must be a function, got ${describe(options.log)}`);
  const maxFileSize = integer("maxFileSize", options.maxFileSize);
  return {
    kernels,
    store: {
      env: options.env,
      blockCacheBytes: integer("cacheSize", options.cacheSize),
      memtableBytes: integer("writeBufferSize", options.writeBufferSize),
      blockSize: integer("blockSize", options.blockSize),
      maxOpenFiles: integer("maxOpenFiles", options.maxOpenFiles),
      levels: maxFileSize === undefined ? undefined : { tableBytes: maxFileSize },
      bitsPerKey: integer("bitsPerKey", options.bitsPerKey),
      compactionThread: oneOf("compactionThread", options.compactionThread, ["worker", "main"] as const),
      walRecoveryMode: oneOf("walRecoveryMode", options.walRecoveryMode, WAL_RECOVERY_MODES),
      log: options.log,
    },
    sync: writeSync(options.sync, false),
  };
}

/** A write's `sync`: its own if it has one, else the database's default. */
export function writeSync(asked: unknown, fallback: boolean): boolean {
  if (asked === undefined) return fallback;
  if (typeof asked !== "boolean") throw new TypeError(`sync must be a boolean, got ${describe(asked)}`);
  return asked;
}

function integer(name: keyof typeof LIMITS, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const [min, max] = LIMITS[name];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new TypeError(`${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  if (value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new RangeError(`${name} must be ${allowed.map((a) => JSON.stringify(a)).join(" or ")}, got ${describe(value)}`);
}

const isKernels = (value: unknown): value is Kernels => typeof value === "object" && value !== null && typeof (value as Kernels).buildBlocks === "function";
const isEnv = (value: unknown): value is Env => typeof value === "object" && value !== null && typeof (value as Env).openRead === "function" && typeof (value as Env).syncDir === "function";

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : typeof value === "function" ? "a function" : String(value);
}
