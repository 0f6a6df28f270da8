// What `wasm-lsm repair` (repair.ts) learns from a table it finds: every entry read (each block's
// checksum verified on the way), internal keys strictly increasing, each user key's newest entry
// found again by a lookup (the index and the Bloom filter lead to it: no false negative), the
// entry count its properties record, and the facts a manifest's TableRecord holds (manifest.ts),
// with the key range and largest sequence. LevelDB's repairer does the same scan (db/repair.cc,
// ScanTable). The first failure is a CorruptionError naming the file, the offset and the check.

import { compareKeys } from "../kernels/js.js";
import { KeyOrder, type Kernels } from "../kernels/types.js";
import { CorruptionError } from "../sstable/errors.js";
import { ValueKind } from "../sstable/format.js";
import { numericProperty } from "../sstable/properties.js";
import { Table, type TableEntry } from "../sstable/reader.js";
import type { Env } from "./env.js";

export interface TableFacts {
  readonly entries: number;
  readonly fileSize: number;
  /** Bytes after the data blocks (FORMAT.md "File layout"): the reader's one read on open. */
  readonly tailSize: number;
  readonly filterBits: number;
  /** The smallest and largest user keys; null for an empty table. */
  readonly smallest: Uint8Array | null;
  readonly largest: Uint8Array | null;
  /** The largest sequence number of any entry (0 for an empty table). */
  readonly largestSequence: number;
  /** The first and last internal keys (a version edit's smallest and largest); null for an empty table. */
  readonly smallestKey: Uint8Array | null;
  readonly largestKey: Uint8Array | null;
}

/** Opens, checks and closes the table at path; throws at the first check that fails. */
export function scanTable(env: Env, kernels: Kernels, path: string): TableFacts {
  const table = Table.open(env.openRead(path), { kernels });
  try {
    return walk(table);
  } finally {
    table.close();
  }
}

function walk(table: Table): TableFacts {
  const name = table.file.name;
  let entries = 0;
  let prev: TableEntry | null = null;
  let smallest: Uint8Array | null = null;
  let smallestKey: Uint8Array | null = null;
  let largestSequence = 0;
  const it = table.iterator();
  for (let e = it.first(); e !== null; e = it.next()) {
    if (prev !== null && compareKeys(prev.key, 0, prev.key.length, e.key, 0, e.key.length, KeyOrder.INTERNAL) >= 0) {
      throw new CorruptionError(name, 0, `entry #${entries}: internal keys out of order`);
    }
    if (prev === null || !sameBytes(prev.userKey, e.userKey)) checkLookup(table, e, entries);
    smallest ??= e.userKey.slice();
    smallestKey ??= e.key.slice();
    largestSequence = Math.max(largestSequence, e.sequence);
    prev = e;
    entries++;
  }
  const recorded = numericProperty(table.properties, "rocksdb.num.entries");
  if (recorded !== undefined && recorded !== entries) throw new CorruptionError(name, table.dataEnd, `properties record ${recorded} entries, the table holds ${entries}`);
  const shape = table.filterShape;
  return {
    entries,
    fileSize: table.file.size,
    tailSize: table.file.size - table.dataEnd,
    filterBits: shape === null ? 0 : shape.numLines * 512,
    smallest,
    largest: prev === null ? null : prev.userKey.slice(),
    largestSequence,
    smallestKey,
    largestKey: prev === null ? null : prev.key.slice(),
  };
}

/** Table.get must find the newest entry of a user key as the walk found it. */
function checkLookup(table: Table, e: TableEntry, n: number): void {
  const r = table.get(e.userKey);
  const agrees = e.kind === ValueKind.DELETION ? r.deleted : r.found && sameBytes(r.value!, e.value);
  if (!agrees) throw new CorruptionError(table.file.name, 0, `entry #${n}: a lookup of its user key does not find it (index or Bloom filter)`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
