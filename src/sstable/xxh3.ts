// XXH3-64 (seed 0, the default 192-byte secret) and RocksDB's kXXH3 block checksum, in plain
// TypeScript. Written from the xxHash specification (xxHash's doc/xxhash_spec.md, "XXH3 Algorithm
// Description") and RocksDB's table/format.cc (ComputeBuiltinChecksum, ModifyChecksumForLastByte).
// It is the compatibility path for reading tables that RocksDB wrote with checksum type kXXH3
// (the default of RocksDB 7.x, footer checksum byte 4), not a hot path.
//
// Representation: each u64 of the spec is carried as two u32 halves (hi, lo) in plain numbers,
// with Math.imul and 16-bit-split multiplies; no BigInt except to build xxh3_64's return value.
// The u64 helpers below deliver their result in the module variables `outHi`/`outLo` (read them
// right after the call) so the inner loops allocate nothing.

// ---- constants (spec: "XXH3 Algorithm Overview") ---------------------------------------------

const PRIME32_1 = 0x9e3779b1;
const PRIME32_2 = 0x85ebca77;
const PRIME32_3 = 0xc2b2ae3d;
const PRIME64_1_HI = 0x9e3779b1, PRIME64_1_LO = 0x85ebca87;
const PRIME64_2_HI = 0xc2b2ae3d, PRIME64_2_LO = 0x27d4eb4f;
const PRIME64_3_HI = 0x165667b1, PRIME64_3_LO = 0x9e3779f9;
const PRIME64_4_HI = 0x85ebca77, PRIME64_4_LO = 0xc2b2ae63;
const PRIME64_5_HI = 0x27d4eb2f, PRIME64_5_LO = 0x165667c5;
const PRIME_MX1_HI = 0x16566791, PRIME_MX1_LO = 0x9e3779f9;
const PRIME_MX2_HI = 0x9fb21c65, PRIME_MX2_LO = 0x1e98df25;

const TWO_32 = 4294967296;

/** The default secret (192 bytes). */
const SECRET = new Uint8Array([
  0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
  0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
  0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
  0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
  0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
  0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
  0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
  0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
  0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
  0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
  0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
  0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
]);
const SECRET_SIZE = 192;
/** The secret is always read little-endian, at byte offsets that are not always aligned. */
const SEC = new DataView(SECRET.buffer);

// Long inputs (> 240 bytes): blocks of 16 stripes of 64 bytes; stripe n of a block uses the
// secret from byte 8n; the scramble uses its last 64 bytes; the input's last 64 bytes, as a
// final stripe, use the secret from byte 192 - 64 - 7 = 121; the final merge from byte 11.
const STRIPE_LEN = 64;
const STRIPES_PER_BLOCK = (SECRET_SIZE - STRIPE_LEN) / 8; // 16
const BLOCK_LEN = STRIPE_LEN * STRIPES_PER_BLOCK; // 1024
const SCRAMBLE_SECRET = SECRET_SIZE - STRIPE_LEN; // 128
const LAST_STRIPE_SECRET = SECRET_SIZE - STRIPE_LEN - 7; // 121
const MERGE_SECRET = 11;

/** `n` consecutive little-endian u32 words of the secret from byte `at`. */
const secretWords = (at: number, n: number) => Uint32Array.from({ length: n }, (_, i) => SEC.getUint32(at + 4 * i, true));
/** The whole secret as 48 words: stripe n's 64-byte segment starts at word 2n. */
const SEC32 = secretWords(0, SECRET_SIZE / 4);
const LAST_STRIPE_SEC32 = secretWords(LAST_STRIPE_SECRET, STRIPE_LEN / 4);

/** The eight long-input accumulators, as (lo, hi) pairs: ACC[2i] = lo, ACC[2i + 1] = hi. */
const ACC = new Uint32Array(16);
const ACC_INIT = new Uint32Array([
  PRIME32_3, 0,
  PRIME64_1_LO, PRIME64_1_HI,
  PRIME64_2_LO, PRIME64_2_HI,
  PRIME64_3_LO, PRIME64_3_HI,
  PRIME64_4_LO, PRIME64_4_HI,
  PRIME32_2, 0,
  PRIME64_5_LO, PRIME64_5_HI,
  PRIME32_1, 0,
]);

// ---- u64 helpers on (hi, lo) halves ----------------------------------------------------------

let outHi = 0;
let outLo = 0;

/** u32 * u32 -> the full u64 product, into (outHi, outLo). Inputs may be int32 or uint32. */
function mul32to64(a: number, b: number): void {
  const a0 = a & 0xffff, a1 = a >>> 16;
  const b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1; // each < 2^32, exact
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff); // product bits 16.., < 3 * 2^16
  outHi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
  outLo = ((mid << 16) | (p00 & 0xffff)) >>> 0;
}

/** (ah, al) * (bh, bl) mod 2^64, into (outHi, outLo). */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  mul32to64(al, bl);
  outHi = (outHi + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
}

/** The spec's `lowerHalf(m) xor higherHalf(m)` of the 128-bit product m = (ah, al) * (bh, bl). */
function mul128Fold64(ah: number, al: number, bh: number, bl: number): void {
  // 128-bit product words w0..w3 (low to high) from four 32x32 partial products. The column
  // sums t1, t2 add at most four u32s, so they are exact in a double; carries are t - (t mod 2^32).
  mul32to64(al, bl);
  const w0 = outLo;
  let t1 = outHi;
  mul32to64(al, bh);
  t1 += outLo;
  let t2 = outHi;
  mul32to64(ah, bl);
  t1 += outLo;
  t2 += outHi;
  mul32to64(ah, bh);
  const w1 = t1 >>> 0;
  t2 += outLo + (t1 - w1) / TWO_32;
  const w2 = t2 >>> 0;
  const w3 = (outHi + (t2 - w2) / TWO_32) >>> 0;
  outHi = (w1 ^ w3) >>> 0;
  outLo = (w0 ^ w2) >>> 0;
}

/** (ah, al) + (bh, bl) mod 2^64, into (outHi, outLo). Inputs must be uint32. */
function add64(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  outLo = lo >>> 0;
  outHi = (ah + bh + (lo >= TWO_32 ? 1 : 0)) >>> 0;
}

function bswap32(x: number): number {
  return ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** Spec `avalanche`: x ^= x >> 37; x *= PRIME_MX1; x ^= x >> 32. Into (outHi, outLo). */
function avalanche(h: number, l: number): void {
  mul64(h, l ^ (h >>> 5), PRIME_MX1_HI, PRIME_MX1_LO);
  outLo = (outLo ^ outHi) >>> 0;
}

/** Spec `avalanche_XXH64`: x ^= x >> 33; x *= PRIME64_2; x ^= x >> 29; x *= PRIME64_3; x ^= x >> 32. */
function avalancheXxh64(h: number, l: number): void {
  mul64(h, l ^ (h >>> 1), PRIME64_2_HI, PRIME64_2_LO);
  h = outHi;
  l = outLo;
  mul64(h ^ (h >>> 29), l ^ ((l >>> 29) | (h << 3)), PRIME64_3_HI, PRIME64_3_LO);
  outLo = (outLo ^ outHi) >>> 0;
}

// ---- 0 to 16 bytes ---------------------------------------------------------------------------

function hashEmpty(): void {
  // avalanche_XXH64(seed ^ u64 secret[56..64] ^ u64 secret[64..72])
  avalancheXxh64(SEC.getUint32(60, true) ^ SEC.getUint32(68, true), SEC.getUint32(56, true) ^ SEC.getUint32(64, true));
}

function hash1to3(d: Uint8Array, len: number): void {
  // | last byte | length | first byte | middle (or last) byte |, from the least significant byte
  const combined = d[len - 1] | (len << 8) | (d[0] << 16) | (d[len >>> 1] << 24);
  // ((u64)(u32 secret[0..4] ^ u32 secret[4..8]) + seed) ^ (u64)combined: the high half is zero
  avalancheXxh64(0, (SEC.getUint32(0, true) ^ SEC.getUint32(4, true) ^ combined) >>> 0);
}

function hash4to8(dv: DataView, len: number): void {
  const first = dv.getUint32(0, true);
  const last = dv.getUint32(len - 4, true);
  // value = (u64 secret[8..16] ^ u64 secret[16..24]) ^ (last | first << 32)    (seed 0)
  let h = SEC.getUint32(12, true) ^ SEC.getUint32(20, true) ^ first;
  let l = SEC.getUint32(8, true) ^ SEC.getUint32(16, true) ^ last;
  // value ^= (value <<< 49) ^ (value <<< 24); rotating by 49 = swapping halves, then by 17
  const r49h = (l << 17) | (h >>> 15), r49l = (h << 17) | (l >>> 15);
  const r24h = (h << 24) | (l >>> 8), r24l = (l << 24) | (h >>> 8);
  mul64(h ^ r49h ^ r24h, l ^ r49l ^ r24l, PRIME_MX2_HI, PRIME_MX2_LO);
  // value ^= (value >> 35) + len: the sum is < 2^30, so it only touches the low half
  h = outHi;
  l = outLo ^ ((h >>> 3) + len);
  mul64(h, l, PRIME_MX2_HI, PRIME_MX2_LO);
  // value ^= value >> 28
  outLo = (outLo ^ ((outLo >>> 28) | (outHi << 4))) >>> 0;
  outHi = (outHi ^ (outHi >>> 28)) >>> 0;
}

function hash9to16(dv: DataView, len: number): void {
  // low = (u64 secret[24..32] ^ secret[32..40]) ^ first 8 bytes; high = (secret[40..48] ^ secret[48..56]) ^ last 8
  const lowL = (SEC.getUint32(24, true) ^ SEC.getUint32(32, true) ^ dv.getUint32(0, true)) >>> 0;
  const lowH = (SEC.getUint32(28, true) ^ SEC.getUint32(36, true) ^ dv.getUint32(4, true)) >>> 0;
  const highL = (SEC.getUint32(40, true) ^ SEC.getUint32(48, true) ^ dv.getUint32(len - 8, true)) >>> 0;
  const highH = (SEC.getUint32(44, true) ^ SEC.getUint32(52, true) ^ dv.getUint32(len - 4, true)) >>> 0;
  // value = len + bswap64(low) + high + fold(low * high)
  mul128Fold64(lowH, lowL, highH, highL);
  add64(outHi, outLo, highH, highL);
  add64(outHi, outLo, bswap32(lowL), bswap32(lowH));
  add64(outHi, outLo, 0, len);
  avalanche(outHi, outLo);
}

// ---- 17 to 240 bytes -------------------------------------------------------------------------

/** Spec `mixStep` with seed 0: fold((data64[0] ^ secret64[0]) * (data64[1] ^ secret64[1])). */
function mixStep(dv: DataView, p: number, s: number): void {
  mul128Fold64(
    dv.getUint32(p + 4, true) ^ SEC.getUint32(s + 4, true),
    dv.getUint32(p, true) ^ SEC.getUint32(s, true),
    dv.getUint32(p + 12, true) ^ SEC.getUint32(s + 12, true),
    dv.getUint32(p + 8, true) ^ SEC.getUint32(s + 8, true),
  );
}

function hash17to128(dv: DataView, len: number): void {
  mul64(0, len, PRIME64_1_HI, PRIME64_1_LO);
  let h = outHi, l = outLo;
  // chunks i from the front and from the back, i < numRounds; the order of the sums is free
  const rounds = ((len - 1) >>> 5) + 1;
  for (let i = 0; i < rounds; i++) {
    mixStep(dv, 16 * i, 32 * i);
    add64(h, l, outHi, outLo);
    h = outHi, l = outLo;
    mixStep(dv, len - 16 * i - 16, 32 * i + 16);
    add64(h, l, outHi, outLo);
    h = outHi, l = outLo;
  }
  avalanche(h, l);
}

function hash129to240(dv: DataView, len: number): void {
  mul64(0, len, PRIME64_1_HI, PRIME64_1_LO);
  let h = outHi, l = outLo;
  for (let i = 0; i < 8; i++) {
    mixStep(dv, 16 * i, 16 * i);
    add64(h, l, outHi, outLo);
    h = outHi, l = outLo;
  }
  avalanche(h, l);
  h = outHi, l = outLo;
  const chunks = len >>> 4;
  for (let i = 8; i < chunks; i++) {
    mixStep(dv, 16 * i, 16 * (i - 8) + 3);
    add64(h, l, outHi, outLo);
    h = outHi, l = outLo;
  }
  mixStep(dv, len - 16, 136 - 17); // 136 = the minimum secret size
  add64(h, l, outHi, outLo);
  avalanche(outHi, outLo);
}

// ---- more than 240 bytes ---------------------------------------------------------------------

/** Spec `accumulate` of the stripe at dv[p], with secret words sec[s..s + 16). */
function accumulate(dv: DataView, p: number, sec: Uint32Array, s: number): void {
  for (let i = 0; i < 8; i++) {
    const dl = dv.getUint32(p + 8 * i, true);
    const dh = dv.getUint32(p + 8 * i + 4, true);
    // acc[i ^ 1] += stripe[i]   (a Uint32Array store keeps the value mod 2^32)
    const j = 2 * (i ^ 1);
    const sumLo = ACC[j] + dl;
    ACC[j] = sumLo;
    ACC[j + 1] += dh + (sumLo >= TWO_32 ? 1 : 0);
    // acc[i] += lowerHalf(value) * higherHalf(value), value = stripe[i] ^ secret[i]
    mul32to64(dl ^ sec[s + 2 * i], dh ^ sec[s + 2 * i + 1]);
    const k = 2 * i;
    const prodLo = ACC[k] + outLo;
    ACC[k] = prodLo;
    ACC[k + 1] += outHi + (prodLo >= TWO_32 ? 1 : 0);
  }
}

/** Spec `round_scramble`: acc[i] ^= acc[i] >> 47; acc[i] ^= u64 secret[128 + 8i..]; acc[i] *= PRIME32_1. */
function scramble(): void {
  const s = SCRAMBLE_SECRET / 4;
  for (let i = 0; i < 8; i++) {
    const h = ACC[2 * i + 1];
    mul64(h ^ SEC32[s + 2 * i + 1], ACC[2 * i] ^ (h >>> 15) ^ SEC32[s + 2 * i], 0, PRIME32_1);
    ACC[2 * i] = outLo;
    ACC[2 * i + 1] = outHi;
  }
}

function hashLong(dv: DataView, len: number): void {
  ACC.set(ACC_INIT);
  // Full blocks, leaving the last (1 to BLOCK_LEN bytes) even when it is full.
  const blocks = Math.floor((len - 1) / BLOCK_LEN);
  for (let b = 0; b < blocks; b++) {
    for (let n = 0; n < STRIPES_PER_BLOCK; n++) accumulate(dv, b * BLOCK_LEN + n * STRIPE_LEN, SEC32, 2 * n);
    scramble();
  }
  // The last block's stripes, except its last stripe (full or not); then the input's last 64 bytes.
  const base = blocks * BLOCK_LEN;
  const stripes = Math.floor((len - 1 - base) / STRIPE_LEN);
  for (let n = 0; n < stripes; n++) accumulate(dv, base + n * STRIPE_LEN, SEC32, 2 * n);
  accumulate(dv, len - STRIPE_LEN, LAST_STRIPE_SEC32, 0);
  // finalMerge(len * PRIME64_1, 11)
  mul64(Math.floor(len / TWO_32), len >>> 0, PRIME64_1_HI, PRIME64_1_LO);
  let h = outHi, l = outLo;
  for (let i = 0; i < 4; i++) {
    const s = MERGE_SECRET + 16 * i;
    mul128Fold64(
      ACC[4 * i + 1] ^ SEC.getUint32(s + 4, true),
      ACC[4 * i] ^ SEC.getUint32(s, true),
      ACC[4 * i + 3] ^ SEC.getUint32(s + 12, true),
      ACC[4 * i + 2] ^ SEC.getUint32(s + 8, true),
    );
    add64(h, l, outHi, outLo);
    h = outHi, l = outLo;
  }
  avalanche(h, l);
}

// ---- public API ------------------------------------------------------------------------------

/** Computes XXH3_64bits(data) (seed 0) into (outHi, outLo). */
function xxh3Into(data: Uint8Array): void {
  const len = data.length;
  if (len === 0) return hashEmpty();
  if (len <= 3) return hash1to3(data, len);
  const dv = new DataView(data.buffer, data.byteOffset, len);
  if (len <= 8) return hash4to8(dv, len);
  if (len <= 16) return hash9to16(dv, len);
  if (len <= 128) return hash17to128(dv, len);
  if (len <= 240) return hash129to240(dv, len);
  return hashLong(dv, len);
}

/**
 * XXH3-64 of `data` with seed 0 and the default secret (XXH3_64bits), as an unsigned 64-bit
 * bigint: the value `xxhsum -H3` prints in hex.
 */
export function xxh3_64(data: Uint8Array): bigint {
  xxh3Into(data);
  return (BigInt(outHi) << 32n) | BigInt(outLo);
}

/** The same hash as {@link xxh3_64}, as its two unsigned 32-bit halves, without BigInt. */
export function xxh3_64Halves(data: Uint8Array): { hi: number; lo: number } {
  xxh3Into(data);
  return { hi: outHi, lo: outLo };
}

/** RocksDB's `kRandomPrime` of ModifyChecksumForLastByte (table/format.cc). */
const LAST_BYTE_PRIME = 0x6b9083d9;

/**
 * The u32 RocksDB stores in a block trailer for checksum type kXXH3 (4), computed over a block's
 * contents followed by its compression-type byte: `blockWithTypeByte` is the n + 1 bytes
 * [offset, offset + n + 1) of the file for a block handle (offset, n). As RocksDB's
 * ComputeBuiltinChecksum(kXXH3): the low 32 bits of XXH3_64bits over all bytes but the last,
 * xor (last byte * 0x6b9083d9 mod 2^32); 0 for empty input. The stored value is this, unmasked
 * (RocksDB masks only CRC32C), little-endian, in the 4 bytes after the type byte.
 * (Format versions 6+ xor in a per-file context modifier as well; not done here.)
 */
export function rocksdbXxh3BlockChecksum(blockWithTypeByte: Uint8Array): number {
  const n = blockWithTypeByte.length;
  if (n === 0) return 0;
  xxh3Into(blockWithTypeByte.subarray(0, n - 1));
  return (outLo ^ Math.imul(blockWithTypeByte[n - 1], LAST_BYTE_PRIME)) >>> 0;
}
