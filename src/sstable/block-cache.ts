// The cache of loaded data blocks, one shared by every open table (LevelDB's block_cache: the
// LRUCache of util/cache.cc, keyed as table/table.cc does by the table's cache id and the block's
// offset). Least recently used blocks are evicted first once their bytes pass the limit, and the
// cache never holds more than its limit: a block bigger than the limit is handed out but not kept.
//
// A loaded block holds wasm memory (LoadedBlock.release). Every block handed out is pinned until
// its holder unpins it; evicting a pinned block only takes it out of the cache (and out of the
// cache's bytes), and its memory is released at the last unpin (LevelDB's Cache::Release after
// Erase). So eviction never releases a block a caller is still using.

import type { LoadedBlock } from "../kernels/types.js";
import { LruList, type LruLinks } from "./lru-list.js";

/** A block handed out by the cache; it stays loaded until BlockCache.unpin. */
export interface PinnedBlock {
  readonly block: LoadedBlock;
}

interface Entry extends PinnedBlock, LruLinks {
  readonly table: Map<number, Entry>;
  readonly offset: number;
  pins: number;
  /** In the cache (its map and list); false once evicted or dropped. */
  cached: boolean;
}

/** The table map of blocks handed out by hold(): never in the cache. */
const UNCACHED = new Map<number, Entry>();

export class BlockCache {
  private readonly tables = new Map<number, Map<number, Entry>>();
  private readonly lru = new LruList<Entry>();
  private lastTableId = 0;
  private held = 0;
  private count = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(readonly limit: number) {}

  /** Bytes of block contents the cache holds (pinned blocks evicted from it not counted). */
  get bytes(): number {
    return this.held;
  }

  /** Blocks the cache holds. */
  get blocks(): number {
    return this.count;
  }

  /** Lookups that found their block, and lookups that did not, since the cache was made. */
  get hits(): number {
    return this.hitCount;
  }

  get misses(): number {
    return this.missCount;
  }

  /** A fresh id for one open table's blocks (LevelDB's Cache::NewId). */
  newTableId(): number {
    const id = ++this.lastTableId;
    this.tables.set(id, new Map());
    return id;
  }

  /** The block of table at offset, pinned and made the newest; undefined when not cached. */
  lookup(table: number, offset: number): PinnedBlock | undefined {
    const entry = this.tableEntries(table).get(offset);
    if (entry === undefined) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    entry.pins++;
    this.lru.touch(entry);
    return entry;
  }

  /** Caches a block just loaded and returns it pinned; then evicts the oldest while over the limit. */
  insert(table: number, offset: number, block: LoadedBlock): PinnedBlock {
    const entries = this.tableEntries(table);
    const old = entries.get(offset);
    if (old !== undefined) this.evict(old);
    const entry: Entry = { block, table: entries, offset, pins: 1, cached: true, newer: null, older: null };
    entries.set(offset, entry);
    this.lru.pushNewest(entry);
    this.held += block.contents.length;
    this.count++;
    for (let oldest = this.lru.oldest; this.held > this.limit && oldest !== null; oldest = this.lru.oldest) this.evict(oldest);
    return entry;
  }

  /** Whether `bytes` more fit in the cache without evicting a block. */
  hasRoom(bytes: number): boolean {
    return this.held + bytes <= this.limit;
  }

  /**
   * Hands out a block without caching it (a scan's block read ahead, LevelDB's fill_cache =
   * false): pinned as a cached one is, and released at its unpin.
   */
  hold(block: LoadedBlock): PinnedBlock {
    const entry: Entry = { block, table: UNCACHED, offset: -1, pins: 1, cached: false, newer: null, older: null };
    return entry;
  }

  /** Gives back a block from lookup, insert or hold; one evicted meanwhile is released at its last unpin. */
  unpin(pinned: PinnedBlock): void {
    const entry = pinned as Entry;
    if (entry.pins <= 0) throw new Error(`block cache: unpin of the block at ${entry.offset}, which is not pinned`);
    if (--entry.pins === 0 && !entry.cached) entry.block.release();
  }

  /** Drops every block of a table that is closing; its id is not used again. */
  dropTable(table: number): void {
    for (const entry of this.tableEntries(table).values()) this.evict(entry);
    this.tables.delete(table);
  }

  private evict(entry: Entry): void {
    entry.cached = false;
    entry.table.delete(entry.offset);
    this.lru.remove(entry);
    this.held -= entry.block.contents.length;
    this.count--;
    if (entry.pins === 0) entry.block.release();
  }

  private tableEntries(table: number): Map<number, Entry> {
    const entries = this.tables.get(table);
    if (entries === undefined) throw new Error(`block cache: table id ${table} is not open`);
    return entries;
  }
}
