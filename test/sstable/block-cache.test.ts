// One block cache shared by many tables (issue 7 item 5): it never holds more bytes than its limit,
// every block it evicts or drops gives its wasm memory back, a block a caller still holds is never
// released under it, and lookups find the right values across evictions.
import { describe, expect, test } from "vitest";
import { newWasmKernels } from "../../src/kernels/node.js";
import { KeyOrder, type Kernels, type LoadedBlock } from "../../src/kernels/types.js";
import { BlockCache } from "../../src/sstable/block-cache.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { Table } from "../../src/sstable/reader.js";
import { TableBuilder } from "../../src/sstable/writer.js";
import { bothPaths, utf8 } from "../kernels/kernels.js";
import { rng, type Rng } from "../support/random.js";

function shuffle<T>(xs: T[], random: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/** Kernels whose loaded data blocks are counted: how many and how many bytes are loaded now. */
function countingKernels(inner: Kernels): { kernels: Kernels; live: { blocks: number; bytes: number } } {
  const live = { blocks: 0, bytes: 0 };
  const kernels: Kernels = Object.create(inner);
  kernels.loadBlock = (contents: Uint8Array): LoadedBlock => {
    const block = inner.loadBlock(contents);
    live.blocks++;
    live.bytes += contents.length;
    let released = false;
    return {
      contents: block.contents,
      seek: (target, order) => block.seek(target, order),
      seekIndex: (target, order) => block.seekIndex(target, order),
      release: () => {
        if (released) throw new Error("block released twice");
        released = true;
        live.blocks--;
        live.bytes -= contents.length;
        block.release();
      },
    };
  };
  return { kernels, live };
}

const TABLES = 12;
const KEYS_PER_TABLE = 600;
const key = (t: number, i: number) => `t${String(t).padStart(2, "0")}:${String(i).padStart(5, "0")}`;
const value = (t: number, i: number) => `value of ${key(t, i)} `.padEnd(60, "*");

/** TABLES tables in memory, ~40 data blocks of ~1 KiB each. */
function buildTables(kernels: Kernels): MemoryFile[] {
  return Array.from({ length: TABLES }, (_, t) => {
    const file = new MemoryFile(`L0_${String(t + 1).padStart(3, "0")}.sst`);
    const b = new TableBuilder(file, { kernels, blockSize: 1024 });
    for (let i = 0; i < KEYS_PER_TABLE; i++) b.add(internalKey(utf8(key(t, i)), i + 1, ValueKind.VALUE), utf8(value(t, i)));
    b.finish();
    return file;
  });
}

/** Every (table, key) pair, shuffled. */
function allLookups(seed: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let t = 0; t < TABLES; t++) for (let i = 0; i < KEYS_PER_TABLE; i++) pairs.push([t, i]);
  return shuffle(pairs, rng(seed));
}

describe.each(bothPaths)("a block cache shared by %s tables", (_name, inner) => {
  test("holds at most its bytes across every lookup, releases what it evicts, and every value is right", () => {
    const { kernels, live } = countingKernels(inner);
    const files = buildTables(kernels);
    const limit = 8 * 1024;
    const cache = new BlockCache(limit);
    const tables = files.map((f) => Table.open(f, { kernels, blockCache: cache }));
    const indexBlocks = live.blocks; // each open table holds its index block loaded
    const indexBytes = live.bytes;
    let diskReads = 0;
    let maxBytes = 0;
    for (const [t, i] of allLookups(1)) {
      const r = tables[t].get(utf8(key(t, i)));
      expect(r.found, key(t, i)).toBe(true);
      expect(text(r.value)).toBe(value(t, i));
      diskReads += r.diskReads;
      maxBytes = Math.max(maxBytes, cache.bytes);
      // what is loaded now is the indexes and exactly the cached blocks: nothing evicted is left loaded
      expect(live.bytes - indexBytes).toBe(cache.bytes);
      expect(live.blocks - indexBlocks).toBe(cache.blocks);
    }
    expect(maxBytes).toBeLessThanOrEqual(limit);
    expect(maxBytes).toBeGreaterThan(limit / 2); // it did fill up
    const dataBlocks = tables.reduce((n, t) => n + t.dataHandles().length, 0);
    expect(diskReads).toBeGreaterThan(2 * dataBlocks); // blocks were evicted and read again
    for (const t of tables) t.close();
    expect(cache.bytes).toBe(0);
    expect(live).toEqual({ blocks: 0, bytes: 0 });
  });

  test("closing a table drops its blocks from the shared cache, and only its blocks", () => {
    const { kernels, live } = countingKernels(inner);
    const shared = new BlockCache(1 << 20);
    const [a, b] = buildTables(kernels).slice(0, 2).map((f) => Table.open(f, { kernels, blockCache: shared }));
    for (let i = 0; i < KEYS_PER_TABLE; i += 50) {
      expect(text(a.get(utf8(key(0, i))).value)).toBe(value(0, i));
      expect(text(b.get(utf8(key(1, i))).value)).toBe(value(1, i));
    }
    const both = shared.blocks;
    a.close();
    expect(shared.blocks).toBe(both / 2);
    expect(b.get(utf8(key(1, 0))).diskReads).toBe(0); // b's blocks are still cached
    b.close();
    expect([shared.blocks, shared.bytes]).toEqual([0, 0]);
    expect(live).toEqual({ blocks: 0, bytes: 0 });
  });

  test("a cache of 0 bytes keeps nothing, yet lookups and iterators work", () => {
    const { kernels, live } = countingKernels(inner);
    const cache = new BlockCache(0);
    const tables = buildTables(kernels).slice(0, 3).map((f) => Table.open(f, { kernels, blockCache: cache }));
    const indexes = live.blocks;
    for (let i = 0; i < KEYS_PER_TABLE; i += 7) {
      const r = tables[2].get(utf8(key(2, i)));
      expect([text(r.value), r.diskReads]).toEqual([value(2, i), 1]);
      expect([cache.blocks, cache.bytes, live.blocks]).toEqual([0, 0, indexes]);
    }
    const it = tables[1].iterator();
    let n = 0;
    for (let e = it.first(); e !== null; e = it.next(), n++) expect(text(e.value)).toBe(value(1, n));
    expect(n).toBe(KEYS_PER_TABLE);
    for (const t of tables) t.close();
    expect(live).toEqual({ blocks: 0, bytes: 0 });
  });

  test("a block handed out is not released while other tables' lookups evict it", () => {
    const { kernels, live } = countingKernels(inner);
    const cache = new BlockCache(4096);
    const tables = buildTables(kernels).slice(0, 4).map((f) => Table.open(f, { kernels, blockCache: cache }));
    const handle = tables[0].dataHandles()[3];
    const held = tables[0].dataBlock(handle);
    const probe = held.seek(internalKey(utf8(key(0, 0)), 0, ValueKind.VALUE), KeyOrder.INTERNAL);
    for (let t = 1; t < 4; t++) for (let i = 0; i < KEYS_PER_TABLE; i += 3) expect(tables[t].get(utf8(key(t, i))).found).toBe(true);
    expect(cache.bytes).toBeLessThanOrEqual(4096);
    // still loaded: a seek in it works (a released block throws "used after release()")
    expect(held.seek(internalKey(utf8(key(0, 0)), 0, ValueKind.VALUE), KeyOrder.INTERNAL)).toEqual(probe);
    for (const t of tables) t.close();
    expect(live).toEqual({ blocks: 0, bytes: 0 });
  });
});

test("wasm memory stays bounded by the shared cache, not by the blocks read", () => {
  const kernels = newWasmKernels();
  const files = buildTables(kernels);
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  expect(totalBytes).toBeGreaterThan(400 * 1024);
  const start = kernels.heap.memoryBytes;
  const cache = new BlockCache(16 * 1024);
  const tables = files.map((f) => Table.open(f, { kernels, blockCache: cache }));
  for (const [t, i] of allLookups(2)) expect(tables[t].get(utf8(key(t, i))).found).toBe(true);
  // the indexes and filters (~1 KiB a table), the cache's 16 KiB and one scratch region fit in a
  // few pages; every data block held at once would need the whole ~470 KB
  expect(kernels.heap.memoryBytes - start).toBeLessThan(totalBytes / 2);
  for (const t of tables) t.close();
});
