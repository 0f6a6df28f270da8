// Property-based differential tests: for random inputs the wasm kernels and their TypeScript twins
// give identical hashes, filter bits, checksums, block bytes and seek results (errors included).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compareKeys as compareKeysJs, crc32cMask as maskJs, crc32cUnmask as unmaskJs } from "../../src/kernels/js.js";
import { decoded, getVarint32, getVarint64, putVarint32, putVarint64 } from "../../src/kernels/coding.js";
import { newWasmKernels } from "../../src/kernels/node.js";
import { packBytes } from "../../src/kernels/packed.js";
import { BLOCK_TRAILER_SIZE, KeyOrder, type Kernels, type PackedBytes } from "../../src/kernels/types.js";
import { hex, js, wasm } from "./kernels.js";
import type { WasmKernels } from "../../src/kernels/wasm.js";
import { soakSize } from "../support/soak.js";

const wasmK = wasm as WasmKernels;

// random cases per property: ten times as many under SOAK=1 (test/support/soak.ts)
const runs = (n: number) => ({ numRuns: soakSize(n, 10 * n) });
const RUNS = runs(200);
const bytes = (maxLength = 64) => fc.uint8Array({ maxLength });
const utf8Text = fc.string({ unit: "binary", maxLength: 40 }).map((s) => new TextEncoder().encode(s));
const keyBytes = fc.oneof(bytes(1), bytes(24), bytes(300), utf8Text);

/** Packs items into a buffer that starts at an odd offset inside a larger one, after junk bytes. */
function packUnaligned(items: Uint8Array[], lead: number): PackedBytes {
  const p = packBytes(items);
  const backing = new Uint8Array(lead + p.bytes.length + 3).fill(0xa5);
  backing.set(p.bytes, lead);
  const offsets = Int32Array.from(p.offsets, (o) => o + lead);
  return { bytes: backing, offsets };
}
const packed = fc.tuple(fc.array(keyBytes, { maxLength: 50 }), fc.nat(13)).map(([items, lead]) => packUnaligned(items, lead));

function blockEntries(k: Kernels, keys: Uint8Array[], values: Uint8Array[], restartInterval: number, targetSize?: number) {
  const blocks: [string, number, number][] = [];
  k.buildBlocks(packBytes(keys), packBytes(values), { restartInterval, targetSize }, (b, first, count) => blocks.push([hex(b), first, count]));
  return blocks;
}

function seekOutcome(k: Kernels, contents: Uint8Array, target: Uint8Array, order: KeyOrder, index: boolean) {
  const block = k.loadBlock(contents);
  try {
    const e = index ? block.seekIndex(target, order) : block.seek(target, order);
    return e === null ? null : { ...e, key: hex(e.key) };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    block.release();
  }
}

const sortedUnique = (items: Uint8Array[], cmp: (a: Uint8Array, b: Uint8Array) => number) => {
  const sorted = [...items].sort(cmp);
  return sorted.filter((x, i) => i === 0 || cmp(sorted[i - 1], x) !== 0);
};
const bytewise = (a: Uint8Array, b: Uint8Array) => compareKeysJs(a, 0, a.length, b, 0, b.length, KeyOrder.BYTEWISE);
const internal = (a: Uint8Array, b: Uint8Array) => compareKeysJs(a, 0, a.length, b, 0, b.length, KeyOrder.INTERNAL);

describe("wasm and JS give identical results", () => {
  test("murmur3, single and batch, any seed", () => {
    fc.assert(
      fc.property(packed, fc.nat({ max: 0xffffffff }), (p, seed) => {
        const a = wasm.murmur3Batch(p, seed);
        expect(a).toEqual(js.murmur3Batch(p, seed));
        for (let i = 0; i + 1 < p.offsets.length; i++) {
          const key = p.bytes.subarray(p.offsets[i], p.offsets[i + 1]);
          expect(wasm.murmur3(key, seed)).toBe(a[i]);
        }
      }),
      RUNS,
    );
  });

  test("Bloom hash material, filter bits, probes (single and batch); no false negatives", () => {
    fc.assert(
      fc.property(packed, packed, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 16 }), (keys, probes, numLines, k) => {
        expect(wasm.bloomHashBatch(keys)).toEqual(js.bloomHashBatch(keys));
        const lines = wasm.bloomBuild(keys, numLines, k);
        expect(hex(lines)).toBe(hex(js.bloomBuild(keys, numLines, k)));
        const fw = wasm.loadFilter(lines, numLines, k);
        const fj = js.loadFilter(lines, numLines, k);
        for (const set of [keys, probes]) {
          const count = set.offsets.length - 1;
          const ow = new Uint8Array(count);
          const oj = new Uint8Array(count);
          expect(fw.mayContainBatch(set, ow)).toBe(fj.mayContainBatch(set, oj));
          expect(ow).toEqual(oj);
          for (let i = 0; i < count; i++) {
            const key = set.bytes.subarray(set.offsets[i], set.offsets[i + 1]);
            expect(fw.mayContain(key)).toBe(ow[i] === 1);
            if (set === keys) expect(ow[i]).toBe(1);
          }
        }
        fw.release();
      }),
      RUNS,
    );
  });

  test("crc32c over any bytes at any start value, and the mask", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(7), fc.nat({ max: 0xffffffff }), (data, skip, init) => {
        const view = data.subarray(Math.min(skip, data.length));
        expect(wasm.crc32c(view, init)).toBe(js.crc32c(view, init));
        const exports = wasmK.exports;
        expect(exports.crc32cMask(init) >>> 0).toBe(maskJs(init));
        expect(exports.crc32cUnmask(init) >>> 0).toBe(unmaskJs(init));
      }),
      RUNS,
    );
  });

  test("block bytes for sorted keys, any restart interval and cut size", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyBytes, bytes(200)), { maxLength: 80 }),
        fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constant(1024)),
        fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
        (entries, restartInterval, targetSize) => {
          const keys = sortedUnique(entries.map(([key]) => key), bytewise);
          const values = keys.map((_, i) => entries[i][1]);
          const w = blockEntries(wasm, keys, values, restartInterval, targetSize);
          expect(w).toEqual(blockEntries(js, keys, values, restartInterval, targetSize));
          expect(w.reduce((n, [, , c]) => n + c, 0)).toBe(keys.length);
        },
      ),
      RUNS,
    );
  });

  test("seek results over built blocks, bytewise and internal keys", () => {
    const internalKey = fc.tuple(keyBytes, fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([u, t]) => {
      const k = new Uint8Array(u.length + 8);
      k.set(u);
      k.set(t, u.length);
      return k;
    });
    fc.assert(
      fc.property(
        fc.constantFrom(KeyOrder.BYTEWISE, KeyOrder.INTERNAL),
        fc.array(internalKey, { maxLength: 60 }),
        fc.array(internalKey, { maxLength: 20 }),
        fc.integer({ min: 1, max: 17 }),
        (order, rawKeys, targets, restartInterval) => {
          const keys = sortedUnique(rawKeys, order === KeyOrder.BYTEWISE ? bytewise : internal);
          const values = keys.map((key) => key.subarray(0, 3));
          const blocks: Uint8Array[] = [];
          js.buildBlocks(packBytes(keys), packBytes(values), { restartInterval }, (b) => blocks.push(b));
          const contents = blocks[0].subarray(0, -BLOCK_TRAILER_SIZE);
          for (const target of [...targets, ...keys]) {
            const w = seekOutcome(wasm, contents, target, order, false);
            expect(w).toEqual(seekOutcome(js, contents, target, order, false));
            if (w !== null && !("error" in w)) {
              const expectedIndex = keys.findIndex((key) => (order === KeyOrder.BYTEWISE ? bytewise : internal)(key, target) >= 0);
              expect(w.key).toBe(hex(keys[expectedIndex]));
            }
          }
        },
      ),
      RUNS,
    );
  });

  test("seek over corrupted blocks: the same entry or the same error, never a read outside", () => {
    fc.assert(
      fc.property(
        fc.array(bytes(12), { minLength: 1, maxLength: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        bytes(12),
        fc.boolean(),
        (rawKeys, flips, cut, target, index) => {
          const keys = sortedUnique(rawKeys, bytewise);
          const blocks: Uint8Array[] = [];
          js.buildBlocks(packBytes(keys), packBytes(keys.map(() => new Uint8Array([1, 2]))), { restartInterval: 4 }, (b) => blocks.push(b));
          const contents = blocks[0].slice(0, -BLOCK_TRAILER_SIZE);
          for (const [at, value] of flips) contents[at % contents.length] = value;
          const damaged = contents.subarray(0, contents.length - (cut % 3 === 0 ? cut % contents.length : 0));
          expect(seekOutcome(wasm, damaged, target, KeyOrder.BYTEWISE, index)).toEqual(seekOutcome(js, damaged, target, KeyOrder.BYTEWISE, index));
        },
      ),
      runs(1000),
    );
  });

  test("key order comparison", () => {
    const exports = wasmK.exports;
    fc.assert(
      fc.property(bytes(20), bytes(20), fc.constantFrom(KeyOrder.BYTEWISE, KeyOrder.INTERNAL), (a, b, order) => {
        const heap = wasmK.heap;
        const p = heap.scratch(64);
        heap.u8().set(a, p);
        heap.u8().set(b, p + 32);
        const w = Math.sign(exports.compareKeys(p, a.length, p + 32, b.length, order));
        expect(w).toBe(Math.sign(compareKeysJs(a, 0, a.length, b, 0, b.length, order)));
      }),
      runs(1000),
    );
  });

  test("varint32/64 encoding and decoding, including truncated and overlong input", () => {
    const exports = wasmK.exports;
    const heap = wasmK.heap;
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.maxSafeNat(), bytes(12), (v32, v64, raw) => {
        const p = heap.scratch(64);
        const buf = new Uint8Array(16);
        const n32 = exports.varint32Put(p, v32);
        expect(hex(heap.u8().slice(p, p + n32))).toBe(hex(buf.slice(0, putVarint32(buf, 0, v32))));
        const n64 = exports.varint64Put(p, v64 >>> 0, Math.floor(v64 / 2 ** 32));
        expect(hex(heap.u8().slice(p, p + n64))).toBe(hex(buf.slice(0, putVarint64(buf, 0, v64))));
        heap.u8().set(raw, p);
        const out = p + 32;
        const w32 = exports.varint32Get(p, p + raw.length, out);
        const j32 = getVarint32(raw, 0, raw.length);
        expect(w32).toBe(j32);
        if (j32 !== 0) expect(heap.u32()[out >>> 2]).toBe(decoded.value);
        const w64 = exports.varint64Get(p, p + raw.length, out);
        const j64 = getVarint64(raw, 0, raw.length);
        const wValue = heap.u32()[(out >>> 2) + 1] * 2 ** 32 + heap.u32()[out >>> 2];
        // JS rejects values past 2^53 that wasm can hold; callers of wasm make the same check
        expect(j64 === 0 ? w64 === 0 || wValue > Number.MAX_SAFE_INTEGER : w64 === j64 && wValue === decoded.value).toBe(true);
      }),
      runs(2000),
    );
  });
});

test("batches that make wasm memory grow give the same results as JS", () => {
  const fresh = newWasmKernels();
  const before = fresh.heap.memoryBytes;
  const keys = Array.from({ length: 300_000 }, (_, i) => new TextEncoder().encode(`user:${i * 7919}-${"x".repeat(i % 40)}`));
  const p = packUnaligned(keys, 3);
  expect(fresh.murmur3Batch(p, 42)).toEqual(js.murmur3Batch(p, 42));
  expect(fresh.heap.memoryBytes).toBeGreaterThan(before);
  const numLines = Math.ceil((keys.length * 10) / 512);
  expect(Buffer.compare(fresh.bloomBuild(p, numLines, 6), js.bloomBuild(p, numLines, 6))).toBe(0);
  const big = new Uint8Array(40 << 20).map((_, i) => (i * 2654435761) >>> 24);
  expect(fresh.crc32c(big)).toBe(js.crc32c(big));
});
