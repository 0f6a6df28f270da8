// Snappy block decompression: the raw block format (Snappy's format_description.txt), which LevelDB
// and RocksDB use for blocks with compression type 1; not the framing format. The grammar:
//
//   block    := preamble element*
//   preamble := varint32 uncompressed length (1..5 bytes, FORMAT.md "Integers")
//   element  := tag byte, its low 2 bits the kind:
//     00 literal  tag>>2 < 60:  length-1 = tag>>2, then `length` bytes
//                 tag>>2 = 60..63: 1..4 little-endian bytes hold length-1, then `length` bytes
//     01 copy-1   length = 4 + ((tag>>2) & 7)  (4..11); offset = (tag>>5) << 8 | next byte  (11 bits)
//     10 copy-2   length = 1 + (tag>>2)        (1..64); offset = next 2 bytes little endian
//     11 copy-4   length = 1 + (tag>>2)        (1..64); offset = next 4 bytes little endian
//
// A copy repeats `length` bytes starting `offset` bytes back in the output; offset < length is legal
// and means byte-by-byte semantics (offset 1 repeats one byte). The elements must produce exactly the
// preamble's length. No element yields more than 64 bytes per 3 it takes (copy-2 at its longest;
// the first element is a literal), so a length over (srcLen - preamble) * 64 / 3 cannot be honest
// and is refused up front.
// Corrupt input never makes this read outside [src, src + srcLen) nor write outside
// [dst, dst + dstLen); a negative status names the failed check. The TypeScript twin is
// snappyDecompressJs in src/kernels/snappy.ts, which mirrors these status codes.

import { decoded, getVarint32 } from "./coding";

export const OK: i32 = 0;
export const ERR_PREAMBLE: i32 = -1; // the length varint is truncated or over 32 bits
export const ERR_TOO_LARGE: i32 = -2; // the length is over MAX_UNCOMPRESSED (the host's limit)
export const ERR_EXPANSION: i32 = -3; // the length is more than the input could expand to
export const ERR_LENGTH_MISMATCH: i32 = -4; // dstLen is not the preamble's length
export const ERR_LITERAL_PAST_INPUT: i32 = -5; // a literal's length bytes or data run past the input
export const ERR_COPY_PAST_INPUT: i32 = -6; // a copy's offset bytes run past the input
export const ERR_COPY_OFFSET: i32 = -7; // a copy with offset 0 or from before the start of output
export const ERR_OUTPUT_OVERFLOW: i32 = -8; // an element would write past the preamble's length
export const ERR_OUTPUT_UNDERFLOW: i32 = -9; // the input ended before the length was produced

/** 1 GiB: the largest uncompressed length either path accepts. */
export const MAX_UNCOMPRESSED: u32 = 1 << 30;

/**
 * Decodes the preamble of the block at src: the uncompressed length (u32) to out[0]. Returns the
 * preamble's byte count, or ERR_PREAMBLE. Checks nothing else.
 */
export function snappyUncompressedLength(src: usize, srcLen: usize, out: usize): i32 {
  const n = getVarint32(src, src + srcLen);
  if (n == 0) return ERR_PREAMBLE;
  store<u32>(out, <u32>decoded);
  return <i32>n;
}

/** The preamble's checks: the length's limit, the expansion bound, and dstLen matching it. */
function checkLength(length: u32, body: usize, dstLen: usize): i32 {
  if (length > MAX_UNCOMPRESSED) return ERR_TOO_LARGE;
  if (<u64>length * 3 > <u64>body * 64) return ERR_EXPANSION;
  if (<usize>length != dstLen) return ERR_LENGTH_MISMATCH;
  return OK;
}

/**
 * Decompresses the block at [src, src + srcLen) into exactly dstLen bytes at dst, which must not
 * overlap src. Returns OK or a negative status; on error dst holds garbage.
 */
export function snappyDecompress(src: usize, srcLen: usize, dst: usize, dstLen: usize): i32 {
  const srcEnd = src + srcLen;
  const n = getVarint32(src, srcEnd);
  if (n == 0) return ERR_PREAMBLE;
  const status = checkLength(<u32>decoded, srcLen - n, dstLen);
  if (status != OK) return status;
  const dstEnd = dst + dstLen;
  let ip = src + n;
  let op = dst;
  while (ip < srcEnd) {
    const tag = <u32>load<u8>(ip++);
    if ((tag & 3) == 0) {
      let lengthM1 = tag >> 2; // length - 1, so that 4 length bytes of 0xff cannot wrap
      if (lengthM1 >= 60) {
        const k = <usize>(lengthM1 - 59);
        if (k > srcEnd - ip) return ERR_LITERAL_PAST_INPUT;
        lengthM1 = readLE(ip, k);
        ip += k;
      }
      if (<usize>lengthM1 >= srcEnd - ip) return ERR_LITERAL_PAST_INPUT;
      if (<usize>lengthM1 >= dstEnd - op) return ERR_OUTPUT_OVERFLOW;
      const length = <usize>lengthM1 + 1;
      copyLiteral(op, ip, length, srcEnd, dstEnd);
      ip += length;
      op += length;
      continue;
    }
    let length: usize;
    let offset: usize;
    const kind = tag & 3;
    if (kind == 1) {
      if (ip >= srcEnd) return ERR_COPY_PAST_INPUT;
      length = <usize>(4 + ((tag >> 2) & 7));
      offset = <usize>(((tag >> 5) << 8) | <u32>load<u8>(ip));
      ip += 1;
    } else if (kind == 2) {
      if (srcEnd - ip < 2) return ERR_COPY_PAST_INPUT;
      length = <usize>(1 + (tag >> 2));
      offset = <usize>load<u16>(ip);
      ip += 2;
    } else {
      if (srcEnd - ip < 4) return ERR_COPY_PAST_INPUT;
      length = <usize>(1 + (tag >> 2));
      offset = <usize>load<u32>(ip);
      ip += 4;
    }
    if (offset == 0 || offset > op - dst) return ERR_COPY_OFFSET;
    if (length > dstEnd - op) return ERR_OUTPUT_OVERFLOW;
    copyMatch(op, offset, length, dstEnd);
    op += length;
  }
  return op == dstEnd ? OK : ERR_OUTPUT_UNDERFLOW;
}

/** k (1..4) little-endian bytes at p. */
// @ts-ignore: decorator
@inline function readLE(p: usize, k: usize): u32 {
  let v: u32 = 0;
  for (let i: usize = 0; i < k; i++) v |= <u32>load<u8>(p + i) << (<u32>i << 3);
  return v;
}

/**
 * Copies a literal. Short ones move 16 bytes in two 8-byte words when both sides have the room:
 * the bytes past `length` land inside dst, before anything has been written there, and the next
 * element overwrites them.
 */
// @ts-ignore: decorator
@inline function copyLiteral(op: usize, ip: usize, length: usize, srcEnd: usize, dstEnd: usize): void {
  if (length <= 16 && srcEnd - ip >= 16 && dstEnd - op >= 16) {
    store<u64>(op, load<u64>(ip));
    store<u64>(op + 8, load<u64>(ip + 8));
  } else {
    memory.copy(op, ip, length);
  }
}

/**
 * Copies `length` bytes from `offset` back, with the meaning of a byte-by-byte copy. At a distance
 * of 8 or more, each 8-byte load reads only bytes already written (a short copy: two words). The
 * output repeats with period `offset` from op - offset on, so any multiple of offset is as good a
 * distance: below 8, the first bytes go one at a time until the repeated stretch covers a multiple
 * of offset that is at least 8. The last word may run past `length` (never past dstEnd); the next
 * element overwrites those bytes.
 */
// @ts-ignore: decorator
@inline function copyMatch(op: usize, offset: usize, length: usize, dstEnd: usize): void {
  let from = op - offset;
  if (offset >= 8 && length <= 16 && dstEnd - op >= 16) {
    store<u64>(op, load<u64>(from));
    store<u64>(op + 8, load<u64>(from + 8));
    return;
  }
  if (offset < 8) {
    const distance = offset * ((offset + 7) / offset); // 8, 8, 9, 8, 10, 12, 14 for offsets 1..7
    let head = distance - offset;
    if (head > length) head = length;
    for (let i: usize = 0; i < head; i++) store<u8>(op + i, load<u8>(from + i));
    op += head;
    length -= head;
    from = op - distance;
  }
  while (length >= 8) {
    store<u64>(op, load<u64>(from));
    op += 8;
    from += 8;
    length -= 8;
  }
  if (length == 0) return;
  if (dstEnd - op >= 8) {
    store<u64>(op, load<u64>(from));
  } else {
    for (let i: usize = 0; i < length; i++) store<u8>(op + i, load<u8>(from + i));
  }
}
