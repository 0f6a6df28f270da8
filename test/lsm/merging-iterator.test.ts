// The iterator contract (test/sstable/iterator-contract.ts) over the merging iterator: the model's
// entries dealt out over MemTables and tables, so user keys overlap across children and one key's
// versions sit in different children, every child wrapped in `invalidating`; the merged walk must
// be the model's, both ways, through every change of direction.
import { expect, test } from "vitest";
import type { InternalEntry } from "../../src/lsm/internal-iterator.js";
import { MergingIterator } from "../../src/lsm/merging-iterator.js";
import { ValueKind } from "../../src/sstable/format.js";
import { iteratorContract, type Version } from "../sstable/iterator-contract.js";
import { dealChildren, type ChildKind } from "./merge-children.js";

const asInternal = (entries: Version[]): InternalEntry[] => entries.map((e) => ({ ...e, kind: ValueKind.VALUE }));
// a fixed scatter of sequences, so neighbouring versions of a key land in different children
const scatter = (e: InternalEntry) => (e.sequence * 2654435761) >>> 7;

const layouts: [string, ChildKind[]][] = [
  ["one MemTable", ["memtable"]],
  ["two MemTables and two tables", ["memtable", "memtable", "table", "table"]],
  ["five tables", ["table", "table", "table", "table", "table"]],
];

for (const [name, kinds] of layouts) {
  iteratorContract(`merging iterator over ${name}`, {
    open: (entries) => new MergingIterator(dealChildren(asInternal(entries), kinds, scatter)),
  });
}

test("merging iterator: an empty child list and empty children give null both ways", () => {
  for (const it of [new MergingIterator([]), new MergingIterator(dealChildren([], ["memtable", "table"], scatter))]) {
    expect(it.first()).toBeNull();
    expect(it.last()).toBeNull();
    expect(it.seekGE(new Uint8Array([1]))).toBeNull();
    expect(it.seekLT(new Uint8Array([1]))).toBeNull();
    expect(it.next()).toBeNull();
    it.close();
  }
});
