// The data of the database workloads (bench/db.ts), the same for every engine. bench/native/db_bench.cc
// makes the same bytes in C++: change one, change both (db.ts checks every engine's reads against
// the figures computed here).
//
//   key i (0 <= i < n)   16 bytes: the decimal digits of 2i, zero-padded ("0000000000000042")
//   missing key i        the same of 2i + 1: between two present keys, same length
//   value (i, version)   100 bytes: 25 little-endian words, word w = fmix32(25i + w + seed(version));
//                        version 0 is written by the fills, version 1 by overwrite
//   an order (salt)      a permutation of 0..n-1: Fisher-Yates from i = n-1 down to 1, swapping i
//                        with fmix32(i * 0x9e3779b9 + salt) % (i + 1)
//   read targets (salt)  read j asks for key fmix32(j * 0x9e3779b9 + salt) % n (random, with repeats)
//
// Keys and values are made in the timed loops, one op at a time, as LevelDB's db_bench does, so no
// engine's peak RSS holds the whole data set.

import { fmix32 } from "./table-data.js";

export const DB_KEY_BYTES = 16;
export const DB_VALUE_BYTES = 100;
const VALUE_WORDS = DB_VALUE_BYTES / 4;
const VALUE_SEED = 0xdb5eed;
/** Entries a seek reads: the one it lands on, then 10 nexts (RocksDB db_bench's seek_nexts=10). */
export const SEEK_ENTRIES = 11;

/** The salts of the orders and read targets (db_bench.cc has the same). */
export const SALT = { fillrandom: 1, overwrite: 2, readrandom: 3, readmissing: 4, seekrandom: 5, deleterandom: 6 } as const;

const valueSeed = (version: number) => (VALUE_SEED + Math.imul(version, 0x9e3779b9)) >>> 0;

/** Word w of value i at a version: the first word is what a read's checksum adds up. */
export function valueWord(i: number, w: number, version: number): number {
  return fmix32((Math.imul(i, VALUE_WORDS) + w + valueSeed(version)) >>> 0);
}

/** Key number i (2i present, 2i + 1 missing) as 16 ASCII digits, in a fresh array. */
export function dbKey(number: number): Uint8Array {
  const out = new Uint8Array(DB_KEY_BYTES);
  let x = number;
  for (let c = DB_KEY_BYTES - 1; c >= 0; c--) {
    out[c] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  }
  return out;
}

/** Value i at a version, in a fresh array. */
export function dbValue(i: number, version: number): Uint8Array {
  const words = new Uint32Array(VALUE_WORDS);
  const seed = valueSeed(version);
  for (let w = 0; w < VALUE_WORDS; w++) words[w] = fmix32((Math.imul(i, VALUE_WORDS) + w + seed) >>> 0);
  return new Uint8Array(words.buffer);
}

/** The first little-endian word of a value (what the reads' checksums add up). */
export const firstWord = (v: Uint8Array): number => (v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24)) >>> 0;

/** A permutation of 0..n-1 (Fisher-Yates, see the header). */
export function order(n: number, salt: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = fmix32((Math.imul(i, 0x9e3779b9) + salt) >>> 0) % (i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** Read j's entry number. */
export const readTarget = (j: number, n: number, salt: number): number => fmix32((Math.imul(j, 0x9e3779b9) + salt) >>> 0) % n;

/** What a run of reads found: entries, and the sum (mod 2^32) of each value's first word. */
export interface Found {
  found: number;
  sum: number;
}

/** readrandom after overwrite: every read finds its key at version 1. */
export function expectedReads(n: number, reads: number): Found {
  let sum = 0;
  for (let j = 0; j < reads; j++) sum = (sum + valueWord(readTarget(j, n, SALT.readrandom), 0, 1)) >>> 0;
  return { found: reads, sum };
}

/** seekrandom after overwrite: seek j lands on its key and reads up to SEEK_ENTRIES entries from it. */
export function expectedSeeks(n: number, seeks: number): Found {
  let found = 0;
  let sum = 0;
  for (let j = 0; j < seeks; j++) {
    const t = readTarget(j, n, SALT.seekrandom);
    for (let i = t; i < Math.min(n, t + SEEK_ENTRIES); i++) {
      found++;
      sum = (sum + valueWord(i, 0, 1)) >>> 0;
    }
  }
  return { found, sum };
}
