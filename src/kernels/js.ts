// The pure-TypeScript twins of the wasm kernels (assembly/): the same algorithms, written as well as
// plain JS allows. They are the reference the differential tests compare against, the fallback
// (`--kernels js`) and the baseline of the microbenchmarks. Every function here must give the same
// bytes as its twin in assembly/, named in each comment.

import { BLOOM_SEED_BITS, BLOOM_SEED_LINE, BLOOM_STEP } from "./bloom-layout.js";
import { decoded, getVarint32, getVarint64, putVarint32 } from "./coding.js";
import { snappyDecompressJs } from "./snappy.js";
import {
  BLOCK_TRAILER_SIZE,
  BlockFormatError,
  KeyOrder,
  SHORT_KEY_MESSAGE,
  SeekStatus,
  blockCapacity,
  checkBlockOptions,
  maxEntryBytes,
  packedCount,
} from "./types.js";
import type {
  BlockEntry,
  BlockOptions,
  BlockSink,
  IndexEntry,
  Kernels,
  LoadedBlock,
  LoadedFilter,
  MergedOrder,
  PackedBytes,
} from "./types.js";

// ---- murmur3 x86_32 (assembly/murmur3.ts) ----

function scramble(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function tailWord(b: Uint8Array, p: number, rem: number): number {
  let k = 0;
  if (rem >= 3) k |= b[p + 2] << 16;
  if (rem >= 2) k |= b[p + 1] << 8;
  return k | b[p];
}

/** murmur3 x86_32 of b[start .. end). */
export function murmur3Range(b: Uint8Array, start: number, end: number, seed: number): number {
  let h = seed | 0;
  const len = end - start;
  const blocksEnd = start + (len & ~3);
  let p = start;
  while (p < blocksEnd) {
    const k = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
    h ^= scramble(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    p += 4;
  }
  const rem = len & 3;
  if (rem !== 0) h ^= scramble(tailWord(b, p, rem));
  return fmix32(h ^ len);
}

// The pair hash (assembly/murmur3.ts murmur3Pair): both seeds in one pass; results in pairOut.
const pairOut = new Uint32Array(2);
function murmur3Pair(b: Uint8Array, start: number, end: number): void {
  let ha = BLOOM_SEED_LINE | 0;
  let hb = BLOOM_SEED_BITS | 0;
  const len = end - start;
  const blocksEnd = start + (len & ~3);
  let p = start;
  while (p < blocksEnd) {
    const k = scramble(b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24));
    ha ^= k;
    ha = (ha << 13) | (ha >>> 19);
    ha = (Math.imul(ha, 5) + 0xe6546b64) | 0;
    hb ^= k;
    hb = (hb << 13) | (hb >>> 19);
    hb = (Math.imul(hb, 5) + 0xe6546b64) | 0;
    p += 4;
  }
  const rem = len & 3;
  if (rem !== 0) {
    const k = scramble(tailWord(b, p, rem));
    ha ^= k;
    hb ^= k;
  }
  pairOut[0] = fmix32(ha ^ len);
  pairOut[1] = fmix32(hb ^ len);
}

// ---- Bloom filter (assembly/bloom.ts) ----

/** Byte offset of the line a hash picks: (hash * numLines) >> 32, in two exact 48-bit halves. */
function lineOf(hashLine: number, numLines: number): number {
  const hi = (hashLine >>> 16) * numLines;
  const lo = (hashLine & 0xffff) * numLines;
  return Math.floor((hi + Math.floor(lo / 0x10000)) / 0x10000) * 64;
}

function addHash(lines: Uint8Array, numLines: number, k: number, hashLine: number, hashBits: number): void {
  const line = lineOf(hashLine, numLines);
  let h = hashBits;
  for (let i = 0; i < k; i++) {
    const bit = h >>> 23;
    lines[line + (bit >>> 3)] |= 1 << (bit & 7);
    h = Math.imul(h, BLOOM_STEP);
  }
}

function probeHash(lines: Uint8Array, numLines: number, k: number, hashLine: number, hashBits: number): boolean {
  const line = lineOf(hashLine, numLines);
  let h = hashBits;
  for (let i = 0; i < k; i++) {
    const bit = h >>> 23;
    if ((lines[line + (bit >>> 3)] & (1 << (bit & 7))) === 0) return false;
    h = Math.imul(h, BLOOM_STEP);
  }
  return true;
}

class JsFilter implements LoadedFilter {
  constructor(
    private readonly lines: Uint8Array,
    readonly numLines: number,
    readonly k: number,
  ) {}

  mayContain(key: Uint8Array): boolean {
    murmur3Pair(key, 0, key.length);
    return probeHash(this.lines, this.numLines, this.k, pairOut[0], pairOut[1]);
  }

  mayContainBatch(keys: PackedBytes, out: Uint8Array): number {
    const { bytes, offsets } = keys;
    const count = packedCount(keys);
    let hits = 0;
    for (let i = 0; i < count; i++) {
      murmur3Pair(bytes, offsets[i], offsets[i + 1]);
      const hit = probeHash(this.lines, this.numLines, this.k, pairOut[0], pairOut[1]) ? 1 : 0;
      out[i] = hit;
      hits += hit;
    }
    return hits;
  }

  release(): void {}
}

// ---- CRC32C, slicing-by-16 (assembly/crc32c.ts) ----

const CRC_TABLES = (() => {
  const t = new Int32Array(16 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let j = 0; j < 8; j++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[b] = c;
  }
  for (let i = 256; i < 16 * 256; i++) t[i] = (t[i - 256] >>> 8) ^ t[t[i - 256] & 0xff];
  return t;
})();

export function crc32cJs(data: Uint8Array, crc = 0): number {
  const t = CRC_TABLES;
  let c = ~crc;
  let p = 0;
  const end = data.length;
  const end16 = end & ~15;
  while (p < end16) {
    const a = (data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24)) ^ c;
    const b = data[p + 4] | (data[p + 5] << 8) | (data[p + 6] << 16) | (data[p + 7] << 24);
    const d = data[p + 8] | (data[p + 9] << 8) | (data[p + 10] << 16) | (data[p + 11] << 24);
    const e = data[p + 12] | (data[p + 13] << 8) | (data[p + 14] << 16) | (data[p + 15] << 24);
    c =
      t[0xf00 | (a & 0xff)] ^ t[0xe00 | ((a >>> 8) & 0xff)] ^ t[0xd00 | ((a >>> 16) & 0xff)] ^ t[0xc00 | (a >>> 24)] ^
      t[0xb00 | (b & 0xff)] ^ t[0xa00 | ((b >>> 8) & 0xff)] ^ t[0x900 | ((b >>> 16) & 0xff)] ^ t[0x800 | (b >>> 24)] ^
      t[0x700 | (d & 0xff)] ^ t[0x600 | ((d >>> 8) & 0xff)] ^ t[0x500 | ((d >>> 16) & 0xff)] ^ t[0x400 | (d >>> 24)] ^
      t[0x300 | (e & 0xff)] ^ t[0x200 | ((e >>> 8) & 0xff)] ^ t[0x100 | ((e >>> 16) & 0xff)] ^ t[e >>> 24];
    p += 16;
  }
  while (p < end) c = (c >>> 8) ^ t[(c ^ data[p++]) & 0xff];
  return ~c >>> 0;
}

/** LevelDB's mask (FORMAT.md, "Block trailer"): rotate right 15, add 0xa282ead8. */
export function crc32cMask(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export function crc32cUnmask(masked: number): number {
  const rot = (masked - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

// ---- Key order (assembly/compare.ts) ----

export function compareBytes(a: Uint8Array, as: number, alen: number, b: Uint8Array, bs: number, blen: number): number {
  const n = alen < blen ? alen : blen;
  for (let i = 0; i < n; i++) {
    const d = a[as + i] - b[bs + i];
    if (d !== 0) return d;
  }
  return alen < blen ? -1 : alen > blen ? 1 : 0;
}

export function compareKeys(a: Uint8Array, as: number, alen: number, b: Uint8Array, bs: number, blen: number, order: KeyOrder): number {
  if (order === KeyOrder.BYTEWISE || alen < 8 || blen < 8) return compareBytes(a, as, alen, b, bs, blen);
  const c = compareBytes(a, as, alen - 8, b, bs, blen - 8);
  if (c !== 0) return c;
  // trailers as u64 little endian, compared high word first, descending
  for (let i = 7; i >= 0; i--) {
    const d = a[as + alen - 8 + i] - b[bs + blen - 8 + i];
    if (d !== 0) return d > 0 ? -1 : 1;
  }
  return 0;
}

// ---- Merge of sorted runs (assembly/merge.ts) ----

const NO_BYTES = new Uint8Array(0);

/** The twin of assembly/merge.ts mergeRuns: the same head scan, so the same order for any input. */
export function mergeRunsJs(runs: readonly PackedBytes[]): MergedOrder {
  const k = runs.length;
  const firsts = new Int32Array(k);
  let total = 0;
  for (let r = 0; r < k; r++) {
    const o = runs[r].offsets;
    const count = packedCount(runs[r]);
    for (let i = 0; i < count; i++) if (o[i + 1] - o[i] < 8) throw new RangeError(SHORT_KEY_MESSAGE);
    firsts[r] = total;
    total += count;
  }
  const cursors = new Int32Array(k);
  const order = new Int32Array(total);
  const sameUserKey = new Uint8Array(total);
  let prevBytes: Uint8Array | null = null;
  let prevStart = 0, prevLen = 0;
  for (let n = 0; ; n++) {
    let best = -1;
    let bestBytes: Uint8Array = NO_BYTES;
    let bestStart = 0, bestLen = 0;
    for (let r = 0; r < k; r++) {
      const c = cursors[r];
      const { bytes, offsets } = runs[r];
      if (c + 1 >= offsets.length) continue;
      const s = offsets[c], len = offsets[c + 1] - s;
      if (best < 0 || compareKeys(bytes, s, len, bestBytes, bestStart, bestLen, KeyOrder.INTERNAL) < 0) {
        best = r;
        bestBytes = bytes;
        bestStart = s;
        bestLen = len;
      }
    }
    if (best < 0) break;
    order[n] = firsts[best] + cursors[best]++;
    if (prevBytes !== null) sameUserKey[n] = compareBytes(bestBytes, bestStart, bestLen - 8, prevBytes, prevStart, prevLen - 8) === 0 ? 1 : 0;
    prevBytes = bestBytes;
    prevStart = bestStart;
    prevLen = bestLen;
  }
  return { order, sameUserKey };
}

// ---- Block builder (assembly/block.ts) ----

function sharedPrefix(b: Uint8Array, a0: number, alen: number, b0: number, blen: number): number {
  const n = alen < blen ? alen : blen;
  let i = 0;
  while (i < n && b[a0 + i] === b[b0 + i]) i++;
  return i;
}

/** One block from entries first.. (see assembly/block.ts blockBuild); returns [block, consumed]. */
function buildBlock(
  keys: PackedBytes, values: PackedBytes, first: number, count: number, restartInterval: number, targetSize: number,
  maxEntry: number,
): [Uint8Array, number] {
  const out = new Uint8Array(blockCapacity(keys, values, first, count, targetSize, maxEntry));
  const restarts: number[] = [];
  const kb = keys.bytes, ko = keys.offsets, vb = values.bytes, vo = values.offsets;
  let p = 0;
  let consumed = 0;
  let prevKey = 0, prevLen = 0;
  while (consumed < count) {
    const i = first + consumed;
    const key = ko[i], keyLen = ko[i + 1] - key;
    const value = vo[i], valueLen = vo[i + 1] - value;
    let shared = 0;
    if (consumed % restartInterval === 0) restarts.push(p);
    else shared = sharedPrefix(kb, prevKey, prevLen, key, keyLen);
    p += putVarint32(out, p, shared);
    p += putVarint32(out, p, keyLen - shared);
    p += putVarint32(out, p, valueLen);
    out.set(kb.subarray(key + shared, key + keyLen), p);
    p += keyLen - shared;
    out.set(vb.subarray(value, value + valueLen), p);
    p += valueLen;
    prevKey = key;
    prevLen = keyLen;
    consumed++;
    if (p + restarts.length * 4 + 4 >= targetSize) break;
  }
  if (restarts.length === 0) restarts.push(0);
  const view = new DataView(out.buffer);
  for (const r of restarts) {
    view.setUint32(p, r, true);
    p += 4;
  }
  view.setUint32(p, restarts.length, true);
  p += 4;
  out[p] = 0; // no compression
  view.setUint32(p + 1, crc32cMask(crc32cJs(out.subarray(0, p + 1))), true);
  return [out.subarray(0, p + BLOCK_TRAILER_SIZE), consumed];
}

// ---- Block seek (assembly/search.ts) ----

/** The last entry header entryHeader decoded. */
export const header = { shared: 0, unshared: 0, valueLength: 0 };

/**
 * Decodes the entry header at b[off] (entries end at limit) into `header`; returns the offset of
 * the entry's key delta, or 0 if the header or the bytes it claims run past limit.
 */
export function entryHeader(b: Uint8Array, off: number, limit: number): number {
  // Fast path, as LevelDB's DecodeEntry: all three lengths below 128 fit one byte each.
  if (off + 3 <= limit) {
    const x = b[off], y = b[off + 1], z = b[off + 2];
    if ((x | y | z) < 0x80) {
      header.shared = x;
      header.unshared = y;
      header.valueLength = z;
      return off + 3 + y + z > limit ? 0 : off + 3;
    }
  }
  let p = off;
  let n = getVarint32(b, p, limit);
  if (n === 0) return 0;
  header.shared = decoded.value;
  p += n;
  n = getVarint32(b, p, limit);
  if (n === 0) return 0;
  header.unshared = decoded.value;
  p += n;
  n = getVarint32(b, p, limit);
  if (n === 0) return 0;
  header.valueLength = decoded.value;
  p += n;
  return p + header.unshared + header.valueLength > limit ? 0 : p;
}

/** Where a block's entries end (its restart array starts), or a negative SeekStatus. */
export function entriesLimit(b: Uint8Array): number {
  const len = b.length;
  if (len < 4) return SeekStatus.ERR_RESTARTS;
  const numRestarts = (b[len - 4] | (b[len - 3] << 8) | (b[len - 2] << 16) | (b[len - 1] << 24)) >>> 0;
  if (numRestarts > (len - 4) >>> 2) return SeekStatus.ERR_RESTARTS;
  return len - 4 - numRestarts * 4;
}

class JsBlock implements LoadedBlock {
  private readonly keyBuf: Uint8Array;

  constructor(readonly contents: Uint8Array) {
    this.keyBuf = new Uint8Array(contents.length);
  }

  private seekRaw(target: Uint8Array, order: KeyOrder): number | BlockEntry {
    const b = this.contents;
    const limit = entriesLimit(b);
    if (limit < 0) return limit;
    const numRestarts = (b.length - 4 - limit) / 4;
    if (numRestarts === 0) return SeekStatus.PAST_END;
    const restart = (i: number) => {
      const q = limit + i * 4;
      return (b[q] | (b[q + 1] << 8) | (b[q + 2] << 16) | (b[q + 3] << 24)) >>> 0;
    };
    let left = 0;
    let right = numRestarts - 1;
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      const off = restart(mid);
      if (off >= limit) return SeekStatus.ERR_RESTART_OFFSET;
      const body = entryHeader(b, off, limit);
      if (body === 0 || header.shared !== 0) return SeekStatus.ERR_ENTRY;
      if (compareKeys(b, body, header.unshared, target, 0, target.length, order) < 0) left = mid;
      else right = mid - 1;
    }
    let off = restart(left);
    if (off > limit) return SeekStatus.ERR_RESTART_OFFSET;
    const key = this.keyBuf;
    let keyLen = 0;
    while (off < limit) {
      const body = entryHeader(b, off, limit);
      if (body === 0 || header.shared > keyLen) return SeekStatus.ERR_ENTRY;
      key.set(b.subarray(body, body + header.unshared), header.shared);
      keyLen = header.shared + header.unshared;
      const valueOffset = body + header.unshared;
      const nextOffset = valueOffset + header.valueLength;
      if (compareKeys(key, 0, keyLen, target, 0, target.length, order) >= 0) {
        return { key: key.slice(0, keyLen), offset: off, nextOffset, valueOffset, valueLength: header.valueLength };
      }
      off = nextOffset;
    }
    return SeekStatus.PAST_END;
  }

  seek(target: Uint8Array, order: KeyOrder): BlockEntry | null {
    const r = this.seekRaw(target, order);
    if (typeof r !== "number") return r;
    if (r === SeekStatus.PAST_END) return null;
    throw new BlockFormatError(r);
  }

  seekIndex(target: Uint8Array, order: KeyOrder): IndexEntry | null {
    const e = this.seek(target, order);
    if (e === null) return null;
    const end = e.valueOffset + e.valueLength;
    const n = getVarint64(this.contents, e.valueOffset, end);
    if (n === 0) throw new BlockFormatError(SeekStatus.ERR_HANDLE);
    const offset = decoded.value;
    if (getVarint64(this.contents, e.valueOffset + n, end) === 0) throw new BlockFormatError(SeekStatus.ERR_HANDLE);
    // a literal, not a spread: V8 spends ~850 ns copying an object by spread on this path
    return { key: e.key, offset: e.offset, nextOffset: e.nextOffset, valueOffset: e.valueOffset, valueLength: e.valueLength, handle: { offset, size: decoded.value } };
  }

  release(): void {}
}

export const jsKernels: Kernels = {
  name: "js",

  murmur3(key, seed) {
    return murmur3Range(key, 0, key.length, seed);
  },

  murmur3Batch(keys, seed, out) {
    const count = packedCount(keys);
    const result = out ?? new Uint32Array(count);
    const { bytes, offsets } = keys;
    for (let i = 0; i < count; i++) result[i] = murmur3Range(bytes, offsets[i], offsets[i + 1], seed);
    return result;
  },

  bloomHashBatch(keys, out) {
    const count = packedCount(keys);
    const result = out ?? new Uint32Array(count * 2);
    const { bytes, offsets } = keys;
    for (let i = 0; i < count; i++) {
      murmur3Pair(bytes, offsets[i], offsets[i + 1]);
      result[2 * i] = pairOut[0];
      result[2 * i + 1] = pairOut[1];
    }
    return result;
  },

  bloomBuild(keys, numLines, k) {
    const lines = new Uint8Array(numLines * 64);
    const { bytes, offsets } = keys;
    const count = packedCount(keys);
    for (let i = 0; i < count; i++) {
      murmur3Pair(bytes, offsets[i], offsets[i + 1]);
      addHash(lines, numLines, k, pairOut[0], pairOut[1]);
    }
    return lines;
  },

  loadFilter(lines, numLines, k) {
    if (lines.length < numLines * 64) throw new RangeError(`filter has ${lines.length} bytes, needs ${numLines * 64}`);
    return new JsFilter(lines, numLines, k);
  },

  crc32c: crc32cJs,

  buildBlocks(keys: PackedBytes, values: PackedBytes, options: BlockOptions, sink: BlockSink): number {
    const { restartInterval, targetSize } = checkBlockOptions(options);
    const count = packedCount(keys);
    if (packedCount(values) !== count) throw new RangeError(`${count} keys but ${packedCount(values)} values`);
    const maxEntry = maxEntryBytes(keys, values);
    let first = 0;
    let blocks = 0;
    do {
      const [block, consumed] = buildBlock(keys, values, first, count - first, restartInterval, targetSize, maxEntry);
      sink(block, first, consumed);
      first += consumed;
      blocks++;
    } while (first < count);
    return blocks;
  },

  loadBlock(contents) {
    return new JsBlock(contents);
  },

  snappyDecompress: snappyDecompressJs,

  mergeRuns: mergeRunsJs,
};
