// The engine and its public API (README "Durability"). Writes go to the write-ahead log, then,
// once durable, into the MemTable; a full MemTable is frozen and flushed to a level-0 table in the
// background. A flush is durable in this order (LevelDB's BuildTable, then LogAndApply): NAME.tmp
// written and fsynced, renamed to NAME, directory fsynced; then the manifest that records it written
// (fsynced, renamed, directory fsynced) and only then installed in memory; only then the logs it
// covers deleted. Recovery: the manifest's tables, then every live log replayed into the MemTable.
// Recovery removes only what is provably garbage (removeLeftovers), and a directory that lost its
// MANIFEST is refused (`wasm-lsm repair DIR`, src/lsm/repair.ts, rebuilds it).
//
// Failures (a full disk, an I/O error) leave the store as it was and working: a write answered with
// an error is in neither the MemTable nor the log; a failed flush leaves no file behind and its
// MemTable waits, frozen, for a retry (with backoff); a failed log is cut back to what was durable
// and replaced by a fresh one at the next write.
//
// An ephemeral store is the same engine in a fresh temporary directory, without fsyncs and
// without a write-ahead log (nothing of it outlives the process), removed on close.

import { rmSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import type { Kernels } from "../kernels/types.js";
import { nodeEnv } from "../io/node-env.js";
import { CorruptionError } from "../sstable/errors.js";
import { internalKey, ValueKind } from "../sstable/format.js";
import { BlockCache } from "../sstable/block-cache.js";
import type { GetResult } from "../sstable/reader.js";
import { TableBuilder } from "../sstable/writer.js";
import { createEphemeralDir, removeAbandonedEphemeralStores } from "./ephemeral.js";
import type { Env } from "./env.js";
import { isNodeEnv, lockDir } from "./env-lock.js";
import { removeQuietly } from "./files.js";
import { LogFile } from "./log-file.js";
import { EMPTY_MANIFEST, MANIFEST, readManifest, writeManifest, type ManifestBody, type TableRecord } from "./manifest.js";
import { MissingManifestError } from "./missing-manifest-error.js";
import { moveToLost } from "./lost.js";
import { MemTable, type MemEntry } from "./memtable.js";
import { TableCache, tableCacheCapacity } from "./table-cache.js";
import { encodeBatch, LOG_HEADER_SIZE, type WalRecoveryMode } from "./wal.js";
import { decodeLog, DEFAULT_WAL_RECOVERY_MODE, LogRecovery, setAsideLog } from "./wal-recovery.js";

export interface StoreOptions {
  readonly kernels: Kernels;
  /** A durable store's directory; omitted: an ephemeral store in a fresh temporary directory. */
  readonly dir?: string;
  /** Flush threshold of the MemTable's footprint (default 4 MiB). */
  readonly memtableBytes?: number;
  readonly bitsPerKey?: number;
  /** How a damaged write-ahead log is replayed (default tolerate-corrupted-tail-records). */
  readonly walRecoveryMode?: WalRecoveryMode;
  /** Bytes of data blocks the block cache shared by every table may hold (default 8 MiB). */
  readonly blockCacheBytes?: number;
  /**
   * Files kept open at once (LevelDB's max_open_files, default 1000): tables get N - 10, fewer when
   * the process's open-file limit is lower (table-cache.ts tableCacheCapacity).
   */
  readonly maxOpenFiles?: number;
  readonly log?: (message: string) => void;
  /**
   * The file system the store works on (default node:fs). An ephemeral store needs node:fs: its
   * temporary directory and the sweep of abandoned ones are about processes (ephemeral.ts).
   */
  readonly env?: Env;
}

export interface FlushResult extends TableRecord {}

const LOG_SUFFIX = ".log";
/** What a table's name looks like: L<level>_<n>.sst, n of three digits or more; nothing else. */
export const TABLE_NAME = /^L[0-9]+_[0-9]{3,}\.sst$/;
/** LevelDB's defaults (include/leveldb/options.h): an 8 MiB block cache, 1000 open files. */
const DEFAULT_BLOCK_CACHE_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_OPEN_FILES = 1000;
const YIELD_EVERY = 4096; // entries a background flush writes between turns of the event loop
/** A failed background flush is retried, by a timer, after this long, doubled after each failure up to the max. */
const FLUSH_RETRY_MS = 100;
const FLUSH_RETRY_MAX_MS = 1000;

export const tableName = (level: number, n: number) => `L${level}_${String(n).padStart(3, "0")}.sst`;
export const logName = (n: number) => `${String(n).padStart(6, "0")}${LOG_SUFFIX}`;

/**
 * The level and number of a table's name, or null unless it is exactly tableName(level, number)
 * of safe integers: "L0_0001.sst" or "L0_99999999999999999.sst" are not this store's names.
 */
export function parseTableName(name: string): { level: number; number: number } | null {
  const m = /^L([0-9]+)_([0-9]{3,})\.sst$/.exec(name);
  if (m === null) return null;
  const [level, number] = [Number(m[1]), Number(m[2])];
  return Number.isSafeInteger(level) && Number.isSafeInteger(number) && tableName(level, number) === name ? { level, number } : null;
}

export const tableNumberOf = (name: string): number | null => parseTableName(name)?.number ?? null;

/** A log's number, or null unless the name is exactly logName(n) of a safe integer n. */
export function logNumberOf(name: string): number | null {
  const m = /^([0-9]{6,})\.log$/.exec(name);
  if (m === null) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && logName(n) === name ? n : null;
}

/** A NAME.tmp of a table or of the manifest: written, never renamed into place (files.ts). */
export const isStoreTemp = (name: string): boolean =>
  name === `${MANIFEST}.tmp` || (name.endsWith(".tmp") && tableNumberOf(name.slice(0, -".tmp".length)) !== null);

/** Named like a table, a log or their .tmp, though not exactly a store's name: worth a log line. */
export const looksLikeStoreFile = (name: string): boolean => /\.(sst|log)(\.tmp)?$/.test(name) && !isStoreTemp(name);

export class Store {
  readonly dir: string;
  readonly durable: boolean;
  readonly memtableBytes: number;
  private readonly kernels: Kernels;
  private readonly env: Env;
  private readonly bitsPerKey: number;
  private readonly log: (message: string) => void;
  private readonly unlock: () => void;
  private manifest: ManifestBody;
  private active = new MemTable();
  private frozen: MemTable | null = null;
  /** The log the frozen MemTable's last writes went to (its appends settle before the flush). */
  private frozenLog: LogFile | null = null;
  /** The first log the frozen MemTable does not cover: the manifest's logNumber once it is flushed. */
  private frozenLogEnd = 0;
  /** The active log; null in an ephemeral store, which has none. */
  private wal: LogFile | null = null;
  private nextFileNumber: number;
  /** The last sequence number given to a write, and the last one applied (durable). */
  private sequence: number;
  private appliedSequence = 0;
  private flushing: Promise<FlushResult> | null = null;
  /** The last background flush's failure, until a flush succeeds. */
  private flushFailure: Error | null = null;
  private flushRetryAt = 0;
  private flushRetryMs = FLUSH_RETRY_MS;
  private flushRetryTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFlushStart = 0;
  /** The retry that stalled writes wait for (retrySoon), while it is scheduled. */
  private nextRetry: Promise<void> | null = null;
  /** The tables open for lookups, sharing one block cache. */
  private readonly tableCache: TableCache;
  private closed = false;

  private constructor(options: StoreOptions) {
    this.kernels = options.kernels;
    this.env = options.env ?? nodeEnv;
    this.durable = options.dir !== undefined;
    if (!this.durable && !isNodeEnv(this.env)) throw new Error("an ephemeral store (no dir) runs on node:fs only: give a dir with this env");
    this.dir = options.dir ?? createEphemeralDir();
    this.memtableBytes = options.memtableBytes ?? 4 * 1024 * 1024;
    this.bitsPerKey = options.bitsPerKey ?? DEFAULT_BITS_PER_KEY;
    this.log = options.log ?? (() => {});
    this.tableCache = new TableCache({
      env: this.env,
      dir: this.dir,
      kernels: this.kernels,
      blockCache: new BlockCache(options.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES),
      capacity: tableCacheCapacity(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES),
    });
    this.env.mkdir(this.dir);
    this.unlock = lockDir(this.env, this.dir, { ephemeral: !this.durable });
    if (!this.durable) removeAbandonedEphemeralStores(this.log);
    try {
      this.manifest = readManifest(this.dir, this.env) ?? this.createManifest();
      this.sequence = this.manifest.lastSequence;
      this.nextFileNumber = this.manifest.nextFileNumber;
      this.removeLeftovers();
      this.checkTables();
      const last = this.replayLogs(options.walRecoveryMode ?? DEFAULT_WAL_RECOVERY_MODE);
      this.appliedSequence = this.sequence;
      if (this.durable) this.wal = last === null ? this.openLog() : this.reopenLog(last.number, last.end);
    } catch (err) {
      this.unlock();
      throw err;
    }
  }

  /** Opens (and recovers) a store; see StoreOptions. */
  static open(options: StoreOptions): Store {
    return new Store(options);
  }

  /**
   * Writes key = value; resolves once the write is durable (ephemeral: at once), and only then is
   * it visible to reads. A rejected write changed nothing. `deferFlush` lets the MemTable pass its
   * threshold without starting a background flush (a caller about to flush it anyway).
   */
  put(key: Uint8Array, value: Uint8Array, options: { deferFlush?: boolean } = {}): Promise<void> {
    return this.write(key, value, ValueKind.VALUE, options.deferFlush ?? false);
  }

  /**
   * put() for a write that waits for nothing (an ephemeral store, which has no log): done, and
   * visible, on return, with no promise. Returns false, having done nothing, when the write would
   * have to wait (a durable store; a stalled one): then call put().
   */
  putSync(key: Uint8Array, value: Uint8Array): boolean {
    if (this.wal !== null || this.closed || this.stalledBy() !== null) return false;
    this.applyWrite(this.active, key, value, ++this.sequence, ValueKind.VALUE, false);
    return true;
  }

  delete(key: Uint8Array): Promise<void> {
    return this.write(key, new Uint8Array(0), ValueKind.DELETION, false);
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

  /** The tables the store holds, oldest first. */
  tables(): readonly TableRecord[] {
    return this.manifest.tables;
  }

  /**
   * Flushes the active MemTable to a new level-0 table, after any background flush still running,
   * so table numbers never skip. An empty MemTable gives an empty table.
   */
  async flush(): Promise<FlushResult> {
    while (this.flushing !== null) await this.flushing.catch(() => {});
    if (this.frozen !== null) await this.startFlush(); // one a failed background flush left
    this.freeze();
    return this.startFlush();
  }

  /** Looks key up in one table only, with the figures the protocol reports. */
  lookup(name: string, key: Uint8Array): GetResult | null {
    const record = this.manifest.tables.find((t) => t.name === name);
    if (record === undefined) return null;
    return this.tableCache.use(record, (table, openReads) => {
      const r = table.get(key);
      return { ...r, diskReads: r.diskReads + openReads };
    });
  }

  /** Finishes background work, closes files and releases the lock; an ephemeral store is removed. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing !== null) await this.flushing.catch(() => {});
    await this.wal?.idle();
    this.closeNow();
  }

  /**
   * Closes at once, without waiting for background work: for a signal. Acknowledged writes are
   * already durable; a flush cut short leaves a .tmp that the next open removes.
   */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.flushRetryTimer !== null) clearTimeout(this.flushRetryTimer);
    this.frozenLog?.closeNow();
    this.wal?.closeNow();
    this.tableCache.close();
    this.unlock();
    if (!this.durable) rmSync(this.dir, { recursive: true, force: true });
  }

  private write(key: Uint8Array, value: Uint8Array, kind: ValueKind, deferFlush: boolean, waited = false): Promise<void> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    const stalled = this.stalledBy();
    if (stalled !== null) {
      // LevelDB's writers wait for the flush that makes room. A stalled write waits for one retry
      // of the failed flush (the one under way, or the next, at most FLUSH_RETRY_MS after the last
      // started, whatever the timer's backoff has grown to: so the store goes on as soon as space
      // is back); if the MemTable is still full after it, the write is refused. Memory stays bounded.
      if (waited) return Promise.reject(stalled);
      const again = () => this.write(key, value, kind, deferFlush, true);
      return this.retrySoon().then(again);
    }
    try {
      this.readyLog();
    } catch (err) {
      return Promise.reject(err);
    }
    const mem = this.active;
    const sequence = ++this.sequence;
    if (this.wal === null) {
      this.applyWrite(mem, key, value, sequence, kind, deferFlush);
      return Promise.resolve();
    }
    const record = encodeBatch({ sequence, ops: [{ kind, key, value }] }, LOG_HEADER_SIZE);
    return this.wal.append(record, () => this.applyWrite(mem, key, value, sequence, kind, deferFlush));
  }

  /** A write made durable (or needing no log) goes into the MemTable it was logged for. */
  private applyWrite(mem: MemTable, key: Uint8Array, value: Uint8Array, sequence: number, kind: ValueKind, deferFlush: boolean): void {
    mem.put(key, value, sequence, kind);
    this.appliedSequence = sequence;
    if (!deferFlush && mem === this.active) this.maybeFlushInBackground();
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
    if (this.frozen !== null && this.flushRetryTimer === null) {
      this.flushRetryTimer = setTimeout(() => this.retryFlush(), this.flushRetryMs);
      this.flushRetryTimer.unref?.(); // a store waiting to retry does not keep the process alive
    }
    this.flushRetryMs = Math.min(this.flushRetryMs * 2, FLUSH_RETRY_MAX_MS);
  }

  /**
   * Settles once a retry of the failed flush has run: the one under way, or one started at most
   * FLUSH_RETRY_MS after the last start (shared by every write waiting). Never rejects.
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
      setTimeout(start, Math.max(0, this.lastFlushStart + FLUSH_RETRY_MS - Date.now()));
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
    this.active = new MemTable();
    this.wal?.close();
    this.wal = fresh;
  }

  /** Flushes the frozen MemTable; a failure is remembered and retried by a timer, and thrown. */
  private startFlush(): Promise<FlushResult> {
    const failed = (err: Error): never => {
      this.flushFailed(err);
      throw err;
    };
    this.lastFlushStart = Date.now();
    const p = this.writeFrozen().catch(failed).finally(() => {
      if (this.flushing === p) this.flushing = null;
    });
    this.flushing = p;
    return p;
  }

  /** Writes the frozen MemTable as the next level-0 table and records it; on failure, nothing changed. */
  private async writeFrozen(): Promise<FlushResult> {
    await this.frozenLog?.idle(); // every write to the frozen MemTable is applied or rejected
    const number = this.manifest.nextTableNumber;
    const record = await this.buildTable(this.frozen!, tableName(0, number), number);
    const next: ManifestBody = {
      ...this.manifest,
      logNumber: this.durable ? this.frozenLogEnd : this.manifest.logNumber,
      nextFileNumber: this.nextFileNumber,
      nextTableNumber: number + 1,
      lastSequence: this.sequence,
      tables: [...this.manifest.tables, record],
    };
    const unsynced = writeManifest(this.env, this.dir, next, this.durable); // throws: not written, nothing changed
    this.manifest = next; // installed only once written (LevelDB's LogAndApply)
    this.frozen = null;
    this.frozenLog = null;
    this.flushFailure = null;
    this.flushRetryMs = FLUSH_RETRY_MS;
    if (unsynced !== null) this.log(`${MANIFEST}: written, but the directory's fsync failed (${unsynced.message}); its logs are kept until the next manifest`);
    else this.deleteObsoleteLogs();
    return record;
  }

  /**
   * Writes `mem` as table `name`: NAME.tmp, fsynced, renamed, directory fsynced (LevelDB's
   * BuildTable). On failure the temporary file (or the renamed table) is removed, even when closing
   * it fails again, and the error is thrown.
   */
  private async buildTable(mem: MemTable, name: string, number: number): Promise<TableRecord> {
    const path = join(this.dir, name);
    const tmp = `${path}.tmp`;
    removeQuietly(this.env, tmp); // left by a flush that failed when its removal failed too: never recorded
    const builder = new TableBuilder(this.env.create(tmp, { exclusive: true }), { kernels: this.kernels, bitsPerKey: this.bitsPerKey });
    let renamed = false;
    try {
      let n = 0;
      // no snapshots yet: each key's newest version is all a reader can see
      for (const e of mem.versionsToKeep()) {
        builder.add(internalKey(e.key, e.sequence, e.kind), e.value);
        if (++n % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      }
      const summary = builder.finish(); // fsyncs and closes NAME.tmp
      this.env.rename(tmp, path);
      renamed = true;
      if (this.durable) this.env.syncDir(this.dir);
      return { name, level: 0, number, entries: summary.entries, fileSize: summary.fileSize, tailSize: summary.tailSize, filterBits: summary.filterBits };
    } catch (err) {
      try {
        builder.abandon();
      } catch {
        // the file is closed all the same (AppendableFile.close); its removal is what matters
      }
      removeQuietly(this.env, renamed ? path : tmp); // unrecorded: no manifest names it
      throw err;
    }
  }

  /** Removes the logs the manifest no longer needs (numbered below its logNumber). */
  private deleteObsoleteLogs(): void {
    for (const n of this.allLogs()) {
      if (n < this.manifest.logNumber) removeQuietly(this.env, join(this.dir, logName(n)));
    }
  }

  /** Opens a new log, numbered past every file number used, and makes its name durable. */
  private openLog(): LogFile {
    const number = Math.max(this.nextFileNumber, ...this.allLogs().map((n) => n + 1));
    const log = new LogFile(this.env, join(this.dir, logName(number)), number, this.kernels);
    try {
      this.env.syncDir(this.dir);
    } catch (err) {
      log.closeNow();
      removeQuietly(this.env, log.path);
      throw err;
    }
    this.nextFileNumber = number + 1;
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

  /** Numbers of the log files not yet covered by a table, in order. */
  private liveLogs(): number[] {
    return this.allLogs().filter((n) => n >= this.manifest.logNumber);
  }

  /**
   * A directory without a MANIFEST is new only if it holds no tables and no non-empty logs: one
   * that does lost its manifest (removed, a partial copy), and starting would lose its tables, so
   * it is refused with nothing touched. A new store writes its manifest before its first log (as
   * LevelDB's DBImpl::NewDB does, db/db_impl.cc), so only a damaged directory lacks one.
   */
  private createManifest(): ManifestBody {
    const files = this.env.list(this.dir).sort();
    const tables = files.filter((f) => tableNumberOf(f) !== null);
    const logs = files.filter((f) => logNumberOf(f) !== null && (this.env.size(join(this.dir, f)) ?? 0) > 0);
    if (tables.length > 0 || logs.length > 0) throw new MissingManifestError(this.dir, tables, logs);
    const unsynced = writeManifest(this.env, this.dir, EMPTY_MANIFEST, this.durable);
    if (unsynced !== null) throw unsynced; // a first log beside a MANIFEST that may vanish would be refused later
    return EMPTY_MANIFEST;
  }

  /**
   * Removes only what is provably garbage (FORMAT.md "Data directory"):
   * - NAME.tmp of a table or of the MANIFEST: never renamed into place, so nothing refers to it;
   * - the one unrecorded table numbered nextTableNumber: a flush that crashed after its rename and
   *   before its manifest write; its writes are still in the live logs, replayed next. (Flushes run
   *   one at a time, each numbered nextTableNumber, so no other unrecorded number has that excuse.)
   * - logs numbered below logNumber: covered by tables the manifest records.
   * Any other table the manifest does not record may hold the only copy of its writes: it is moved
   * to lost/ (FORMAT.md "Data directory"), not deleted, and the store starts from its manifest.
   * Names that are not exactly the store's are left alone.
   */
  private removeLeftovers(): void {
    const known = new Set(this.manifest.tables.map((t) => t.name));
    for (const f of this.env.list(this.dir)) {
      const table = tableNumberOf(f);
      const log = logNumberOf(f);
      if (isStoreTemp(f)) this.removeFile(f, "never renamed into place");
      else if (table !== null && !known.has(f) && table === this.manifest.nextTableNumber) this.removeFile(f, "a flush cut short before its manifest write; its writes are in the logs");
      else if (table !== null && !known.has(f)) this.log(`recovery: ${f} is not in the manifest; moved to ${moveToLost(this.env, this.dir, f, this.durable)}`);
      else if (log !== null && log < this.manifest.logNumber) this.removeFile(f, "covered by the tables");
      else if (table === null && log === null && looksLikeStoreFile(f)) this.log(`recovery: ignoring ${f}: not a name this store writes`);
    }
  }

  private removeFile(name: string, why: string): void {
    this.log(`recovery: removing ${name} (${why})`);
    this.env.remove(join(this.dir, name));
  }

  /** Every table the manifest records must be there with the size it recorded. */
  private checkTables(): void {
    const repair = `run "wasm-lsm repair ${this.dir}" to rebuild the manifest from the files present`;
    for (const t of this.manifest.tables) {
      const path = join(this.dir, t.name);
      const size = this.env.size(path);
      if (size === null) throw new CorruptionError(path, 0, `the manifest lists this table but the file is missing; ${repair}`);
      if (size !== t.fileSize) throw new CorruptionError(path, Math.min(size, t.fileSize), `the manifest records ${t.fileSize} bytes, the file has ${size}; ${repair}`);
    }
  }

  /**
   * Replays the live logs into the MemTable, as `mode` says (wal-recovery.ts): every log is read
   * and judged before anything is applied or moved, so a refused start leaves every file as it was.
   * Returns the last log when new writes can be appended to it (it was replayed whole, or but for
   * a torn tail): then restarts do not pile up logs.
   */
  private replayLogs(mode: WalRecoveryMode): { number: number; end: number } | null {
    const recovery = new LogRecovery(mode, this.log);
    const verdicts = this.liveLogs().map((n) => {
      const name = logName(n);
      const bytes = this.env.readFile(join(this.dir, name));
      const decoded = decodeLog(this.kernels, join(this.dir, name), bytes);
      return { n, name, bytes, decoded, verdict: recovery.decide(decoded) };
    });
    for (const { n, name, bytes, verdict } of verdicts) {
      let entries = 0;
      for (const batch of verdict.batches) {
        batch.ops.forEach((op, i) => this.active.put(op.key, op.value, batch.sequence + i, op.kind));
        this.sequence = Math.max(this.sequence, batch.sequence + batch.ops.length - 1);
        entries += batch.ops.length;
      }
      if (entries > 0) this.log(`recovery: replayed ${entries} ${entries === 1 ? "write" : "writes"} from ${name}`);
      if (verdict.keepBytes !== null) {
        const moved = setAsideLog(this.env, this.dir, name, bytes, verdict.keepBytes, this.durable);
        this.log(`recovery: ${name} ${verdict.keepBytes === 0 ? "moved" : `cut to its first ${verdict.keepBytes} bytes, the whole file copied`} to ${moved}`);
        // a log moved aside keeps its number: the next log must not take it again
        this.nextFileNumber = Math.max(this.nextFileNumber, n + 1);
      }
    }
    // New writes go on from the point of recovery, so that the next start finds no gap after it.
    const stop = recovery.stoppedAfterSequence;
    if (stop !== null) this.sequence = stop;
    const last = verdicts.at(-1);
    if (last === undefined || stop !== null || last.verdict.keepBytes !== null || !last.decoded.dropped.every((d) => d.torn)) return null;
    return { number: last.n, end: last.decoded.end };
  }

  /** Appends to log `number` after its first `end` bytes (a torn tail after them is cut off). */
  private reopenLog(number: number, end: number): LogFile {
    const log = new LogFile(this.env, join(this.dir, logName(number)), number, this.kernels, { validSize: end });
    if (end > 0) this.log(`recovery: new writes go on in ${logName(number)} after its ${end} bytes`);
    this.nextFileNumber = Math.max(this.nextFileNumber, number + 1);
    return log;
  }
}
