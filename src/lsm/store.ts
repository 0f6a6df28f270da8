// The engine and its public API (DESIGN.md sections 1 and 4). Writes go to the write-ahead log,
// then the MemTable; a full MemTable is frozen and flushed to a level-0 table in the background.
// A flush is durable in this order: NAME.tmp written and fsynced, renamed to NAME, directory
// fsynced, table recorded in the manifest (fsynced), and only then the logs it covers deleted.
// Recovery: the manifest's tables, then every live log replayed into the MemTable; leftover .tmp
// files and tables the manifest never recorded are removed.
//
// An ephemeral store is the same engine in a fresh temporary directory, without fsyncs, removed
// on close.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_BITS_PER_KEY } from "../kernels/bloom-layout.js";
import type { Kernels } from "../kernels/types.js";
import { NodeWritableFile } from "../io/node-file.js";
import { internalKey, ValueKind } from "../sstable/format.js";
import { BlockCache } from "../sstable/block-cache.js";
import type { GetResult } from "../sstable/reader.js";
import { TableBuilder } from "../sstable/writer.js";
import { syncDir } from "./files.js";
import { LogFile } from "./log-file.js";
import { acquireLock } from "./lock.js";
import { EMPTY_MANIFEST, readManifest, writeManifest, type ManifestBody, type TableRecord } from "./manifest.js";
import { MemTable, type MemEntry } from "./memtable.js";
import { TableCache, tableCacheCapacity } from "./table-cache.js";
import { decodeBatch, encodeBatch, LOG_HEADER_SIZE, readLog, type WalRecoveryMode } from "./wal.js";

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
  /** Tables kept open at once (LevelDB's max_open_files, default 1000). */
  readonly maxOpenFiles?: number;
  readonly log?: (message: string) => void;
}

export interface FlushResult extends TableRecord {}

const LOG_SUFFIX = ".log";
/** What a table's name looks like: L<level>_<n>.sst, n of three digits or more; nothing else. */
export const TABLE_NAME = /^L[0-9]+_[0-9]{3,}\.sst$/;
/** LevelDB's defaults (include/leveldb/options.h): an 8 MiB block cache, 1000 open files. */
const DEFAULT_BLOCK_CACHE_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_OPEN_FILES = 1000;
const YIELD_EVERY = 4096; // entries a background flush writes between turns of the event loop

export const tableName = (level: number, n: number) => `L${level}_${String(n).padStart(3, "0")}.sst`;
const logName = (n: number) => `${String(n).padStart(6, "0")}${LOG_SUFFIX}`;

export class Store {
  readonly dir: string;
  readonly durable: boolean;
  readonly memtableBytes: number;
  private readonly kernels: Kernels;
  private readonly bitsPerKey: number;
  private readonly log: (message: string) => void;
  private readonly unlock: () => void;
  private manifest: ManifestBody;
  private active = new MemTable();
  private frozen: MemTable | null = null;
  private frozenLogs: number[] = [];
  private wal!: LogFile;
  private sequence: number;
  private flushing: Promise<FlushResult> | null = null;
  /** The tables open for lookups, sharing one block cache. */
  private readonly tableCache: TableCache;
  private closed = false;

  private constructor(options: StoreOptions) {
    this.kernels = options.kernels;
    this.durable = options.dir !== undefined;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), "wasm-lsm-"));
    this.memtableBytes = options.memtableBytes ?? 4 * 1024 * 1024;
    this.bitsPerKey = options.bitsPerKey ?? DEFAULT_BITS_PER_KEY;
    this.log = options.log ?? (() => {});
    this.tableCache = new TableCache({
      dir: this.dir,
      kernels: this.kernels,
      blockCache: new BlockCache(options.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES),
      capacity: tableCacheCapacity(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES),
    });
    mkdirSync(this.dir, { recursive: true });
    this.unlock = acquireLock(this.dir);
    try {
      this.manifest = readManifest(this.dir) ?? EMPTY_MANIFEST;
      this.sequence = this.manifest.lastSequence;
      this.removeLeftovers();
      this.replayLogs();
      this.startLog();
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
   * Writes key = value; resolves once the write is durable (or, ephemeral, logged). `deferFlush`
   * lets the MemTable pass its threshold without starting a background flush (a caller about to
   * flush it anyway).
   */
  put(key: Uint8Array, value: Uint8Array, options: { deferFlush?: boolean } = {}): Promise<void> {
    return this.write(key, value, ValueKind.VALUE, options.deferFlush ?? false);
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
    await this.wal.idle();
    this.closeNow();
  }

  /**
   * Closes at once, without waiting for background work: for a signal. Acknowledged writes are
   * already durable; a flush cut short leaves a .tmp that the next open removes.
   */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.wal.close();
    this.tableCache.close();
    this.unlock();
    if (!this.durable) rmSync(this.dir, { recursive: true, force: true });
  }

  private write(key: Uint8Array, value: Uint8Array, kind: ValueKind, deferFlush: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    const sequence = ++this.sequence;
    const done = this.wal.append(encodeBatch({ sequence, ops: [{ kind, key, value }] }, LOG_HEADER_SIZE));
    this.active.put(key, value, sequence, kind);
    if (!deferFlush && this.active.bytes >= this.memtableBytes && this.flushing === null) {
      if (this.frozen === null) this.freeze(); // else: retry the frozen one a failed flush left
      this.startFlush().catch((err) => this.log(`background flush failed: ${(err as Error).message}`));
    }
    return done;
  }

  /** Makes the active MemTable the frozen one, with a fresh log for new writes. */
  private freeze(): void {
    if (this.frozen !== null) throw new Error("a frozen MemTable is still waiting to be flushed");
    this.frozen = this.active;
    this.frozenLogs = this.liveLogs();
    this.active = new MemTable();
    this.wal.close();
    this.startLog();
  }

  private startFlush(): Promise<FlushResult> {
    const p = this.writeFrozen().finally(() => {
      if (this.flushing === p) this.flushing = null;
    });
    this.flushing = p;
    return p;
  }

  private async writeFrozen(): Promise<FlushResult> {
    const mem = this.frozen!;
    const number = this.manifest.nextTableNumber;
    const name = tableName(0, number);
    const tmp = join(this.dir, `${name}.tmp`);
    const builder = new TableBuilder(new NodeWritableFile(tmp, true), { kernels: this.kernels, bitsPerKey: this.bitsPerKey });
    try {
      let n = 0;
      for (const e of mem.entries()) {
        builder.add(internalKey(e.key, e.sequence, e.kind), e.value);
        if (++n % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      }
      const summary = builder.finish(); // fsyncs and closes NAME.tmp
      renameSync(tmp, join(this.dir, name));
      if (this.durable) syncDir(this.dir);
      const record: TableRecord = { name, level: 0, number, entries: summary.entries, fileSize: summary.fileSize, tailSize: summary.tailSize, filterBits: summary.filterBits };
      this.manifest = {
        ...this.manifest,
        logNumber: this.wal.number,
        nextTableNumber: number + 1,
        lastSequence: this.sequence,
        tables: [...this.manifest.tables, record],
      };
      writeManifest(this.dir, this.manifest, this.durable);
      for (const n of this.frozenLogs) rmSync(join(this.dir, logName(n)), { force: true });
      this.frozen = null;
      this.frozenLogs = [];
      return record;
    } catch (err) {
      builder.abandon();
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  private startLog(): void {
    const number = Math.max(this.manifest.nextFileNumber, ...this.liveLogs().map((n) => n + 1));
    this.manifest = { ...this.manifest, nextFileNumber: number + 1 };
    this.wal = new LogFile(join(this.dir, logName(number)), number, this.kernels, this.durable);
    if (this.durable) syncDir(this.dir);
  }

  /** Numbers of the log files not yet covered by a table, in order. */
  private liveLogs(): number[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(LOG_SUFFIX))
      .map((f) => Number.parseInt(f, 10))
      .filter((n) => Number.isInteger(n) && n >= this.manifest.logNumber)
      .sort((a, b) => a - b);
  }

  /** A crash can leave a half-written NAME.tmp, or a table renamed but not yet in the manifest. */
  private removeLeftovers(): void {
    const known = new Set(this.manifest.tables.map((t) => t.name));
    for (const f of readdirSync(this.dir)) {
      const orphan = f.endsWith(".tmp") || (TABLE_NAME.test(f) && !known.has(f));
      const covered = f.endsWith(LOG_SUFFIX) && Number.parseInt(f, 10) < this.manifest.logNumber;
      if (orphan || covered) {
        this.log(`recovery: removing ${f}`);
        rmSync(join(this.dir, f), { force: true });
      }
    }
    for (const t of this.manifest.tables) {
      const size = statSync(join(this.dir, t.name), { throwIfNoEntry: false })?.size;
      if (size !== t.fileSize) throw new Error(`${join(this.dir, t.name)}: the manifest records ${t.fileSize} bytes, the file has ${size ?? "none"}`);
    }
  }

  private replayLogs(): void {
    for (const n of this.liveLogs()) {
      const path = join(this.dir, logName(n));
      let entries = 0;
      for (const record of readLog(this.kernels, path, readFileSync(path))) {
        const batch = decodeBatch(record);
        if (batch === null) throw new Error(`${path}: a log record is not a write batch`);
        batch.ops.forEach((op, i) => this.active.put(op.key, op.value, batch.sequence + i, op.kind));
        this.sequence = Math.max(this.sequence, batch.sequence + batch.ops.length - 1);
        entries += batch.ops.length;
      }
      if (entries > 0) this.log(`recovery: replayed ${entries} writes from ${logName(n)}`);
    }
  }
}
