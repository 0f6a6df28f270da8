// Children for the merging and database iterator tests: internal entries dealt out over several
// MemTables and tables, so keys overlap across children and one key's versions sit in several.
// Each child is wrapped in `invalidating`, so a merging iterator that keeps a child's view past
// that child's next move reads spoiled bytes and fails.
import type { InternalEntry, InternalIterator } from "../../src/lsm/internal-iterator.js";
import { tableInternalIterator } from "../../src/lsm/internal-iterator.js";
import { MemTable } from "../../src/lsm/memtable.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { internalKey, type ValueKind } from "../../src/sstable/format.js";
import { Table } from "../../src/sstable/reader.js";
import { TableBuilder } from "../../src/sstable/writer.js";
import { wasm } from "../kernels/kernels.js";
import { invalidating } from "../sstable/iterator-contract.js";

export type ChildKind = "memtable" | "table";

function memTableChild(entries: InternalEntry[]): InternalIterator {
  const m = new MemTable();
  for (const e of [...entries].sort((a, b) => a.sequence - b.sequence)) m.put(e.key, e.value, e.sequence, e.kind as ValueKind);
  return m.iterator();
}

function tableChild(entries: InternalEntry[], name: string): InternalIterator {
  const file = new MemoryFile(name);
  // tiny blocks, so a child's entries span many blocks and its seeks cross block boundaries
  const builder = new TableBuilder(file, { kernels: wasm, blockSize: 64, restartInterval: 2 });
  for (const e of entries) builder.add(internalKey(e.key, e.sequence, e.kind as ValueKind), e.value);
  builder.finish();
  return tableInternalIterator(Table.open(file, { kernels: wasm }).iterator());
}

/**
 * One invalidating child per kind in `kinds`, entry i (in internal-key order) going to child
 * childOf(entry) % kinds.length. Entries must be in internal-key order.
 */
export function dealChildren(entries: InternalEntry[], kinds: readonly ChildKind[], childOf: (e: InternalEntry) => number): InternalIterator[] {
  const dealt: InternalEntry[][] = kinds.map(() => []);
  for (const e of entries) dealt[childOf(e) % kinds.length].push(e);
  return kinds.map((k, i) => invalidating(k === "memtable" ? memTableChild(dealt[i]) : tableChild(dealt[i], `child-${i}.sst`)));
}
