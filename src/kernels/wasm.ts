// The wasm implementation of the kernel interface: the one place that knows the module's ABI
// (assembly/index.ts). It runs wherever WebAssembly does; reading build/kernels.wasm from disk is
// node.ts's job. Each call copies its inputs into memory with one set per buffer, makes one call
// per batch or per block, and copies results out, so nothing handed back aliases wasm memory.

import {
  BlockFormatError, SHORT_KEY_MESSAGE, SeekStatus, blockCapacity, checkBlockOptions, maxEntryBytes, packedCount,
} from "./types.js";
import type { BlockEntry, IndexEntry, KeyOrder, Kernels, LoadedBlock, LoadedFilter, MergedOrder, PackedBytes } from "./types.js";
import { SnappyFormatError, SnappyStatus, snappyUncompressedLength } from "./snappy.js";
import { WasmHeap, type LinearMemory } from "./wasm-heap.js";

/** The module's exports; every parameter is an i32 (pointers, lengths, counts). */
export interface KernelExports {
  readonly memory: LinearMemory;
  heapBase(): number;
  murmur3(ptr: number, len: number, seed: number): number;
  murmur3Batch(bytes: number, offsets: number, count: number, seed: number, out: number): void;
  bloomHashBatch(bytes: number, offsets: number, count: number, out: number): void;
  bloomBuild(bytes: number, offsets: number, count: number, filter: number, numLines: number, k: number): void;
  bloomProbe(filter: number, numLines: number, k: number, key: number, len: number): number;
  bloomProbeBatch(filter: number, numLines: number, k: number, bytes: number, offsets: number, count: number, out: number): number;
  crc32cExtend(crc: number, ptr: number, len: number): number;
  crc32cMask(crc: number): number;
  crc32cUnmask(masked: number): number;
  blockBuild(
    keyBytes: number, keyOffsets: number, valueBytes: number, valueOffsets: number,
    first: number, count: number, restartInterval: number, targetSize: number,
    out: number, restarts: number, result: number,
  ): number;
  blockSeek(block: number, len: number, target: number, targetLen: number, order: number, keyOut: number, result: number): number;
  indexSeek(block: number, len: number, target: number, targetLen: number, order: number, keyOut: number, result: number): number;
  compareKeys(a: number, alen: number, b: number, blen: number, order: number): number;
  varint32Put(p: number, v: number): number;
  varint64Put(p: number, lo: number, hi: number): number;
  varint32Get(p: number, limit: number, out: number): number;
  varint64Get(p: number, limit: number, out: number): number;
  snappyUncompressedLength(src: number, srcLen: number, out: number): number;
  snappyDecompress(src: number, srcLen: number, dst: number, dstLen: number): number;
  mergeRuns(runs: number, k: number, heads: number, order: number, sameUserKey: number): number;
}

// Result slots written by blockSeek / indexSeek (assembly/search.ts), as u32 indexes.
const R_ENTRY = 0, R_NEXT = 1, R_KEY_LEN = 2, R_VALUE = 3, R_VALUE_LEN = 4, R_HANDLE = 5;
const RESULT_BYTES = 64;

const align8 = (n: number) => (n + 7) & ~7;

/** Lays packed batches out in one scratch region: offsets (4-aligned) then bytes, per batch. */
function packedBytesNeeded(p: PackedBytes): number {
  return align8(p.offsets.length * 4) + align8(p.bytes.length);
}

/** Copies a packed batch to ptr; returns [bytesPtr, offsetsPtr, next free ptr]. */
function putPacked(heap: WasmHeap, p: PackedBytes, ptr: number): [number, number, number] {
  const offsetsPtr = ptr;
  const bytesPtr = ptr + align8(p.offsets.length * 4);
  heap.u32().set(p.offsets, offsetsPtr >>> 2);
  heap.u8().set(p.bytes, bytesPtr);
  return [bytesPtr, offsetsPtr, bytesPtr + align8(p.bytes.length)];
}

export class WasmKernels implements Kernels {
  readonly name = "wasm" as const;
  readonly heap: WasmHeap;

  constructor(readonly exports: KernelExports) {
    this.heap = new WasmHeap(exports.memory, exports.heapBase());
  }

  private putBytes(b: Uint8Array, extra = 0): number {
    const ptr = this.heap.scratch(b.length + extra);
    this.heap.u8().set(b, ptr);
    return ptr;
  }

  murmur3(key: Uint8Array, seed: number): number {
    return this.exports.murmur3(this.putBytes(key), key.length, seed) >>> 0;
  }

  murmur3Batch(keys: PackedBytes, seed: number, out?: Uint32Array): Uint32Array {
    const count = packedCount(keys);
    const result = out ?? new Uint32Array(count);
    const base = this.heap.scratch(packedBytesNeeded(keys) + count * 4);
    const [bytes, offsets, outPtr] = putPacked(this.heap, keys, base);
    this.exports.murmur3Batch(bytes, offsets, count, seed, outPtr);
    result.set(this.heap.u32().subarray(outPtr >>> 2, (outPtr >>> 2) + count));
    return result;
  }

  bloomHashBatch(keys: PackedBytes, out?: Uint32Array): Uint32Array {
    const count = packedCount(keys);
    const result = out ?? new Uint32Array(count * 2);
    const base = this.heap.scratch(packedBytesNeeded(keys) + count * 8);
    const [bytes, offsets, outPtr] = putPacked(this.heap, keys, base);
    this.exports.bloomHashBatch(bytes, offsets, count, outPtr);
    result.set(this.heap.u32().subarray(outPtr >>> 2, (outPtr >>> 2) + count * 2));
    return result;
  }

  bloomBuild(keys: PackedBytes, numLines: number, k: number): Uint8Array {
    const filterBytes = numLines * 64;
    const base = this.heap.scratch(filterBytes + packedBytesNeeded(keys));
    const [bytes, offsets] = putPacked(this.heap, keys, base + filterBytes);
    this.exports.bloomBuild(bytes, offsets, packedCount(keys), base, numLines, k);
    return this.heap.u8().slice(base, base + filterBytes);
  }

  loadFilter(lines: Uint8Array, numLines: number, k: number): LoadedFilter {
    if (lines.length < numLines * 64) throw new RangeError(`filter has ${lines.length} bytes, needs ${numLines * 64}`);
    return new WasmFilter(this, lines.subarray(0, numLines * 64), numLines, k);
  }

  crc32c(data: Uint8Array, crc = 0): number {
    return this.exports.crc32cExtend(crc, this.putBytes(data), data.length) >>> 0;
  }

  buildBlocks(keys: PackedBytes, values: PackedBytes, options: { restartInterval?: number; targetSize?: number },
    sink: (block: Uint8Array, first: number, count: number) => void): number {
    const { restartInterval, targetSize } = checkBlockOptions(options);
    const count = packedCount(keys);
    if (packedCount(values) !== count) throw new RangeError(`${count} keys but ${packedCount(values)} values`);
    const maxEntry = maxEntryBytes(keys, values);
    const inputs = packedBytesNeeded(keys) + packedBytesNeeded(values);
    const outCap = align8(blockCapacity(keys, values, 0, count, targetSize, maxEntry));
    const restartsCap = align8((Math.floor(Math.min(count, outCap / 3) / restartInterval) + 2) * 4);
    // Not scratch: the sink may call other kernels, which reuse the scratch region.
    const base = this.heap.alloc(inputs + outCap + restartsCap + RESULT_BYTES);
    try {
      const [kb, ko, next] = putPacked(this.heap, keys, base);
      const [vb, vo, out] = putPacked(this.heap, values, next);
      const restarts = out + outCap;
      const result = restarts + restartsCap;
      let first = 0;
      let blocks = 0;
      do {
        const consumed = this.exports.blockBuild(kb, ko, vb, vo, first, count - first, restartInterval, targetSize, out, restarts, result);
        const len = this.heap.u32()[result >>> 2];
        sink(this.heap.u8().slice(out, out + len), first, consumed);
        first += consumed;
        blocks++;
      } while (first < count);
      return blocks;
    } finally {
      this.heap.release(base);
    }
  }

  loadBlock(contents: Uint8Array): LoadedBlock {
    return new WasmBlock(this, contents);
  }

  snappyDecompress(input: Uint8Array): Uint8Array {
    // The preamble's checks run here, before the output is sized: they refuse a length over 1 GiB
    // or over 64/3 of the input (what copy-2 elements at most expand to), so a corrupt length can
    // never make memory grow beyond ~22x the input. The module checks them again itself.
    const length = snappyUncompressedLength(input);
    const src = this.heap.scratch(align8(input.length) + length);
    const dst = src + align8(input.length);
    this.heap.u8().set(input, src);
    const status = this.exports.snappyDecompress(src, input.length, dst, length);
    if (status !== SnappyStatus.OK) throw new SnappyFormatError(status);
    return this.heap.u8().slice(dst, dst + length);
  }

  mergeRuns(runs: readonly PackedBytes[]): MergedOrder {
    // assembly/merge.ts: a table of 4 u32 per run (bytes base, offsets, count, first index), the
    // heads (3 u32 per run), then each run's offsets and bytes, then the order and the flags
    const k = runs.length;
    const tableBytes = align8(k * 16), headsBytes = align8(k * 12);
    let total = 0;
    let need = tableBytes + headsBytes;
    for (const r of runs) {
      const count = packedCount(r);
      total += count;
      need += align8((count + 1) * 4) + align8(r.offsets[count] - r.offsets[0]);
    }
    const base = this.heap.scratch(need + align8(total * 4) + total);
    const u32 = this.heap.u32(), u8 = this.heap.u8(); // after scratch(), which may grow memory
    const table = base >>> 2;
    let p = base + tableBytes + headsBytes;
    let first = 0;
    for (let r = 0; r < k; r++) {
      const { bytes, offsets } = runs[r];
      const count = packedCount(runs[r]);
      const lo = offsets[0], hi = offsets[count];
      u32.set(offsets, p >>> 2);
      const bytesPtr = p + align8((count + 1) * 4);
      u8.set(bytes.subarray(lo, hi), bytesPtr);
      // the offsets stay as they are; the base makes base + offsets[i] the key's address
      u32[table + 4 * r] = (bytesPtr - lo) >>> 0;
      u32[table + 4 * r + 1] = p;
      u32[table + 4 * r + 2] = count;
      u32[table + 4 * r + 3] = first;
      first += count;
      p = bytesPtr + align8(hi - lo);
    }
    const order = p, same = p + align8(total * 4);
    const n = this.exports.mergeRuns(base, k, base + tableBytes, order, same);
    if (n < 0) throw new RangeError(SHORT_KEY_MESSAGE);
    return {
      order: new Int32Array(this.heap.u32().buffer.slice(order, order + total * 4)),
      sameUserKey: this.heap.u8().slice(same, same + total),
    };
  }
}

class WasmFilter implements LoadedFilter {
  private ptr: number;

  constructor(
    private readonly kernels: WasmKernels,
    lines: Uint8Array,
    readonly numLines: number,
    readonly k: number,
  ) {
    this.ptr = kernels.heap.alloc(lines.length);
    kernels.heap.u8().set(lines, this.ptr);
  }

  mayContain(key: Uint8Array): boolean {
    const heap = this.kernels.heap;
    const keyPtr = heap.scratch(key.length);
    heap.u8().set(key, keyPtr);
    return this.kernels.exports.bloomProbe(this.live(), this.numLines, this.k, keyPtr, key.length) !== 0;
  }

  mayContainBatch(keys: PackedBytes, out: Uint8Array): number {
    const count = packedCount(keys);
    const heap = this.kernels.heap;
    const base = heap.scratch(packedBytesNeeded(keys) + count);
    const [bytes, offsets, outPtr] = putPacked(heap, keys, base);
    const hits = this.kernels.exports.bloomProbeBatch(this.live(), this.numLines, this.k, bytes, offsets, count, outPtr);
    out.set(heap.u8().subarray(outPtr, outPtr + count));
    return hits;
  }

  release(): void {
    if (this.ptr !== 0) this.kernels.heap.release(this.ptr);
    this.ptr = 0;
  }

  private live(): number {
    if (this.ptr === 0) throw new Error("filter used after release()");
    return this.ptr;
  }
}

class WasmBlock implements LoadedBlock {
  private ptr: number;

  constructor(
    private readonly kernels: WasmKernels,
    readonly contents: Uint8Array,
  ) {
    this.ptr = kernels.heap.alloc(contents.length);
    kernels.heap.u8().set(contents, this.ptr);
  }

  seek(target: Uint8Array, order: KeyOrder): BlockEntry | null {
    return this.run(target, order, false);
  }

  seekIndex(target: Uint8Array, order: KeyOrder): IndexEntry | null {
    return this.run(target, order, true) as IndexEntry | null;
  }

  release(): void {
    if (this.ptr !== 0) this.kernels.heap.release(this.ptr);
    this.ptr = 0;
  }

  private run(target: Uint8Array, order: KeyOrder, index: boolean): BlockEntry | IndexEntry | null {
    if (this.ptr === 0) throw new Error("block used after release()");
    const { heap, exports } = this.kernels;
    const len = this.contents.length;
    // scratch: result slots, then the key buffer (as long as the block), then the target
    const result = heap.scratch(RESULT_BYTES + align8(len) + target.length);
    const keyOut = result + RESULT_BYTES;
    const targetPtr = keyOut + align8(len);
    heap.u8().set(target, targetPtr);
    const seek = index ? exports.indexSeek : exports.blockSeek;
    const status = seek(this.ptr, len, targetPtr, target.length, order, keyOut, result);
    if (status === SeekStatus.PAST_END) return null;
    if (status !== SeekStatus.FOUND) throw new BlockFormatError(status);
    const u32 = heap.u32();
    const r = result >>> 2; // no subarray: a view per call costs more than the reads
    const key = heap.u8().slice(keyOut, keyOut + u32[r + R_KEY_LEN]);
    const offset0 = u32[r + R_ENTRY], next = u32[r + R_NEXT], valueOffset = u32[r + R_VALUE], valueLength = u32[r + R_VALUE_LEN];
    if (!index) return { key, offset: offset0, nextOffset: next, valueOffset, valueLength };
    const offset = u32[r + R_HANDLE + 1] * 0x100000000 + u32[r + R_HANDLE];
    const size = u32[r + R_HANDLE + 3] * 0x100000000 + u32[r + R_HANDLE + 2];
    if (offset > Number.MAX_SAFE_INTEGER || size > Number.MAX_SAFE_INTEGER) throw new BlockFormatError(SeekStatus.ERR_HANDLE);
    // a literal, not a spread: V8 spends ~850 ns copying an object by spread on this path
    return { key, offset: offset0, nextOffset: next, valueOffset, valueLength, handle: { offset, size } };
  }
}

/**
 * Instantiates the kernels module (it has no imports) from its compiled bytes. The parameter is
 * DOM's BufferSource spelled out, so that the declaration checks without the DOM lib (LinearMemory).
 */
export function createWasmKernels(bytes: ArrayBuffer | ArrayBufferView<ArrayBuffer>): WasmKernels {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  return new WasmKernels(instance.exports as unknown as KernelExports);
}
