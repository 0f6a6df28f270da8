// A Bloom filter over a MemTable's user keys, in memory only (RocksDB's
// memtable_whole_key_filtering): once the tables hold most keys, most gets look up a key the
// MemTable does not hold, and the filter answers those without the skip list's search of about
// log2(entries) key compares (README "Database workloads": the read path). Never written to disk, so
// its layout is free: a power-of-two bit array, probed K times by double hashing of one murmur3
// (the delta is the hash rotated by 17 bits, as LevelDB's bloom.cc derives its probes).

import { murmur3Range } from "../kernels/js.js";

const K = 3;
const SEED = 0x9747b28c;

export class MemTableFilter {
  private readonly words: Int32Array;
  private readonly mask: number;

  /** A filter of about `bytes` bytes (rounded up to a power of two, at least 64). */
  constructor(bytes: number) {
    let bits = 512;
    while (bits < bytes * 8 && bits < 2 ** 30) bits *= 2;
    this.words = new Int32Array(bits >>> 5);
    this.mask = bits - 1;
  }

  add(key: Uint8Array): void {
    let h = murmur3Range(key, 0, key.length, SEED);
    const delta = (h >>> 17) | (h << 15);
    for (let i = 0; i < K; i++, h = (h + delta) | 0) {
      const bit = h & this.mask;
      this.words[bit >>> 5] |= 1 << (bit & 31);
    }
  }

  /** False only when key was never added. */
  mayContain(key: Uint8Array): boolean {
    let h = murmur3Range(key, 0, key.length, SEED);
    const delta = (h >>> 17) | (h << 15);
    for (let i = 0; i < K; i++, h = (h + delta) | 0) {
      const bit = h & this.mask;
      if ((this.words[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
