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
