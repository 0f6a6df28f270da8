// Varints and fixed-width integers as LevelDB's util/coding.h defines them (FORMAT.md, "Integers").
// Varint: 7 bits per byte, least significant group first, high bit set on every byte but the last;
// at most 5 bytes for 32 bits, 10 for 64. Fixed: little endian, which is what wasm stores are.
// Decoders never read at or past `limit`; they return the bytes consumed, or 0 when the varint is
// truncated or too long. The TypeScript twins are in src/kernels/coding.ts.

/** Where the last successful decode left its value. */
export let decoded: u64 = 0;

// @ts-ignore: decorator
@inline function putVarint<T>(p: usize, v: T): usize {
  let n: usize = 0;
  while (v >= 0x80) {
    store<u8>(p + n++, <u8>(v | 0x80));
    v >>= 7;
  }
  store<u8>(p + n++, <u8>v);
  return n;
}

export function putVarint32(p: usize, v: u32): usize {
  return putVarint<u32>(p, v);
}

export function putVarint64(p: usize, v: u64): usize {
  return putVarint<u64>(p, v);
}

function getVarint(p: usize, limit: usize, maxBytes: usize): usize {
  let result: u64 = 0;
  let shift: u64 = 0;
  for (let n: usize = 0; n < maxBytes && p + n < limit; n++) {
    const b = <u64>load<u8>(p + n);
    if (n == 9 && b > 1) return 0; // bits past the 64th: malformed, not silently dropped
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      decoded = result;
      return n + 1;
    }
    shift += 7;
  }
  return 0;
}

/** Decodes a varint32 at p; value in `decoded`. Returns bytes consumed or 0. */
export function getVarint32(p: usize, limit: usize): usize {
  const n = getVarint(p, limit, 5);
  if (n == 0 || decoded > <u64>u32.MAX_VALUE) return 0;
  return n;
}

/** Decodes a varint64 at p; value in `decoded`. Returns bytes consumed or 0. */
export function getVarint64(p: usize, limit: usize): usize {
  return getVarint(p, limit, 10);
}
