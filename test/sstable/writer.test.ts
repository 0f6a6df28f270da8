// The table builder over tables larger than its 256 KiB batches: every index separator sits
// between its block's last key and the next block's first, every key is found, and the call
// grammar (add* finish | abandon, increasing keys, sticky errors) is enforced.
import { describe, expect, test } from "vitest";
import { compareKeys } from "../../src/kernels/js.js";
import { KeyOrder } from "../../src/kernels/types.js";
import { BlockIterator } from "../../src/sstable/block.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { Table } from "../../src/sstable/reader.js";
import { TableBuilder } from "../../src/sstable/writer.js";
import type { Kernels } from "../../src/kernels/types.js";
import { bothPaths, js, utf8, wasm } from "../kernels/kernels.js";

const cmp = (a: Uint8Array, b: Uint8Array) => compareKeys(a, 0, a.length, b, 0, b.length, KeyOrder.INTERNAL);

/** The kernels, counting the key and value bytes handed to buildBlocks: the work of the build. */
function countingBuilds(kernels: Kernels): { kernels: Kernels; bytes: () => number } {
  let bytes = 0;
  const counted: Kernels = Object.create(kernels) as Kernels;
  Object.defineProperty(counted, "buildBlocks", {
    value: (...args: Parameters<Kernels["buildBlocks"]>) => {
      bytes += args[0].bytes.length + args[1].bytes.length;
      return kernels.buildBlocks(...args);
    },
  });
  return { kernels: counted, bytes: () => bytes };
}

/** 3,000 entries of 240 key and value bytes (720 KB), through a builder; returns the file. */
function bigBlockTable(kernels: Kernels, blockSize: number): { file: MemoryFile; inputBytes: number } {
  const file = new MemoryFile("big-blocks.sst");
  const b = new TableBuilder(file, { kernels, blockSize });
  let inputBytes = 0;
  for (let i = 0; i < 3000; i++) {
    const key = internalKey(utf8(`key${String(i).padStart(8, "0")}`), i + 1, ValueKind.VALUE);
    const value = utf8(`v${i}-`.repeat(80)).subarray(0, 221);
    inputBytes += key.length + value.length;
    b.add(key, value);
  }
  b.finish();
  return { file, inputBytes };
}

describe.each(bothPaths)("table builder (%s)", (_name, kernels) => {
  test("a 3 MB table: separators bound their blocks, every key is found", () => {
    const file = new MemoryFile("big.sst");
    const b = new TableBuilder(file, { kernels });
    const N = 40_000;
    const key = (i: number) => utf8(`k${String(i).padStart(8, "0")}${i % 3 === 0 ? "-longer-suffix" : ""}`);
    for (let i = 0; i < N; i++) b.add(internalKey(key(i), i + 1, ValueKind.VALUE), utf8(`value ${i} `.repeat(1 + (i % 9))));
    const summary = b.finish();
    expect(summary.fileSize).toBeGreaterThan(10 * 256 * 1024); // ten of the builder's batches
    const table = Table.open(file, { kernels });
    // walk the index: separator i >= last key of block i, < first key of block i + 1
    const index = kernels.loadBlock(table.readBlock(table.footer.index, "index"));
    const it = new BlockIterator(index, KeyOrder.INTERNAL, "big.sst", 0);
    const handles = table.dataHandles();
    let i = 0;
    for (let e = it.first(); e !== null; e = it.next(), i++) {
      const block = new BlockIterator(table.dataBlock(handles[i]), KeyOrder.INTERNAL, "big.sst", 0);
      let last: Uint8Array | null = null;
      for (let x = block.first(); x !== null; x = block.next()) last = x.key;
      expect(cmp(e.key, last!)).toBeGreaterThanOrEqual(0);
      if (i + 1 < handles.length) {
        const next = new BlockIterator(table.dataBlock(handles[i + 1]), KeyOrder.INTERNAL, "big.sst", 0).first()!;
        expect(cmp(e.key, next.key)).toBeLessThan(0);
      }
    }
    expect(i).toBe(summary.dataBlocks);
    for (let k = 0; k < N; k++) expect(table.get(key(k)).found, `key ${k}`).toBe(true);
  });

  test("blocks bigger than a batch: each added byte reaches the kernel a bounded number of times, blocks cut at blockSize", () => {
    // Before, above 256 KiB per block every add rebuilt the whole open block (issue 7 item 20):
    // here that handed the kernel ~600 times the input.
    const blockSize = 300 * 1024;
    const counting = countingBuilds(kernels);
    const { file, inputBytes } = bigBlockTable(counting.kernels, blockSize);
    expect(inputBytes).toBe(3000 * 240);
    // the data blocks' keys and values, then the index, properties and metaindex blocks: < 3x
    expect(counting.bytes()).toBeLessThan(3 * inputBytes);
    const table = Table.open(file, { kernels });
    const handles = table.dataHandles();
    expect(handles.length).toBe(3);
    // LevelDB's cut: a block ends with the entry that brings it to blockSize (240 bytes + header each)
    for (const h of handles.slice(0, -1)) {
      expect(h.size).toBeGreaterThanOrEqual(blockSize);
      expect(h.size).toBeLessThan(blockSize + 300);
    }
    const it = table.iterator();
    let n = 0;
    for (let e = it.first(); e !== null; e = it.next()) n++;
    expect(n).toBe(3000);
  });

  test("keys out of order, duplicates and short keys are refused, and the error sticks", () => {
    const b = new TableBuilder(new MemoryFile("bad.sst"), { kernels });
    b.add(internalKey(utf8("b"), 5, ValueKind.VALUE), utf8("1"));
    expect(() => b.add(internalKey(utf8("a"), 9, ValueKind.VALUE), utf8("2"))).toThrow(/strictly increasing/);
    expect(() => b.add(internalKey(utf8("c"), 1, ValueKind.VALUE), utf8("3"))).toThrow(/strictly increasing/);
    expect(() => b.finish()).toThrow(/strictly increasing/);
    const c = new TableBuilder(new MemoryFile("c.sst"), { kernels });
    expect(() => c.add(utf8("short"), utf8("x"))).toThrow(/trailer/);
    const d = new TableBuilder(new MemoryFile("d.sst"), { kernels, externalFile: true });
    expect(() => d.add(internalKey(utf8("a"), 3, ValueKind.VALUE), utf8("x"))).toThrow(/sequence 0/);
    const e = new TableBuilder(new MemoryFile("e.sst"), { kernels });
    e.add(internalKey(utf8("a"), 2, ValueKind.VALUE), utf8("x"));
    e.add(internalKey(utf8("a"), 1, ValueKind.DELETION), utf8(""));
    e.abandon();
    expect(() => e.add(internalKey(utf8("b"), 1, ValueKind.VALUE), utf8("y"))).toThrow(/abandoned/);
  });
});

test("tables of 1 MiB blocks are the same bytes on both kernel paths", () => {
  const [a, b] = [wasm, js].map((k) => bigBlockTable(k, 1024 * 1024).file);
  expect(a.size).toBe(b.size);
  expect(Buffer.from(a.read(0, a.size)).equals(Buffer.from(b.read(0, b.size)))).toBe(true);
});
