// The block builder: LevelDB's data and index block bytes (FORMAT.md, "Block"; LevelDB's
// table/block_builder.cc). Grammar of what it writes:
//
//   block   := entry* restart* num_restarts:fixed32 type:u8 crc:fixed32
//   entry   := shared:varint32 unshared:varint32 value_len:varint32 key_delta[unshared] value[value_len]
//   restart := fixed32 offset of an entry whose shared = 0 (every restartInterval-th entry)
//
// crc is the masked CRC32C of everything before it, type byte included; type is 0 (no compression).
// The reader's side is blockSeek in search.ts; the TypeScript twin is buildBlock in src/kernels/js.ts.

import { putVarint32 } from "./coding";
import { crc32cExtend, crc32cMask } from "./crc32c";

export const TRAILER_SIZE: usize = 5;
export const NO_COMPRESSION: u8 = 0;

// @ts-ignore: decorator
@inline function sharedPrefix(a: usize, alen: usize, b: usize, blen: usize): usize {
  const n = alen < blen ? alen : blen;
  let i: usize = 0;
  while (i < n && load<u8>(a + i) == load<u8>(b + i)) i++;
  return i;
}

/**
 * Builds one block from packed entries first .. first+count-1 (keys and values packed as in
 * murmur3.ts: bytes plus count+1 i32 offsets). Like LevelDB's TableBuilder it stops after the entry
 * that brings the size estimate (entries + restarts + count) to targetSize or more.
 * `restarts` is scratch for count/restartInterval + 1 u32s; `out` must hold the worst case
 * (see blockCapacity in src/kernels/types.ts). Writes the block length, trailer included, to
 * result[0] and returns the number of entries consumed.
 */
export function blockBuild(
  keyBytes: usize, keyOffsets: usize, valueBytes: usize, valueOffsets: usize,
  first: u32, count: u32, restartInterval: u32, targetSize: u32,
  out: usize, restarts: usize, result: usize,
): u32 {
  let p = out;
  let numRestarts: usize = 0;
  let consumed: u32 = 0;
  let prevKey: usize = 0;
  let prevLen: usize = 0;
  while (consumed < count) {
    const i = <usize>(first + consumed);
    const k0 = load<i32>(keyOffsets + (i << 2));
    const k1 = load<i32>(keyOffsets + ((i + 1) << 2));
    const v0 = load<i32>(valueOffsets + (i << 2));
    const v1 = load<i32>(valueOffsets + ((i + 1) << 2));
    const key = keyBytes + <usize>k0;
    const keyLen = <usize>(k1 - k0);
    const valueLen = <usize>(v1 - v0);
    let shared: usize = 0;
    if (consumed % restartInterval == 0) {
      store<u32>(restarts + (numRestarts++ << 2), <u32>(p - out));
    } else {
      shared = sharedPrefix(prevKey, prevLen, key, keyLen);
    }
    const unshared = keyLen - shared;
    p += putVarint32(p, <u32>shared);
    p += putVarint32(p, <u32>unshared);
    p += putVarint32(p, <u32>valueLen);
    memory.copy(p, key + shared, unshared);
    p += unshared;
    memory.copy(p, valueBytes + <usize>v0, valueLen);
    p += valueLen;
    prevKey = key;
    prevLen = keyLen;
    consumed++;
    if (<u64>(p - out) + (<u64>numRestarts << 2) + 4 >= <u64>targetSize) break;
  }
  if (numRestarts == 0) {
    // an empty block: LevelDB still writes one restart point, at offset 0
    store<u32>(restarts, 0);
    numRestarts = 1;
  }
  memory.copy(p, restarts, numRestarts << 2);
  p += numRestarts << 2;
  store<u32>(p, <u32>numRestarts);
  p += 4;
  store<u8>(p, NO_COMPRESSION);
  const crc = crc32cExtend(0, out, p + 1 - out);
  store<u32>(p + 1, crc32cMask(crc));
  p += TRAILER_SIZE;
  store<u32>(result, <u32>(p - out));
  return consumed;
}
