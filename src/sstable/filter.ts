// The filter meta block (FORMAT.md "Filter block"): one cache-local Bloom filter for the whole
// table, over user keys, built by the Bloom kernel.
//
//   filter block := line[numLines] layout:u8 k:u8 bitsPerKey:u8 reserved:u8(0) numLines:fixed32
//   line         := 64 bytes (512 bits; bit b is bit b & 7 of byte b >> 3)
//
// It sits in the metaindex under "filter." + FILTER_POLICY_NAME. LevelDB and RocksDB look only for
// their own policies' names, so they skip it and read through the index.

import { decodeFixed32, encodeFixed32 } from "../kernels/coding.js";
import { BLOOM_LINE_BYTES, type BloomShape } from "../kernels/bloom-layout.js";
import { CorruptionError } from "./errors.js";

export const FILTER_POLICY_NAME = "wasm-lsm.BlockedBloom512";
export const FILTER_META_NAME = `filter.${FILTER_POLICY_NAME}`;
export const FILTER_TRAILER_SIZE = 8;
/** Layout 1: 512-bit lines, murmur3 x86_32 under two seeds (assembly/bloom.ts). */
export const FILTER_LAYOUT = 1;
const MAX_K = 30;

export interface FilterBlock extends BloomShape {
  readonly lines: Uint8Array;
  readonly bitsPerKey: number;
}

export function encodeFilterBlock(lines: Uint8Array, shape: BloomShape, bitsPerKey: number): Uint8Array {
  const out = new Uint8Array(lines.length + FILTER_TRAILER_SIZE);
  out.set(lines);
  const t = lines.length;
  out[t] = FILTER_LAYOUT;
  out[t + 1] = shape.k;
  out[t + 2] = bitsPerKey;
  out[t + 3] = 0;
  encodeFixed32(out, t + 4, shape.numLines);
  return out;
}

/** Parses a filter block read from `file` at `offset`; throws CorruptionError naming the check. */
export function decodeFilterBlock(file: string, offset: number, block: Uint8Array): FilterBlock {
  const fail = (check: string) => new CorruptionError(file, offset, `filter block: ${check}`);
  if (block.length < FILTER_TRAILER_SIZE) throw fail(`${block.length} bytes is shorter than its trailer`);
  const t = block.length - FILTER_TRAILER_SIZE;
  const layout = block[t];
  const k = block[t + 1];
  const bitsPerKey = block[t + 2];
  const numLines = decodeFixed32(block, t + 4);
  if (layout !== FILTER_LAYOUT) throw fail(`unknown layout ${layout}`);
  if (k < 1 || k > MAX_K) throw fail(`k = ${k} is outside 1..${MAX_K}`);
  if (numLines < 1 || numLines * BLOOM_LINE_BYTES !== t) throw fail(`${numLines} lines do not fill ${t} bytes`);
  return { lines: block.subarray(0, t), numLines, k, bitsPerKey };
}

/**
 * The chance that a key not in the set passes the filter, from the filter's own bits: a probe
 * picks one line and checks k of its bits, so it passes with (ones in line / 512)^k, averaged over
 * lines. Deterministic, so it can be a table property.
 */
export function estimateFalsePositiveRate(lines: Uint8Array, k: number): number {
  const numLines = lines.length / BLOOM_LINE_BYTES;
  let sum = 0;
  for (let line = 0; line < numLines; line++) {
    let ones = 0;
    for (let i = line * BLOOM_LINE_BYTES, end = i + BLOOM_LINE_BYTES; i < end; i++) ones += POPCOUNT[lines[i]];
    sum += (ones / 512) ** k;
  }
  return numLines === 0 ? 0 : sum / numLines;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x !== 0; x &= x - 1) n++;
  return n;
});
