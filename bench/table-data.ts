// The data of the table workloads, the same for every implementation. bench/native/table_bench.cc
// makes the same bytes in C++: change one, change both (tables.ts checks that the lookups of every
// implementation find the same values).
//
//   entry i (0 <= i < n)   user key "user:%010d" of i * 2, value 64 bytes: 16 little-endian words,
//                          word w = fmix32(i * 16 + w + VALUE_SEED)
//   absent key i           "user:%010d" of i * 2 + 1: between two present keys, same prefix and length
//   lookup j               key number fmix32(j * 0x9e3779b9 + LOOKUP_SEED) % n (random order, with
//                          repeats); the lookups' keys are laid out in lookup order
//
// Our tables hold internal keys at sequence 0, kind VALUE (user key + 01 00 00 00 00 00 00 00), as
// an external file (RocksDB's SstFileWriter writes the same keys; LevelDB's table gets them too).

import { VALUE_BYTES } from "./data.js";

export const VALUE_SEED = 0x7ab1e5;
export const LOOKUP_SEED = 0x100c0b5;
export const KEY_BYTES = 15;
export const KEY_STEP = 2;
const TRAILER_BYTES = 8;

/** murmur3's 32-bit finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The n user keys laid end to end, present (even numbers) or absent (the odd ones between). */
export function userKeys(n: number, present: boolean): Uint8Array {
  const out = new Uint8Array(n * KEY_BYTES);
  for (let i = 0; i < n; i++) {
    const key = "user:" + String(i * KEY_STEP + (present ? 0 : 1)).padStart(10, "0");
    for (let c = 0; c < KEY_BYTES; c++) out[i * KEY_BYTES + c] = key.charCodeAt(c);
  }
  return out;
}

/** The first word of value i: what a lookup's checksum adds up. */
export function valueWord(i: number, w: number): number {
  return fmix32((i * 16 + w + VALUE_SEED) >>> 0);
}

export function values(n: number): Uint8Array {
  const words = new Uint32Array((n * VALUE_BYTES) / 4);
  for (let i = 0; i < n; i++) for (let w = 0; w < VALUE_BYTES / 4; w++) words[i * 16 + w] = valueWord(i, w);
  return new Uint8Array(words.buffer);
}

export function lookupTargets(n: number, lookups: number): Uint32Array {
  const out = new Uint32Array(lookups);
  for (let j = 0; j < lookups; j++) out[j] = fmix32((Math.imul(j, 0x9e3779b9) + LOOKUP_SEED) >>> 0) % n;
  return out;
}

/**
 * The keys of the lookups, in lookup order, laid end to end: a caller's key is fresh in cache, not
 * somewhere in an array of every key (the C++ side lays them out the same way).
 */
export function lookupKeys(n: number, lookups: number, present: boolean): Uint8Array {
  const targets = lookupTargets(n, lookups);
  const out = new Uint8Array(lookups * KEY_BYTES);
  for (let j = 0; j < lookups; j++) {
    const key = "user:" + String(targets[j] * KEY_STEP + (present ? 0 : 1)).padStart(10, "0");
    for (let c = 0; c < KEY_BYTES; c++) out[j * KEY_BYTES + c] = key.charCodeAt(c);
  }
  return out;
}

/** One view per entry of `bytes`, cut every `size` bytes. */
export function slices(bytes: Uint8Array, size: number): Uint8Array[] {
  return Array.from({ length: bytes.length / size }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
}

/** Internal keys at sequence 0, kind VALUE, laid end to end (23 bytes each). */
export function internalKeys(n: number): Uint8Array {
  const users = userKeys(n, true);
  const size = KEY_BYTES + TRAILER_BYTES;
  const out = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) {
    out.set(users.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES), i * size);
    out[i * size + KEY_BYTES] = 1;
  }
  return out;
}

export const INTERNAL_KEY_BYTES = KEY_BYTES + TRAILER_BYTES;

/**
 * What a lookup run of present keys must leave: found count * 2^32 + the sum (mod 2^32) of the first
 * word of each found value (the C++ side packs the same two numbers into a uint64).
 */
export function expectedLookupChecksum(n: number, lookups: number, present: boolean): number {
  if (!present) return 0;
  const t = lookupTargets(n, lookups);
  let sum = 0;
  for (let j = 0; j < lookups; j++) sum = (sum + valueWord(t[j], 0)) >>> 0;
  return lookups * 2 ** 32 + sum;
}

/** Bytes of user data per entry (user key + value): the numerator of every build's MB/s. */
export const ENTRY_INPUT_BYTES = KEY_BYTES + VALUE_BYTES;
