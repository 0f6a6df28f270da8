// The MemTable: a skip list of the latest value (or deletion) of each key, ordered by the key's
// UTF-8 bytes. Keys and values are copied once, on the way in, into an arena of 1 MiB byte chunks
// (ARCHITECTURE.md "The WebAssembly boundary"), and the skip list itself lives in typed arrays (a struct of arrays, one
// slot per entry): no JS object per entry, so a 64 MiB MemTable costs about 64 MiB plus ~35 bytes
// per entry, and the collector has almost nothing to trace. `bytes` is the footprint the flush
// threshold counts: key + value bytes plus ENTRY_OVERHEAD per entry.
//
// An overwrite appends the new value to the arena and points the entry at it; the old bytes stay
// until the MemTable is dropped after its flush. So `bytes` counts every value copied in, the
// overwritten ones too: what the arena holds (LevelDB's MemTable::ApproximateMemoryUsage counts
// its arena the same way), or a key overwritten forever would grow the arena and its log without
// ever reaching the flush threshold.
//
// Inserts keep the search path of the last one (`prev`, RocksDB's InlineSkipList "splice"): when
// a key falls just after the previous insert at level 0, as ascending keys do, the path is already
// known and the search from the top is skipped.

import { compareBytes } from "../kernels/js.js";
import { ValueKind } from "../sstable/format.js";

/** Bytes counted per entry on top of its key and value (the threshold's estimate). */
export const ENTRY_OVERHEAD = 16;
const MAX_LEVEL = 16;
const CHUNK = 1 << 20;
const HEAD = 0;
const NIL = 0; // no entry links to the head, so 0 can mean "none"

/** A view of one entry; key and value alias the arena, valid while the MemTable lives. */
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
  private level = 1;
  private bytes_ = 0;
  private rng = 0x2545f491; // xorshift state: deterministic levels, so runs repeat exactly
  private readonly prev = new Int32Array(MAX_LEVEL);

  get count(): number {
    return this.n - 1;
  }

  /** The footprint counted against the flush threshold. */
  get bytes(): number {
    return this.bytes_;
  }

  /** Sets key to value (or a deletion) at `sequence`, replacing what the key held. */
  put(key: Uint8Array, value: Uint8Array, sequence: number, kind: ValueKind = ValueKind.VALUE): void {
    const found = this.findForInsert(key);
    if (found !== NIL && this.compareAt(found, key) === 0) {
      this.bytes_ += value.length; // the old value stays in the arena
      this.storeValue(found, value);
      this.seq[found] = sequence;
      this.kindOf[found] = kind;
      return;
    }
    const height = this.randomHeight();
    for (let l = this.level; l < height; l++) this.prev[l] = HEAD;
    this.level = Math.max(this.level, height);
    const i = this.newEntry(height);
    this.keyOff[i] = this.copyIn(key);
    this.keyChunk[i] = this.copiedChunk;
    this.keyLen[i] = key.length;
    this.storeValue(i, value);
    this.seq[i] = sequence;
    this.kindOf[i] = kind;
    for (let l = 0; l < height; l++) {
      const p = this.prev[l];
      this.links[this.linkAt[i] + l] = this.links[this.linkAt[p] + l];
      this.links[this.linkAt[p] + l] = i;
      this.prev[l] = i; // the splice for a next key just after this one
    }
    this.bytes_ += key.length + value.length + ENTRY_OVERHEAD;
  }

  get(key: Uint8Array): MemEntry | null {
    const i = this.findGE(key, false);
    return i !== NIL && this.compareAt(i, key) === 0 ? this.entry(i) : null;
  }

  /** Entries with start <= key <= end, in order. */
  *range(start: Uint8Array, end: Uint8Array): Generator<MemEntry> {
    for (let i = this.findGE(start, false); i !== NIL && this.compareAt(i, end) <= 0; i = this.links[this.linkAt[i]]) yield this.entry(i);
  }

  /** Every entry in order. */
  *entries(): Generator<MemEntry> {
    for (let i = this.links[this.linkAt[HEAD]]; i !== NIL; i = this.links[this.linkAt[i]]) yield this.entry(i);
  }

  private entry(i: number): MemEntry {
    const key = this.chunks[this.keyChunk[i]].subarray(this.keyOff[i], this.keyOff[i] + this.keyLen[i]);
    const value = this.chunks[this.valChunk[i]].subarray(this.valOff[i], this.valOff[i] + this.valLen[i]);
    return { key, value, sequence: this.seq[i], kind: this.kindOf[i] as ValueKind };
  }

  /**
   * findGE(key, true), from the last insert's path when it brackets the key at level 0. prev[l]
   * is always the last entry of level l at or before prev[0] (true after a search, and kept by
   * put, which makes the new entry prev[l] of its levels): so when prev[0] < key <= its
   * successor, no entry lies between them on any level, and prev[] is key's path as it stands.
   */
  private findForInsert(key: Uint8Array): number {
    const last = this.prev[0];
    const next = this.links[this.linkAt[last]];
    if ((last === HEAD || this.compareAt(last, key) < 0) && (next === NIL || this.compareAt(next, key) >= 0)) return next;
    return this.findGE(key, true);
  }

  /** The first entry with key >= target (NIL if none); with `record`, fills prev[] for an insert. */
  private findGE(target: Uint8Array, record: boolean): number {
    let x = HEAD;
    for (let l = this.level - 1; l >= 0; l--) {
      for (let next = this.links[this.linkAt[x] + l]; next !== NIL && this.compareAt(next, target) < 0; next = this.links[this.linkAt[x] + l]) x = next;
      if (record) this.prev[l] = x;
    }
    return this.links[this.linkAt[x]];
  }

  private compareAt(i: number, key: Uint8Array): number {
    return compareBytes(this.chunks[this.keyChunk[i]], this.keyOff[i], this.keyLen[i], key, 0, key.length);
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
