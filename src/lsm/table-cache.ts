// The tables kept open (LevelDB's db/table_cache.cc): at most `capacity` at once, the least
// recently used closed first, never one in use. A table reopened after it was closed reads its
// tail again, and says so: use() passes the reads its open made, so the store's disk_reads stay
// exact (PROTOCOL.md, sstable_lookup). Every table shares one block cache, whose blocks of a
// table are dropped when the table closes (src/sstable/block-cache.ts).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Kernels } from "../kernels/types.js";
import { nodeEnv } from "../io/node-env.js";
import type { BlockCache } from "../sstable/block-cache.js";
import { LruList, type LruLinks } from "../sstable/lru-list.js";
import { Table } from "../sstable/reader.js";
import type { Env } from "./env.js";

/** LevelDB's kNumNonTableCacheFiles (db/db_impl.cc): descriptors kept for everything but tables. */
export const NON_TABLE_FILES = 10;

export interface TableCacheOptions {
  /** Where the tables are opened (env.openRead; default node:fs). */
  readonly env?: Env;
  readonly dir: string;
  readonly kernels: Kernels;
  readonly blockCache: BlockCache;
  /** Tables open at most at once (1 or more); see tableCacheCapacity. */
  readonly capacity: number;
  /** Where a table of that name is now (a table moved down a level is renamed); default dir/name. */
  readonly resolvePath?: (name: string) => string;
}

/** What the cache needs of a table's manifest record. */
export interface TableFile {
  readonly name: string;
  /** The bytes of its tail, so that opening it is one read. */
  readonly tailSize?: number;
}

/** What the caches did since the store opened them (wasm-lsm db stats). */
export interface CacheStats {
  /** Data-block lookups: found in the block cache, or read from the file. */
  readonly blockCache: { readonly hits: number; readonly misses: number; readonly bytes: number; readonly capacityBytes: number };
  /** Table uses: the table was open, or had to be opened. */
  readonly tableCache: { readonly hits: number; readonly misses: number; readonly open: number; readonly capacity: number };
}

interface Slot extends LruLinks {
  readonly name: string;
  readonly table: Table;
  uses: number;
}

export class TableCache {
  private readonly slots = new Map<string, Slot>();
  private readonly lru = new LruList<Slot>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly options: TableCacheOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError(`table cache capacity must be a positive integer, got ${options.capacity}`);
  }

  /** Tables open now. */
  get openCount(): number {
    return this.slots.size;
  }

  get capacity(): number {
    return this.options.capacity;
  }

  /** The counts of this cache and of its block cache. */
  stats(): CacheStats {
    const b = this.options.blockCache;
    return {
      blockCache: { hits: b.hits, misses: b.misses, bytes: b.bytes, capacityBytes: b.limit },
      tableCache: { hits: this.hits, misses: this.misses, open: this.slots.size, capacity: this.options.capacity },
    };
  }

  /**
   * Runs fn with the table open (opened now if it was not: `openReads` is then the reads that made;
   * else 0). The table counts as in use, and is not closed, until fn returns.
   */
  use<T>(file: TableFile, fn: (table: Table, openReads: number) => T): T {
    const [slot, openReads] = this.hold(file);
    try {
      return fn(slot.table, openReads);
    } finally {
      slot.uses--;
    }
  }

  /**
   * The table, open and counted as in use until `release` is called (an iterator's lifetime);
   * `openReads` as for use().
   */
  acquire(file: TableFile): { table: Table; openReads: number; release: () => void } {
    const [slot, openReads] = this.hold(file);
    let released = false;
    const held = slot;
    const release = () => {
      if (released) return;
      released = true;
      held.uses--;
      // a slot closed by evict() while held closes when its last holder lets go
      if (held.uses === 0 && this.slots.get(held.name) !== held) held.table.close();
    };
    return { table: slot.table, openReads, release };
  }

  /** Closes a table that left the store (its file is about to go), now or when its last holder lets go. */
  evict(name: string): void {
    const slot = this.slots.get(name);
    if (slot === undefined) return;
    this.slots.delete(name);
    this.lru.remove(slot);
    if (slot.uses === 0) slot.table.close();
  }

  /** Closes every table; none may be in use. */
  close(): void {
    for (const slot of this.slots.values()) this.closeSlot(slot);
  }

  /** The table's slot, opened if need be, with one more use; and the reads an open made. */
  private hold(file: TableFile): [Slot, number] {
    let slot = this.slots.get(file.name);
    let openReads = 0;
    if (slot === undefined) {
      slot = this.openSlot(file);
      openReads = slot.table.openReads;
      this.misses++;
    } else {
      this.lru.touch(slot);
      this.hits++;
    }
    slot.uses++;
    return [slot, openReads];
  }

  private openSlot(file: TableFile): Slot {
    // Room first, so the descriptors open never pass the capacity, not even for a moment.
    this.closeUnusedDownTo(this.options.capacity - 1);
    const { env = nodeEnv, dir, kernels, blockCache, resolvePath } = this.options;
    const table = Table.open(env.openRead(resolvePath?.(file.name) ?? join(dir, file.name)), { kernels, tailSizeHint: file.tailSize, blockCache });
    const slot: Slot = { name: file.name, table, uses: 0, newer: null, older: null };
    this.slots.set(file.name, slot);
    this.lru.pushNewest(slot);
    return slot;
  }

  /** Closes the least recently used tables not in use until at most `count` are open. */
  private closeUnusedDownTo(count: number): void {
    let slot = this.lru.oldest;
    while (this.slots.size > count && slot !== null) {
      const newer = slot.newer as Slot | null;
      if (slot.uses === 0) this.closeSlot(slot);
      slot = newer;
    }
  }

  private closeSlot(slot: Slot): void {
    this.slots.delete(slot.name);
    this.lru.remove(slot);
    slot.table.close();
  }
}

/**
 * Tables a store may keep open: LevelDB's max_open_files less NON_TABLE_FILES, lowered (on Linux)
 * so that the tables, the descriptors already open and NON_TABLE_FILES more (the log, a flush's
 * table, the manifest, directory syncs) fit under the process's soft limit on open files: a low
 * `ulimit -n` then closes tables sooner instead of failing opens with EMFILE. At least 1.
 */
export function tableCacheCapacity(maxOpenFiles: number, limits: OpenFileLimits | null = readOpenFileLimits()): number {
  let capacity = maxOpenFiles - NON_TABLE_FILES;
  if (limits !== null) capacity = Math.min(capacity, limits.soft - limits.inUse - NON_TABLE_FILES);
  return Math.max(1, capacity);
}

export interface OpenFileLimits {
  /** The soft limit on open descriptors (RLIMIT_NOFILE, what `ulimit -n` sets). */
  readonly soft: number;
  /** Descriptors open now. */
  readonly inUse: number;
}

/** This process's open-file limit and use, from /proc (Linux); null where /proc has neither. */
export function readOpenFileLimits(): OpenFileLimits | null {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line === undefined ? NaN : Number(line.slice("Max open files".length).trim().split(/\s+/)[0]);
    if (!Number.isSafeInteger(soft)) return null; // "unlimited", or a format we do not know
    return { soft, inUse: readdirSync("/proc/self/fd").length };
  } catch {
    return null;
  }
}
