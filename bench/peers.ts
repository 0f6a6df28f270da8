// Adapters for the npm packages that do a kernel's job, fed the same data as the kernels: strings
// where the package takes strings, bytes where it takes bytes. Each adapter has its own loop (not
// one shared loop calling a function value), so every call site sees one callee, as it would in a
// program that uses only that package.

import { crc32c as awsCrc32c } from "@aws-crypto/crc32c";
import bloomFilters from "bloom-filters";
import { BloomFilter as FnvBloomFilter } from "bloomfilter";
import crc32cSheetJs from "crc-32/crc32c.js";
import murmurhash from "murmurhash";
import murmurHash3js from "murmurhash3js-revisited";
import { sumWords } from "./data.js";
import type { KeySet } from "./data.js";

// ---- murmur3 ----

/** Hashes keys 0..n-1 and returns the sum of the hashes mod 2^32, like the kernel workloads. */
export interface HashPeer {
  readonly name: string;
  /** Computes murmur3 x86_32 itself, so its sum must equal the kernels' sum. */
  readonly isMurmur3: boolean;
  sum(keys: KeySet, n: number, seed: number): number;
}

export const hashPeers: readonly HashPeer[] = [
  {
    name: "murmurhash.v3", // the package's default export is this same function; it encodes each string
    isMurmur3: true,
    sum(keys, n, seed) {
      const s = keys.strings;
      let sum = 0;
      for (let i = 0; i < n; i++) sum = (sum + murmurhash.v3(s[i], seed)) >>> 0;
      return sum;
    },
  },
  {
    name: "murmurhash.v3/bytes", // the same function given the keys' bytes: no encoding per call
    isMurmur3: true,
    sum(keys, n, seed) {
      const v = keys.views;
      let sum = 0;
      for (let i = 0; i < n; i++) sum = (sum + murmurhash.v3(v[i], seed)) >>> 0;
      return sum;
    },
  },
  {
    name: "murmurhash.v2", // MurmurHash2: a different function, shown for its speed only
    isMurmur3: false,
    sum(keys, n, seed) {
      const s = keys.strings;
      let sum = 0;
      for (let i = 0; i < n; i++) sum = (sum + murmurhash.v2(s[i], seed)) >>> 0;
      return sum;
    },
  },
  {
    name: "murmurhash3js-revisited", // x86.hash32 on bytes, with its default input validation
    isMurmur3: true,
    sum(keys, n, seed) {
      const v = keys.views;
      const hash32 = murmurHash3js.x86.hash32;
      let sum = 0;
      for (let i = 0; i < n; i++) sum = (sum + hash32(v[i], seed)) >>> 0;
      return sum;
    },
  },
];

// ---- Bloom filters ----

/** A peer's filter: add keys, count the keys it may contain. */
export interface PeerFilter {
  addAll(keys: readonly string[], n: number): void;
  hits(keys: readonly string[], n: number): number;
  /** Something read from the filter's bits, so building it cannot be skipped. */
  checksum(): number;
}

export interface BloomPeer {
  readonly name: string;
  /** An empty filter of `bits` bits probed by k hash functions. */
  create(bits: number, k: number): PeerFilter;
}

class FnvBloomPeer implements PeerFilter {
  private readonly filter: FnvBloomFilter;
  constructor(bits: number, k: number) {
    this.filter = new FnvBloomFilter(bits, k);
  }
  addAll(keys: readonly string[], n: number): void {
    const f = this.filter;
    for (let i = 0; i < n; i++) f.add(keys[i]);
  }
  hits(keys: readonly string[], n: number): number {
    const f = this.filter;
    let hits = 0;
    for (let i = 0; i < n; i++) if (f.test(keys[i])) hits++;
    return hits;
  }
  checksum(): number {
    return sumWords(this.filter.buckets);
  }
}

class BloomFiltersPeer implements PeerFilter {
  private readonly filter: InstanceType<typeof bloomFilters.BloomFilter>;
  constructor(bits: number, k: number) {
    this.filter = new bloomFilters.BloomFilter(bits, k);
  }
  addAll(keys: readonly string[], n: number): void {
    const f = this.filter;
    for (let i = 0; i < n; i++) f.add(keys[i]);
  }
  hits(keys: readonly string[], n: number): number {
    const f = this.filter;
    let hits = 0;
    for (let i = 0; i < n; i++) if (f.has(keys[i])) hits++;
    return hits;
  }
  checksum(): number {
    return this.filter.length; // bits set
  }
}

export const bloomPeers: readonly BloomPeer[] = [
  { name: "bloomfilter", create: (bits, k) => new FnvBloomPeer(bits, k) },
  { name: "bloom-filters", create: (bits, k) => new BloomFiltersPeer(bits, k) },
];

// ---- CRC32C ----

/** CRC32C of blocks 0..n-1 (cycling through `blocks`), summed mod 2^32. */
export interface CrcPeer {
  readonly name: string;
  sum(blocks: readonly Uint8Array[], n: number): number;
}

export const crcPeers: readonly CrcPeer[] = [
  {
    name: "crc-32/crc32c",
    sum(blocks, n) {
      const m = blocks.length;
      let sum = 0;
      for (let i = 0; i < n; i++) sum = (sum + (crc32cSheetJs.buf(blocks[i % m], 0) >>> 0)) >>> 0;
      return sum;
    },
  },
  {
    name: "@aws-crypto/crc32c",
    sum(blocks, n) {
      const m = blocks.length;
      let sum = 0;
      for (let i = 0; i < n; i++) sum = (sum + awsCrc32c(blocks[i % m])) >>> 0;
      return sum;
    },
  },
];
