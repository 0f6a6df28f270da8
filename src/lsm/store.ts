// The engine and its public API (README "Library API"). Writes go to the write-ahead log, then,
// once durable, into the MemTable; a full MemTable is frozen and flushed to a level-0 table in the
// background, and background compactions keep the levels in shape (compaction.ts picks,
// compaction-job.ts merges). Reads see the active MemTable, the frozen one, level 0 newest first,
// then one table per deeper level (version.ts), at a snapshot.
//
// Every change to the set of tables is a version edit recorded in the manifest (manifest.ts)
// before it is installed in memory (LevelDB's LogAndApply), and a table's file is written, fsynced
// and renamed, and the directory fsynced, before an edit names it. A table leaves the disk only
// once an installed edit removed it and no reader's version still names it. Recovery (recovery.ts)
// reads the manifest, removes only what is provably garbage, and replays the live logs.
//
// Failures (a full disk, an I/O error) leave the store as it was and working: a write answered with
// an error is in neither the MemTable nor the log; a failed flush or compaction leaves no file
// behind that the manifest does not need, and is retried (with backoff); a failed log is cut back
// to what was durable and replaced by a fresh one at the next write.
//
// An ephemeral store is the same engine in a fresh temporary directory, without fsyncs and
// without a write-ahead log (nothing of it outlives the process), removed on close.

import { rmSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import type { Kernels } from "../kernels/types.js";
import { nodeEnv } from "../io/node-env.js";
import { ValueKind } from "../sstable/format.js";
import { BlockCache } from "../sstable/block-cache.js";
import type { GetResult } from "../sstable/reader.js";
import { DEFAULT_LEVEL_SHAPE, LAST_LEVEL, levelScores, manualCompaction, maxBytesForLevel, pickCompaction, type Compaction, type LevelShape } from "./compaction.js";
import { runCompactionJob, type CompactionJobResult } from "./compaction-job.js";
import { copiedMeta, isBaseLevelForKey, type CompactionTask, type TaskTable } from "./compaction-task.js";
import { CompactionWorker } from "./compaction-worker.js";
import { DbIterator, type DbEntry } from "./db-iterator.js";
import { createEphemeralDir, removeAbandonedEphemeralStores } from "./ephemeral.js";
import type { Env } from "./env.js";
import { isNodeEnv, lockDir } from "./env-lock.js";
import { isLevelDbDirectory } from "./leveldb-files.js";
import { LOCK_FILE } from "./lock.js";
import { removeQuietly } from "./files.js";
import { tableInternalIterator, type InternalIterator } from "./internal-iterator.js";
import { LevelIterator, versionIterators, type OpenedTable } from "./level-iterator.js";
import { LogFile } from "./log-file.js";
import { Manifest, ManifestWriteError } from "./manifest.js";
import type { ManifestState } from "./manifest-log.js";
import { LATEST, MemTable, type MemEntry } from "./memtable.js";
import { MergingIterator } from "./merging-iterator.js";
import { recoverStore } from "./recovery.js";
import { logName, logNumberOf, parseTableName, tableName } from "./store-files.js";
import { writeAmplification, writeStats, type StoreStats } from "./store-stats.js";
import { TableCache, tableCacheCapacity } from "./table-cache.js";
import { TableFile, type WrittenTable } from "./table-file.js";
import { TimeSlicer } from "./time-slicer.js";
import { emptyEdit, NUM_LEVELS, type VersionEdit } from "./version-edit.js";
import { compareUserKey, findTable, holdsKey, userKeyOf, Version, type TableMeta } from "./version.js";
import { encodeBatch, LOG_HEADER_SIZE, type BatchOp, type WalRecoveryMode } from "./wal.js";
import { DEFAULT_WAL_RECOVERY_MODE } from "./wal-recovery.js";

export { isStoreTemp, logName, logNumberOf, looksLikeStoreFile, parseTableName, TABLE_NAME, tableName, tableNumberOf } from "./store-files.js";

export interface StoreOptions {
  readonly kernels: Kernels;
  /** A durable store's directory; omitted: an ephemeral store in a fresh temporary directory. */
  readonly dir?: string;
  /** Flush threshold of the MemTable's footprint (default 4 MiB). */
  readonly memtableBytes?: number;
  readonly bitsPerKey?: number;
  /** Data block size of the tables written (default 4096). */
  readonly blockSize?: number;
  /** How a damaged write-ahead log is replayed (default tolerate-corrupted-tail-records). */
  readonly walRecoveryMode?: WalRecoveryMode;
  /** Bytes of data blocks the block cache shared by every table may hold (default 8 MiB). */
  readonly blockCacheBytes?: number;
  /**
   * Files kept open at once (LevelDB's max_open_files, default 1000): tables get N - 10, fewer when
   * the process's open-file limit is lower (table-cache.ts tableCacheCapacity).
   */
  readonly maxOpenFiles?: number;
  /** The shape of the levels (compaction.ts DEFAULT_LEVEL_SHAPE: LevelDB's defaults). */
  readonly levels?: Partial<LevelShape>;
  /** Compact in the background when a level passes its trigger (default true). */
  readonly backgroundCompaction?: boolean;
  /** A new manifest is begun past this size (default 4 MiB). */
  readonly manifestRollBytes?: number;
  readonly log?: (message: string) => void;
  /**
   * The file system the store works on (default node:fs). An ephemeral store needs node:fs: its
   * temporary directory and the sweep of abandoned ones are about processes (ephemeral.ts).
   */
  readonly env?: Env;
  /**
   * Where a compaction's merge runs (README "Database workloads"): "worker", a worker_threads Worker
   * of the store's with its own kernels (compaction-worker.ts), or "main", in SLICE_MS slices
   * between requests. Default DEFAULT_COMPACTION_THREAD; a store on another env than node:fs merges
   * on the main thread (a worker cannot share it).
   */
  readonly compactionThread?: "main" | "worker";
}

/** A write waiting in the store's queue for room (Store.writeOps). */
interface QueuedWrite {
  readonly ops: BatchOp[];
  readonly deferFlush: boolean;
  readonly sync: boolean;
  /** The store's count of flush retries when the write was made: one retry is owed to it (waitForRoom). */
  readonly retriesBefore: number;
  readonly resolve: (done: Promise<void>) => void;
  readonly reject: (err: Error) => void;
}

/** An output a compaction began: removed if the compaction fails (TableFile.abandon). */
type BegunOutput = { readonly number: number; abandon(): void };

/** A table a flush wrote. */
export type FlushResult = WrittenTable;

/** One write of a batch: a put or a delete (abstract-level's batch operations). */
export type WriteOp = { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array } | { readonly type: "del"; readonly key: Uint8Array };

/**
 * How a write is made durable. `sync` (default true): it resolves once its log record is fsynced.
 * `sync: false` (LevelDB's default WriteOptions): it resolves once the record is handed to the
 * operating system; it outlives a crash of the process (kill -9), not a power loss, until a later
 * synced write, a flush of its MemTable, or close() fsyncs it.
 */
export interface WriteOptions {
  readonly sync?: boolean;
}

/** A point in the store's history that reads can be made at, until it is released. */
export interface Snapshot {
  readonly sequence: number;
}

export interface IteratorOptions {
  readonly gte?: Uint8Array;
  readonly lt?: Uint8Array;
  /** Iterating with for..of goes from the last key down. */
  readonly reverse?: boolean;
  /** Read at this snapshot (default: the writes acknowledged when the iterator is made). */
  readonly snapshot?: Snapshot;
}

/** What a lookup across the tree found (lsm_read). */
export interface TracedGet {
  readonly value: Uint8Array | null;
  /** "memtable" or "L<n>" of the newest version found, or null when not found (or deleted). */
  readonly foundAt: string | null;
  /** Levels whose tables were consulted (a Bloom filter negative counts), MemTables not counted. */
  readonly levelsChecked: number;
}

export interface LevelInfo {
  readonly level: number;
  readonly tables: number;
  readonly bytes: number;
  readonly sorted: boolean;
  /** The level's target: bytes (level 1 and deeper), or for level 0 its trigger x the MemTable size. */
  readonly maxBytes: number;
}

export interface CompactionStats {
  readonly tablesMerged: number;
  readonly newTables: number;
  readonly keysDeduplicated: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

export interface CompactionStatus {
  /** Levels over their trigger now. */
  readonly pending: number;
  readonly totalCompactions: number;
  readonly totalBytesCompacted: number;
  readonly writeAmplification: number;
}

/** LevelDB's defaults (include/leveldb/options.h): an 8 MiB block cache, 1000 open files. */
const DEFAULT_BLOCK_CACHE_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_OPEN_FILES = 1000;
/**
 * Background work yields to requests after this long (time-slicer.ts). It gets one slice per turn
 * of the event loop, so a shorter slice starves it under a steady stream of requests (a flush
 * then lags the MemTable, and level 0 fills): 2 ms keeps it ahead (README "Database workloads").
 */
const SLICE_MS = 2;
/**
 * Writes that have kept the event loop from turning for this long wait for one turn (mustWait):
 * a writer whose puts resolve at once (sync: false) would otherwise starve the store's own
 * background work, a flush's slices and a worker's finished compaction, until a full MemTable
 * made it wait for the whole flush at once (README "Database workloads": put latency).
 */
const WRITES_YIELD_MS = SLICE_MS;
/** ...and have numbered at least this many. */
const WRITES_YIELD_MIN = 32;
/** Queued writes issued in one turn after the first of them waited (drainWriteQueue), before the event loop is looked at again. */
const MAX_WRITE_GROUP = 1024;
/** ...and their keys' and values' bytes (LevelDB's BuildBatchGroup stops at 1 MiB). */
const MAX_WRITE_GROUP_BYTES = 1 << 20;
/** A MemTable's filter is at most this big, whatever its threshold. */
const MAX_MEMTABLE_FILTER_BYTES = 16 * 1024 * 1024;
/** A failed background flush or compaction is retried after this long, doubled per failure up to the max. */
const RETRY_MS = 100;
const RETRY_MAX_MS = 1000;
const COMPARATOR = "leveldb.BytewiseComparator";
/** The compaction thread measured best (bench/README.md "Compaction thread"). */
export const DEFAULT_COMPACTION_THREAD: "main" | "worker" = "worker";

export class Store {
  readonly dir: string;
  readonly durable: boolean;
  readonly memtableBytes: number;
  readonly shape: LevelShape;
  private readonly kernels: Kernels;
  private readonly env: Env;
  private readonly bitsPerKey: number;
  private readonly blockSize: number | undefined;
  private readonly log: (message: string) => void;
  private readonly unlock: () => void;
  private readonly backgroundCompaction: boolean;
  private manifest!: Manifest;
  /** The current version, and every older one a reader still holds. */
  private version = Version.empty();
  private readonly liveVersions = new Set<Version>();
  /** Per level: the largest internal key of the last compaction's inputs there (round-robin). */
  private compactPointers: (Uint8Array | null)[] = new Array<Uint8Array | null>(NUM_LEVELS).fill(null);
  /** Logs numbered below this are covered by tables. */
  private logNumber = 0;
  private nextTableNumber = 1;
  private nextLogNumber = 1;
  /** Tables a recorded edit removed, waiting for the last version that names them to go. */
  private readonly obsolete = new Map<number, TableMeta>();
  /** Tables written whose edit failed uncertainly: kept until an edit settles that none names them. */
  private readonly unsettled: TableMeta[] = [];
  /** Numbers given to tables being written, not yet recorded or given up. */
  private readonly pendingOutputs = new Set<number>();
  /** Where each table is on disk, when not at its version's name (a trivial move's rename failed back). */
  /**
   * Table number -> its file's name, for tables renamed by a trivial move: a reader's older version
   * still names the table at its old level, and finds the file by its number.
   */
  private readonly renamed = new Map<number, string>();
  private stats!: StoreStats;
  private active: MemTable;
  private frozen: MemTable | null = null;
  /** The log the frozen MemTable's last writes went to (its appends settle before the flush). */
  private frozenLog: LogFile | null = null;
  /** The first log the frozen MemTable does not cover: the logNumber once it is flushed. */
  private frozenLogEnd = 0;
  /** The active log; null in an ephemeral store, which has none. */
  private wal: LogFile | null = null;
  /** The last sequence number given to a write, and the last one applied (durable). */
  private sequence = 0;
  private appliedSequence = 0;
  private readonly snapshots = new Map<Snapshot, number>();
  private flushing: Promise<FlushResult> | null = null;
  /** The last background flush's failure, until a flush succeeds. */
  private flushFailure: Error | null = null;
  private flushRetryAt = 0;
  private flushRetryMs = RETRY_MS;
  private flushRetryTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFlushStart = 0;
  /** The retry that stalled writes wait for (retrySoon), while it is scheduled. */
  private nextRetry: Promise<void> | null = null;
  private compacting: Promise<void> | null = null;
  private compactionRetryMs = RETRY_MS;
  /** Writes waiting for room, and the turn the next one to wait takes after (writeOps). */
  /** Writes waiting for room, in the order they were made (drainWriteQueue). */
  private readonly writeQueue: QueuedWrite[] = [];
  /** Retries of a failed flush that stalled writes have waited for. */
  private flushRetries = 0;
  /** When writes asked for a turn of the event loop that has not come yet (-1: none asked); writesStarveTheLoop. */
  private turnAskedAt = -1;
  /** Writes that asked since turnAskedAt (writesStarveTheLoop). */
  private writesWithoutTurn = 0;
  private compactionScheduled = false;
  /** The last background compaction's failure, until one succeeds. */
  private compactionFailure: Error | null = null;
  private compactionRetryTimer: ReturnType<typeof setTimeout> | null = null;
  private compactionFailedAt = 0;
  /** The retry that writes stalled at level 0's stop trigger wait for (retryCompactionSoon), while it is scheduled. */
  private nextCompactionRetry: Promise<void> | null = null;
  /** Writers waiting for level 0 to shrink below the stop trigger. */
  private l0Waiters: (() => void)[] = [];
  /** The tables open for lookups, sharing one block cache. */
  private readonly tableCache: TableCache;
  /** Where compactions merge when not on this thread (compactionThread "worker"). */
  private readonly compactionWorker: CompactionWorker | null;
  private closed = false;

  private constructor(options: StoreOptions) {
    this.kernels = options.kernels;
    this.env = options.env ?? nodeEnv;
    this.durable = options.dir !== undefined;
    if (!this.durable && !isNodeEnv(this.env)) throw new Error("an ephemeral store (no dir) runs on node:fs only: give a dir with this env");
    this.dir = options.dir ?? createEphemeralDir();
    this.memtableBytes = options.memtableBytes ?? 4 * 1024 * 1024;
    this.active = this.newMemTable();
    this.bitsPerKey = options.bitsPerKey ?? DEFAULT_BITS_PER_KEY;
    this.blockSize = options.blockSize;
    this.shape = levelShape(options.levels ?? {});
    this.backgroundCompaction = options.backgroundCompaction ?? true;
    this.log = options.log ?? (() => {});
    this.compactionWorker = compactionWorkerFor(options.compactionThread, this.env, this.kernels);
    this.tableCache = new TableCache({
      env: this.env,
      dir: this.dir,
      kernels: this.kernels,
      blockCache: new BlockCache(options.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES),
      capacity: tableCacheCapacity(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES),
      resolvePath: (name) => join(this.dir, this.fileNameOf(name)),
    });
    this.env.mkdir(this.dir);
    refuseLevelDbDirectory(this.env, this.dir);
    this.unlock = lockDir(this.env, this.dir, { ephemeral: !this.durable });
    if (!this.durable) removeAbandonedEphemeralStores(this.log);
    try {
      const r = recoverStore({
        env: this.env,
        dir: this.dir,
        kernels: this.kernels,
        durable: this.durable,
        log: this.log,
        walRecoveryMode: options.walRecoveryMode ?? DEFAULT_WAL_RECOVERY_MODE,
        manifestRollBytes: options.manifestRollBytes,
        memtable: this.active,
      });
      this.manifest = r.manifest;
      this.setVersion(r.version);
      this.compactPointers = [...r.state.compactPointers];
      this.logNumber = r.state.logNumber;
      this.nextTableNumber = r.nextTableNumber;
      this.nextLogNumber = r.nextLogNumber;
      this.sequence = r.sequence;
      this.appliedSequence = r.sequence;
      this.stats = r.stats;
      if (this.durable) this.wal = r.lastLog === null ? this.openLog() : this.reopenLog(r.lastLog.number, r.lastLog.end);
    } catch (err) {
      this.manifest?.close();
      this.unlock();
      throw err;
    }
    this.scheduleCompaction();
  }

  /** Opens (and recovers) a store; see StoreOptions. */
  static open(options: StoreOptions): Store {
    return new Store(options);
  }

  // ---- Writes ----

  /**
   * Writes key = value; resolves once the write is durable (ephemeral: at once), and only then is
   * it visible to reads. A rejected write changed nothing. `deferFlush` lets the MemTable pass its
   * threshold without starting a background flush (a caller about to flush it anyway).
   */
  put(key: Uint8Array, value: Uint8Array, options: WriteOptions & { deferFlush?: boolean } = {}): Promise<void> {
    return this.writeOps([{ kind: ValueKind.VALUE, key, value }], options.deferFlush ?? false, options.sync ?? true);
  }

  /**
   * put() for a write that waits for nothing (an ephemeral store, which has no log): done, and
   * visible, on return, with no promise. Returns false, having done nothing, when the write would
   * have to wait (a durable store; a stalled one): then call put().
   */
  putSync(key: Uint8Array, value: Uint8Array): boolean {
    if (this.wal !== null || this.closed || this.writeQueue.length > 0 || this.mustWait(false)) return false; // put() waits, in turn
    const ops = [{ kind: ValueKind.VALUE, key, value }];
    this.applyOps(this.active, ops, ++this.sequence, false);
    return true;
  }

  /** Writes a deletion of key (durable when it resolves, like put). */
  delete(key: Uint8Array, options: WriteOptions = {}): Promise<void> {
    return this.writeOps([{ kind: ValueKind.DELETION, key, value: new Uint8Array(0) }], false, options.sync ?? true);
  }

  /** Writes every op atomically: one log record, consecutive sequence numbers; all or none. */
  write(ops: readonly WriteOp[], options: WriteOptions = {}): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return this.writeOps(
      ops.map((op) => (op.type === "put" ? { kind: ValueKind.VALUE, key: op.key, value: op.value } : { kind: ValueKind.DELETION, key: op.key, value: new Uint8Array(0) })),
      false,
      options.sync ?? true,
    );
  }

  // ---- Reads ----

  /** The value of key (at the snapshot, if one is given), or null. The value is a copy of its own: the caller may keep or change it. */
  get(key: Uint8Array, options: { snapshot?: Snapshot } = {}): Uint8Array | null {
    return this.getTraced(key, options).value;
  }

  /** get(), saying where the value was found and how many levels were asked (lsm_read). */
  getTraced(key: Uint8Array, options: { snapshot?: Snapshot } = {}): TracedGet {
    this.checkOpen();
    const snapshot = options.snapshot === undefined ? LATEST : this.snapshotSequence(options.snapshot);
    const e = this.active.get(key, snapshot) ?? this.frozen?.get(key, snapshot) ?? null;
    if (e !== null) return { value: e.kind === ValueKind.VALUE ? e.value.slice() : null, foundAt: e.kind === ValueKind.VALUE ? "memtable" : null, levelsChecked: 0 };
    // A lookup is synchronous: no compaction can remove a table under it, so it needs no
    // reference. Plain loops (no generator, no arrays): this is the readrandom hot path.
    const levels = this.version.levels;
    let levelsChecked = 0;
    const l0 = levels[0];
    for (let i = 0; i < l0.length; i++) {
      const t = l0[i];
      if (!holdsKey(t, key)) continue;
      levelsChecked = 1;
      const r = this.tableGet(t, key, snapshot);
      if (r !== undefined) return { value: r, foundAt: r === null ? null : "L0", levelsChecked };
    }
    for (let level = 1; level < NUM_LEVELS; level++) {
      const tables = levels[level];
      if (tables.length === 0) continue;
      const t = tables[findTable(tables, key)];
      if (t === undefined || compareUserKey(t.smallest, key) > 0) continue;
      levelsChecked++;
      const r = this.tableGet(t, key, snapshot);
      if (r !== undefined) return { value: r, foundAt: r === null ? null : `L${level}`, levelsChecked };
    }
    return { value: null, foundAt: null, levelsChecked };
  }

  /**
   * An iterator over live keys in byte order (both ways: first/seekGE/next, last/seekLT/prev), at
   * the snapshot given or at the writes acknowledged now. It holds the tables it reads until
   * close() (or the end of a for..of, which goes in the `reverse` direction).
   */
  iterator(options: IteratorOptions = {}): StoreIterator {
    this.checkOpen();
    const snapshot = options.snapshot === undefined ? this.appliedSequence : this.snapshotSequence(options.snapshot);
    const version = this.version;
    version.ref();
    const memtables: InternalIterator[] = [this.active.iterator()];
    if (this.frozen !== null) memtables.push(this.frozen.iterator());
    let tables: ReturnType<typeof versionIterators>;
    try {
      tables = versionIterators(version.levels, (t) => this.openTable(t));
    } catch (err) {
      for (const c of memtables) c.close();
      this.releaseVersion(version);
      throw err;
    }
    const done = () => {
      tables.release();
      this.releaseVersion(version);
    };
    return new StoreIterator(new MergingIterator([...memtables, ...tables.iterators]), { snapshot, gte: options.gte, lt: options.lt, reverse: options.reverse ?? false, onClose: done });
  }

  /** A snapshot of the writes acknowledged so far; reads at it see nothing newer. Release it when done. */
  snapshot(): Snapshot {
    this.checkOpen();
    const s: Snapshot = Object.freeze({ sequence: this.appliedSequence });
    this.snapshots.set(s, s.sequence);
    return s;
  }

  /** Lets compactions drop what only this snapshot could see. */
  release(snapshot: Snapshot): void {
    this.snapshots.delete(snapshot);
  }

  /** The value of key in the active or frozen MemTable (not the tables), or null. */
  getFromMemtable(key: Uint8Array): Uint8Array | null {
    const e = this.active.get(key) ?? this.frozen?.get(key) ?? null;
    return e !== null && e.kind === ValueKind.VALUE ? e.value : null;
  }

  /** Live entries with start <= key <= end in the MemTables, newest first per key, in key order. */
  scanMemtable(start: Uint8Array, end: Uint8Array): [Uint8Array, Uint8Array][] {
    const merged = new Map<string, MemEntry>();
    for (const table of [this.frozen, this.active]) {
      if (table === null) continue;
      for (const e of table.range(start, end)) merged.set(Buffer.from(e.key).toString("latin1"), e);
    }
    return [...merged.values()]
      .filter((e) => e.kind === ValueKind.VALUE)
      .sort((a, b) => Buffer.compare(a.key, b.key))
      .map((e) => [e.key, e.value]);
  }

  /** Bytes the active MemTable counts against the flush threshold. */
  get memtableFootprint(): number {
    return this.active.bytes;
  }

  /** The tables the store holds, by number (oldest first). */
  tables(): readonly TableMeta[] {
    return [...this.version.tables()].sort((a, b) => a.number - b.number);
  }

  /**
   * Looks key up in one table only, with the figures the protocol reports; null: no such table. A
   * table moved down a level since it was named (a trivial move renames it) is found by its number.
   */
  lookup(name: string, key: Uint8Array): GetResult | null {
    const tables = [...this.version.tables()];
    const asked = parseTableName(name);
    const t = tables.find((x) => x.name === name) ?? tables.find((x) => asked !== null && x.number === asked.number && x.level > asked.level);
    if (t === undefined) return null;
    return this.tableCache.use(t, (table, openReads) => {
      const r = table.get(key);
      return { ...r, diskReads: r.diskReads + openReads };
    });
  }

  // ---- Levels and compaction ----

  /** Every level, L0 to L6, empty ones included (lsm_level_info). */
  levelInfo(): LevelInfo[] {
    return this.version.levels.map((tables, level) => ({
      level,
      tables: tables.length,
      bytes: this.version.levelBytes(level),
      sorted: level > 0,
      maxBytes: level === 0 ? this.shape.l0Trigger * this.memtableBytes : maxBytesForLevel(this.shape, level),
    }));
  }

  compactionStatus(): CompactionStatus {
    return {
      pending: levelScores(this.version, this.shape).filter((s) => s >= 1).length,
      totalCompactions: this.stats.compactions,
      totalBytesCompacted: this.stats.compactedBytes,
      writeAmplification: writeAmplification(this.stats),
    };
  }

  /**
   * Compacts all of level `level` with the overlapping tables of level + 1 into level + 1, after
   * any compaction running; resolves once the outputs are durable and installed.
   */
  async compactLevel(level: number): Promise<CompactionStats> {
    if (!Number.isInteger(level) || level < 0 || level >= LAST_LEVEL) throw new RangeError(`level ${level} cannot be compacted: levels 0 to ${LAST_LEVEL - 1} compact into the next`);
    return this.exclusive(async () => {
      const c = manualCompaction(this.version, this.shape, level, null, null);
      return c === null ? { tablesMerged: 0, newTables: 0, keysDeduplicated: 0, bytesRead: 0, bytesWritten: 0 } : this.runCompaction(c);
    });
  }

  /**
   * Compacts every key in [start, end] (unbounded where omitted) down to the deepest level that
   * holds data, after flushing the MemTable (LevelDB's CompactRange).
   */
  async compactRange(start?: Uint8Array, end?: Uint8Array): Promise<void> {
    this.checkOpen();
    if (this.active.versions > 0 || this.frozen !== null) await this.flush();
    await this.exclusive(async () => {
      const deepest = Math.max(1, this.version.deepestLevel()); // level 0 always moves down (LevelDB's CompactRange)
      for (let level = 0; level < deepest; level++) {
        const c = manualCompaction(this.version, this.shape, level, start ?? null, end ?? null);
        if (c !== null) await this.runCompaction(c);
      }
    });
  }

  /** Resolves once no flush or compaction is running or due (for tests and benchmarks). */
  async waitForIdle(): Promise<void> {
    for (;;) {
      if (this.flushing !== null) await this.flushing.catch(() => {});
      else if (this.compacting !== null) await this.compacting;
      else if (this.compactionScheduled) await new Promise((r) => setImmediate(r));
      else return;
    }
  }

  /**
   * Flushes the active MemTable to a new level-0 table, after any background flush still running,
   * so that the table named is the last one flushed. An empty MemTable gives an empty table.
   */
  async flush(): Promise<FlushResult> {
    // Each await may let a background flush begin (a put's fsync lands, a flush ends and the
    // MemTable is full again): look again after every one, and freeze only when none runs.
    for (;;) {
      if (this.flushing !== null) await this.flushing.catch(() => {});
      else if (this.frozen !== null) await this.startFlush(); // one a failed background flush left
      else break;
    }
    this.freeze();
    return this.startFlush();
  }

  /** Finishes background work, closes files and releases the lock; an ephemeral store is removed. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing !== null) await this.flushing.catch(() => {});
    while (this.compacting !== null) await this.compacting;
    await this.wal?.idle();
    this.wal?.close(); // fsyncs the unsynced writes (WriteOptions)
    if (this.durable) this.saveStats(); // the client bytes of writes no flush has counted yet (write amplification)
    this.closeNow();
    await this.compactionWorker?.close(); // its thread has exited
  }

  /**
   * Closes at once, without waiting for background work: for a signal. Acknowledged writes are
   * already durable; a flush or compaction cut short leaves files that the next open removes.
   */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.flushRetryTimer, this.compactionRetryTimer]) if (t !== null) clearTimeout(t);
    for (const w of this.l0Waiters.splice(0)) w();
    this.compactionWorker?.closeNow();
    this.frozenLog?.closeNow();
    this.wal?.closeNow();
    this.manifest.close();
    this.tableCache.close();
    this.unlock();
    if (!this.durable) rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- The write path ----

  /**
   * A write, now or after the writes already waiting: writes take their sequence numbers in the
   * order they were made (LevelDB's writer queue), so a write that must wait for room holds back
   * every write after it. (Otherwise a later write to the same key could take a lower sequence
   * than an earlier one still waiting, and the earlier value would win.)
   */
  private writeOps(ops: BatchOp[], deferFlush: boolean, sync: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    if (this.writeQueue.length === 0 && !this.mustWait(deferFlush)) return this.writeNow(ops, deferFlush, sync);
    return new Promise<void>((resolve, reject) => {
      this.writeQueue.push({ ops, deferFlush, sync, retriesBefore: this.flushRetries, resolve, reject });
      if (this.writeQueue.length === 1) void this.drainWriteQueue();
    });
  }

  /**
   * Issues the queued writes in order: the first once there is room for it, then, in the same
   * turn, every one after it that needs no wait, so that their log records go to the OS together
   * (log-file.ts) as the writes made while the queue was empty do.
   */
  private async drainWriteQueue(): Promise<void> {
    while (this.writeQueue.length > 0) {
      const first = this.writeQueue[0];
      try {
        await this.waitForRoom(first.deferFlush, first.retriesBefore);
      } catch (err) {
        this.writeQueue.shift();
        first.reject(err as Error);
        continue;
      }
      // The writes behind the first go with it as one group, as LevelDB's BuildBatchGroup takes
      // the writers queued behind its leader: the first's wait (a level-0 slowdown, a turn of the
      // event loop) stands for the group's, so only what would make a write fail or overfill the
      // MemTables ends the group early. A group is at most MAX_WRITE_GROUP writes and about
      // MAX_WRITE_GROUP_BYTES (the MemTable's size is seen only once the log has applied them, after
      // this turn); the writes after it wait as the first did.
      let grouped = 0;
      let groupBytes = 0;
      do {
        const w = this.writeQueue.shift()!;
        w.resolve(this.writeNow(w.ops, w.deferFlush, w.sync));
        grouped++;
        for (const op of w.ops) groupBytes += op.key.length + op.value.length;
      } while (this.writeQueue.length > 0 && !this.mustWait(this.writeQueue[0].deferFlush, grouped < MAX_WRITE_GROUP && groupBytes < MAX_WRITE_GROUP_BYTES));
    }
  }

  /**
   * Whether a write must wait for room now (waitForRoom's conditions, checked without waiting);
   * `inGroup`: it follows, in the same turn, a write that waited, and needs no wait of its own for
   * the event loop or level 0's slowdown.
   */
  private mustWait(deferFlush: boolean, inGroup = false): boolean {
    if (!inGroup && this.writesStarveTheLoop()) return true;
    if (this.stalledBy() !== null) return true;
    if (this.flushing !== null && this.frozen !== null && this.active.bytes >= this.memtableBytes && !deferFlush) return true;
    const l0 = this.version.levels[0].length;
    return this.backgroundCompaction && l0 >= (inGroup ? this.shape.l0Stop : this.shape.l0Slowdown);
  }

  /**
   * Waits until a write may go (LevelDB's MakeRoomForWrite):
   * - a full MemTable whose frozen predecessor failed to flush: one retry of that flush (the one
   *   under way, or the next, at most RETRY_MS after the last started, whatever the timer's backoff
   *   has grown to: so the store goes on as soon as space is back); if the MemTable is still full
   *   after it, the write is refused;
   * - a full MemTable whose predecessor is still being flushed: that flush (memory stays at two
   *   MemTables, and writes that never wait cannot starve the flush of event-loop turns);
   * - level 0 at the stop trigger: until a compaction takes it below (refused if that fails);
   * - level 0 at the slowdown trigger: 1 ms, once.
   * Level 0, and every read's cost, stays bounded. A refused write changed nothing.
   */
  private async waitForRoom(deferFlush: boolean, retriesBefore: number): Promise<void> {
    let retried = false;
    let slowed = false;
    for (;;) {
      if (this.closed) throw new Error("store is closed");
      if (this.writesStarveTheLoop()) {
        await new Promise<void>((r) => setImmediate(r)); // after what waits for the loop
        continue;
      }
      const stalled = this.stalledBy();
      if (stalled !== null) {
        // one retry for every write that was waiting for it: a write queued before a retry that
        // did not help is refused with the rest, without a retry of its own
        if (retried || this.flushRetries > retriesBefore) throw stalled;
        retried = true;
        await this.retrySoon();
        this.flushRetries++;
        continue;
      }
      const flushing = this.flushing;
      if (flushing !== null && this.frozen !== null && this.active.bytes >= this.memtableBytes && !deferFlush) {
        await flushing.catch(() => {});
        continue;
      }
      const l0 = this.version.levels[0].length;
      if (this.backgroundCompaction && l0 >= this.shape.l0Stop) {
        await this.waitForLevel0();
        continue;
      }
      if (this.backgroundCompaction && l0 >= this.shape.l0Slowdown && !slowed) {
        slowed = true;
        await new Promise<void>((r) => setTimeout(r, 1));
        continue;
      }
      return;
    }
  }

  /**
   * Whether writes have gone on for WRITES_YIELD_MS without a turn of the event loop: each write
   * asks for one (a setImmediate) unless one is asked for already, and sees whether it came.
   */
  private writesStarveTheLoop(): boolean {
    const now = performance.now();
    if (this.turnAskedAt < 0) {
      this.turnAskedAt = now;
      this.writesWithoutTurn = 0;
      setImmediate(() => (this.turnAskedAt = -1));
      return false;
    }
    // a few writes made in one go are not a writer starving the loop, however long a busy machine
    // took over them: without the count, whether they wait would depend on the machine's load
    return ++this.writesWithoutTurn >= WRITES_YIELD_MIN && now - this.turnAskedAt > WRITES_YIELD_MS;
  }

  /** Logs and applies a write that may go now. */
  private writeNow(ops: BatchOp[], deferFlush: boolean, sync: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    try {
      this.readyLog();
    } catch (err) {
      return Promise.reject(err);
    }
    const mem = this.active;
    const sequence = this.sequence + 1;
    this.sequence += ops.length;
    if (this.wal === null) {
      this.applyOps(mem, ops, sequence, deferFlush);
      return Promise.resolve();
    }
    const record = encodeBatch({ sequence, ops }, LOG_HEADER_SIZE);
    this.stats.logBytes += record.length;
    return this.wal.append(record, () => this.applyOps(mem, ops, sequence, deferFlush), { sync });
  }

  /** A write made durable (or needing no log) goes into the MemTable it was logged for. */
  private applyOps(mem: MemTable, ops: readonly BatchOp[], sequence: number, deferFlush: boolean): void {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      mem.put(op.key, op.value, sequence + i, op.kind);
      this.stats.clientBytes += op.key.length + op.value.length;
    }
    this.appliedSequence = sequence + ops.length - 1;
    if (!deferFlush && mem === this.active) this.maybeFlushInBackground();
  }

  /**
   * Resolves once level 0 is below the stop trigger, or the store closes; rejects when a compaction
   * fails meanwhile. A failure seen before waiting is retried once first (retryCompactionSoon), so a
   * write after the fault is gone is not refused for a failure the backoff has not yet retried.
   */
  private waitForLevel0(retried = false): Promise<void> {
    if (this.version.levels[0].length < this.shape.l0Stop || this.closed) return Promise.resolve();
    const failure = this.compactionFailure;
    if (failure !== null && !retried) return this.retryCompactionSoon().then(() => this.waitForLevel0(true));
    if (failure !== null) {
      const code = (failure as NodeJS.ErrnoException).code ?? "EAGAIN";
      return Promise.reject(Object.assign(new Error(`level 0 is full and the compaction that would empty it failed (${failure.message}); retrying`), { code }));
    }
    this.maybeCompact();
    return new Promise<void>((resolve) => this.l0Waiters.push(resolve)).then(() => this.waitForLevel0(retried));
  }

  /**
   * Settles once a retry of the failed background compaction has run, started at most RETRY_MS
   * after the failure whatever the backoff timer has grown to (shared by every write waiting;
   * retrySoon is the flush's twin). Never rejects. Not the compaction under way: when the failure
   * is logged, that is still the failed one.
   */
  private retryCompactionSoon(): Promise<void> {
    this.nextCompactionRetry ??= new Promise<void>((resolve) => {
      setTimeout(async () => {
        while (this.compacting !== null) await this.compacting;
        this.nextCompactionRetry = null;
        if (this.compactionRetryTimer !== null) clearTimeout(this.compactionRetryTimer);
        this.compactionRetryTimer = null;
        this.maybeCompact();
        resolve(this.compacting ?? undefined);
      }, Math.max(0, this.compactionFailedAt + RETRY_MS - Date.now())); // not unref'd: a write waits on it, as in retrySoon
    });
    return this.nextCompactionRetry;
  }

  /**
   * A failed log takes no appends: it is cut back to what was durable and closed, and a fresh log
   * takes its place (its writes stay in the MemTable, and the old file stays live until a flush
   * covers it). Throws, refusing the write, while either step fails.
   */
  private readyLog(): void {
    const failed = this.wal;
    if (failed === null || failed.failed === null) return;
    failed.cutBack();
    const fresh = this.openLog();
    failed.close();
    this.wal = fresh;
    // Every write after the last applied one was in the failed log, and was rejected: their sequence
    // numbers are given again, so the logs hold no gap (point-in-time recovery stops at one).
    this.sequence = this.appliedSequence;
    this.log(`write-ahead log ${logName(failed.number)} failed (${failed.failed.message}); writes go on in ${logName(fresh.number)}`);
  }

  /**
   * Why writes must wait, or null: a full MemTable whose frozen predecessor failed to flush. The
   * error keeps the flush's errno code, so the node answers "temporarily unavailable".
   */
  private stalledBy(): Error | null {
    const failure = this.flushFailure;
    if (failure === null || this.frozen === null || this.active.bytes < this.memtableBytes) return null;
    const code = (failure as NodeJS.ErrnoException).code ?? "EAGAIN";
    return Object.assign(new Error(`the MemTable is full and the flush before it failed (${failure.message}); retrying`), { code });
  }

  // ---- Flushes ----

  /**
   * Freezes and flushes the active MemTable once it passes its threshold. A frozen one that failed
   * to flush is retried by its timer, not here: not once per put.
   */
  private maybeFlushInBackground(): void {
    if (this.active.bytes < this.memtableBytes || this.flushing !== null || this.frozen !== null || this.closed) return;
    if (Date.now() < this.flushRetryAt) return;
    try {
      this.freeze();
    } catch (err) {
      return this.flushFailed(err as Error);
    }
    this.startFlush().catch(() => {}); // flushFailed logged it
  }

  private flushFailed(err: Error): void {
    this.flushFailure = err;
    this.flushRetryAt = Date.now() + this.flushRetryMs;
    this.log(`flush failed: ${err.message}; retrying in ${this.flushRetryMs} ms`);
    if (this.frozen !== null && this.flushRetryTimer === null && !this.closed) {
      this.flushRetryTimer = setTimeout(() => this.retryFlush(), this.flushRetryMs);
      this.flushRetryTimer.unref?.(); // a store waiting to retry does not keep the process alive
    }
    this.flushRetryMs = Math.min(this.flushRetryMs * 2, RETRY_MAX_MS);
  }

  /**
   * Settles once a retry of the failed flush has run: the one under way, or one started at most
   * RETRY_MS after the last start (shared by every write waiting). Never rejects.
   */
  private retrySoon(): Promise<void> {
    const settled = (p: Promise<unknown>) => p.then(
      () => {},
      () => {},
    );
    if (this.flushing !== null) return settled(this.flushing);
    this.nextRetry ??= new Promise<void>((resolve) => {
      const start = () => {
        this.nextRetry = null;
        this.retryFlush();
        resolve(this.flushing === null ? undefined : settled(this.flushing));
      };
      setTimeout(start, Math.max(0, this.lastFlushStart + RETRY_MS - Date.now()));
    });
    return this.nextRetry;
  }

  private retryFlush(): void {
    if (this.flushRetryTimer !== null) clearTimeout(this.flushRetryTimer);
    this.flushRetryTimer = null;
    if (this.closed || this.frozen === null || this.flushing !== null) return;
    this.startFlush().catch(() => {}); // flushFailed logged it
  }

  /**
   * Makes the active MemTable the frozen one, with a fresh log for new writes. The new log is
   * opened first, so a failure leaves everything as it was.
   */
  private freeze(): void {
    if (this.frozen !== null) throw new Error("a frozen MemTable is still waiting to be flushed");
    const fresh = this.durable ? this.openLog() : null;
    this.frozen = this.active;
    this.frozenLog = this.wal;
    this.frozenLogEnd = fresh?.number ?? 0;
    this.active = this.newMemTable();
    this.wal?.close();
    this.wal = fresh;
  }

  /** A MemTable whose filter is 1/32 of the flush threshold (memtable-filter.ts): about 32 bits per key of 100-byte values. */
  private newMemTable(): MemTable {
    return new MemTable(Math.min(this.memtableBytes / 32, MAX_MEMTABLE_FILTER_BYTES));
  }

  /** Flushes the frozen MemTable; a failure is remembered and retried by a timer, and thrown. */
  private startFlush(): Promise<FlushResult> {
    if (this.flushing !== null) throw new Error("a flush is already running"); // one at a time: each flushes the frozen MemTable
    const failed = (err: Error): never => {
      this.flushFailed(err);
      throw err;
    };
    this.lastFlushStart = Date.now();
    const p = this.writeFrozen().catch(failed).finally(() => {
      if (this.flushing !== p) return;
      this.flushing = null;
      this.maybeFlushInBackground(); // the MemTable may have filled up while this one was written
    });
    this.flushing = p;
    return p;
  }

  /** Writes the frozen MemTable as the next level-0 table and records it; on failure, nothing changed. */
  private async writeFrozen(): Promise<FlushResult> {
    // What this flush covers, taken now: by its end another MemTable may be frozen.
    const mem = this.frozen!;
    const logEnd = this.frozenLogEnd;
    await this.frozenLog?.idle(); // every write to the frozen MemTable is applied or rejected
    const number = this.allocateTableNumber();
    let out: TableFile | null = null;
    let written: WrittenTable;
    try {
      out = this.newTableFile(0, number);
      const slicer = new TimeSlicer(SLICE_MS);
      for (const e of mem.versionsToKeep([...this.snapshots.values()])) {
        out.add(e.key, e.sequence, e.kind, e.value);
        const pause = slicer.pause();
        if (pause !== null) await pause;
      }
      written = out.finish();
      if (this.durable) this.env.syncDir(this.dir);
    } catch (err) {
      out?.abandon();
      this.pendingOutputs.delete(number);
      if (this.nextTableNumber === number + 1) this.nextTableNumber = number; // unused: the retry takes it
      throw err;
    }
    const edit: VersionEdit = { ...emptyEdit(), logNumber: this.durable ? logEnd : this.logNumber, newFiles: [written] };
    try {
      this.logAndApply(edit, [written]); // throws: not recorded, the table removed (or kept, if uncertain)
    } catch (err) {
      const kept = err instanceof ManifestWriteError && err.uncertain;
      if (!kept && this.nextTableNumber === number + 1) this.nextTableNumber = number; // the retry takes it
      throw err;
    }
    this.stats.tableBytes += written.fileSize;
    this.frozen = null;
    this.frozenLog = null;
    this.flushFailure = null;
    this.flushRetryMs = RETRY_MS;
    this.deleteObsoleteLogs();
    this.saveStats();
    this.scheduleCompaction(); // on a later turn: the caller may read the table it was told of first
    return written;
  }

  // ---- Compactions ----

  /** maybeCompact() on the next turn of the event loop. */
  private scheduleCompaction(): void {
    if (this.compactionScheduled || !this.backgroundCompaction) return;
    this.compactionScheduled = true;
    setImmediate(() => {
      this.compactionScheduled = false;
      this.maybeCompact();
    });
  }

  /** Starts a background compaction when a level needs one and none is running. */
  private maybeCompact(): void {
    if (!this.backgroundCompaction || this.compacting !== null || this.closed || this.compactionRetryTimer !== null) return;
    const c = pickCompaction(this.version, this.shape, this.compactPointers);
    if (c === null) return;
    const p = this.runCompaction(c).then(
      () => {
        this.compactionRetryMs = RETRY_MS;
        this.compactionFailure = null;
      },
      (err: Error) => this.compactionFailed(err),
    );
    this.compacting = p.finally(() => {
      this.compacting = null;
      this.maybeCompact();
    });
  }

  private compactionFailed(err: Error): void {
    if (this.closed) return;
    this.compactionFailure = err;
    this.compactionFailedAt = Date.now();
    for (const w of this.l0Waiters.splice(0)) w(); // they see the failure
    this.log(`compaction failed: ${err.message}; retrying in ${this.compactionRetryMs} ms`);
    this.compactionRetryTimer = setTimeout(() => {
      this.compactionRetryTimer = null;
      this.maybeCompact();
    }, this.compactionRetryMs);
    this.compactionRetryTimer.unref?.();
    this.compactionRetryMs = Math.min(this.compactionRetryMs * 2, RETRY_MAX_MS);
  }

  /** Runs fn once no compaction is running, with none starting until it is done. */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.checkOpen();
    while (this.compacting !== null) await this.compacting;
    const p = fn();
    const settled = p.then(
      () => {},
      () => {},
    );
    this.compacting = settled.finally(() => {
      this.compacting = null;
      this.maybeCompact();
    });
    return p;
  }

  /** Runs one compaction to its installed end; on failure nothing changed. */
  private async runCompaction(c: Compaction): Promise<CompactionStats> {
    const inputs = [...c.inputs[0], ...c.inputs[1]];
    const bytesRead = inputs.reduce((n, t) => n + t.fileSize, 0);
    if (c.trivialMove) {
      this.moveTable(c.inputs[0][0], c.level + 1);
      return { tablesMerged: 1, newTables: 1, keysDeduplicated: 0, bytesRead: 0, bytesWritten: 0 };
    }
    const version = this.version;
    version.ref();
    const outputs: BegunOutput[] = [];
    try {
      const result = this.compactionWorker === null ? await this.mergeHere(c, version, outputs) : await this.mergeInWorker(c, version, outputs);
      const written = result.outputs;
      if (this.durable) this.env.syncDir(this.dir);
      const edit: VersionEdit = {
        ...emptyEdit(),
        compactPointers: [{ level: c.level, key: c.inputs[0].reduce((a, t) => (compareLargest(t, a) > 0 ? t : a)).largest }],
        deletedFiles: inputs.map((t) => ({ level: t.level, number: t.number })),
        newFiles: written,
      };
      this.logAndApply(edit, written, inputs);
      const bytesWritten = written.reduce((n, t) => n + t.fileSize, 0);
      this.stats.compactions++;
      this.stats.compactedBytes += bytesWritten;
      this.stats.tableBytes += bytesWritten;
      this.saveStats();
      return { tablesMerged: inputs.length, newTables: written.length, keysDeduplicated: result.dropped, bytesRead, bytesWritten };
    } catch (err) {
      if (!(err instanceof ManifestWriteError)) for (const out of outputs) out.abandon(); // logAndApply handled its own
      for (const out of outputs) this.pendingOutputs.delete(out.number);
      throw err;
    } finally {
      this.releaseVersion(version);
    }
  }

  /** The merge on this thread, in slices between requests (time-slicer.ts); `outputs` gets each output begun. */
  private async mergeHere(c: Compaction, version: Version, outputs: BegunOutput[]): Promise<CompactionJobResult> {
    const iterators: InternalIterator[] = [];
    const released: (() => void)[] = [];
    try {
      if (c.level === 0) {
        for (const t of c.inputs[0]) {
          const o = this.openTable(t);
          released.push(o.release);
          iterators.push(o.iterator);
        }
      } else {
        iterators.push(new LevelIterator(c.inputs[0], (t) => this.openTable(t)));
      }
      if (c.inputs[1].length > 0) iterators.push(new LevelIterator(c.inputs[1], (t) => this.openTable(t)));
      const slicer = new TimeSlicer(SLICE_MS);
      return await runCompactionJob({
        inputs: iterators,
        smallestSnapshot: this.smallestSnapshot(),
        isBaseLevelForKey: (key) => isBaseLevelForKey(version.levels.slice(c.level + 2), key),
        grandparents: c.grandparents,
        maxGrandparentOverlap: 10 * this.shape.tableBytes,
        tableBytes: this.shape.tableBytes,
        newOutput: () => {
          const out = this.newTableFile(c.level + 1, this.allocateTableNumber());
          outputs.push(out);
          return out;
        },
        pause: () => (this.closed ? Promise.reject(new Error("store closed during a compaction")) : slicer.pause()),
      });
    } finally {
      for (const r of released) r();
    }
  }

  /**
   * The same merge in the compaction worker (compaction-task.ts): the inputs where they are on
   * disk, the outputs numbered here, one by one as the worker asks; `outputs` gets each output
   * numbered, to be removed if the compaction fails.
   */
  private mergeInWorker(c: Compaction, version: Version, outputs: BegunOutput[]): Promise<CompactionJobResult> {
    const input = (t: TableMeta): TaskTable => ({ ...copiedMeta(t), path: join(this.dir, this.fileNameOf(t.name)), tailSize: t.tailSize });
    const level = c.level + 1;
    const all = [...c.inputs[0], ...c.inputs[1]];
    const lo = all.map((t) => userKeyOf(t.smallest)).reduce((a, b) => (Buffer.compare(a, b) <= 0 ? a : b));
    const hi = all.map((t) => userKeyOf(t.largest)).reduce((a, b) => (Buffer.compare(a, b) >= 0 ? a : b));
    const task: CompactionTask = {
      dir: this.dir,
      outputLevel: level,
      overlapping: c.level === 0 ? c.inputs[0].map(input) : [],
      sorted: c.level === 0 ? [c.inputs[1].map(input)] : [c.inputs[0].map(input), c.inputs[1].map(input)],
      smallestSnapshot: this.smallestSnapshot(),
      // of the levels under the output, the tables the inputs' key range meets: the keys asked about are in it
      deeperLevels: version.levels.slice(c.level + 2).map((_, i) => version.overlapping(c.level + 2 + i, lo, hi).map(copiedMeta)),
      grandparents: c.grandparents.map(copiedMeta),
      maxGrandparentOverlap: 10 * this.shape.tableBytes,
      tableBytes: this.shape.tableBytes,
      bitsPerKey: this.bitsPerKey,
      blockSize: this.blockSize,
    };
    return this.compactionWorker!.run(task, () => {
      const number = this.allocateTableNumber();
      const path = join(this.dir, tableName(level, number));
      outputs.push({ number, abandon: () => [path, `${path}.tmp`].forEach((p) => removeQuietly(this.env, p)) }); // the worker removes its own; this is for one that died
      return number;
    });
  }

  private smallestSnapshot(): number {
    return Math.min(this.appliedSequence, ...this.snapshots.values());
  }

  /**
   * A trivial move: the table is renamed to its new level's name (the directory fsynced), then the
   * edit recorded. If the edit is not recorded the rename is undone; if that fails, the table is
   * found under its new name (`renamed`) all the same.
   */
  private moveTable(t: TableMeta, level: number): void {
    const moved: TableMeta = { ...t, level, name: tableName(level, t.number) };
    const from = join(this.dir, this.fileNameOf(t.name));
    const to = join(this.dir, moved.name);
    this.env.rename(from, to);
    this.renamed.set(t.number, moved.name);
    try {
      if (this.durable) this.env.syncDir(this.dir);
      const edit: VersionEdit = {
        ...emptyEdit(),
        compactPointers: [{ level: level - 1, key: t.largest }],
        deletedFiles: [{ level: t.level, number: t.number }],
        newFiles: [moved],
      };
      this.logAndApply(edit, [], [], [moved]);
    } catch (err) {
      if (!(err instanceof ManifestWriteError && err.uncertain)) {
        try {
          this.env.rename(to, from);
          this.renamed.delete(t.number);
          if (this.durable) this.env.syncDir(this.dir);
        } catch {
          // recovery finds a table by its number under either name (recovery.ts)
        }
      }
      throw err;
    }
    this.stats.compactions++;
    this.saveStats();
  }

  // ---- Versions ----

  /**
   * Records an edit in the manifest and only then installs it (LevelDB's LogAndApply). `written`
   * are the new tables it adds, `removed` the tables it deletes (left on disk until no version
   * names them), `moved` tables it re-adds under a new name. On a certain failure the written
   * tables are removed; on an uncertain one they are kept until a later edit settles it.
   */
  private logAndApply(partial: VersionEdit, written: readonly WrittenTable[], removed: readonly TableMeta[] = [], moved: readonly TableMeta[] = []): void {
    for (const t of written) this.pendingOutputs.delete(t.number);
    if (this.closed) {
      // a flush or compaction that outlived closeNow(): the lock is gone, so nothing more is written;
      // its tables are unrecorded, and the next open removes them (recovery.ts)
      throw new Error("store closed before its edit was recorded");
    }
    const edit: VersionEdit = { comparator: COMPARATOR, ...partial, nextFileNumber: this.recordedNextNumber(), lastSequence: this.appliedSequence };
    const added = new Map<number, TableMeta>([...written, ...moved].map((t) => [t.number, t]));
    const next = this.version.apply(edit, added);
    try {
      this.manifest.record(edit, () => this.stateOf(next, edit));
    } catch (err) {
      const uncertain = err instanceof ManifestWriteError && err.uncertain;
      if (uncertain) this.unsettled.push(...written);
      else for (const t of written) removeQuietly(this.env, join(this.dir, t.name));
      throw err;
    }
    if (edit.logNumber !== undefined) this.logNumber = edit.logNumber;
    for (const p of edit.compactPointers) this.compactPointers[p.level] = p.key;
    for (const t of removed) this.obsolete.set(t.number, t);
    this.settle(next);
    this.setVersion(next);
    this.deleteObsoleteTables();
    if (next.levels[0].length < this.shape.l0Stop) for (const w of this.l0Waiters.splice(0)) w();
  }

  /** After a recorded edit: tables an uncertain edit wrote that the new version does not name are garbage. */
  private settle(next: Version): void {
    const live = new Set([...next.tables()].map((t) => t.number));
    for (const t of this.unsettled.splice(0)) if (!live.has(t.number)) this.obsolete.set(t.number, t);
  }

  /** The name of the file a table of this name is in now (a trivial move renamed it, perhaps). */
  private fileNameOf(name: string): string {
    if (this.renamed.size === 0) return name;
    const number = parseTableName(name)?.number;
    return (number === undefined ? undefined : this.renamed.get(number)) ?? name;
  }

  private allocateTableNumber(): number {
    const n = this.nextTableNumber++;
    this.pendingOutputs.add(n);
    return n;
  }

  /**
   * The next file number an edit records: below every table still being written, and every table an
   * uncertain edit left, so that recovery may remove any unrecorded table at or past it as garbage
   * (recovery.ts); recovery takes the next number past the tables present.
   */
  private recordedNextNumber(): number {
    return Math.min(this.nextTableNumber, ...this.pendingOutputs, ...this.unsettled.map((t) => t.number));
  }

  private stateOf(version: Version, edit: VersionEdit): ManifestState {
    const pointers = [...this.compactPointers];
    for (const p of edit.compactPointers) pointers[p.level] = p.key;
    return {
      comparator: COMPARATOR,
      logNumber: edit.logNumber ?? this.logNumber,
      prevLogNumber: 0,
      nextFileNumber: this.recordedNextNumber(),
      lastSequence: this.appliedSequence,
      levels: version.levels,
      compactPointers: pointers,
      deletedTables: [],
    };
  }

  private setVersion(next: Version): void {
    const old = this.version;
    next.ref();
    this.liveVersions.add(next);
    this.version = next;
    if (this.liveVersions.has(old)) this.releaseVersion(old);
  }

  private releaseVersion(v: Version): void {
    if (!v.unref()) return;
    this.liveVersions.delete(v);
    this.deleteObsoleteTables();
  }

  /** Removes each table an edit removed once no live version names it (LevelDB's DeleteObsoleteFiles). */
  private deleteObsoleteTables(): void {
    if (this.obsolete.size === 0 || this.closed) return;
    const live = new Set<number>();
    for (const v of this.liveVersions) for (const t of v.tables()) live.add(t.number);
    for (const [number, t] of this.obsolete) {
      if (live.has(number)) continue;
      this.obsolete.delete(number);
      this.tableCache.evict(t.name);
      removeQuietly(this.env, join(this.dir, this.fileNameOf(t.name))); // one left behind is removed at the next open
      this.renamed.delete(number);
    }
  }

  // ---- Tables ----

  private newTableFile(level: number, number: number): TableFile {
    return new TableFile(this.env, this.dir, level, number, tableName(level, number), { kernels: this.kernels, bitsPerKey: this.bitsPerKey, blockSize: this.blockSize });
  }

  /** A table's iterator, the table held open until `release`. */
  private openTable(t: TableMeta): OpenedTable {
    const held = this.tableCache.acquire(t);
    return { iterator: tableInternalIterator(held.table.iterator()), release: held.release };
  }

  /** The newest version of key in table t at or below `snapshot`: its value, null for a deletion, undefined when t has none. */
  private tableGet(t: TableMeta, key: Uint8Array, snapshot: number): Uint8Array | null | undefined {
    return this.tableCache.use(t, (table) => {
      if (snapshot === LATEST) {
        const r = table.get(key);
        return r.found ? r.value : r.deleted ? null : undefined;
      }
      const it = table.iterator();
      try {
        const e = it.seekGE(key, snapshot);
        if (e === null || Buffer.compare(e.userKey, key) !== 0) return undefined;
        return e.kind === ValueKind.DELETION ? null : e.value.slice();
      } finally {
        it.close();
      }
    });
  }

  // ---- Logs ----

  /** Removes the logs no longer needed (numbered below logNumber). */
  private deleteObsoleteLogs(): void {
    for (const n of this.allLogs()) {
      if (n < this.logNumber) removeQuietly(this.env, join(this.dir, logName(n)));
    }
  }

  /** Opens a new log, numbered past every log number used, and makes its name durable. */
  private openLog(): LogFile {
    const number = Math.max(this.nextLogNumber, this.logNumber, ...this.allLogs().map((n) => n + 1));
    const log = new LogFile(this.env, join(this.dir, logName(number)), number, this.kernels);
    try {
      this.env.syncDir(this.dir);
    } catch (err) {
      log.closeNow();
      removeQuietly(this.env, log.path);
      throw err;
    }
    this.nextLogNumber = number + 1;
    return log;
  }

  /** Numbers of every log file in the directory, in order. */
  private allLogs(): number[] {
    return this.env
      .list(this.dir)
      .map(logNumberOf)
      .filter((n): n is number => n !== null)
      .sort((a, b) => a - b);
  }

  /** Appends to log `number` after its first `end` bytes (a torn tail after them is cut off). */
  private reopenLog(number: number, end: number): LogFile {
    const log = new LogFile(this.env, join(this.dir, logName(number)), number, this.kernels, { validSize: end });
    if (end > 0) this.log(`recovery: new writes go on in ${logName(number)} after its ${end} bytes`);
    this.nextLogNumber = Math.max(this.nextLogNumber, number + 1);
    return log;
  }

  private saveStats(): void {
    const err = writeStats(this.env, this.dir, this.stats, this.durable);
    if (err !== null) this.log(`STATS: not saved (${err.message}); the counts are kept in memory`);
  }

  private snapshotSequence(s: Snapshot): number {
    if (!this.snapshots.has(s)) throw new Error("snapshot was released, or is not this store's");
    return s.sequence;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error("store is closed");
  }

  // ---- Cache figures (wasm-lsm db stats) ----

  /** Hits and misses of the block cache and the table cache since the store was opened. */
  cacheStats() {
    return this.tableCache.stats();
  }
}

/** Database entries over the store's merging iterator; closing it releases what it holds. */
export class StoreIterator extends DbIterator {
  private readonly reverse: boolean;

  constructor(internal: InternalIterator, options: { snapshot: number; gte?: Uint8Array; lt?: Uint8Array; reverse: boolean; onClose: () => void }) {
    super(internal, options);
    this.reverse = options.reverse;
  }

  /** Every entry (copies) in the iterator's direction; the iterator is closed at the end. */
  *[Symbol.iterator](): Generator<DbEntry> {
    try {
      for (let e = this.reverse ? this.last() : this.first(); e !== null; e = this.reverse ? this.prev() : this.next()) {
        yield { key: e.key.slice(), value: e.value.slice() };
      }
    } finally {
      this.close();
    }
  }
}

/** The worker a store with compactionThread "worker" merges in, or null: on this thread. */
function compactionWorkerFor(asked: StoreOptions["compactionThread"], env: Env, kernels: Kernels): CompactionWorker | null {
  if (asked !== undefined && asked !== "main" && asked !== "worker") throw new RangeError(`compactionThread must be "main" or "worker", got ${JSON.stringify(asked)}`);
  if (!isNodeEnv(env)) {
    if (asked === "worker") throw new Error('compactionThread "worker" needs the node:fs env: a worker thread cannot share this one');
    return null;
  }
  return (asked ?? DEFAULT_COMPACTION_THREAD) === "worker" ? new CompactionWorker(kernels.name) : null;
}

function compareLargest(a: TableMeta, b: TableMeta): number {
  return Buffer.compare(userKeyOf(a.largest), userKeyOf(b.largest));
}

/** The shape asked for, LevelDB's defaults for the rest; slowdown and stop rise above a higher trigger. */
function levelShape(asked: Partial<LevelShape>): LevelShape {
  const l0Trigger = asked.l0Trigger ?? DEFAULT_LEVEL_SHAPE.l0Trigger;
  const l0Slowdown = asked.l0Slowdown ?? Math.max(DEFAULT_LEVEL_SHAPE.l0Slowdown, l0Trigger * 2);
  const l0Stop = asked.l0Stop ?? Math.max(DEFAULT_LEVEL_SHAPE.l0Stop, l0Slowdown + 4);
  return checkShape({ ...DEFAULT_LEVEL_SHAPE, ...asked, l0Trigger, l0Slowdown, l0Stop });
}

function checkShape(shape: LevelShape): LevelShape {
  const positive = (v: number, what: string) => {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${what} must be a positive integer, got ${v}`);
  };
  positive(shape.l0Trigger, "the level-0 trigger");
  positive(shape.levelBaseBytes, "the level base bytes");
  positive(shape.tableBytes, "the table bytes");
  positive(shape.levelMultiplier, "the level multiplier");
  if (!(shape.l0Trigger <= shape.l0Slowdown && shape.l0Slowdown <= shape.l0Stop)) {
    throw new RangeError(`level-0 triggers must grow: trigger ${shape.l0Trigger} <= slowdown ${shape.l0Slowdown} <= stop ${shape.l0Stop}`);
  }
  return shape;
}

/**
 * A LevelDB database (CURRENT beside LevelDB's LOG or its NNNNNN.ldb tables) is not opened as a
 * store, before anything is written into it: its manifest would name tables by LevelDB's names.
 * With a LOCK there, lockDir says it (LevelDB may hold it). wasm-lsm reads such a directory only
 * through the read-only reader (leveldb-directory.ts; `wasm-lsm db dump`).
 */
function refuseLevelDbDirectory(env: Env, dir: string): void {
  const names = env.list(dir);
  if (names.includes(LOCK_FILE) || !isLevelDbDirectory(names)) return;
  throw new Error(`${dir} holds a LevelDB database (CURRENT beside LevelDB's LOG file or .ldb tables), which wasm-lsm does not open for writing; read it with 'wasm-lsm db dump|get|scan|stats|check ${dir}'`);
}
