// The "rocksdb.properties" meta block (FORMAT.md "Properties block"): name -> value entries sorted
// by name, in a block with restart interval 1. Numbers are varint64 unless noted; strings are raw
// bytes. We write the properties RocksDB 7.8's SstFileWriter writes at format_version 0 (so
// sst_dump shows them and `ldb ingest_extern_sst` accepts the file), with the same meanings, plus
// our own under "wasm-lsm.". Nothing time-, host- or run-dependent: the same entries give the same
// bytes.

import { decoded, getVarint64, putVarint64 } from "../kernels/coding.js";
import { FILTER_POLICY_NAME } from "./filter.js";
import { hexBytes } from "./hex.js";

export const PROPERTIES_META_NAME = "rocksdb.properties";

/** What the builder counts as it writes. Sizes include each block's 5-byte trailer unless noted. */
export interface TableStats {
  entries: number;
  deletions: number;
  /** Internal keys, trailers included. */
  rawKeySize: number;
  rawValueSize: number;
  /** Bytes of all data blocks. */
  dataSize: number;
  dataBlocks: number;
  indexSize: number;
  /** The filter block's contents, without trailer. */
  filterSize: number;
  /** Distinct user keys in the filter. */
  filterEntries: number;
  /** The filter's false-positive rate estimated from its fill (filter.ts). */
  filterFpr: number;
  bitsPerKey: number;
  externalFile: boolean;
}

const utf8 = new TextEncoder();

/** What RocksDB 7.8's SstFileWriter records for its default (disabled) compression options. */
const COMPRESSION_OPTIONS =
  "window_bits=-14; level=32767; strategy=0; max_dict_bytes=0; zstd_max_train_bytes=0; enabled=0; " +
  "max_dict_buffer_bytes=0; use_zstd_dict_trainer=1; ";

function varint(v: number): Uint8Array {
  const b = new Uint8Array(10);
  return b.slice(0, putVarint64(b, 0, v));
}

function fixed(bytes: number, v: number): Uint8Array {
  const b = new Uint8Array(bytes);
  for (let i = 0, x = v; i < bytes; i++, x = Math.floor(x / 256)) b[i] = x % 256;
  return b;
}

/** The properties of a table with these stats, as sorted [names, values] for the block builder. */
export function encodeProperties(stats: TableStats): [Uint8Array[], Uint8Array[]] {
  const props = new Map<string, Uint8Array>([
    ["rocksdb.block.based.table.index.type", fixed(4, 0)],
    ["rocksdb.block.based.table.prefix.filtering", utf8.encode("0")],
    ["rocksdb.block.based.table.whole.key.filtering", utf8.encode("1")],
    ["rocksdb.column.family.id", varint(0x7fffffff)],
    ["rocksdb.comparator", utf8.encode("leveldb.BytewiseComparator")],
    ["rocksdb.compression", utf8.encode("NoCompression")],
    ["rocksdb.compression_options", utf8.encode(COMPRESSION_OPTIONS)],
    ["rocksdb.creating.db.identity", utf8.encode("wasm-lsm")],
    ["rocksdb.creation.time", varint(0)],
    ["rocksdb.data.size", varint(stats.dataSize)],
    ["rocksdb.deleted.keys", varint(stats.deletions)],
    ["rocksdb.filter.policy", utf8.encode(FILTER_POLICY_NAME)],
    ["rocksdb.filter.size", varint(stats.filterSize)],
    ["rocksdb.fixed.key.length", varint(0)],
    ["rocksdb.format.version", varint(0)],
    ["rocksdb.index.key.is.user.key", varint(0)],
    ["rocksdb.index.size", varint(stats.indexSize)],
    ["rocksdb.index.value.is.delta.encoded", varint(0)],
    ["rocksdb.merge.operands", varint(0)],
    ["rocksdb.merge.operator", utf8.encode("nullptr")],
    ["rocksdb.num.data.blocks", varint(stats.dataBlocks)],
    ["rocksdb.num.entries", varint(stats.entries)],
    ["rocksdb.num.filter_entries", varint(stats.filterEntries)],
    ["rocksdb.num.range-deletions", varint(0)],
    ["rocksdb.oldest.key.time", varint(0)],
    ["rocksdb.original.file.number", varint(0)],
    ["rocksdb.prefix.extractor.name", utf8.encode("nullptr")],
    ["rocksdb.property.collectors", utf8.encode("[]")],
    ["rocksdb.raw.key.size", varint(stats.rawKeySize)],
    ["rocksdb.raw.value.size", varint(stats.rawValueSize)],
    ["wasm-lsm.filter.bits.per.key", varint(stats.bitsPerKey)],
    ["wasm-lsm.filter.estimated.fpr", utf8.encode(stats.filterFpr.toFixed(6))],
  ]);
  if (stats.externalFile) {
    props.set("rocksdb.external_sst_file.global_seqno", fixed(8, 0));
    props.set("rocksdb.external_sst_file.version", fixed(4, 2));
  }
  const names = [...props.keys()].sort();
  return [names.map((n) => utf8.encode(n)), names.map((n) => props.get(n)!)];
}

/** A property read back as a varint64 number, or undefined if absent or not a varint. */
export function numericProperty(props: Map<string, Uint8Array>, name: string): number | undefined {
  const v = props.get(name);
  if (v === undefined) return undefined;
  return getVarint64(v, 0, v.length) === v.length ? decoded.value : undefined;
}

const STRING_PROPERTIES = new Set([
  "rocksdb.block.based.table.prefix.filtering", "rocksdb.block.based.table.whole.key.filtering",
  "rocksdb.column.family.name", "rocksdb.comparator", "rocksdb.compression", "rocksdb.compression_options",
  "rocksdb.creating.db.identity", "rocksdb.creating.host.identity", "rocksdb.creating.session.identity",
  "rocksdb.db.host.id", "rocksdb.filter.policy", "rocksdb.merge.operator", "rocksdb.prefix.extractor.name",
  "rocksdb.property.collectors", "wasm-lsm.filter.estimated.fpr",
]);
const FIXED_PROPERTIES = new Map([
  ["rocksdb.block.based.table.index.type", 4],
  ["rocksdb.external_sst_file.version", 4],
  ["rocksdb.external_sst_file.global_seqno", 8],
]);

/** A property's value as text: a string, a number (varint or fixed), or hex when it is neither. */
export function propertyText(name: string, value: Uint8Array): string {
  if (STRING_PROPERTIES.has(name)) return JSON.stringify(new TextDecoder().decode(value));
  const width = FIXED_PROPERTIES.get(name);
  if (width !== undefined && value.length === width) {
    let n = 0;
    for (let i = width - 1; i >= 0; i--) n = n * 256 + value[i];
    return `${n} (fixed${width * 8})`;
  }
  if (width === undefined && value.length > 0 && getVarint64(value, 0, value.length) === value.length) return String(decoded.value);
  return `0x${hexBytes(value)}`;
}
