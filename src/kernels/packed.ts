// Building PackedBytes batches (types.ts): entries laid end to end with count + 1 offsets.

import type { PackedBytes } from "./types.js";

const utf8 = new TextEncoder();

export function packBytes(items: readonly Uint8Array[]): PackedBytes {
  let total = 0;
  for (const item of items) total += item.length;
  const bytes = new Uint8Array(total);
  const offsets = new Int32Array(items.length + 1);
  let p = 0;
  for (let i = 0; i < items.length; i++) {
    bytes.set(items[i], p);
    p += items[i].length;
    offsets[i + 1] = p;
  }
  return { bytes, offsets };
}

/** Packs strings as UTF-8, encoding each once, straight into the shared buffer. */
export function packStrings(items: readonly string[]): PackedBytes {
  let capacity = 0;
  for (const s of items) capacity += s.length * 3;
  const bytes = new Uint8Array(capacity);
  const offsets = new Int32Array(items.length + 1);
  let p = 0;
  for (let i = 0; i < items.length; i++) {
    p += utf8.encodeInto(items[i], bytes.subarray(p)).written;
    offsets[i + 1] = p;
  }
  return { bytes: bytes.subarray(0, p), offsets };
}

export function packedItem(p: PackedBytes, i: number): Uint8Array {
  return p.bytes.subarray(p.offsets[i], p.offsets[i + 1]);
}

/** Appends entries one at a time into growing buffers; view() packs what is there without copying. */
export class PackedBuilder {
  private bytes = new Uint8Array(4096);
  private offsets = new Int32Array(257);
  private n = 0;

  get count(): number {
    return this.n;
  }

  get byteLength(): number {
    return this.offsets[this.n];
  }

  push(item: Uint8Array): void {
    const end = this.offsets[this.n] + item.length;
    if (end > this.bytes.length) this.bytes = grow(this.bytes, end);
    if (this.n + 2 > this.offsets.length) this.offsets = grow(this.offsets, this.n + 2);
    this.bytes.set(item, this.offsets[this.n]);
    this.offsets[++this.n] = end;
  }

  /** Appends the first `length` bytes of item as an entry. */
  pushPrefix(item: Uint8Array, length: number): void {
    const start = this.offsets[this.n];
    const end = start + length;
    if (end > this.bytes.length) this.bytes = grow(this.bytes, end);
    if (this.n + 2 > this.offsets.length) this.offsets = grow(this.offsets, this.n + 2);
    for (let i = 0; i < length; i++) this.bytes[start + i] = item[i];
    this.offsets[++this.n] = end;
  }

  /** Whether the last entry equals the first `length` bytes of item (false when empty). */
  lastEquals(item: Uint8Array, length: number): boolean {
    if (this.n === 0) return false;
    const start = this.offsets[this.n - 1];
    if (this.offsets[this.n] - start !== length) return false;
    for (let i = 0; i < length; i++) if (this.bytes[start + i] !== item[i]) return false;
    return true;
  }

  item(i: number): Uint8Array {
    return this.bytes.subarray(this.offsets[i], this.offsets[i + 1]);
  }

  /** The entries so far; valid until the next push or dropFirst. */
  view(): PackedBytes {
    return { bytes: this.bytes.subarray(0, this.offsets[this.n]), offsets: this.offsets.subarray(0, this.n + 1) };
  }

  /** Removes the first `count` entries, keeping the rest in order. */
  dropFirst(count: number): void {
    const cut = this.offsets[count];
    this.bytes.copyWithin(0, cut, this.offsets[this.n]);
    for (let i = count; i <= this.n; i++) this.offsets[i - count] = this.offsets[i] - cut;
    this.n -= count;
  }
}

function grow<T extends Uint8Array | Int32Array>(a: T, atLeast: number): T {
  const next = new (a.constructor as new (n: number) => T)(Math.max(atLeast, a.length * 2));
  next.set(a);
  return next;
}
