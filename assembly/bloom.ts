// The cache-local Bloom filter (FORMAT.md, "Filter block"). The filter is numLines lines of 64 bytes
// (512 bits). A key's 64 bits of hash material are two murmur3 x86_32 hashes of its bytes under two
// seeds: the first picks the line (multiply-shift range reduction), the second, stepped by
// multiplication with an odd constant, gives k bit positions inside that line (its top 9 bits each
// step). Independent material for the line and for the bits is what keeps the false-positive rate
// near the floor of the blocked layout. Bit b of a line is bit (b & 7) of byte (b >> 3).
// The TypeScript twin is in src/kernels/js.ts; the constants are mirrored in src/kernels/bloom-layout.ts.

import { murmur3Pair } from "./murmur3";

export const SEED_LINE: u32 = 0x9747b28c;
export const SEED_BITS: u32 = 0xbc9f1d34;
const STEP: u32 = 0x9e3779b9;
const LINE_SHIFT: usize = 6; // 64-byte lines

// Two u32 slots the pair hash writes into; static, so no allocation per key.
const pair = memory.data(8, 8);

// @ts-ignore: decorator
@inline function lineOf(filter: usize, numLines: u32, hashLine: u32): usize {
  return filter + (<usize>((<u64>hashLine * <u64>numLines) >> 32) << LINE_SHIFT);
}

// @ts-ignore: decorator
@inline function addHash(filter: usize, numLines: u32, k: u32, hashLine: u32, hashBits: u32): void {
  const line = lineOf(filter, numLines, hashLine);
  let h = hashBits;
  for (let i: u32 = 0; i < k; i++) {
    const bit = h >> 23;
    const p = line + <usize>(bit >> 3);
    store<u8>(p, <u32>load<u8>(p) | (<u32>1 << (bit & 7)));
    h *= STEP;
  }
}

// @ts-ignore: decorator
@inline function probeHash(filter: usize, numLines: u32, k: u32, hashLine: u32, hashBits: u32): bool {
  const line = lineOf(filter, numLines, hashLine);
  let h = hashBits;
  for (let i: u32 = 0; i < k; i++) {
    const bit = h >> 23;
    if ((<u32>load<u8>(line + <usize>(bit >> 3)) & (<u32>1 << (bit & 7))) == 0) return false;
    h *= STEP;
  }
  return true;
}

/** Writes the two hashes of each packed key to out (2 u32 per key: line hash, bits hash). */
export function bloomHashBatch(bytes: usize, offsets: usize, count: u32, out: usize): void {
  let start = load<i32>(offsets);
  for (let i: usize = 0; i < <usize>count; i++) {
    const end = load<i32>(offsets + ((i + 1) << 2));
    murmur3Pair(bytes + <usize>start, <u32>(end - start), SEED_LINE, SEED_BITS, out + (i << 3));
    start = end;
  }
}

/** Zeroes the filter's numLines lines, then adds every packed key: hash and set in one pass. */
export function bloomBuild(bytes: usize, offsets: usize, count: u32, filter: usize, numLines: u32, k: u32): void {
  memory.fill(filter, 0, <usize>numLines << LINE_SHIFT);
  let start = load<i32>(offsets);
  for (let i: usize = 0; i < <usize>count; i++) {
    const end = load<i32>(offsets + ((i + 1) << 2));
    murmur3Pair(bytes + <usize>start, <u32>(end - start), SEED_LINE, SEED_BITS, pair);
    addHash(filter, numLines, k, load<u32>(pair), load<u32>(pair, 4));
    start = end;
  }
}

/** 1 if the key may be in the set, 0 if it certainly is not. */
export function bloomProbe(filter: usize, numLines: u32, k: u32, key: usize, len: u32): u32 {
  murmur3Pair(key, len, SEED_LINE, SEED_BITS, pair);
  return probeHash(filter, numLines, k, load<u32>(pair), load<u32>(pair, 4)) ? 1 : 0;
}

/** Probes every packed key; out[i] = 1 (may contain) or 0. Returns how many were 1. */
export function bloomProbeBatch(filter: usize, numLines: u32, k: u32, bytes: usize, offsets: usize, count: u32, out: usize): u32 {
  let hits: u32 = 0;
  let start = load<i32>(offsets);
  for (let i: usize = 0; i < <usize>count; i++) {
    const end = load<i32>(offsets + ((i + 1) << 2));
    murmur3Pair(bytes + <usize>start, <u32>(end - start), SEED_LINE, SEED_BITS, pair);
    const hit = probeHash(filter, numLines, k, load<u32>(pair), load<u32>(pair, 4));
    store<u8>(out + i, hit ? 1 : 0);
    hits += hit ? 1 : 0;
    start = end;
  }
  return hits;
}

