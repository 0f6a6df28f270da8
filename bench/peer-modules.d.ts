// Minimal types for the npm peers that ship none: only what bench/peers.ts calls.
// (murmurhash, bloom-filters and @aws-crypto/crc32c ship their own.)

declare module "murmurhash3js-revisited" {
  const murmurHash3: {
    /** Validate input bytes on every call (the package default: true). */
    inputValidation: boolean;
    x86: { hash32(bytes: Uint8Array, seed?: number): number };
  };
  export default murmurHash3;
}

declare module "bloomfilter" {
  export class BloomFilter {
    /** m bits (rounded up to 32), k hash functions. */
    constructor(m: number, k: number);
    readonly buckets: Uint32Array;
    add(v: string): void;
    test(v: string): boolean;
  }
}

declare module "crc-32/crc32c.js" {
  const CRC32C: {
    /** CRC32C of data continuing from seed, as a signed 32-bit number. */
    buf(data: Uint8Array, seed?: number): number;
  };
  export default CRC32C;
}
