// MurmurHash3, x86_32 variant (Austin Appleby's reference, public domain), over bytes in linear
// memory. Blocks are read as little-endian u32 words, which is what wasm loads are, so the result
// matches the reference on every host. The TypeScript twin is hashMurmur3 in src/kernels/js.ts.
//
// murmur3Pair runs the same algorithm for two seeds in one pass over the key: the Bloom filter's 64
// bits of hash material (FORMAT.md, "Filter block"). The two halves equal two separate calls.

const C1: u32 = 0xcc9e2d51;
const C2: u32 = 0x1b873593;

// @ts-ignore: decorator
@inline function scramble(k: u32): u32 {
  return rotl<u32>(k * C1, 15) * C2;
}

// @ts-ignore: decorator
@inline function mixBlock(h: u32, k: u32): u32 {
  return rotl<u32>(h ^ scramble(k), 13) * 5 + 0xe6546b64;
}

// @ts-ignore: decorator
@inline function tailWord(p: usize, rem: u32): u32 {
  let k: u32 = 0;
  if (rem >= 3) k |= <u32>load<u8>(p, 2) << 16;
  if (rem >= 2) k |= <u32>load<u8>(p, 1) << 8;
  if (rem >= 1) k |= <u32>load<u8>(p);
  return k;
}

// @ts-ignore: decorator
@inline export function fmix32(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

export function murmur3(ptr: usize, len: u32, seed: u32): u32 {
  let h = seed;
  const end = ptr + (<usize>(len & ~3));
  let p = ptr;
  while (p < end) {
    h = mixBlock(h, load<u32>(p));
    p += 4;
  }
  const rem = len & 3;
  if (rem != 0) h ^= scramble(tailWord(p, rem));
  return fmix32(h ^ len);
}

/** Hashes `len` bytes with seeds a and b at once; writes the two u32 results to out[0], out[1]. */
// @ts-ignore: decorator
@inline export function murmur3Pair(ptr: usize, len: u32, seedA: u32, seedB: u32, out: usize): void {
  let ha = seedA;
  let hb = seedB;
  const end = ptr + (<usize>(len & ~3));
  let p = ptr;
  while (p < end) {
    const k = scramble(load<u32>(p));
    ha = rotl<u32>(ha ^ k, 13) * 5 + 0xe6546b64;
    hb = rotl<u32>(hb ^ k, 13) * 5 + 0xe6546b64;
    p += 4;
  }
  const rem = len & 3;
  if (rem != 0) {
    const k = scramble(tailWord(p, rem));
    ha ^= k;
    hb ^= k;
  }
  store<u32>(out, fmix32(ha ^ len));
  store<u32>(out, fmix32(hb ^ len), 4);
}

/**
 * Packed keys: key i is bytes[offsets[i] .. offsets[i+1]), offsets an i32 array of count + 1.
 * Writes count u32 hashes to out.
 */
export function murmur3Batch(bytes: usize, offsets: usize, count: u32, seed: u32, out: usize): void {
  let start = load<i32>(offsets);
  for (let i: usize = 0; i < <usize>count; i++) {
    const end = load<i32>(offsets + ((i + 1) << 2));
    store<u32>(out + (i << 2), murmur3(bytes + <usize>start, <u32>(end - start), seed));
    start = end;
  }
}
