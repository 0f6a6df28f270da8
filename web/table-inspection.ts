// What the inspector knows of an opened table: the table itself, over its bytes in memory, and what
// one walk of it found (entry counts, where each page of entries starts) and its layout. The walk
// reads every data block and the layout every other block, so a table that fails any checksum or
// format check throws here, before the page shows a single value of it.

import type { Kernels } from "../src/kernels/types.js";
import { MemoryFile } from "../src/sstable/file.js";
import { ValueKind } from "../src/sstable/format.js";
import { describeTable, type LayoutRange } from "../src/sstable/layout.js";
import { Table, type GetResult } from "../src/sstable/reader.js";

export const PAGE_SIZE = 50;
/** Entries per data block the layout text lists (the page's `sst layout --entries N`). */
export const LAYOUT_ENTRIES = 4;

export interface PageStart {
  readonly userKey: Uint8Array;
  readonly sequence: number;
}

export interface TableInspection {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly table: Table;
  readonly entries: number;
  readonly deletions: number;
  readonly pageStarts: readonly PageStart[];
  readonly layout: readonly LayoutRange[];
}

/** Opens and walks a table; throws CorruptionError (or UnsupportedError) on bytes that fail a check. */
export function inspectTable(name: string, bytes: Uint8Array, kernels: Kernels): TableInspection {
  const table = Table.open(new MemoryFile(name, bytes), { kernels });
  try {
    let entries = 0, deletions = 0;
    const pageStarts: PageStart[] = [];
    const it = table.iterator();
    for (let e = it.first(); e !== null; e = it.next(), entries++) {
      if (entries % PAGE_SIZE === 0) pageStarts.push({ userKey: e.userKey.slice(), sequence: e.sequence });
      if (e.kind === ValueKind.DELETION) deletions++;
    }
    it.close();
    const layout = describeTable(table, { entriesPerBlock: LAYOUT_ENTRIES });
    return { name, bytes, table, entries, deletions, pageStarts, layout };
  } catch (err) {
    table.close();
    throw err;
  }
}

export interface PageEntry {
  readonly index: number;
  readonly userKey: Uint8Array;
  readonly sequence: number;
  readonly kind: number;
  readonly value: Uint8Array;
}

/** The entries of page p (0-based), copied out of the cached blocks. */
export function pageOf(t: TableInspection, p: number): PageEntry[] {
  const start = t.pageStarts[p];
  if (start === undefined) return [];
  const it = t.table.iterator();
  const out: PageEntry[] = [];
  try {
    for (let e = it.seekGE(start.userKey, start.sequence); e !== null && out.length < PAGE_SIZE; e = it.next()) {
      out.push({ index: p * PAGE_SIZE + out.length, userKey: e.userKey.slice(), sequence: e.sequence, kind: e.kind, value: e.value.slice() });
    }
  } finally {
    it.close();
  }
  return out;
}

export interface Lookup extends GetResult {
  /** The reads of a cold open of the table, then the lookup's own: `sst get`'s disk_reads is their sum. */
  readonly openReads: number;
}

/** Looks key up as `wasm-lsm sst get` does: in a table opened afresh, so the reads are a cold lookup's. */
export function lookUp(t: TableInspection, key: Uint8Array, kernels: Kernels): Lookup {
  const table = Table.open(new MemoryFile(t.name, t.bytes), { kernels });
  try {
    return { ...table.get(key), openReads: table.openReads };
  } finally {
    table.close();
  }
}
