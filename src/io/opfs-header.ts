// The headers at the start of every file of an OpfsEnv's pool (opfs-env.ts): which of the env's
// paths the file holds. The env's names live here, not in OPFS's own names, because OPFS renames and
// creates are asynchronous and the Env interface is not; rewriting a header is one synchronous write.
//
// Each pool file has two header slots, at 0 and at HEADER_BYTES, and its bytes from DATA_OFFSET.
// A header write goes to the slot not holding the file's newest header, so a write torn by a crash
// spoils only itself: the other slot still holds the file's previous header (its name before a
// rename, its path before a remove). Of the two, the valid one with the higher generation is the file's.
//
//   offset  size  field (one slot)
//   0       4     magic "WLOP"
//   4       4     CRC32C of bytes 8..HEADER_BYTES, little-endian
//   8       1     kind: 0 free, 1 file, 2 directory
//   9       3     zero
//   12      8     generation, float64 little-endian (an integer below 2^53): of two headers naming
//                 one path, the higher generation is the path's (a rename writes the new header
//                 before it frees the file it replaces)
//   20      2     path length in bytes, u16 little-endian, at most MAX_PATH_BYTES
//   22      n     the path, UTF-8, relative to the env's root, "/" between names, no "." or ".."
//   22+n    ...   zero up to HEADER_BYTES
//
// FORMAT.md "OPFS pool file" draws the same bytes with a worked example. A slot that fails its
// magic or its CRC (never written, or torn) holds no header; a file with none is free.

import { crc32cJs } from "../kernels/js.js";

/** One header slot. */
export const HEADER_BYTES = 512;
/** Where a pool file's bytes begin: after its two header slots. */
export const DATA_OFFSET = 2 * HEADER_BYTES;
const PATH_AT = 22;
export const MAX_PATH_BYTES = HEADER_BYTES - PATH_AT;
const MAGIC = 0x504f4c57; // "WLOP" read little-endian

/** What a pool file holds (the header's kind byte). */
export const EntryKind = { Free: 0, File: 1, Directory: 2 } as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export interface PoolHeader {
  readonly kind: EntryKind;
  readonly generation: number;
  /** "" for a free file. */
  readonly path: string;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The header's HEADER_BYTES; the path must fit (checked by the caller: ENAMETOOLONG). */
export function encodeHeader(h: PoolHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  const path = utf8.encode(h.path);
  if (path.length > MAX_PATH_BYTES) throw new RangeError(`path of ${path.length} bytes past ${MAX_PATH_BYTES}`);
  view.setUint32(0, MAGIC, true);
  out[8] = h.kind;
  view.setFloat64(12, h.generation, true);
  view.setUint16(20, path.length, true);
  out.set(path, PATH_AT);
  view.setUint32(4, crc32cJs(out.subarray(8)), true);
  return out;
}

/** The header in these bytes, or null when they hold none (wrong magic, failed CRC, bad fields). */
export function decodeHeader(bytes: Uint8Array): PoolHeader | null {
  if (bytes.length < HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== crc32cJs(bytes.subarray(8, HEADER_BYTES))) return null;
  const kind = bytes[8];
  const generation = view.getFloat64(12, true);
  const length = view.getUint16(20, true);
  if (kind > EntryKind.Directory || !Number.isSafeInteger(generation) || length > MAX_PATH_BYTES) return null;
  try {
    return { kind: kind as EntryKind, generation, path: fromUtf8.decode(bytes.subarray(PATH_AT, PATH_AT + length)) };
  } catch {
    return null;
  }
}

/**
 * The file's header among its two slots (the first 2 * HEADER_BYTES bytes): the valid one with the
 * higher generation, and its slot (0 or 1); null when neither slot holds one.
 */
export function newestHeader(slots: Uint8Array): { readonly header: PoolHeader; readonly slot: 0 | 1 } | null {
  const a = decodeHeader(slots.subarray(0, HEADER_BYTES));
  const b = decodeHeader(slots.subarray(HEADER_BYTES, DATA_OFFSET));
  if (a === null && b === null) return null;
  return b === null || (a !== null && a.generation > b.generation) ? { header: a!, slot: 0 } : { header: b, slot: 1 };
}

/** The UTF-8 length of a path, for the ENAMETOOLONG check. */
export const pathBytes = (path: string): number => utf8.encode(path).length;
