// The table format's constants and small codecs (FORMAT.md sections "Footer", "Block handle",
// "Keys"). Counterparts: every encode has its decode here, next to it.

import { decoded, decodeFixed32, encodeFixed32, getVarint64, putVarint64 } from "../kernels/coding.js";
import { CorruptionError, UnsupportedError } from "./errors.js";

/** LevelDB's magic, also RocksDB's for format_version 0 (48-byte footer). */
export const LEGACY_MAGIC = [0x8b80fb57, 0xdb477524] as const; // lo, hi words of 0xdb4775248b80fb57
/** RocksDB's block-based table magic for format_version >= 1 (53-byte footer). */
export const ROCKSDB_MAGIC = [0x85f4cff7, 0x88e241b7] as const; // 0x88e241b785f4cff7
export const LEGACY_FOOTER_SIZE = 48;
export const ROCKSDB_FOOTER_SIZE = 53;
export const MAX_HANDLE_SIZE = 20; // two varint64s
export const BLOCK_TRAILER_SIZE = 5;

export const Compression = { NONE: 0, SNAPPY: 1 } as const;
/** RocksDB's checksum types (footer byte of format_version >= 1). */
export const Checksum = { NONE: 0, CRC32C: 1, XXH3: 4 } as const;

export interface BlockHandle {
  readonly offset: number;
  readonly size: number;
}

export function encodeHandle(h: BlockHandle, out: Uint8Array = new Uint8Array(MAX_HANDLE_SIZE)): Uint8Array {
  const n = putVarint64(out, 0, h.offset);
  return out.subarray(0, n + putVarint64(out, n, h.size));
}

/** Decodes a handle at buf[p]; returns it and the bytes it took, or null if malformed. */
export function decodeHandle(buf: Uint8Array, p: number, limit: number): [BlockHandle, number] | null {
  const a = getVarint64(buf, p, limit);
  if (a === 0) return null;
  const offset = decoded.value;
  const b = getVarint64(buf, p + a, limit);
  if (b === 0) return null;
  return [{ offset, size: decoded.value }, a + b];
}

export interface Footer {
  readonly metaindex: BlockHandle;
  readonly index: BlockHandle;
  /** 0 for LevelDB and RocksDB format_version 0 (legacy footer). */
  readonly formatVersion: number;
  readonly checksum: number;
  readonly size: number;
}

/** The legacy 48-byte footer we write: two handles, zero padding to 40 bytes, the magic. */
export function encodeFooter(metaindex: BlockHandle, index: BlockHandle): Uint8Array {
  const out = new Uint8Array(LEGACY_FOOTER_SIZE);
  const m = encodeHandle(metaindex);
  out.set(m, 0);
  out.set(encodeHandle(index), m.length);
  encodeFixed32(out, 40, LEGACY_MAGIC[0]);
  encodeFixed32(out, 44, LEGACY_MAGIC[1]);
  return out;
}

/**
 * Decodes the footer at the end of `tail`, whose last byte is the file's last byte, at file offset
 * `tailOffset`. Reads LevelDB's and RocksDB's legacy footer and RocksDB's format_version >= 1 one.
 */
export function decodeFooter(file: string, tail: Uint8Array, tailOffset: number, fileSize: number): Footer {
  if (tail.length < LEGACY_FOOTER_SIZE) throw new CorruptionError(file, tailOffset, `file of ${fileSize} bytes is too short for a footer`);
  const end = tail.length;
  const lo = decodeFixed32(tail, end - 8);
  const hi = decodeFixed32(tail, end - 4);
  let start: number;
  let formatVersion = 0;
  let checksum: number = Checksum.CRC32C;
  if (lo === LEGACY_MAGIC[0] && hi === LEGACY_MAGIC[1]) {
    start = end - LEGACY_FOOTER_SIZE;
  } else if (lo === ROCKSDB_MAGIC[0] && hi === ROCKSDB_MAGIC[1]) {
    if (tail.length < ROCKSDB_FOOTER_SIZE) throw new CorruptionError(file, tailOffset, "file too short for a RocksDB footer");
    start = end - ROCKSDB_FOOTER_SIZE;
    checksum = tail[start];
    formatVersion = decodeFixed32(tail, end - 12);
    start += 1;
    if (checksum !== Checksum.CRC32C && checksum !== Checksum.XXH3 && checksum !== Checksum.NONE) {
      throw new UnsupportedError(file, tailOffset + start - 1, `checksum type ${checksum} (crc32c and xxh3 are supported)`);
    }
    if (formatVersion < 1 || formatVersion > 5) {
      throw new UnsupportedError(file, tailOffset + end - 12, `RocksDB format_version ${formatVersion}`);
    }
  } else {
    throw new CorruptionError(file, tailOffset + end - 8, "bad magic number in footer");
  }
  const handlesEnd = start + 40;
  const m = decodeHandle(tail, start, handlesEnd);
  const i = m && decodeHandle(tail, start + m[1], handlesEnd);
  if (!m || !i) throw new CorruptionError(file, tailOffset + start, "footer's block handles are malformed");
  const footerSize = end - start + (formatVersion > 0 ? 1 : 0);
  const footerOffset = fileSize - footerSize;
  for (const [h, what] of [[m[0], "metaindex"], [i[0], "index"]] as const) {
    if (h.offset + h.size + BLOCK_TRAILER_SIZE > footerOffset) {
      throw new CorruptionError(file, tailOffset + start, `${what} handle (offset ${h.offset}, size ${h.size}) runs past the footer at ${footerOffset}`);
    }
  }
  return { metaindex: m[0], index: i[0], formatVersion, checksum, size: footerSize };
}

// ---- Internal keys (FORMAT.md "Keys") ----

export const ValueKind = { DELETION: 0, VALUE: 1 } as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];
const TRAILER_SIZE = 8;

/** user key + fixed64(sequence << 8 | kind). */
export function internalKey(userKey: Uint8Array, sequence: number, kind: ValueKind): Uint8Array {
  const out = new Uint8Array(userKey.length + TRAILER_SIZE);
  out.set(userKey);
  encodeTrailer(out, userKey.length, sequence, kind);
  return out;
}

/** Writes the 8-byte trailer: fixed64 little endian of sequence << 8 | kind. */
export function encodeTrailer(out: Uint8Array, p: number, sequence: number, kind: number): void {
  out[p] = kind;
  let s = sequence;
  for (let i = 1; i < 8; i++) {
    out[p + i] = s % 256;
    s = Math.floor(s / 256);
  }
}

export interface ParsedKey {
  readonly userKey: Uint8Array;
  readonly sequence: number;
  readonly kind: number;
}

/** Splits an internal key; null if it is shorter than its trailer. */
export function parseInternalKey(key: Uint8Array): ParsedKey | null {
  if (key.length < TRAILER_SIZE) return null;
  const t = key.length - TRAILER_SIZE;
  let sequence = 0;
  for (let i = 7; i >= 1; i--) sequence = sequence * 256 + key[t + i];
  return { userKey: key.subarray(0, t), sequence, kind: key[t] };
}

/** The key that seeks to the newest entry of userKey: the largest sequence, kind VALUE (LevelDB's kValueTypeForSeek). */
export function lookupKey(userKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(userKey.length + TRAILER_SIZE).fill(0xff);
  out.set(userKey);
  out[userKey.length] = ValueKind.VALUE;
  return out;
}
