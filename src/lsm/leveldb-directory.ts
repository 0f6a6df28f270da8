// A LevelDB database directory, read only (LevelDB's DB::Open and its reads, without the writes):
// CURRENT names the MANIFEST, whose version edits say which tables each level holds
// (manifest-log.ts); the logs the manifest has not yet seen flushed are replayed into a MemTable
// (log-batches.ts, as LevelDB's RecoverLogFile); reads merge the MemTable and the tables, newest
// first (merging-iterator.ts, db-iterator.ts), so deletions hide older versions and the newest
// version of each key wins. FORMAT.md "LevelDB's directories" lists the names (leveldb-files.ts).
//
// Only the Env's reads are used (list, size, readFile, openRead): nothing is written, renamed or
// removed, and no LOCK is taken, so a directory another process holds can be read (what it has
// not yet written is not seen). Nothing of Node either: a browser runs this over a MemoryEnv
// filled from a folder picker.
//
// Where LevelDB would go on, this stops: LevelDB's default (paranoid_checks off) skips a damaged
// log record; here damage anywhere but a log's torn tail is a CorruptionError naming the file and
// the offset, so what is shown is never a guess. A torn tail (an incomplete last record: what a
// crash while appending leaves) is dropped, as LevelDB drops it, and reported in `logs`.

import type { Kernels } from "../kernels/types.js";
import { BlockCache } from "../sstable/block-cache.js";
import { CorruptionError, UnsupportedError } from "../sstable/errors.js";
import { ValueKind } from "../sstable/format.js";
import { Table } from "../sstable/reader.js";
import { DbIterator, type DbEntry } from "./db-iterator.js";
import type { Env } from "./env.js";
import { tableInternalIterator } from "./internal-iterator.js";
import { joinPath, logNumberOf, rocksDbFilesIn, tableNamesOf } from "./leveldb-files.js";
import { versionIterators, type OpenedTable } from "./level-iterator.js";
import { decodeLog } from "./log-batches.js";
import { readManifest, type ManifestState } from "./manifest-log.js";
import { CURRENT, parseCurrent } from "./manifest-name.js";
import { MemTable } from "./memtable.js";
import { MergingIterator } from "./merging-iterator.js";
import { NUM_LEVELS } from "./version-edit.js";
import { compareUserKey, findTable, holdsKey, userKeyOf, type TableMeta } from "./version.js";

/** The only order implemented: LevelDB's default comparator, bytes compared unsigned. */
export const BYTEWISE_COMPARATOR = "leveldb.BytewiseComparator";
/** Tables kept open between reads; more are opened while an iterator needs them. */
const DEFAULT_MAX_OPEN_TABLES = 64;
const DEFAULT_BLOCK_CACHE_BYTES = 8 * 1024 * 1024;

/** The directory is not a LevelDB database's (no CURRENT), or is missing. */
export class NotLevelDbDirectoryError extends Error {
  readonly code = "NOT_LEVELDB_DIRECTORY";
  override readonly name = "NotLevelDbDirectoryError";
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`${dir} is not a LevelDB database directory: ${reason}`);
  }
}

export interface LevelDbDirectoryOptions {
  readonly kernels: Kernels;
  /** The block cache all tables share, in bytes (default 8 MiB, LevelDB's). */
  readonly blockCacheBytes?: number;
  /** Tables kept open between reads (default 64). */
  readonly maxOpenTables?: number;
}

/** A table as the manifest records it; smallest and largest are user keys. */
export interface LevelDbTable {
  readonly number: number;
  /** Its file's name in the directory: NNNNNN.ldb, or NNNNNN.sst. */
  readonly name: string;
  readonly size: number;
  readonly smallest: Uint8Array;
  readonly largest: Uint8Array;
}

export interface LevelDbLevel {
  readonly level: number;
  readonly tables: readonly LevelDbTable[];
}

/** A log replayed on open. */
export interface LevelDbLog {
  readonly number: number;
  readonly name: string;
  readonly size: number;
  /** Write batches replayed, and the puts and deletes they held. */
  readonly batches: number;
  readonly writes: number;
  /** The incomplete last record dropped, or null. */
  readonly tornTail: { readonly offset: number; readonly length: number; readonly reason: string } | null;
}

/** What a lookup found, and what it read to find it. */
export interface LevelDbGet {
  /** A value is live for the key (false for a key deleted or never written). */
  readonly found: boolean;
  readonly value: Uint8Array | null;
  /** The newest version found is a deletion. */
  readonly deleted: boolean;
  /** Where the newest version is: "log" (replayed from the logs), "L<n> NAME", or null (absent). */
  readonly foundIn: string | null;
  /** Tables asked, in order: each whose key range holds the key, until one had a version of it. */
  readonly tablesRead: number;
  /** Tables whose Bloom filter was consulted, and those of them it ruled out. */
  readonly filtersChecked: number;
  readonly filterRuledOut: number;
  /** Reads from the table files for blocks (a block cache hit reads none; opening a table not counted). */
  readonly diskReads: number;
}

export interface LevelDbRange {
  /** Lower bound, inclusive. */
  readonly gte?: Uint8Array;
  /** Upper bound, exclusive. */
  readonly lt?: Uint8Array;
}

/** Reads the LevelDB database in `dir`; close() it when done. */
export function openLevelDbDirectory(env: Env, dir: string, options: LevelDbDirectoryOptions): LevelDbDirectory {
  return LevelDbDirectory.open(env, dir, options);
}

export class LevelDbDirectory {
  private readonly openTables = new Map<number, { table: Table; uses: number }>();
  private readonly cache: BlockCache;
  private closed = false;

  private constructor(
    private readonly env: Env,
    readonly dir: string,
    private readonly options: LevelDbDirectoryOptions,
    /** The MANIFEST-NNNNNN CURRENT names. */
    readonly manifest: string,
    private readonly state: ManifestState,
    /** Per level, as reads take them: level 0 newest first, deeper levels in key order. */
    private readonly version: readonly (readonly TableMeta[])[],
    readonly logs: readonly LevelDbLog[],
    private readonly memtable: MemTable,
    /** The newest sequence number: the manifest's, or a replayed write's. */
    readonly lastSequence: number,
  ) {
    this.cache = new BlockCache(options.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES);
  }

  static open(env: Env, dir: string, options: LevelDbDirectoryOptions): LevelDbDirectory {
    const names = listDirectory(env, dir);
    const rocks = rocksDbFilesIn(names);
    if (rocks.length > 0) throw new UnsupportedError(joinPath(dir, rocks[0]), 0, `RocksDB database directory (it holds ${rocks.join(", ")}): its MANIFEST carries RocksDB's own version-edit fields and column families, which this reader does not decode`);
    if (!names.includes(CURRENT)) throw new NotLevelDbDirectoryError(dir, `it has no ${CURRENT} file (LevelDB writes ${CURRENT}, MANIFEST-NNNNNN, NNNNNN.ldb tables and NNNNNN.log logs)`);
    const { name: manifest } = parseCurrent(env.readFile(joinPath(dir, CURRENT)), joinPath(dir, CURRENT));
    const manifestPath = joinPath(dir, manifest);
    if (!names.includes(manifest)) throw new CorruptionError(manifestPath, 0, `${CURRENT} names ${manifest}, which is missing`);
    const { state } = readManifest(options.kernels, env.readFile(manifestPath), manifestPath);
    if (state.comparator !== null && state.comparator !== BYTEWISE_COMPARATOR) throw new UnsupportedError(manifestPath, 0, `comparator "${state.comparator}" (only ${BYTEWISE_COMPARATOR}'s order is implemented)`);
    const version = state.levels.map((tables, level) => tablesOfLevel(env, dir, names, level, tables));
    const memtable = new MemTable();
    const { logs, lastSequence } = replayLogs(env, dir, names, state, options.kernels, memtable);
    return new LevelDbDirectory(env, dir, options, manifest, state, version, logs, memtable, lastSequence);
  }

  /** The comparator the manifest names (LevelDB always names one). */
  get comparator(): string | null {
    return this.state.comparator;
  }

  /** The manifest's log number: the writes of logs numbered below it are all in its tables. */
  get logNumber(): number {
    return this.state.logNumber;
  }

  /** The number LevelDB gives its next file (table, log or manifest: one counter). */
  get nextFileNumber(): number {
    return this.state.nextFileNumber;
  }

  /** Every level 0..6 and its tables, as the manifest records them (level 0 newest first). */
  get levels(): readonly LevelDbLevel[] {
    return this.version.map((tables, level) => ({
      level,
      tables: tables.map((t) => ({ number: t.number, name: t.name, size: t.fileSize, smallest: userKeyOf(t.smallest).slice(), largest: userKeyOf(t.largest).slice() })),
    }));
  }

  /** Every table of every level, by number (as a store's tables(): what a scan's progress counts). */
  tables(): readonly TableMeta[] {
    return this.version.flat().sort((a, b) => a.number - b.number);
  }

  /**
   * The live keys of a range, in order: first / seekGE / next and last / seekLT / prev, each
   * returning the entry or null (db-iterator.ts); a value may be a view the next move reuses.
   * Close it when done: it holds the tables it reads.
   */
  iterator(range: LevelDbRange = {}): DbIterator {
    this.check();
    const memtable = this.memtable.iterator();
    const tables = versionIterators(this.version, (t) => this.acquire(t));
    return new DbIterator(new MergingIterator([memtable, ...tables.iterators]), { gte: range.gte, lt: range.lt, onClose: tables.release });
  }

  /** The live entries of a range in key order (descending with `reverse`), each key and value a copy. */
  *entries(range: LevelDbRange & { readonly reverse?: boolean } = {}): Generator<DbEntry> {
    const it = this.iterator(range);
    try {
      const step = range.reverse === true ? () => it.prev() : () => it.next();
      for (let e = range.reverse === true ? it.last() : it.first(); e !== null; e = step()) yield { key: e.key.slice(), value: e.value.slice() };
    } finally {
      it.close();
    }
  }

  /**
   * The key's newest version (LevelDB's Version::Get): the replayed logs, then each level-0 table
   * whose range holds the key, newest first, then the one table of each deeper level that may.
   */
  get(key: Uint8Array): LevelDbGet {
    this.check();
    const e = this.memtable.get(key);
    const none = { tablesRead: 0, filtersChecked: 0, filterRuledOut: 0, diskReads: 0 };
    if (e !== null) return e.kind === ValueKind.VALUE ? { found: true, value: e.value.slice(), deleted: false, foundIn: "log", ...none } : { found: false, value: null, deleted: true, foundIn: "log", ...none };
    const counts = { ...none };
    for (const t of this.candidates(key)) {
      const r = this.readTable(t, (table) => table.get(key));
      counts.tablesRead++;
      counts.diskReads += r.diskReads;
      if (r.bloomChecked) counts.filtersChecked++;
      if (r.filteredOut) counts.filterRuledOut++;
      if (r.found || r.deleted) return { found: r.found, value: r.value, deleted: r.deleted, foundIn: `L${t.level} ${t.name}`, ...counts };
    }
    return { found: false, value: null, deleted: false, foundIn: null, ...counts };
  }

  /** Closes every table. Reads after this throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { table } of this.openTables.values()) table.close();
    this.openTables.clear();
  }

  /** The tables that may hold key, in the order a lookup asks them. */
  private *candidates(key: Uint8Array): Generator<TableMeta> {
    for (const t of this.version[0]) if (holdsKey(t, key)) yield t;
    for (let level = 1; level < NUM_LEVELS; level++) {
      const tables = this.version[level];
      const t = tables[findTable(tables, key)];
      if (t !== undefined && compareUserKey(t.smallest, key) <= 0) yield t;
    }
  }

  private readTable<T>(t: TableMeta, read: (table: Table) => T): T {
    const opened = this.hold(t);
    try {
      return read(opened.table);
    } finally {
      this.letGo(t.number);
    }
  }

  /** The table's iterator, the table held open until `release`. */
  private acquire(t: TableMeta): OpenedTable {
    const { table } = this.hold(t);
    let released = false;
    const release = () => {
      if (!released) this.letGo(t.number);
      released = true;
    };
    try {
      return { iterator: tableInternalIterator(table.iterator()), release };
    } catch (err) {
      release();
      throw err;
    }
  }

  private hold(t: TableMeta): { table: Table } {
    this.check();
    let slot = this.openTables.get(t.number);
    if (slot === undefined) {
      const path = joinPath(this.dir, t.name);
      slot = { table: Table.open(this.env.openRead(path), { kernels: this.options.kernels, blockCache: this.cache }), uses: 0 };
      this.openTables.set(t.number, slot);
    }
    slot.uses++;
    return slot;
  }

  /** One use of the table less; past the open-table limit, an unused table is closed. */
  private letGo(number: number): void {
    const slot = this.openTables.get(number);
    if (slot === undefined) return; // closed with the directory
    slot.uses--;
    if (slot.uses === 0 && this.openTables.size > (this.options.maxOpenTables ?? DEFAULT_MAX_OPEN_TABLES)) {
      this.openTables.delete(number);
      slot.table.close();
    }
  }

  private check(): void {
    if (this.closed) throw new Error(`${this.dir}: LevelDB directory read after close()`);
  }
}

function listDirectory(env: Env, dir: string): string[] {
  try {
    return env.list(dir);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT" || (err as { code?: unknown }).code === "ENOTDIR") throw new NotLevelDbDirectoryError(dir, "no such directory");
    throw err;
  }
}

/**
 * A level's tables with their files' names, in the order reads take them; a table the directory
 * lacks, or whose file's size is not the one the manifest records, is a CorruptionError.
 */
function tablesOfLevel(env: Env, dir: string, names: readonly string[], level: number, tables: ManifestState["levels"][number]): TableMeta[] {
  const metas = tables.map((t): TableMeta => {
    const name = tableNamesOf(t.number).find((n) => names.includes(n));
    if (name === undefined) throw new CorruptionError(joinPath(dir, tableNamesOf(t.number)[0]), 0, `the manifest names table ${t.number} of level ${level}, but the directory has no ${tableNamesOf(t.number).join(" or ")}`);
    const path = joinPath(dir, name);
    const size = env.size(path);
    if (size !== t.fileSize) throw new CorruptionError(path, 0, `the manifest records ${t.fileSize} bytes for table ${t.number}, the file has ${size}`);
    return { level, number: t.number, name, fileSize: t.fileSize, smallest: t.smallest, largest: t.largest };
  });
  // the manifest's order is by smallest key; level 0's tables overlap, and the newest is asked first
  return level === 0 ? metas.sort((a, b) => b.number - a.number) : metas;
}

/**
 * Replays, oldest first, the logs LevelDB's recovery replays (numbered from the manifest's log
 * number on, and its previous log) into `memtable`. A torn tail is dropped; other damage throws.
 */
function replayLogs(env: Env, dir: string, names: readonly string[], state: ManifestState, kernels: Kernels, memtable: MemTable): { logs: LevelDbLog[]; lastSequence: number } {
  const numbers = names.map(logNumberOf).filter((n): n is number => n !== null && (n >= state.logNumber || n === state.prevLogNumber));
  let lastSequence = state.lastSequence;
  const logs = numbers.sort((a, b) => a - b).map((number): LevelDbLog => {
    const name = names.find((n) => logNumberOf(n) === number)!;
    const path = joinPath(dir, name);
    const log = decodeLog(kernels, path, env.readFile(path));
    const damage = log.dropped.find((d) => !d.torn);
    if (damage !== undefined) throw new CorruptionError(path, damage.offset, `log record damaged: ${damage.reason}`);
    let writes = 0;
    for (const { batch } of log.batches) {
      batch.ops.forEach((op, i) => memtable.put(op.key, op.value, batch.sequence + i, op.kind));
      writes += batch.ops.length;
      lastSequence = Math.max(lastSequence, batch.sequence + batch.ops.length - 1);
    }
    const torn = log.dropped.find((d) => d.torn);
    return { number, name, size: log.size, batches: log.batches.length, writes, tornTail: torn === undefined ? null : { offset: torn.offset, length: torn.length, reason: torn.reason } };
  });
  return { logs, lastSequence };
}
