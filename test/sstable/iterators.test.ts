// The iterator contract over the MemTable iterator, the block iterator and the table iterator,
// block and table on both kernel paths, with restart intervals 1, 16 and 1024, and tables with
// tiny (64-byte) and normal blocks, tiny ones without a block cache too; each plain and under the
// invalidating wrapper.
import { describe, expect, test } from "vitest";
import { packBytes } from "../../src/kernels/packed.js";
import { KeyOrder } from "../../src/kernels/types.js";
import { MemTable } from "../../src/lsm/memtable.js";
import { BlockIterator, type Entry } from "../../src/sstable/block.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { internalKey, lookupKey, parseInternalKey, ValueKind } from "../../src/sstable/format.js";
import { Table, type TableEntry } from "../../src/sstable/reader.js";
import { TableBuilder } from "../../src/sstable/writer.js";
import { bothPaths } from "../kernels/kernels.js";
import { invalidating, iteratorContract, SPOILED, type ContractIterator, type Version } from "./iterator-contract.js";

const seekKey = (k: Uint8Array, s?: number) => (s === undefined ? lookupKey(k) : internalKey(k, s, ValueKind.VALUE));

function fillMemTable(entries: Version[]): MemTable {
  const m = new MemTable();
  // in write (sequence) order, as the store inserts them
  for (const e of [...entries].sort((a, b) => a.sequence - b.sequence)) m.put(e.key, e.value, e.sequence);
  return m;
}

function memTableIterator(entries: Version[]): ContractIterator {
  const it = fillMemTable(entries).iterator();
  const v = (e: Version | null) => e && { key: e.key, sequence: e.sequence, value: e.value };
  return {
    first: () => v(it.first()), last: () => v(it.last()), next: () => v(it.next()), prev: () => v(it.prev()),
    seekGE: (k, s) => v(it.seekGE(k, s)), seekLT: (k, s) => v(it.seekLT(k, s)), close: () => it.close(),
  };
}

iteratorContract("MemTable iterator", { open: memTableIterator });

test("the invalidating wrapper spoils a kept view on the next move, so a consumer that keeps one fails", () => {
  const entries: Version[] = [
    { key: new Uint8Array([1]), sequence: 2, value: new Uint8Array([10]) },
    { key: new Uint8Array([1]), sequence: 1, value: new Uint8Array([11]) },
    { key: new Uint8Array([2]), sequence: 3, value: new Uint8Array([12]) },
  ];
  const keptViews = (it: ContractIterator) => {
    const kept: Version[] = [];
    for (let e = it.first(); e !== null; e = it.next()) kept.push(e); // keeps each view past the next move
    return kept.map((e) => [...e.key, ...e.value]);
  };
  expect(keptViews(memTableIterator(entries))).toEqual([[1, 10], [1, 11], [2, 12]]); // MemTable views live as long as it does
  expect(keptViews(invalidating(memTableIterator(entries)))).toEqual([[SPOILED, SPOILED], [SPOILED, SPOILED], [SPOILED, SPOILED]]);
});

describe.each(bothPaths)("iterators (%s kernels)", (_name, kernels) => {
  for (const restartInterval of [1, 16, 1024]) {
    iteratorContract(`block iterator, restart interval ${restartInterval}`, {
      open(entries) {
        let block: Uint8Array | null = null;
        const keys = entries.map((e) => internalKey(e.key, e.sequence, ValueKind.VALUE));
        kernels.buildBlocks(packBytes(keys), packBytes(entries.map((e) => e.value)), { restartInterval }, (b) => (block = b));
        const it = new BlockIterator(kernels.loadBlock(block!.subarray(0, -5)), KeyOrder.INTERNAL, "test", 0);
        const v = (e: Entry | null): Version | null => {
          if (e === null) return null;
          const parsed = parseInternalKey(e.key)!;
          return { key: parsed.userKey, sequence: parsed.sequence, value: e.value };
        };
        return {
          first: () => v(it.first()), last: () => v(it.last()), next: () => v(it.next()), prev: () => v(it.prev()),
          seekGE: (k, s) => v(it.seekGE(seekKey(k, s))), seekLT: (k, s) => v(it.seekLT(seekKey(k, s))), close: () => it.close(),
        };
      },
    });

    // without a block cache every block comes from the file, through the scan's readahead
    for (const [blockSize, blockCacheBytes] of [[64, undefined], [64, 0], [4096, undefined]] as const) {
      const cache = blockCacheBytes === 0 ? ", no block cache" : "";
      iteratorContract(`table iterator, ${blockSize}-byte blocks, restart interval ${restartInterval}${cache}`, {
        open(entries): ContractIterator {
          const file = new MemoryFile("test.sst");
          const builder = new TableBuilder(file, { kernels, blockSize, restartInterval });
          for (const e of entries) builder.add(internalKey(e.key, e.sequence, ValueKind.VALUE), e.value);
          builder.finish();
          const it = Table.open(file, { kernels, blockCacheBytes }).iterator();
          const v = (e: TableEntry | null): Version | null => e && { key: e.userKey, sequence: e.sequence, value: e.value };
          return {
            first: () => v(it.first()), last: () => v(it.last()), next: () => v(it.next()), prev: () => v(it.prev()),
            seekGE: (k, s) => v(it.seekGE(k, s)), seekLT: (k, s) => v(it.seekLT(k, s)), close: () => it.close(),
          };
        },
      });
    }
  }
});
