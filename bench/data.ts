// The benchmark data set: every workload and every implementation runs on the same bytes, made
// from a fixed seed so two runs (and two machines) measure the same thing.
//
//   present keys  "user:" + 4..11 digits, first digit 1-4   (9..16 bytes, unique)
//   absent keys   "user:" + 4..11 digits, first digit 5-9   (never equal to a present key)
//   sorted        the present keys in bytewise order, with 64-byte pseudo-random values
//   crc blocks    4 MiB of pseudo-random bytes cut into 4 KiB blocks
//
// Keys come in the forms the callers need: strings (for the npm peers, which take strings), packed
// batches (the kernels' batch calls) and one Uint8Array view per key (the per-key calls), all made
// before any timing starts.

import { packedItem, packStrings } from "../src/kernels/packed.js";
import type { PackedBytes } from "../src/kernels/types.js";

export const SEED = 0x5eed1234;
export const VALUE_BYTES = 64;
export const CRC_BLOCK_BYTES = 4096;
export const CRC_BUFFER_BYTES = 4 << 20;

/** A 32-bit generator (a Weyl sequence through murmur3's finaliser): small, fast, deterministic. */
export function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** n distinct keys "user:" + 4..11 digits whose first digit is one of firstDigits. */
export function makeKeys(n: number, next: () => number, firstDigits: string): string[] {
  const seen = new Set<string>();
  const keys: string[] = [];
  while (keys.length < n) {
    const digits = 4 + (next() % 8);
    let key = "user:" + firstDigits[next() % firstDigits.length];
    for (let i = 1; i < digits; i++) key += String.fromCharCode(48 + (next() % 10));
    if (seen.has(key)) continue; // the short lengths run out of numbers; draw again
    seen.add(key);
    keys.push(key);
  }
  return keys;
}

export function randomBytes(n: number, next: () => number): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4));
  for (let i = 0; i < words.length; i++) words[i] = next();
  return new Uint8Array(words.buffer, 0, n);
}

/** count entries of `size` bytes each, laid end to end. */
export function fixedSizePacked(bytes: Uint8Array, size: number, count: number): PackedBytes {
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i <= count; i++) offsets[i] = i * size;
  return { bytes: bytes.subarray(0, count * size), offsets };
}

export function views(p: PackedBytes): Uint8Array[] {
  return Array.from({ length: p.offsets.length - 1 }, (_, i) => packedItem(p, i));
}

/** One set of keys in every form the workloads use. */
export interface KeySet {
  readonly strings: string[];
  readonly packed: PackedBytes;
  readonly views: Uint8Array[];
}

function keySet(strings: string[]): KeySet {
  const packed = packStrings(strings);
  return { strings, packed, views: views(packed) };
}

/** The sum of the words mod 2^32: the checksum of hashes and filter bits. */
export function sumWords(words: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < words.length; i++) sum = (sum + words[i]) >>> 0;
  return sum;
}

export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** The data set for n keys; the parts only some workloads need are made on first use. */
export class Dataset {
  readonly present: () => KeySet;
  readonly absent: () => KeySet;
  /** The present keys sorted bytewise (JS string order is bytewise for ASCII). */
  readonly sorted: () => KeySet;
  readonly values: () => PackedBytes;
  readonly crcBlocks: () => Uint8Array[];

  constructor(readonly n: number, seed = SEED) {
    this.present = once(() => keySet(makeKeys(n, rng(seed), "1234")));
    this.absent = once(() => keySet(makeKeys(n, rng(seed ^ 0x0ab5e47), "56789")));
    this.sorted = once(() => keySet(this.present().strings.slice().sort()));
    this.values = once(() => fixedSizePacked(randomBytes(n * VALUE_BYTES, rng(seed + 1)), VALUE_BYTES, n));
    this.crcBlocks = once(() => {
      const buffer = randomBytes(CRC_BUFFER_BYTES, rng(seed + 2));
      return views(fixedSizePacked(buffer, CRC_BLOCK_BYTES, CRC_BUFFER_BYTES / CRC_BLOCK_BYTES));
    });
  }
}
