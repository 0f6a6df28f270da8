// Describes a table as annotated byte ranges, in the manner of Pebble's sstable Layout: every block,
// each entry and restart point inside it, the filter, the properties, the metaindex, the index and
// the footer. One describer serves `wasm-lsm sst layout`, the tests (as golden text) and the web
// page. A compressed block (Snappy, in LevelDB's tables: FORMAT.md "Block trailer") is shown as the
// file range it occupies, marked compressed with both sizes; its entries are described after
// decompression, as ranges flagged `decompressed` whose offsets are into the decompressed bytes
// (printed with a "+": they are no file offsets).

import { decodeFixed32 } from "../kernels/coding.js";
import { entriesLimit, entryHeader, header } from "../kernels/js.js";
import { decodeFilterBlock, FILTER_META_NAME } from "./filter.js";
import { BLOCK_TRAILER_SIZE, Compression, decodeHandle, parseInternalKey, type BlockHandle } from "./format.js";
import { PROPERTIES_META_NAME, propertyText } from "./properties.js";
import type { Table } from "./reader.js";
import { hexBytes, hex32 } from "./hex.js";

/** What a top-level region of the file is (the web page colours its layout picture by it). */
export type RegionKind = "data" | "filter" | "properties" | "meta" | "index" | "metaindex" | "footer";

export interface LayoutRange {
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly text: string;
  /** Set when start and end are offsets into a compressed block's decompressed contents, not the file. */
  readonly decompressed?: true;
  /** Set on the depth-0 ranges: the blocks and the footer, which tile the file end to end. */
  readonly kind?: RegionKind;
}

export interface LayoutOptions {
  /** Entries to list per data block; the rest are summarised (default: all). */
  readonly entriesPerBlock?: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A key or value as text when it is printable UTF-8, else as hex (0x...). */
export function showBytes(b: Uint8Array, max = 48): string {
  const cut = b.length > max ? b.subarray(0, max) : b;
  const more = b.length > max ? `...(${b.length} bytes)` : "";
  try {
    const s = utf8.decode(cut);
    if (/^[\x20-\x7e\u{a0}-\u{10ffff}]*$/u.test(s)) return JSON.stringify(s) + more;
  } catch {
    // not UTF-8: hex below
  }
  return `0x${hexBytes(cut)}${more}`;
}

function showInternalKey(key: Uint8Array): string {
  const p = parseInternalKey(key);
  if (p === null) return showBytes(key);
  const kind = p.kind === 1 ? "value" : p.kind === 0 ? "deletion" : `kind${p.kind}`;
  const seq = p.sequence >= 2 ** 53 ? "max" : String(p.sequence);
  return `${showBytes(p.userKey)}#${seq},${kind}`;
}

/** Describes a block's contents into `out`, with offsets from the start of the contents. */
type BlockDescriber = (out: LayoutRange[], contents: Uint8Array) => void;

export function describeTable(table: Table, options: LayoutOptions = {}): LayoutRange[] {
  const out: LayoutRange[] = [];
  const blocks: [BlockHandle, string, RegionKind, BlockDescriber][] = [];
  table.dataHandles().forEach((h, i) =>
    blocks.push([h, `data block #${i}`, "data", (o, c) => describeEntries(o, c, showInternalKey, showValue, options.entriesPerBlock)]),
  );
  for (const [name, h] of table.metaindex) {
    const [kind, describe]: [RegionKind, BlockDescriber] =
      name === FILTER_META_NAME ? ["filter", (o, c) => describeFilter(o, table.file.name, h.offset, c)]
      : name === PROPERTIES_META_NAME ? ["properties", describeProperties]
      : isFilterName(name) ? ["filter", () => {}] // LevelDB's or RocksDB's filter: not described
      : ["meta", () => {}];
    blocks.push([h, `meta block ${JSON.stringify(name)}`, kind, describe]);
  }
  blocks.push([table.footer.index, "index block", "index", (o, c) => describeEntries(o, c, showInternalKeyOrUser(table), showHandle)]);
  blocks.push([table.footer.metaindex, "metaindex block", "metaindex", (o, c) => describeEntries(o, c, showBytes, showHandle)]);
  blocks.sort((a, b) => a[0].offset - b[0].offset);
  for (const [h, title, kind, describe] of blocks) describeBlock(out, table, h, title, kind, describe);
  describeFooter(out, table);
  return out;
}

/** The metaindex names of LevelDB's ("filter.NAME") and RocksDB's ("fullfilter.NAME", "partitionedfilter.NAME") filters. */
function isFilterName(name: string): boolean {
  return /^(?:filter|fullfilter|partitionedfilter)\./.test(name);
}

/**
 * One block: its file range, its contents, its trailer. The contents' ranges are file ranges when
 * the block is stored as is; when it is compressed, only the stored bytes have a file range, and
 * the entries inside are ranges of the decompressed bytes, one level deeper.
 */
function describeBlock(out: LayoutRange[], table: Table, h: BlockHandle, title: string, kind: RegionKind, describe: BlockDescriber): void {
  const contents = table.readBlock(h, title);
  const end = h.offset + h.size + BLOCK_TRAILER_SIZE;
  const type = table.file.read(end - BLOCK_TRAILER_SIZE, 1)[0];
  const inner: LayoutRange[] = [];
  describe(inner, contents);
  if (type === Compression.NONE) {
    out.push({ start: h.offset, end, depth: 0, kind, text: `${title} (size ${h.size} + trailer ${BLOCK_TRAILER_SIZE})` });
    for (const r of inner) out.push({ ...r, start: h.offset + r.start, end: h.offset + r.end });
  } else {
    const name = compressionName(type);
    out.push({ start: h.offset, end, depth: 0, kind, text: `${title} (size ${h.size} + trailer ${BLOCK_TRAILER_SIZE}, ${name}-compressed, ${contents.length} bytes decompressed)` });
    out.push({ start: h.offset, end: h.offset + h.size, depth: 1, text: `${name}-compressed contents: ${h.size} bytes stored, ${contents.length} decompressed; ranges +N-+M below are offsets into the decompressed bytes` });
    for (const r of inner) out.push({ ...r, depth: r.depth + 1, decompressed: true });
  }
  const crc = hex32(decodeFixed32(table.file.read(end - 4, 4), 0));
  const compression = type === Compression.NONE ? "0" : `${type} (${compressionName(type)})`;
  out.push({ start: end - BLOCK_TRAILER_SIZE, end, depth: 1, text: `trailer: compression ${compression}, checksum ${crc} (verified)` });
}

function compressionName(type: number): string {
  return type === Compression.SNAPPY ? "snappy" : `type-${type}`;
}

/** The ranges as text, one per line; ranges inside decompressed bytes are printed as +start-+end. */
export function formatLayout(ranges: readonly LayoutRange[]): string {
  const bound = (r: LayoutRange, n: number) => (r.decompressed === true ? `+${n}` : String(n));
  const width = ranges.reduce((m, r) => Math.max(m, bound(r, r.end).length), 0);
  return ranges.map((r) => `${bound(r, r.start).padStart(width)}-${bound(r, r.end).padStart(width)}  ${"  ".repeat(r.depth)}${r.text}`).join("\n") + "\n";
}

function showValue(v: Uint8Array): string {
  return showBytes(v, 32);
}

function showHandle(v: Uint8Array): string {
  const h = decodeHandle(v, 0, v.length);
  return h === null ? `${showBytes(v)} (not a handle)` : `handle ${h[0].offset}+${h[0].size}`;
}

function showInternalKeyOrUser(table: Table): (k: Uint8Array) => string {
  const user = table.properties.get("rocksdb.index.key.is.user.key");
  return user !== undefined && user[0] === 1 ? showBytes : showInternalKey;
}

function describeProperties(out: LayoutRange[], c: Uint8Array): void {
  let name = "";
  describeEntries(out, c, (k) => {
    name = new TextDecoder().decode(k);
    return name;
  }, (v) => propertyText(name, v));
}

function describeEntries(
  out: LayoutRange[], c: Uint8Array, key: (k: Uint8Array) => string, value: (v: Uint8Array) => string, max = Infinity,
): void {
  const limit = entriesLimit(c);
  if (limit < 0) return;
  let prev = new Uint8Array(0);
  let i = 0;
  for (let off = 0; off < limit; i++) {
    const body = entryHeader(c, off, limit);
    if (body === 0 || header.shared > prev.length) return;
    const k = new Uint8Array(header.shared + header.unshared);
    k.set(prev.subarray(0, header.shared));
    k.set(c.subarray(body, body + header.unshared), header.shared);
    const next = body + header.unshared + header.valueLength;
    if (i < max) {
      const text = `entry #${i}: shared ${header.shared}, unshared ${header.unshared}, value ${header.valueLength}: ${key(k)} => ${value(c.subarray(next - header.valueLength, next))}`;
      out.push({ start: off, end: next, depth: 1, text });
    }
    prev = k;
    off = next;
  }
  if (i > max) out.push({ start: 0, end: limit, depth: 1, text: `(${i - max} more ${i - max === 1 ? "entry" : "entries"})` });
  const restarts = (c.length - 4 - limit) / 4;
  out.push({ start: limit, end: c.length - 4, depth: 1, text: `restart points: [${Array.from({ length: Math.min(restarts, 16) }, (_, r) => decodeFixed32(c, limit + 4 * r)).join(", ")}${restarts > 16 ? ", ..." : ""}]` });
  out.push({ start: c.length - 4, end: c.length, depth: 1, text: `restart count: ${restarts}` });
}

function describeFilter(out: LayoutRange[], file: string, blockOffset: number, c: Uint8Array): void {
  const f = decodeFilterBlock(file, blockOffset, c);
  out.push({ start: 0, end: f.lines.length, depth: 1, text: `bloom lines: ${f.numLines} x 64 bytes (${f.numLines * 512} bits)` });
  out.push({ start: f.lines.length, end: c.length, depth: 1, text: `filter trailer: layout 1, k ${f.k}, ${f.bitsPerKey} bits per key, ${f.numLines} lines` });
}

function describeFooter(out: LayoutRange[], table: Table): void {
  const f = table.footer;
  const end = table.file.size;
  const start = end - f.size;
  out.push({ start, end, depth: 0, kind: "footer", text: `footer (${f.size} bytes, format_version ${f.formatVersion})` });
  out.push({ start, end: end - 8, depth: 1, text: `metaindex handle ${f.metaindex.offset}+${f.metaindex.size}, index handle ${f.index.offset}+${f.index.size}, zero padding` });
  out.push({ start: end - 8, end, depth: 1, text: `magic ${f.formatVersion === 0 ? "0xdb4775248b80fb57" : "0x88e241b785f4cff7"}` });
}

