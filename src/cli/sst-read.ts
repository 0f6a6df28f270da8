// `wasm-lsm sst dump | layout | get`: a table's entries, its bytes, one key. Each opens the table,
// prints through Output, and closes it.
//
//   dump    {"key": K, "value": V, "seq": N, "kind": "value"} per entry, in table order
//   layout  formatLayout(describeTable(...)): every block and entry as an annotated byte range
//           (inside a compressed block, ranges of its decompressed bytes, printed +N-+M)
//   get     {"found": B, "value": V|null, "deleted": B, "bloom_checked": B, "disk_reads": N}
//
// K and V as in sst-json.ts. "kind" is "value", "deletion", or "kindN" for other entry types of
// RocksDB tables (N the type byte, as layout shows it). disk_reads counts a cold lookup: the reads
// Table.open made plus the get's own.

import { describeTable, formatLayout } from "../sstable/layout.js";
import { ValueKind } from "../sstable/format.js";
import type { TableEntry } from "../sstable/reader.js";
import { UsageError } from "../node/options.js";
import { intFlag, KERNELS_FLAG, KERNELS_HELP, kernelsFlag, withTable, type Flags, type SstCommand } from "./sst-common.js";
import { bytesToJson } from "./sst-json.js";
import type { Output } from "./sst-output.js";

export const dump: SstCommand = {
  synopsis: "dump FILE [--kernels wasm|js]",
  help: `Prints every entry of the table as one JSON line on stdout, in table order:
  {"key": K, "value": V, "seq": N, "kind": "value"}
K and V are strings when their bytes are UTF-8, else {"hex": "..."}; kind is "value",
"deletion", or "kindN" for another entry type. Reads LevelDB's and RocksDB's tables too.

Options:
${KERNELS_HELP}`,
  operands: ["FILE"],
  flags: KERNELS_FLAG,
  run: runDump,
};

export const layout: SstCommand = {
  synopsis: "layout FILE [--entries N] [--kernels wasm|js]",
  help: `Prints the table as annotated byte ranges on stdout: every block (data, meta, index,
metaindex) with its entries, restart points and trailer, then the footer. A compressed block
(LevelDB's Snappy) is one file range marked compressed with both sizes; the ranges of the
entries inside it are offsets into its decompressed bytes, printed as +N-+M.

Options:
  --entries N           list at most N entries of each data block (default: all)
${KERNELS_HELP}`,
  operands: ["FILE"],
  flags: { ...KERNELS_FLAG, entries: { type: "string" } },
  run: runLayout,
};

export const get: SstCommand = {
  synopsis: "get FILE KEY [--hex] [--kernels wasm|js]",
  help: `Looks KEY up as a cold open of the table would and prints one JSON line on stdout:
  {"found": B, "value": V, "deleted": B, "bloom_checked": B, "disk_reads": N}
value is null unless found; deleted: the key's newest entry is a deletion; bloom_checked: the
table has our Bloom filter and it was asked; disk_reads: the reads of the open plus the lookup's
(in our tables usually 2 for a present key: the tail and one data block; 1 when the filter rules
the key out). Exits 0 whether or not it is found.

Options:
  --hex                 KEY is hex digits, for binary keys
${KERNELS_HELP}`,
  operands: ["FILE", "KEY"],
  flags: { ...KERNELS_FLAG, hex: { type: "boolean" } },
  run: runGet,
};

async function runDump([file]: readonly string[], flags: Flags, out: Output): Promise<void> {
  await withTable(file, kernelsFlag(flags), async (table) => {
    const it = table.iterator();
    for (let e = it.first(); e !== null; e = it.next()) {
      if (out.push(entryLine(e))) await out.flush();
    }
  });
}

export function entryLine(e: TableEntry): string {
  return `{"key": ${bytesToJson(e.userKey)}, "value": ${bytesToJson(e.value)}, "seq": ${sequenceText(e)}, "kind": "${kindText(e.kind)}"}\n`;
}

/** The sequence number exactly: TableEntry's number rounds those above 2^53. */
function sequenceText(e: TableEntry): string {
  if (e.sequence <= Number.MAX_SAFE_INTEGER) return String(e.sequence);
  const t = e.key.length - 8;
  let s = 0n;
  for (let i = 7; i >= 1; i--) s = s * 256n + BigInt(e.key[t + i]);
  return s.toString();
}

function kindText(kind: number): string {
  return kind === ValueKind.VALUE ? "value" : kind === ValueKind.DELETION ? "deletion" : `kind${kind}`;
}

async function runLayout([file]: readonly string[], flags: Flags, out: Output): Promise<void> {
  const entriesPerBlock = intFlag(flags, "entries", 0, Number.MAX_SAFE_INTEGER, Infinity);
  const kernels = kernelsFlag(flags);
  out.push(await withTable(file, kernels, (table) => formatLayout(describeTable(table, { entriesPerBlock }))));
}

async function runGet([file, keyText]: readonly string[], flags: Flags, out: Output): Promise<void> {
  const key = flags.hex === true ? hexOperand(keyText) : Buffer.from(keyText, "utf8");
  const line = await withTable(file, kernelsFlag(flags), (table) => {
    const r = table.get(key);
    const value = r.value === null ? "null" : bytesToJson(r.value);
    return `{"found": ${r.found}, "value": ${value}, "deleted": ${r.deleted}, "bloom_checked": ${r.bloomChecked}, "disk_reads": ${table.openReads + r.diskReads}}\n`;
  });
  out.push(line);
}

function hexOperand(text: string): Buffer {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new UsageError(`--hex: KEY must be an even number of hex digits, got ${JSON.stringify(text)}`);
  return Buffer.from(text, "hex");
}
