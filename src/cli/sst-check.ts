// `wasm-lsm sst check FILE`: is every byte of the table sound? Opening checks the footer and the
// tail's blocks; then, in order:
//
//   1. every meta block, the index and the metaindex are read again through readBlock (checksums);
//   2. every data block is read (checksum verified on read) in file order, without overlaps, and
//      every entry decoded: internal keys strictly increasing across the whole table;
//   3. the newest entry of each user key is looked up with the public Table.get, which must agree
//      with it (value, or deleted for a deletion). That proves the index leads to it and, when the
//      table has our Bloom filter (bloom_checked), that the filter passes it: no false negative;
//   4. rocksdb.num.entries and rocksdb.num.data.blocks, when the properties hold them, equal the
//      counts.
//
// The first failure is a CorruptionError naming the file, the offset of the block (or of the
// properties block for 4) and the check.

import { compareKeys } from "../kernels/js.js";
import { KeyOrder } from "../kernels/types.js";
import { BlockIterator } from "../sstable/block.js";
import { CorruptionError } from "../sstable/errors.js";
import { BLOCK_TRAILER_SIZE, ValueKind, type BlockHandle, type ParsedKey } from "../sstable/format.js";
import { showBytes } from "../sstable/layout.js";
import { numericProperty, PROPERTIES_META_NAME } from "../sstable/properties.js";
import type { Table } from "../sstable/reader.js";
import { count, KERNELS_FLAG, KERNELS_HELP, kernelsFlag, withTable, type Flags, type SstCommand } from "./sst-common.js";
import type { Output } from "./sst-output.js";

export const check: SstCommand = {
  synopsis: "check FILE [--kernels wasm|js]",
  help: `Verifies the table: every block's checksum, internal keys strictly increasing, every key
found by a lookup (through the index and, in our tables, the Bloom filter: no false negatives),
and the entry and block counts its properties record. Prints one line on stdout when sound:
  ok: N entries, M data blocks, file F bytes
and exits 0; otherwise prints the first failure (file, offset, check) on stderr and exits 1.

Options:
${KERNELS_HELP}`,
  operands: ["FILE"],
  flags: KERNELS_FLAG,
  run: runCheck,
};

export interface CheckSummary {
  readonly entries: number;
  readonly dataBlocks: number;
  readonly fileSize: number;
}

async function runCheck([file]: readonly string[], flags: Flags, out: Output): Promise<void> {
  const s = await withTable(file, kernelsFlag(flags), checkTable);
  out.push(`ok: ${count(s.entries, "entry", "entries")}, ${count(s.dataBlocks, "data block", "data blocks")}, file ${s.fileSize} bytes\n`);
}

/** Runs every check on an open table; throws a CorruptionError at the first that fails. */
export function checkTable(table: Table): CheckSummary {
  for (const [name, h] of table.metaindex) table.readBlock(h, `${JSON.stringify(name)} meta`);
  table.readBlock(table.footer.index, "index");
  table.readBlock(table.footer.metaindex, "metaindex");
  const handles = table.dataHandles();
  const walk = new DataWalk(table);
  for (const h of handles) walk.block(h);
  checkCounts(table, walk.entries, handles.length);
  return { entries: walk.entries, dataBlocks: handles.length, fileSize: table.file.size };
}

/** Steps 2 and 3, one data block at a time, carrying the previous key across blocks. */
class DataWalk {
  entries = 0;
  private prevKey: Uint8Array | null = null;
  private prevUserKey: Uint8Array | null = null;
  private prevEnd = 0;

  constructor(private readonly table: Table) {}

  block(h: BlockHandle): void {
    const name = this.table.file.name;
    if (h.offset < this.prevEnd) throw new CorruptionError(name, h.offset, `data block at ${h.offset} overlaps the one before it, which ends at ${this.prevEnd}`);
    this.prevEnd = h.offset + h.size + BLOCK_TRAILER_SIZE;
    const it = new BlockIterator(this.table.dataBlock(h), KeyOrder.INTERNAL, name, h.offset);
    for (let e = it.first(); e !== null; e = it.next()) {
      const parsed = this.table.parseKey(e.key, h.offset);
      this.checkOrder(h, e.key);
      if (this.prevUserKey === null || !equalBytes(this.prevUserKey, parsed.userKey)) checkLookup(this.table, h, parsed, e.value);
      this.prevKey = e.key;
      this.prevUserKey = parsed.userKey;
      this.entries++;
    }
  }

  private checkOrder(h: BlockHandle, key: Uint8Array): void {
    const prev = this.prevKey;
    if (prev === null || compareKeys(prev, 0, prev.length, key, 0, key.length, KeyOrder.INTERNAL) < 0) return;
    const check = `entry #${this.entries} (in the data block at ${h.offset}): internal key ${showKey(key)} does not sort after ${showKey(prev)}`;
    throw new CorruptionError(this.table.file.name, h.offset, check);
  }
}

/** Table.get must find the newest entry of a user key as the walk found it. */
function checkLookup(table: Table, h: BlockHandle, entry: ParsedKey, value: Uint8Array): void {
  const r = table.get(entry.userKey);
  const hasFilter = table.filterShape !== null;
  const deleted = entry.kind === ValueKind.DELETION;
  const agrees = deleted ? r.deleted : r.found && equalBytes(r.value!, value);
  if (agrees && r.bloomChecked === hasFilter) return;
  const at = table.findDataBlock(entry.userKey);
  const why =
    at?.offset !== h.offset ? `the index leads a lookup to ${at === null ? "no data block" : `the data block at ${at.offset}`}`
    : hasFilter && !r.found && !r.deleted ? "the Bloom filter says it is absent (a false negative)"
    : `a lookup gives found ${r.found}, deleted ${r.deleted}, bloom_checked ${r.bloomChecked}${r.found ? ", another value" : ""}`;
  throw new CorruptionError(table.file.name, h.offset, `user key ${showBytes(entry.userKey)} (in the data block at ${h.offset}): ${why}`);
}

function checkCounts(table: Table, entries: number, dataBlocks: number): void {
  const h = table.metaindex.get(PROPERTIES_META_NAME);
  if (h === undefined) return;
  for (const [name, count] of [["rocksdb.num.entries", entries], ["rocksdb.num.data.blocks", dataBlocks]] as const) {
    const recorded = numericProperty(table.properties, name);
    if (recorded !== undefined && recorded !== count) {
      throw new CorruptionError(table.file.name, h.offset, `properties block: ${name} is ${recorded}, but the table holds ${count}`);
    }
  }
}

function showKey(key: Uint8Array): string {
  const t = key.length - 8;
  return `${showBytes(key.subarray(0, t))} + trailer 0x${Buffer.from(key.subarray(t)).toString("hex")}`;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
