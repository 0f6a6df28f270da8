// The MemTable: a skip list of every version of each key, in internal-key order (FORMAT.md
// "Keys"; LevelDB's db/memtable.cc): user key ascending by its UTF-8 bytes, then sequence
// descending, so a key's newest version comes first and a snapshot read stops at the first
// version at or below its sequence. Keys and values are copied once, on the way in, into an arena
// of 1 MiB byte chunks (ARCHITECTURE.md "The WebAssembly boundary"), and the skip list itself
// lives in typed arrays (a struct of arrays, one slot per entry): no JS object per entry, so a
// 64 MiB MemTable costs about 64 MiB plus ~35 bytes per entry, and the collector has almost
// nothing to trace.
//
// A new version of a key already present shares that key's bytes in the arena (it lands next to
// another version of the same key, so the neighbour is at hand) and copies only its value.
// `bytes` is the footprint the flush threshold counts: every key and value byte the arena holds
// plus ENTRY_OVERHEAD per entry (LevelDB's MemTable::ApproximateMemoryUsage counts its arena the
// same way), so a key overwritten forever still reaches the threshold.
//
// Inserts keep the search path of the last one (`prev`, RocksDB's InlineSkipList "splice"): when
// a key falls just after the previous insert at level 0, as ascending keys do, the path is already
// known and the search from the top is skipped.

import { compareBytes } from "../kernels/js.js";
import { ValueKind } from "../sstable/format.js";
import { MemTableFilter } from "./memtable-filter.js";

/** Bytes counted per entry on top of its key and value (the threshold's estimate). */
export const ENTRY_OVERHEAD = 16;
const MAX_LEVEL = 16;
const CHUNK = 1 << 20;
/** The filter of a MemTable made without a size: 1/32 of the store's default 4 MiB threshold. */
const DEFAULT_FILTER_BYTES = 128 * 1024;
const HEAD = 0;
const NIL = 0; // no entry links to the head, so 0 can mean "none"
/** The snapshot of a read that sees every version. */
export const LATEST = Infinity;

/** A view of one version; key (the user key) and value alias the arena, valid while the MemTable lives. */
export interface MemEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly sequence: number;
  readonly kind: ValueKind;
}

export class MemTable {
  private chunks: Uint8Array[] = [new Uint8Array(CHUNK)];
  private open = 0; // the chunk small items are appended to
  private used = 0; // bytes used of the open chunk
  private copiedChunk = 0;
  // per entry (index 0 is the head):
  private keyChunk = new Int32Array(1024);
  private keyOff = new Int32Array(1024);
  private keyLen = new Int32Array(1024);
  private valChunk = new Int32Array(1024);
  private valOff = new Int32Array(1024);
  private valLen = new Int32Array(1024);
  private seq = new Float64Array(1024);
  private kindOf = new Uint8Array(1024);
  private linkAt = new Int32Array(1024); // where entry i's next pointers start in `links`
  private links = new Int32Array(4096); // next[level] of every entry, MAX_LEVEL for the head
  private linksUsed = MAX_LEVEL;
  private n = 1;
  private keys = 0;
  private level = 1;
  private bytes_ = 0;
  private rng = 0x2545f491; // xorshift state: deterministic levels, so runs repeat exactly
  private readonly prev = new Int32Array(MAX_LEVEL);
  private readonly filter: MemTableFilter;

  /** `filterBytes`: the size of the filter gets consult first (memtable-filter.ts); a store gives 1/32 of its flush threshold. */
  constructor(filterBytes = DEFAULT_FILTER_BYTES) {
    this.filter = new MemTableFilter(filterBytes);
  }

  /** Distinct user keys held. */
  get count(): number {
    return this.keys;
  }

  /** Entries held: every version of every key. */
  get versions(): number {
    return this.n - 1;
  }

  /** The footprint counted against the flush threshold. */
  get bytes(): number {
    return this.bytes_;
  }

  /**
   * Adds version `sequence` of key: a value, or a deletion. Writing the same key at the same
   * sequence again (a log replayed twice) replaces that version's value instead of adding one.
   */
  put(key: Uint8Array, value: Uint8Array, sequence: number, kind: ValueKind = ValueKind.VALUE): void {
    const found = this.findForInsert(key, sequence);
    if (found !== NIL && this.compareAt(found, key, sequence) === 0) {
      this.bytes_ += value.length; // the old value stays in the arena
      this.storeValue(found, value);
      this.kindOf[found] = kind;
      return;
    }
    const sameKey = this.versionOf(key, found);
    const height = this.randomHeight();
    for (let l = this.level; l < height; l++) this.prev[l] = HEAD;
    this.level = Math.max(this.level, height);
    const i = this.newEntry(height);
    this.storeKey(i, key, sameKey);
    this.storeValue(i, value);
    this.seq[i] = sequence;
    this.kindOf[i] = kind;
    for (let l = 0; l < height; l++) {
      const p = this.prev[l];
      this.links[this.linkAt[i] + l] = this.links[this.linkAt[p] + l];
      this.links[this.linkAt[p] + l] = i;
      this.prev[l] = i; // the splice for a next key just after this one
    }
    if (sameKey === NIL) {
      this.keys++;
      this.filter.add(key);
    }
    this.bytes_ += (sameKey === NIL ? key.length : 0) + value.length + ENTRY_OVERHEAD;
  }

  /**
   * The newest version of key with sequence <= snapshot (a deletion included, so the caller can
   * tell deleted from absent), or null when the key has no such version.
   */
  get(key: Uint8Array, snapshot = LATEST): MemEntry | null {
    if (!this.filter.mayContain(key)) return null;
    const i = this.findGE(key, snapshot, false);
    return i !== NIL && this.userKeyIs(i, key) ? this.entry(i) : null;
  }

  /** The newest version of each key with start <= key <= end, in key order. */
  *range(start: Uint8Array, end: Uint8Array): Generator<MemEntry> {
    let newer = NIL;
    for (let i = this.findGE(start, LATEST, false); i !== NIL && this.userKeyAtMost(i, end); newer = i, i = this.links[this.linkAt[i]]) {
      if (newer === NIL || !this.sameKeyAt(newer, i)) yield this.entry(i);
    }
  }

  /** Every version of every key, in internal-key order. */
  *entries(): Generator<MemEntry> {
    for (let i = this.links[this.linkAt[HEAD]]; i !== NIL; i = this.links[this.linkAt[i]]) yield this.entry(i);
  }

  /**
   * The versions a reader may still need, in internal-key order: each key's newest, and for each
   * snapshot the newest version at or below it (the rule of LevelDB's DoCompactionWork, which
   * drops an entry when a newer version of its key is already at or below the snapshot). With no
   * snapshots, the newest version of each key only.
   */
  *versionsToKeep(snapshots: readonly number[] = []): Generator<MemEntry> {
    const ascending = [...snapshots].sort((a, b) => a - b);
    let newer = NIL; // the version before i, when it has i's key
    for (let i = this.links[this.linkAt[HEAD]]; i !== NIL; newer = i, i = this.links[this.linkAt[i]]) {
      if (newer !== NIL && this.sameKeyAt(newer, i)) {
        if (!seesBetween(ascending, this.seq[i], this.seq[newer])) continue;
      }
      yield this.entry(i);
    }
  }

  /** An iterator over every version, in internal-key order. */
  iterator(): MemTableIterator {
    return new MemTableIterator(this);
  }

  /** The entry at slot i (for MemTableIterator). */
  entryAt(i: number): MemEntry {
    return this.entry(i);
  }

  /** The first slot, NIL when empty (for MemTableIterator). */
  firstSlot(): number {
    return this.links[this.linkAt[HEAD]];
  }

  /** The slot after i, NIL at the end (for MemTableIterator). */
  nextOf(i: number): number {
    return this.links[this.linkAt[i]];
  }

  /** The first slot at or after (key, sequence) in internal-key order, NIL if none. */
  seekGE(key: Uint8Array, sequence: number): number {
    return this.findGE(key, sequence, false);
  }

  /** The last slot before (key, sequence) in internal-key order, NIL if none (LevelDB's FindLessThan). */
  seekLT(key: Uint8Array, sequence: number): number {
    let x = HEAD;
    for (let l = this.level - 1; l >= 0; l--) {
      for (let next = this.links[this.linkAt[x] + l]; next !== NIL && this.compareAt(next, key, sequence) < 0; next = this.links[this.linkAt[x] + l]) x = next;
    }
    return x === HEAD ? NIL : x;
  }

  /** The last slot before slot i, NIL if none. */
  prevOf(i: number): number {
    return this.seekLT(this.keyView(i), this.seq[i]);
  }

  /** The last slot, NIL when empty (LevelDB's FindLast). */
  lastSlot(): number {
    let x = HEAD;
    for (let l = this.level - 1; l >= 0; l--) {
      for (let next = this.links[this.linkAt[x] + l]; next !== NIL; next = this.links[this.linkAt[x] + l]) x = next;
    }
    return x === HEAD ? NIL : x;
  }

  private entry(i: number): MemEntry {
    const value = this.chunks[this.valChunk[i]].subarray(this.valOff[i], this.valOff[i] + this.valLen[i]);
    return { key: this.keyView(i), value, sequence: this.seq[i], kind: this.kindOf[i] as ValueKind };
  }

  private keyView(i: number): Uint8Array {
    return this.chunks[this.keyChunk[i]].subarray(this.keyOff[i], this.keyOff[i] + this.keyLen[i]);
  }

  /**
   * findGE(key, sequence, true), from the last insert's path when it brackets the target at level
   * 0. prev[l] is always the last entry of level l at or before prev[0] (true after a search, and
   * kept by put, which makes the new entry prev[l] of its levels): so when prev[0] < target <= its
   * successor, no entry lies between them on any level, and prev[] is the target's path as it stands.
   */
  private findForInsert(key: Uint8Array, sequence: number): number {
    const last = this.prev[0];
    const next = this.links[this.linkAt[last]];
    if ((last === HEAD || this.compareAt(last, key, sequence) < 0) && (next === NIL || this.compareAt(next, key, sequence) >= 0)) return next;
    return this.findGE(key, sequence, true);
  }

  /** The first entry at or after (target, sequence) (NIL if none); with `record`, fills prev[] for an insert. */
  private findGE(target: Uint8Array, sequence: number, record: boolean): number {
    let x = HEAD;
    for (let l = this.level - 1; l >= 0; l--) {
      for (let next = this.links[this.linkAt[x] + l]; next !== NIL && this.compareAt(next, target, sequence) < 0; next = this.links[this.linkAt[x] + l]) x = next;
      if (record) this.prev[l] = x;
    }
    return this.links[this.linkAt[x]];
  }

  /** Entry i against (key, sequence) in internal-key order: user key ascending, then sequence descending. */
  private compareAt(i: number, key: Uint8Array, sequence: number): number {
    const c = compareBytes(this.chunks[this.keyChunk[i]], this.keyOff[i], this.keyLen[i], key, 0, key.length);
    if (c !== 0) return c;
    const s = this.seq[i];
    return s > sequence ? -1 : s < sequence ? 1 : 0;
  }

  private userKeyIs(i: number, key: Uint8Array): boolean {
    return compareBytes(this.chunks[this.keyChunk[i]], this.keyOff[i], this.keyLen[i], key, 0, key.length) === 0;
  }

  private userKeyAtMost(i: number, key: Uint8Array): boolean {
    return compareBytes(this.chunks[this.keyChunk[i]], this.keyOff[i], this.keyLen[i], key, 0, key.length) <= 0;
  }

  private sameKeyAt(a: number, b: number): boolean {
    if (this.keyChunk[a] === this.keyChunk[b] && this.keyOff[a] === this.keyOff[b] && this.keyLen[a] === this.keyLen[b]) return true;
    return compareBytes(this.chunks[this.keyChunk[a]], this.keyOff[a], this.keyLen[a], this.chunks[this.keyChunk[b]], this.keyOff[b], this.keyLen[b]) === 0;
  }

  /** An entry next to a new version of key (its successor `found`, or prev[0]) that holds key, or NIL. */
  private versionOf(key: Uint8Array, found: number): number {
    if (found !== NIL && this.userKeyIs(found, key)) return found;
    const before = this.prev[0];
    return before !== HEAD && this.userKeyIs(before, key) ? before : NIL;
  }

  /** Points entry i at key's bytes: those of `sameKey`, another version of it, or a new copy. */
  private storeKey(i: number, key: Uint8Array, sameKey: number): void {
    if (sameKey !== NIL) {
      this.keyChunk[i] = this.keyChunk[sameKey];
      this.keyOff[i] = this.keyOff[sameKey];
    } else {
      this.keyOff[i] = this.copyIn(key);
      this.keyChunk[i] = this.copiedChunk;
    }
    this.keyLen[i] = key.length;
  }

  private storeValue(i: number, value: Uint8Array): void {
    this.valOff[i] = this.copyIn(value);
    this.valChunk[i] = this.copiedChunk;
    this.valLen[i] = value.length;
  }

  /** Copies bytes into the arena; returns the offset, and the chunk in copiedChunk. */
  private copyIn(bytes: Uint8Array): number {
    if (bytes.length > CHUNK / 2) {
      this.copiedChunk = this.chunks.push(bytes.slice()) - 1; // big items get a chunk of their own
      return 0;
    }
    if (this.used + bytes.length > CHUNK) {
      this.open = this.chunks.push(new Uint8Array(CHUNK)) - 1;
      this.used = 0;
    }
    this.chunks[this.open].set(bytes, this.used);
    this.copiedChunk = this.open;
    this.used += bytes.length;
    return this.used - bytes.length;
  }

  private newEntry(height: number): number {
    const i = this.n++;
    if (i >= this.keyChunk.length) this.growEntries();
    if (this.linksUsed + height > this.links.length) this.links = grown(this.links, this.linksUsed + height);
    this.linkAt[i] = this.linksUsed;
    this.links.fill(NIL, this.linksUsed, this.linksUsed + height);
    this.linksUsed += height;
    return i;
  }

  private growEntries(): void {
    const size = this.keyChunk.length * 2;
    this.keyChunk = grown(this.keyChunk, size);
    this.keyOff = grown(this.keyOff, size);
    this.keyLen = grown(this.keyLen, size);
    this.valChunk = grown(this.valChunk, size);
    this.valOff = grown(this.valOff, size);
    this.valLen = grown(this.valLen, size);
    this.seq = grown(this.seq, size);
    this.kindOf = grown(this.kindOf, size);
    this.linkAt = grown(this.linkAt, size);
  }

  /** Each level above the first with probability 1/4, as in LevelDB's skip list; at most MAX_LEVEL. */
  private randomHeight(): number {
    let h = 1;
    while (h < MAX_LEVEL && (this.nextRandom() & 3) === 0) h++;
    return h;
  }

  private nextRandom(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(a: T, atLeast: number): T {
  const next = new (a.constructor as new (n: number) => T)(Math.max(atLeast, a.length * 2));
  next.set(a);
  return next;
}

/**
 * Every version in a MemTable, in internal-key order (LevelDB's MemTableIterator): each move
 * returns the entry it lands on, or null past either end. next() and prev() before any seek, or
 * after a move returned null, return null. Entries stay valid while the MemTable lives; after
 * close() every move throws. Writes to the MemTable while iterating are seen or not depending on
 * where they land, as with LevelDB's skip list.
 */
export class MemTableIterator {
  private at = NIL;
  private closed = false;

  constructor(private readonly mem: MemTable) {}

  first(): MemEntry | null {
    return this.land(this.open().firstSlot());
  }

  last(): MemEntry | null {
    return this.land(this.open().lastSlot());
  }

  /** The first entry at or after (key, sequence): with the default, key's newest version or the next key. */
  seekGE(key: Uint8Array, sequence = LATEST): MemEntry | null {
    return this.land(this.open().seekGE(key, sequence));
  }

  /** The last entry before (key, sequence): with the default, the last entry before every version of key. */
  seekLT(key: Uint8Array, sequence = LATEST): MemEntry | null {
    return this.land(this.open().seekLT(key, sequence));
  }

  next(): MemEntry | null {
    const mem = this.open();
    return this.at === NIL ? null : this.land(mem.nextOf(this.at));
  }

  prev(): MemEntry | null {
    const mem = this.open();
    return this.at === NIL ? null : this.land(mem.prevOf(this.at));
  }

  close(): void {
    this.closed = true;
    this.at = NIL;
  }

  private open(): MemTable {
    if (this.closed) throw new Error("MemTable iterator used after close()");
    return this.mem;
  }

  private land(slot: number): MemEntry | null {
    this.at = slot;
    return slot === NIL ? null : this.mem.entryAt(slot);
  }
}

/** Whether a snapshot s with older <= s < newer exists: it sees the older version, not the newer. */
function seesBetween(ascending: readonly number[], older: number, newer: number): boolean {
  for (const s of ascending) {
    if (s >= newer) return false;
    if (s >= older) return true;
  }
  return false;
}
