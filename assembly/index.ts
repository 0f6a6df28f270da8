// The module's ABI: every export takes and returns i32 or f64 only (ARCHITECTURE.md "The WebAssembly boundary"), pointers
// into this module's memory. The host (src/kernels/wasm.ts) owns all memory above heapBase():
// there is no allocator in here, so nothing can leak. Status codes are listed in search.ts.

import { decoded, getVarint32, getVarint64, putVarint32, putVarint64 } from "./coding";

export { murmur3, murmur3Batch } from "./murmur3";
export { bloomHashBatch, bloomBuild, bloomProbe, bloomProbeBatch } from "./bloom";
export { crc32cExtend, crc32cMask, crc32cUnmask } from "./crc32c";
export { blockBuild } from "./block";
export { blockSeek, indexSeek } from "./search";
export { compareKeys } from "./compare";
export { mergeRuns } from "./merge";
export { snappyUncompressedLength, snappyDecompress } from "./snappy";

/** First byte the host may use; everything below is the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

export function varint32Put(p: usize, v: u32): usize {
  return putVarint32(p, v);
}

export function varint64Put(p: usize, lo: u32, hi: u32): usize {
  return putVarint64(p, (<u64>hi << 32) | <u64>lo);
}

/** Decodes a varint32 at p, not reading at or past limit; value to out[0]. Returns length or 0. */
export function varint32Get(p: usize, limit: usize, out: usize): usize {
  const n = getVarint32(p, limit);
  if (n != 0) store<u32>(out, <u32>decoded);
  return n;
}

/** Decodes a varint64 at p; value to out[0] (lo), out[1] (hi). Returns length or 0. */
export function varint64Get(p: usize, limit: usize, out: usize): usize {
  const n = getVarint64(p, limit);
  if (n != 0) store<u64>(out, decoded);
  return n;
}
