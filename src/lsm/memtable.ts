// The MemTable: a skip list of the latest value (or deletion) of each key, ordered by the key's
// UTF-8 bytes. Keys and values are encoded to UTF-8 once, on the way in (DESIGN.md section 3), and
// kept as bytes, so a flush packs them for the kernels without encoding again. `bytes` is the
// footprint the flush threshold counts: key + value bytes plus a fixed overhead per entry.

import { compareBytes } from "../kernels/js.js";
import { ValueKind } from "../sstable/format.js";

/** Bytes counted per entry on top of its key and value: node, arrays, sequence (an estimate). */
export const ENTRY_OVERHEAD = 16;
const MAX_LEVEL = 20;

export interface MemEntry {
  readonly key: Uint8Array;
  value: Uint8Array;
  sequence: number;
  kind: ValueKind;
}

interface Node {
  readonly entry: MemEntry;
  readonly next: (Node | null)[];
}

const cmp = (a: Uint8Array, b: Uint8Array) => compareBytes(a, 0, a.length, b, 0, b.length);

export class MemTable {
  private readonly head: Node = { entry: { key: new Uint8Array(0), value: new Uint8Array(0), sequence: 0, kind: ValueKind.VALUE }, next: new Array(MAX_LEVEL).fill(null) };
  private level = 1;
  private count_ = 0;
  private bytes_ = 0;
  private rng = 0x2545f491; // xorshift state: deterministic levels, so runs repeat exactly
  private readonly prev: Node[] = new Array(MAX_LEVEL);

  get count(): number {
    return this.count_;
  }

  /** The footprint counted against the flush threshold. */
  get bytes(): number {
    return this.bytes_;
  }

  /** Sets key to value (or a deletion) at `sequence`, replacing what the key held. */
  put(key: Uint8Array, value: Uint8Array, sequence: number, kind: ValueKind = ValueKind.VALUE): void {
    const found = this.findGE(key, this.prev);
    if (found !== null && cmp(found.entry.key, key) === 0) {
      this.bytes_ += value.length - found.entry.value.length;
      found.entry.value = value;
      found.entry.sequence = sequence;
      found.entry.kind = kind;
      return;
    }
    const height = this.randomHeight();
    for (let i = this.level; i < height; i++) this.prev[i] = this.head;
    this.level = Math.max(this.level, height);
    const node: Node = { entry: { key, value, sequence, kind }, next: new Array(height) };
    for (let i = 0; i < height; i++) {
      node.next[i] = this.prev[i].next[i];
      this.prev[i].next[i] = node;
    }
    this.count_++;
    this.bytes_ += key.length + value.length + ENTRY_OVERHEAD;
  }

  get(key: Uint8Array): MemEntry | null {
    const n = this.findGE(key, null);
    return n !== null && cmp(n.entry.key, key) === 0 ? n.entry : null;
  }

  /** Entries with start <= key <= end, in order. */
  *range(start: Uint8Array, end: Uint8Array): Generator<MemEntry> {
    for (let n = this.findGE(start, null); n !== null && cmp(n.entry.key, end) <= 0; n = n.next[0]) yield n.entry;
  }

  /** Every entry in order. */
  *entries(): Generator<MemEntry> {
    for (let n = this.head.next[0]; n !== null; n = n.next[0]) yield n.entry;
  }

  private findGE(key: Uint8Array, prev: Node[] | null): Node | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.next[i]; next !== null && cmp(next.entry.key, key) < 0; next = x.next[i]) x = next;
      if (prev !== null) prev[i] = x;
    }
    return x.next[0];
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
