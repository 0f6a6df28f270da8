// Describes a table as annotated byte ranges, in the manner of Pebble's sstable Layout: every block,
// each entry and restart point inside it, the filter, the properties, the metaindex, the index and
// the footer. One describer serves `wasm-lsm sst layout`, the tests (as golden text) and the web
// page. Block contents are described after decompression; offsets inside a compressed block are
// offsets into its decompressed bytes.

import { decodeFixed32 } from "../kernels/coding.js";
import { entriesLimit, entryHeader, header } from "../kernels/js.js";
import { decodeFilterBlock, FILTER_META_NAME } from "./filter.js";
import { BLOCK_TRAILER_SIZE, decodeHandle, parseInternalKey, type BlockHandle } from "./format.js";
import { PROPERTIES_META_NAME, propertyText } from "./properties.js";
import type { Table } from "./reader.js";
import { hexBytes, hex32 } from "./hex.js";

export interface LayoutRange {
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly text: string;
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

export function describeTable(table: Table, options: LayoutOptions = {}): LayoutRange[] {
  const out: LayoutRange[] = [];
  const blocks: [BlockHandle, string, (contents: Uint8Array, at: number) => void][] = [];
  table.dataHandles().forEach((h, i) =>
    blocks.push([h, `data block #${i}`, (c, at) => describeEntries(out, c, at, showInternalKey, showValue, options.entriesPerBlock)]),
  );
  for (const [name, h] of table.metaindex) {
    const describe =
      name === FILTER_META_NAME ? (c: Uint8Array, at: number) => describeFilter(out, table.file.name, c, at)
      : name === PROPERTIES_META_NAME ? (c: Uint8Array, at: number) => describeProperties(out, c, at)
      : (_c: Uint8Array, _at: number) => {};
    blocks.push([h, `meta block ${JSON.stringify(name)}`, describe]);
  }
  blocks.push([table.footer.index, "index block", (c, at) => describeEntries(out, c, at, showInternalKeyOrUser(table), showHandle)]);
  blocks.push([table.footer.metaindex, "metaindex block", (c, at) => describeEntries(out, c, at, showBytes, showHandle)]);
  blocks.sort((a, b) => a[0].offset - b[0].offset);
  for (const [h, title, describe] of blocks) {
    const contents = table.readBlock(h, title);
    const end = h.offset + h.size + BLOCK_TRAILER_SIZE;
    out.push({ start: h.offset, end, depth: 0, text: `${title} (size ${h.size} + trailer ${BLOCK_TRAILER_SIZE})` });
    describe(contents, h.offset);
    out.push({ start: end - BLOCK_TRAILER_SIZE, end, depth: 1, text: `trailer: compression ${table.file.read(end - 5, 1)[0]}, checksum ${hex32(decodeFixed32(table.file.read(end - 4, 4), 0))} (verified)` });
  }
  describeFooter(out, table);
  return out;
}

export function formatLayout(ranges: readonly LayoutRange[]): string {
  const width = String(ranges.reduce((m, r) => Math.max(m, r.end), 0)).length;
  return ranges.map((r) => `${String(r.start).padStart(width)}-${String(r.end).padStart(width)}  ${"  ".repeat(r.depth)}${r.text}`).join("\n") + "\n";
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

function describeProperties(out: LayoutRange[], c: Uint8Array, at: number): void {
  let name = "";
  describeEntries(out, c, at, (k) => {
    name = new TextDecoder().decode(k);
    return name;
  }, (v) => propertyText(name, v));
}

function describeEntries(
  out: LayoutRange[], c: Uint8Array, at: number, key: (k: Uint8Array) => string, value: (v: Uint8Array) => string, max = Infinity,
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
      out.push({ start: at + off, end: at + next, depth: 1, text });
    }
    prev = k;
    off = next;
  }
  if (i > max) out.push({ start: at, end: at + limit, depth: 1, text: `(${i - max} more entries)` });
  const restarts = (c.length - 4 - limit) / 4;
  out.push({ start: at + limit, end: at + c.length - 4, depth: 1, text: `restart points: [${Array.from({ length: Math.min(restarts, 16) }, (_, r) => decodeFixed32(c, limit + 4 * r)).join(", ")}${restarts > 16 ? ", ..." : ""}]` });
  out.push({ start: at + c.length - 4, end: at + c.length, depth: 1, text: `restart count: ${restarts}` });
}

function describeFilter(out: LayoutRange[], file: string, c: Uint8Array, at: number): void {
  const f = decodeFilterBlock(file, at, c);
  out.push({ start: at, end: at + f.lines.length, depth: 1, text: `bloom lines: ${f.numLines} x 64 bytes (${f.numLines * 512} bits)` });
  out.push({ start: at + f.lines.length, end: at + c.length, depth: 1, text: `filter trailer: layout 1, k ${f.k}, ${f.bitsPerKey} bits per key, ${f.numLines} lines` });
}

function describeFooter(out: LayoutRange[], table: Table): void {
  const f = table.footer;
  const end = table.file.size;
  const start = end - f.size;
  out.push({ start, end, depth: 0, text: `footer (${f.size} bytes, format_version ${f.formatVersion})` });
  out.push({ start, end: end - 8, depth: 1, text: `metaindex handle ${f.metaindex.offset}+${f.metaindex.size}, index handle ${f.index.offset}+${f.index.size}, zero padding` });
  out.push({ start: end - 8, end, depth: 1, text: `magic ${f.formatVersion === 0 ? "0xdb4775248b80fb57" : "0x88e241b785f4cff7"}` });
}

