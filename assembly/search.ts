// Seeking inside a block (FORMAT.md, "Block"; LevelDB's table/block.cc Seek): binary search over the
// restart points, whose keys are stored whole, for the last restart with a key < target; then a scan
// through that restart interval, rebuilding prefix-compressed keys, to the first key >= target.
// indexSeek does the same over an index block and decodes the BlockHandle it finds.
// Corrupt input never makes this read outside [block, block + len): every decode is bounded, and a
// negative status says which check failed. The TypeScript twin is in src/kernels/js.ts.

import { getVarint32, getVarint64, decoded } from "./coding";
import { compareKeys } from "./compare";

export const FOUND: i32 = 1;
export const PAST_END: i32 = 0;
export const ERR_RESTARTS: i32 = -1; // block too short for its restart array
export const ERR_RESTART_OFFSET: i32 = -2; // a restart point outside the entries
export const ERR_ENTRY: i32 = -3; // an entry header or its bytes run past the entries
export const ERR_HANDLE: i32 = -4; // an index value that is not a BlockHandle

// result slots (u32): entry offset, next entry offset, key length, value offset, value length,
// then for indexSeek the handle: offset lo, offset hi, size lo, size hi.
const R_ENTRY: usize = 0;
const R_NEXT: usize = 4;
const R_KEY_LEN: usize = 8;
const R_VALUE: usize = 12;
const R_VALUE_LEN: usize = 16;
const R_HANDLE: usize = 20;

// The last decoded entry header.
let eShared: usize = 0;
let eUnshared: usize = 0;
let eValueLen: usize = 0;

/** Decodes the entry header at off; returns the offset of its key delta, or 0 if it is malformed. */
function decodeHeader(block: usize, off: usize, limit: usize): usize {
  const base = block + off;
  const end = block + limit;
  // Fast path, as LevelDB's DecodeEntry: all three lengths below 128 fit one byte each.
  if (off + 3 <= limit) {
    const a = <usize>load<u8>(base);
    const b = <usize>load<u8>(base, 1);
    const c = <usize>load<u8>(base, 2);
    if ((a | b | c) < 0x80) {
      eShared = a;
      eUnshared = b;
      eValueLen = c;
      const body = <u64>(off + 3);
      return body + <u64>b + <u64>c > <u64>limit ? 0 : <usize>body;
    }
  }
  let p = base;
  let n = getVarint32(p, end);
  if (n == 0) return 0;
  eShared = <usize>decoded;
  p += n;
  n = getVarint32(p, end);
  if (n == 0) return 0;
  eUnshared = <usize>decoded;
  p += n;
  n = getVarint32(p, end);
  if (n == 0) return 0;
  eValueLen = <usize>decoded;
  p += n;
  const body = <u64>(p - block);
  if (body + <u64>eUnshared + <u64>eValueLen > <u64>limit) return 0;
  return <usize>body;
}

/**
 * Seeks `block` (contents without trailer, `len` bytes) for the first key >= target in key order
 * `mode`. The found key is rebuilt into keyOut, which must hold `len` bytes (no key in a block is
 * longer than the block). Returns FOUND, PAST_END or a negative error.
 */
export function blockSeek(block: usize, len: usize, target: usize, targetLen: usize, mode: u32, keyOut: usize, result: usize): i32 {
  if (len < 4) return ERR_RESTARTS;
  const numRestarts = <usize>load<u32>(block + len - 4);
  if (<u64>numRestarts > <u64>((len - 4) >> 2)) return ERR_RESTARTS;
  if (numRestarts == 0) return PAST_END;
  const limit = len - 4 - (numRestarts << 2); // entries end where the restart array starts
  const restarts = block + limit;

  let left: usize = 0;
  let right = numRestarts - 1;
  while (left < right) {
    const mid = (left + right + 1) >> 1;
    const off = <usize>load<u32>(restarts + (mid << 2));
    if (off >= limit) return ERR_RESTART_OFFSET;
    const body = decodeHeader(block, off, limit);
    if (body == 0 || eShared != 0) return ERR_ENTRY;
    if (compareKeys(block + body, eUnshared, target, targetLen, mode) < 0) left = mid;
    else right = mid - 1;
  }

  let off = <usize>load<u32>(restarts + (left << 2));
  if (off > limit) return ERR_RESTART_OFFSET;
  let keyLen: usize = 0;
  while (off < limit) {
    const body = decodeHeader(block, off, limit);
    if (body == 0 || eShared > keyLen) return ERR_ENTRY;
    memory.copy(keyOut + eShared, block + body, eUnshared);
    keyLen = eShared + eUnshared;
    const value = body + eUnshared;
    const next = value + eValueLen;
    if (compareKeys(keyOut, keyLen, target, targetLen, mode) >= 0) {
      store<u32>(result + R_ENTRY, <u32>off);
      store<u32>(result + R_NEXT, <u32>next);
      store<u32>(result + R_KEY_LEN, <u32>keyLen);
      store<u32>(result + R_VALUE, <u32>value);
      store<u32>(result + R_VALUE_LEN, <u32>eValueLen);
      return FOUND;
    }
    off = next;
  }
  return PAST_END;
}

/**
 * blockSeek over an index block, then decodes the found value as a BlockHandle (varint64 offset,
 * varint64 size) into the handle slots of result.
 */
export function indexSeek(block: usize, len: usize, target: usize, targetLen: usize, mode: u32, keyOut: usize, result: usize): i32 {
  const status = blockSeek(block, len, target, targetLen, mode, keyOut, result);
  if (status != FOUND) return status;
  const value = block + <usize>load<u32>(result + R_VALUE);
  const valueEnd = value + <usize>load<u32>(result + R_VALUE_LEN);
  let n = getVarint64(value, valueEnd);
  if (n == 0) return ERR_HANDLE;
  store<u64>(result + R_HANDLE, decoded);
  n = getVarint64(value + n, valueEnd);
  if (n == 0) return ERR_HANDLE;
  store<u64>(result + R_HANDLE + 8, decoded);
  return FOUND;
}
