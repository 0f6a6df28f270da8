// The table reader (FORMAT.md "Reading"; LevelDB's table/table.cc). Opening reads the file's tail
// (every block after the last data block, and the footer) in one read when the caller's size hint
// or the default window covers it; point lookups then ask the filter, the index, and read at most
// one data block. Every block read is checked against its trailer's CRC32C before it is used.
//
// Reads LevelDB tables (Snappy or plain blocks), RocksDB tables at format_version 0 and, at 1..5,
// with user-key indexes and delta-encoded index values, and our own.

import { KeyOrder, type Kernels, type LoadedBlock, type LoadedFilter } from "../kernels/types.js";
import { SnappyFormatError } from "../kernels/snappy.js";
import { crc32cUnmask } from "../kernels/js.js";
import { decodeFixed32 } from "../kernels/coding.js";
import { BlockCache, type PinnedBlock } from "./block-cache.js";
import { BlockIterator, seekInBlock, type Entry } from "./block.js";
import { CorruptionError, UnsupportedError } from "./errors.js";
import type { RandomAccessFile } from "./file.js";
import { decodeFilterBlock, FILTER_META_NAME } from "./filter.js";
import {
  BLOCK_TRAILER_SIZE, Checksum, Compression, decodeFooter, decodeHandle, internalKey, lookupKey, parseInternalKey, ValueKind,
  type BlockHandle, type Footer, type ParsedKey,
} from "./format.js";
import { decodeIndex, type TableIndex } from "./index-block.js";
import { Readahead } from "./readahead.js";
import { rocksdbXxh3BlockChecksum } from "./xxh3.js";
import { numericProperty, PROPERTIES_META_NAME } from "./properties.js";
import { hex32 } from "./hex.js";

export interface TableReaderOptions {
  readonly kernels: Kernels;
  /** Bytes to read from the end on open; a writer's tailSize gives one read. Default 512 KiB. */
  readonly tailSizeHint?: number;
  /** The block cache shared with other tables; without it the table has one of its own. */
  readonly blockCache?: BlockCache;
  /** The limit of a table's own block cache, in bytes (default 8 MiB); unused with blockCache. */
  readonly blockCacheBytes?: number;
}

export interface GetResult {
  /** A live value for the key. */
  readonly found: boolean;
  readonly value: Uint8Array | null;
  /** The newest entry for the key is a deletion. */
  readonly deleted: boolean;
  readonly bloomChecked: boolean;
  /** The Bloom filter said the key is not in the table: no block was looked at. */
  readonly filteredOut: boolean;
  /** Reads this lookup made from the file (cached blocks are not reads). */
  readonly diskReads: number;
}

export interface TableEntry extends ParsedKey {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

const DEFAULT_TAIL = 512 * 1024;
/** A filter negative: no reads, nothing found (shared: the hot absent-key path allocates nothing). */
const FILTERED_OUT: GetResult = Object.freeze({ found: false, value: null, deleted: false, bloomChecked: true, filteredOut: true, diskReads: 0 });
const DEFAULT_CACHE = 8 * 1024 * 1024;
const utf8 = new TextDecoder();

export class Table {
  readonly footer: Footer;
  readonly metaindex = new Map<string, BlockHandle>();
  readonly properties = new Map<string, Uint8Array>();
  /** Reads made by open (1 when the tail window covered every block after the data). */
  readonly openReads: number;
  /** Where the data blocks end: the first byte of the tail. */
  readonly dataEnd: number;
  private reads = 0;
  private tail: Uint8Array;
  private tailOffset: number;
  private readonly index: TableIndex;
  private handleList: readonly BlockHandle[] | null = null;
  private readonly filter: LoadedFilter | null;
  private readonly cache: BlockCache;
  /** This table's id in the cache: its blocks' keys are (cacheId, block offset). */
  private readonly cacheId: number;
  /** The block dataBlock() handed out last, pinned until the next call or close. */
  private borrowed: PinnedBlock | null = null;
  private readonly kernels: Kernels;

  private constructor(
    readonly file: RandomAccessFile,
    options: TableReaderOptions,
  ) {
    this.kernels = options.kernels;
    this.cache = options.blockCache ?? new BlockCache(options.blockCacheBytes ?? DEFAULT_CACHE);
    const size = file.size;
    const window = Math.min(size, Math.max(options.tailSizeHint ?? DEFAULT_TAIL, 64));
    this.tailOffset = size - window;
    this.tail = this.readFile(this.tailOffset, window);
    this.footer = decodeFooter(file.name, this.tail, this.tailOffset, size);
    this.coverTail(Math.min(this.footer.metaindex.offset, this.footer.index.offset));
    this.readMetaindex();
    this.dataEnd = Math.min(this.footer.metaindex.offset, this.footer.index.offset, ...[...this.metaindex.values()].map((h) => h.offset));
    this.coverTail(this.dataEnd);
    this.readProperties();
    this.index = decodeIndex(this.kernels, file.name, this.footer.index, this.tailBlock(this.footer.index, "index"), {
      userKeys: numericProperty(this.properties, "rocksdb.index.key.is.user.key") === 1,
      deltaValues: numericProperty(this.properties, "rocksdb.index.value.is.delta.encoded") === 1,
    });
    try {
      this.filter = this.loadFilter();
    } catch (err) {
      this.index.release(); // the index already holds wasm memory
      throw err;
    }
    this.openReads = this.reads;
    this.cacheId = this.cache.newTableId();
  }

  /** Opens a table; the Table owns `file` from then on, and closes it if opening fails. */
  static open(file: RandomAccessFile, options: TableReaderOptions): Table {
    try {
      return new Table(file, options);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  /** The filter's shape, when the table has our filter. */
  get filterShape(): { numLines: number; k: number } | null {
    return this.filter && { numLines: this.filter.numLines, k: this.filter.k };
  }

  /** The newest entry for userKey in this table. */
  get(userKey: Uint8Array): GetResult {
    const before = this.reads;
    const bloomChecked = this.filter !== null;
    if (this.filter !== null && !this.filter.mayContain(userKey)) return FILTERED_OUT;
    const target = lookupKey(userKey);
    const handle = this.index.find(target, userKey);
    if (handle === null) return this.miss(bloomChecked, this.reads - before);
    const pinned = this.pinDataBlock(handle);
    try {
      const block = pinned.block;
      const e = seekInBlock(block, target, KeyOrder.INTERNAL, this.file.name, handle.offset);
      // the entry found must be userKey's: compare its user-key part in place
      if (e === null || !isUserKeyOf(e.key, userKey, this.file.name, handle.offset)) return this.miss(bloomChecked, this.reads - before);
      const deleted = e.key[e.key.length - 8] === ValueKind.DELETION;
      const value = deleted ? null : block.contents.slice(e.valueOffset, e.valueOffset + e.valueLength);
      return { found: !deleted, value, deleted, bloomChecked, filteredOut: false, diskReads: this.reads - before };
    } finally {
      this.cache.unpin(pinned);
    }
  }

  private miss(bloomChecked: boolean, diskReads: number): GetResult {
    return { found: false, value: null, deleted: false, bloomChecked, filteredOut: false, diskReads };
  }

  /**
   * The handle of the first data block that may hold target (by default userKey's newest
   * version), or null if past the last. With a user-key index (RocksDB) it is the first block
   * holding userKey, which may end before target: the caller continues into the next block.
   */
  findDataBlock(userKey: Uint8Array, target = lookupKey(userKey)): BlockHandle | null {
    return this.index.find(target, userKey);
  }

  /** An iterator over every entry in internal-key order. */
  iterator(): TableIterator {
    return new TableIterator(this);
  }

  /**
   * The data blocks' handles, in order: the index block decoded once, on the first call, and kept
   * while the table is open (every iterator walks them; decoding them per iterator made a seek
   * cost a whole index block).
   */
  dataHandles(): readonly BlockHandle[] {
    this.handleList ??= this.index.handles();
    return this.handleList;
  }

  /** A readahead over this table's data blocks, for one iterator's sequential steps. */
  readahead(): Readahead {
    return new Readahead(this.dataEnd, (offset, length) => this.readFile(offset, length));
  }

  /**
   * The data block at handle: from the cache, or read (through `readahead` when given: a
   * sequential step, forward or `backward`), verified and loaded. It stays loaded (its seeks
   * valid) until this table's next dataBlock() call or close; its contents, plain memory, stay
   * valid after that, which is all a BlockIterator needs once positioned.
   */
  dataBlock(handle: BlockHandle, readahead: Readahead | null = null, backward = false): LoadedBlock {
    const pinned = this.pinDataBlock(handle, readahead, backward);
    if (this.borrowed !== null) this.cache.unpin(this.borrowed);
    this.borrowed = pinned;
    return pinned.block;
  }

  /** The data block at handle, pinned in the cache: the caller unpins it. */
  private pinDataBlock(handle: BlockHandle, readahead: Readahead | null = null, backward = false): PinnedBlock {
    const cached = this.cache.lookup(this.cacheId, handle.offset);
    if (cached !== undefined) return cached;
    if (handle.offset + handle.size + BLOCK_TRAILER_SIZE > this.dataEnd) {
      throw new CorruptionError(this.file.name, handle.offset, `data block handle (size ${handle.size}) runs past the data's end at ${this.dataEnd}`);
    }
    const length = handle.size + BLOCK_TRAILER_SIZE;
    if (readahead === null) {
      const block = this.kernels.loadBlock(this.verify(handle, this.readFile(handle.offset, length), "data"));
      return this.cache.insert(this.cacheId, handle.offset, block);
    }
    // A block read ahead is a view of its span. It goes into the cache only where it fits without
    // evicting another, and as a copy (a cached view would keep its whole span alive); otherwise
    // the iterator holds it uncached: a copy per block costs about what the reads saved (an
    // ArrayBuffer each), and a scan of more than the cache would only push out every other block.
    const contents = this.verify(handle, readahead.read(handle.offset, length, backward), "data");
    if (!this.cache.hasRoom(contents.length)) return this.cache.hold(this.kernels.loadBlock(contents));
    const own = contents.byteOffset === 0 && contents.length === contents.buffer.byteLength ? contents : contents.slice();
    return this.cache.insert(this.cacheId, handle.offset, this.kernels.loadBlock(own));
  }

  /** Reads and verifies any block, for checks and layouts; counts as a read unless in the tail. */
  readBlock(handle: BlockHandle, what: string): Uint8Array {
    if (handle.offset >= this.tailOffset) return this.tailBlock(handle, what);
    if (handle.offset + handle.size + BLOCK_TRAILER_SIZE > this.file.size) {
      throw new CorruptionError(this.file.name, handle.offset, `${what} block handle runs past the end of the file`);
    }
    return this.verify(handle, this.readFile(handle.offset, handle.size + BLOCK_TRAILER_SIZE), what);
  }

  /** Closes the file and releases the table's memory, its blocks in the cache included. */
  close(): void {
    if (this.borrowed !== null) this.cache.unpin(this.borrowed);
    this.borrowed = null;
    this.cache.dropTable(this.cacheId);
    this.index.release();
    this.filter?.release();
    this.file.close();
  }

  /** Parses an internal key found in a block; a short key is corruption. */
  parseKey(key: Uint8Array, blockOffset: number): ParsedKey {
    const parsed = parseInternalKey(key);
    if (parsed === null) throw new CorruptionError(this.file.name, blockOffset, `block at ${blockOffset}: key of ${key.length} bytes has no 8-byte trailer`);
    return parsed;
  }

  private readFile(offset: number, length: number): Uint8Array {
    this.reads++;
    try {
      return this.file.read(offset, length);
    } catch (err) {
      if (err instanceof RangeError) throw new CorruptionError(this.file.name, offset, `read of ${length} bytes past the end of the file`);
      throw err;
    }
  }

  /** Extends the tail window down to `offset` with one more read, when it does not reach. */
  private coverTail(offset: number): void {
    if (offset >= this.tailOffset) return;
    const more = this.readFile(offset, this.tailOffset - offset);
    const joined = new Uint8Array(more.length + this.tail.length);
    joined.set(more);
    joined.set(this.tail, more.length);
    this.tail = joined;
    this.tailOffset = offset;
  }

  private tailBlock(handle: BlockHandle, what: string): Uint8Array {
    const start = handle.offset - this.tailOffset;
    const end = start + handle.size + BLOCK_TRAILER_SIZE;
    if (start < 0 || end > this.tail.length - this.footer.size) {
      throw new CorruptionError(this.file.name, handle.offset, `${what} block handle (size ${handle.size}) is outside the table's tail`);
    }
    return this.verify(handle, this.tail.subarray(start, end), what);
  }

  /** Checks a block's trailer and returns its contents, decompressed. */
  private verify(handle: BlockHandle, raw: Uint8Array, what: string): Uint8Array {
    const n = handle.size;
    const type = raw[n];
    const checksum = this.footer.checksum;
    if (checksum !== Checksum.NONE) {
      const stored = decodeFixed32(raw, n + 1);
      const [expected, actual] = checksum === Checksum.CRC32C
        ? [crc32cUnmask(stored), this.kernels.crc32c(raw.subarray(0, n + 1))]
        : [stored, rocksdbXxh3BlockChecksum(raw.subarray(0, n + 1))];
      if (actual !== expected) {
        const name = checksum === Checksum.CRC32C ? "crc32c" : "xxh3";
        throw new CorruptionError(this.file.name, handle.offset, `${what} block ${name} mismatch: stored ${hex32(expected)}, computed ${hex32(actual)}`);
      }
    }
    if (type === Compression.NONE) return raw.subarray(0, n);
    if (type === Compression.SNAPPY) {
      try {
        return this.kernels.snappyDecompress(raw.subarray(0, n));
      } catch (err) {
        if (err instanceof SnappyFormatError) throw new CorruptionError(this.file.name, handle.offset, `${what} block: snappy ${err.check}`);
        throw err;
      }
    }
    throw new UnsupportedError(this.file.name, handle.offset, `block compression type ${type}`);
  }

  private readMetaindex(): void {
    const h = this.footer.metaindex;
    const block = this.kernels.loadBlock(this.tailBlock(h, "metaindex"));
    try {
      const it = new BlockIterator(block, KeyOrder.BYTEWISE, this.file.name, h.offset);
      for (let e = it.first(); e !== null; e = it.next()) {
        const decodedHandle = decodeHandle(e.value, 0, e.value.length);
        if (decodedHandle === null) throw new CorruptionError(this.file.name, h.offset, `metaindex entry ${JSON.stringify(utf8.decode(e.key))} is not a block handle`);
        this.metaindex.set(utf8.decode(e.key), decodedHandle[0]);
      }
    } finally {
      block.release();
    }
  }

  private readProperties(): void {
    const h = this.metaindex.get(PROPERTIES_META_NAME);
    if (h === undefined) return;
    const block = this.kernels.loadBlock(this.tailBlock(h, "properties"));
    try {
      const it = new BlockIterator(block, KeyOrder.BYTEWISE, this.file.name, h.offset);
      for (let e: Entry | null = it.first(); e !== null; e = it.next()) this.properties.set(utf8.decode(e.key), e.value.slice());
    } finally {
      block.release();
    }
  }

  private loadFilter(): LoadedFilter | null {
    const h = this.metaindex.get(FILTER_META_NAME);
    if (h === undefined) return null;
    const f = decodeFilterBlock(this.file.name, h.offset, this.tailBlock(h, "filter"));
    return this.kernels.loadFilter(f.lines, f.numLines, f.k);
  }

}

/**
 * Every entry of a table in internal-key order (LevelDB's two-level iterator in table/table.cc):
 * first / seekGE / next and last / seekLT / prev, each returning the entry or null. After a move
 * returns null the iterator is unpositioned: next() and prev() return null until a seek, first()
 * or last(). A returned value aliases a cached block's contents; after close() every move throws.
 * Stepping over a block boundary in order (next or prev) reads ahead (./readahead.ts); the first
 * block after a seek, first() or last() is read alone, as a point get reads it.
 */
export class TableIterator {
  private readonly handles: readonly BlockHandle[];
  private readonly readahead: Readahead;
  private blockIndex = -1;
  private block: BlockIterator | null = null;
  private closed = false;

  constructor(private readonly table: Table) {
    this.handles = table.dataHandles();
    this.readahead = table.readahead();
  }

  first(): TableEntry | null {
    return this.forwardFrom(this.open(0), null);
  }

  last(): TableEntry | null {
    return this.backwardFrom(this.open(this.handles.length - 1));
  }

  /** The first entry at or after (userKey, sequence); without a sequence, userKey's newest version or the next key. */
  seekGE(userKey: Uint8Array, sequence?: number): TableEntry | null {
    this.open(0);
    const target = sequence === undefined ? lookupKey(userKey) : internalKey(userKey, sequence, ValueKind.VALUE);
    const h = this.table.findDataBlock(userKey, target);
    if (h === null) return this.forwardFrom(this.handles.length, null);
    // data blocks lie in file order, so their handles are sorted by offset
    let lo = 0;
    let hi = this.handles.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.handles[mid].offset < h.offset) lo = mid + 1;
      else hi = mid;
    }
    return this.forwardFrom(lo, target);
  }

  /**
   * The last entry before (userKey, sequence); without a sequence, the last before every version
   * of userKey. seekGE then one step back (RocksDB's SeekForPrev does the same), which finds the
   * right block however a key's versions are spread over blocks.
   */
  seekLT(userKey: Uint8Array, sequence?: number): TableEntry | null {
    // the block before seekGE's is the seek's own: no readahead for it
    return this.seekGE(userKey, sequence) === null ? this.last() : this.stepBack(false);
  }

  next(): TableEntry | null {
    this.open(0);
    if (this.block === null) return null;
    const e = this.block.next();
    if (e !== null) return this.entry(e);
    return this.forwardFrom(this.blockIndex + 1, null, true);
  }

  prev(): TableEntry | null {
    return this.stepBack(true);
  }

  close(): void {
    this.closed = true;
    this.block = null;
    this.readahead.reset();
  }

  /** One entry back; `sequential` when crossing into the block before is a step of a scan. */
  private stepBack(sequential: boolean): TableEntry | null {
    this.open(0);
    if (this.block === null) return null;
    const e = this.block.prev();
    if (e !== null) return this.entry(e);
    return this.backwardFrom(this.blockIndex - 1, sequential);
  }

  private open<T>(value: T): T {
    if (this.closed) throw new Error(`${this.table.file.name}: table iterator used after close()`);
    return value;
  }

  /**
   * The first entry at or after target (or the first) in block i, else in the blocks after it;
   * `sequential` when block i follows the current one (else the move is a seek).
   */
  private forwardFrom(i: number, target: Uint8Array | null, sequential = false): TableEntry | null {
    for (this.blockIndex = i; this.blockIndex < this.handles.length; this.blockIndex++, sequential = true) {
      const e = target === null ? this.loadBlock(sequential, false).first() : this.loadBlock(sequential, false).seekGE(target);
      target = null;
      if (e !== null) return this.entry(e);
    }
    return this.unpositioned();
  }

  /** The last entry of block i, else of the blocks before it; `sequential` as for forwardFrom. */
  private backwardFrom(i: number, sequential = false): TableEntry | null {
    for (this.blockIndex = i; this.blockIndex >= 0; this.blockIndex--, sequential = true) {
      const e = this.loadBlock(sequential, true).last();
      if (e !== null) return this.entry(e);
    }
    return this.unpositioned();
  }

  private unpositioned(): null {
    this.block = null;
    this.readahead.reset();
    return null;
  }

  /** Block blockIndex, read ahead when `sequential` (in the direction `backward` says). */
  private loadBlock(sequential: boolean, backward: boolean): BlockIterator {
    const h = this.handles[this.blockIndex];
    if (!sequential) this.readahead.reset();
    const block = this.table.dataBlock(h, sequential ? this.readahead : null, backward);
    this.block = new BlockIterator(block, KeyOrder.INTERNAL, this.table.file.name, h.offset);
    return this.block;
  }

  private entry(e: Entry): TableEntry {
    const h = this.handles[this.blockIndex];
    return { key: e.key, value: e.value, ...this.table.parseKey(e.key, h.offset) };
  }
}

/** Whether an internal key found in a block is userKey + trailer; a key without a trailer is corruption. */
function isUserKeyOf(key: Uint8Array, userKey: Uint8Array, file: string, blockOffset: number): boolean {
  if (key.length < 8) throw new CorruptionError(file, blockOffset, `block at ${blockOffset}: key of ${key.length} bytes has no 8-byte trailer`);
  if (key.length - 8 !== userKey.length) return false;
  for (let i = 0; i < userKey.length; i++) if (key[i] !== userKey[i]) return false;
  return true;
}


