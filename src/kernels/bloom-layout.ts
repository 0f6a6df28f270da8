// The shape of our Bloom filter (FORMAT.md, "Filter block"), shared by both kernel paths and the
// table code. The seeds and step constant are mirrored in assembly/bloom.ts.

export const BLOOM_LINE_BYTES = 64;
export const BLOOM_LINE_BITS = 512;
export const BLOOM_SEED_LINE = 0x9747b28c;
export const BLOOM_SEED_BITS = 0xbc9f1d34;
export const BLOOM_STEP = 0x9e3779b9;
export const DEFAULT_BITS_PER_KEY = 10;

export interface BloomShape {
  readonly numLines: number;
  readonly k: number;
}

/**
 * Probes per key for a 512-bit-line filter. The blocked layout packs keys unevenly into lines, so
 * its best k sits below the classic ln 2 * bits per key: 6 at 10 bits per key, as in RocksDB's
 * FastLocalBloom; measured in test/bloom-fpr.test.ts.
 */
export function bloomProbes(bitsPerKey: number): number {
  return Math.min(24, Math.max(1, Math.round(bitsPerKey * 0.6 - 0.01)));
}

/** Lines for `keys` keys at `bitsPerKey` bits each; never fewer than one line. */
export function bloomShape(keys: number, bitsPerKey = DEFAULT_BITS_PER_KEY): BloomShape {
  if (!Number.isInteger(keys) || keys < 0) throw new RangeError(`bloom keys must be a whole number >= 0, got ${keys}`);
  if (!(bitsPerKey >= 1 && bitsPerKey <= 64)) throw new RangeError(`bits per key must be 1..64, got ${bitsPerKey}`);
  const numLines = Math.max(1, Math.ceil((keys * bitsPerKey) / BLOOM_LINE_BITS));
  return { numLines, k: bloomProbes(bitsPerKey) };
}
