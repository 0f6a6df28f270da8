// The iterator contract (test/sstable/iterator-contract.ts) over the level iterator: the model's
// entries cut into consecutive tables of a sorted level (cuts only between user keys, as
// compaction-job.ts cuts outputs), each table's iterator wrapped in `invalidating`; the walk over
// the level must be the model's, both ways, across table boundaries. Also: a table is opened only
// when the walk reaches it, and released when it leaves.
import { expect, test } from "vitest";
import { tableInternalIterator } from "../../src/lsm/internal-iterator.js";
import { LevelIterator } from "../../src/lsm/level-iterator.js";
import type { TableMeta } from "../../src/lsm/version.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { Table } from "../../src/sstable/reader.js";
import { TableBuilder } from "../../src/sstable/writer.js";
import { wasm } from "../kernels/kernels.js";
import { invalidating, iteratorContract, type Version } from "../sstable/iterator-contract.js";

const sameKey = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

/** A sorted level over `entries`: a cut before every `every`-th user key. */
function level(entries: Version[], every: number): { tables: TableMeta[]; files: Map<number, MemoryFile>; opened: number[]; released: number[] } {
  const runs: Version[][] = [];
  let keys = 0;
  for (let i = 0; i < entries.length; i++) {
    if (i === 0 || !sameKey(entries[i - 1].key, entries[i].key)) {
      if (keys++ % every === 0) runs.push([]);
    }
    runs[runs.length - 1].push(entries[i]);
  }
  const files = new Map<number, MemoryFile>();
  const tables = runs.map((run, n): TableMeta => {
    const file = new MemoryFile(`L1_${n}.sst`);
    const builder = new TableBuilder(file, { kernels: wasm, blockSize: 64, restartInterval: 2 });
    for (const e of run) builder.add(internalKey(e.key, e.sequence, ValueKind.VALUE), e.value);
    builder.finish();
    files.set(n, file);
    const first = run[0], last = run[run.length - 1];
    return { level: 1, number: n, name: file.name, fileSize: file.size, smallest: internalKey(first.key, first.sequence, ValueKind.VALUE), largest: internalKey(last.key, last.sequence, ValueKind.VALUE) };
  });
  return { tables, files, opened: [], released: [] };
}

function levelIterator(l: ReturnType<typeof level>): LevelIterator {
  return new LevelIterator(l.tables, (t) => {
    l.opened.push(t.number);
    const table = Table.open(l.files.get(t.number)!, { kernels: wasm });
    return { iterator: invalidating(tableInternalIterator(table.iterator())), release: () => l.released.push(t.number) };
  });
}

for (const every of [1, 3, 50]) {
  iteratorContract(`level iterator, a table per ${every} user keys`, { open: (entries) => levelIterator(level(entries, every)) });
}

test("level iterator: an empty level gives null both ways", () => {
  const it = new LevelIterator([], () => {
    throw new Error("no table to open");
  });
  expect([it.first(), it.last(), it.seekGE(new Uint8Array([1])), it.seekLT(new Uint8Array([1])), it.next(), it.prev()]).toEqual([null, null, null, null, null, null]);
  it.close();
});

test("level iterator: opens a table only when the walk reaches it, holds one at a time, releases each on leaving", () => {
  const enc = new TextEncoder();
  const entries: Version[] = Array.from({ length: 30 }, (_, i) => ({ key: enc.encode(`k${String(i).padStart(2, "0")}`), sequence: 1, value: enc.encode(`v${i}`) }));
  const l = level(entries, 10); // three tables: k00-k09, k10-k19, k20-k29
  const it = levelIterator(l);
  expect(l.opened).toEqual([]);
  expect(new TextDecoder().decode(it.seekGE(enc.encode("k15"))!.value)).toBe("v15");
  expect(l.opened).toEqual([1]);
  for (let i = 0; i < 5; i++) it.next();
  expect(new TextDecoder().decode(it.next()!.value)).toBe("v21");
  expect([l.opened, l.released]).toEqual([[1, 2], [1]]);
  it.close();
  expect(l.released).toEqual([1, 2]);
});
