// The write-ahead log, in LevelDB's log format (doc/log_format.md), holding LevelDB WriteBatch
// records, so LevelDB's own tools could read it. FORMAT.md "Write-ahead log".
//
//   file    := block*                  block := 32 KiB of records, zero-padded at its end when
//                                               fewer than 7 bytes remain
//   record  := checksum:fixed32 length:u16 type:u8 data[length]
//   type    := FULL 1 | FIRST 2 | MIDDLE 3 | LAST 4   (a batch larger than a block's room spans
//                                                      FIRST MIDDLE* LAST fragments)
//   checksum = masked CRC32C of the type byte and data
//   batch   := sequence:fixed64 count:fixed32 (kind:u8 key:varstring [value:varstring])*
//
// The reader stops quietly at a torn tail (a record cut short or corrupted by a crash, with nothing
// valid after it) and reports corruption when a bad record is followed by valid ones.

import { decodeFixed32, decoded, encodeFixed32, getVarint32, putVarint32 } from "../kernels/coding.js";
import { crc32cMask, crc32cUnmask } from "../kernels/js.js";
import type { Kernels } from "../kernels/types.js";
import { ValueKind } from "../sstable/format.js";
import { CorruptionError } from "../sstable/errors.js";

export const LOG_BLOCK_SIZE = 32 * 1024;
export const LOG_HEADER_SIZE = 7;
const FULL = 1, FIRST = 2, MIDDLE = 3, LAST = 4;

/**
 * RocksDB's WAL recovery modes (FORMAT.md "Write-ahead log"):
 * - tolerate-corrupted-tail-records (default): an incomplete last record is dropped, loudly; any
 *   other damage refuses the start;
 * - absolute-consistency: any damage, a torn tail too, refuses the start;
 * - point-in-time: replay stops at the first damage; everything after it is dropped, loudly;
 * - skip-any-corrupted-records: damaged records are skipped, loudly, and replay goes on.
 */
export const WAL_RECOVERY_MODES = ["tolerate-corrupted-tail-records", "absolute-consistency", "point-in-time", "skip-any-corrupted-records"] as const;
export type WalRecoveryMode = (typeof WAL_RECOVERY_MODES)[number];

export interface BatchOp {
  readonly kind: ValueKind;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface Batch {
  readonly sequence: number;
  readonly ops: BatchOp[];
}

/**
 * A batch's bytes: what one log record (or its fragments) carries. With `headroom`, that many
 * bytes are left free before them, where LogWriter.frameReserved writes a record header without
 * copying the batch. Sized exactly, and carved from a slab when small (see allocateRecord).
 */
export function encodeBatch(batch: Batch, headroom = 0): Uint8Array {
  const { ops } = batch;
  let size = headroom + 12;
  for (let i = 0; i < ops.length; i++) {
    const { kind, key, value } = ops[i];
    size += 1 + varint32Length(key.length) + key.length;
    if (kind === ValueKind.VALUE) size += varint32Length(value.length) + value.length;
  }
  const out = allocateRecord(size);
  encodeFixed32(out, headroom, batch.sequence >>> 0);
  encodeFixed32(out, headroom + 4, Math.floor(batch.sequence / 0x100000000));
  encodeFixed32(out, headroom + 8, ops.length);
  let p = headroom + 12;
  for (let i = 0; i < ops.length; i++) {
    const { kind, key, value } = ops[i];
    out[p++] = kind;
    p += putVarint32(out, p, key.length);
    out.set(key, p);
    p += key.length;
    if (kind === ValueKind.VALUE) {
      p += putVarint32(out, p, value.length);
      out.set(value, p);
      p += value.length;
    }
  }
  return out;
}

function varint32Length(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

const SLAB_BYTES = 256 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/**
 * `size` zeroed bytes of their own. A Uint8Array of more than 64 bytes gets an off-heap buffer,
 * which cost ~0.5 us per put record (more than the rest of encoding it); a view into a shared
 * slab costs a twentieth of that. Slab bytes are handed out once and never reused, so no two
 * records alias; a slab is freed when its last record is.
 */
function allocateRecord(size: number): Uint8Array {
  if (size > SLAB_BYTES / 16) return new Uint8Array(size);
  if (slabUsed + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, size);
  slabUsed += size;
  return out;
}

/** Decodes a batch; null if its bytes do not hold what its header says. */
export function decodeBatch(b: Uint8Array): Batch | null {
  if (b.length < 12) return null;
  const sequence = decodeFixed32(b, 4) * 0x100000000 + decodeFixed32(b, 0);
  const count = decodeFixed32(b, 8);
  const ops: BatchOp[] = [];
  let p = 12;
  const bytes = (): Uint8Array | null => {
    const n = getVarint32(b, p, b.length);
    if (n === 0 || p + n + decoded.value > b.length) return null;
    const out = b.slice(p + n, p + n + decoded.value);
    p += n + decoded.value;
    return out;
  };
  for (let i = 0; i < count; i++) {
    const kind = b[p++];
    if (kind !== ValueKind.VALUE && kind !== ValueKind.DELETION) return null;
    const key = bytes();
    const value = kind === ValueKind.VALUE ? bytes() : new Uint8Array(0);
    if (key === null || value === null) return null;
    ops.push({ kind: kind as ValueKind, key, value });
  }
  return p === b.length ? { sequence, ops } : null;
}

/** Frames records into 32 KiB blocks; the caller writes the bytes it returns. */
export class LogWriter {
  private blockOffset: number;

  constructor(
    private readonly kernels: Kernels,
    existingSize = 0,
  ) {
    this.blockOffset = existingSize % LOG_BLOCK_SIZE;
  }

  /** The bytes that append `data` as one logical record. */
  frame(data: Uint8Array): Uint8Array {
    const chunks: Uint8Array[] = [];
    let p = 0;
    let first = true;
    do {
      const room = LOG_BLOCK_SIZE - this.blockOffset;
      if (room < LOG_HEADER_SIZE) {
        chunks.push(new Uint8Array(room)); // trailer padding
        this.blockOffset = 0;
        continue;
      }
      const n = Math.min(data.length - p, room - LOG_HEADER_SIZE);
      const last = p + n === data.length;
      const type = first && last ? FULL : first ? FIRST : last ? LAST : MIDDLE;
      chunks.push(this.record(type, data.subarray(p, p + n)));
      this.blockOffset += LOG_HEADER_SIZE + n;
      p += n;
      first = false;
      if (last) break;
    } while (true);
    return chunks.length === 1 ? chunks[0] : concat(chunks);
  }

  /**
   * frame() for data that follows LOG_HEADER_SIZE free bytes in `buf` (encodeBatch's headroom):
   * a record that fits the current block gets its header written there, with no copy.
   */
  frameReserved(buf: Uint8Array): Uint8Array {
    const length = buf.length - LOG_HEADER_SIZE;
    if (LOG_BLOCK_SIZE - this.blockOffset < buf.length) return this.frame(buf.subarray(LOG_HEADER_SIZE));
    this.blockOffset += buf.length;
    return this.header(buf, FULL, length);
  }

  private record(type: number, data: Uint8Array): Uint8Array {
    const out = new Uint8Array(LOG_HEADER_SIZE + data.length);
    out.set(data, LOG_HEADER_SIZE);
    return this.header(out, type, data.length);
  }

  /** Fills the 7-byte header at out[0..7) for the `length` data bytes that follow it. */
  private header(out: Uint8Array, type: number, length: number): Uint8Array {
    out[4] = length & 0xff;
    out[5] = length >>> 8;
    out[6] = type;
    encodeFixed32(out, 0, crc32cMask(this.kernels.crc32c(out.subarray(6, LOG_HEADER_SIZE + length))));
    return out;
  }
}

/**
 * Every complete record of a log file's bytes, in order. A damaged record with nothing valid after
 * it is a torn tail and ends the log; one followed by a valid record is corruption.
 */
export function readLog(kernels: Kernels, file: string, bytes: Uint8Array): Uint8Array[] {
  const records: Uint8Array[] = [];
  let pending: Uint8Array[] | null = null;
  let damagedAt = -1;
  for (let p = 0; p < bytes.length; ) {
    const room = LOG_BLOCK_SIZE - (p % LOG_BLOCK_SIZE);
    if (room < LOG_HEADER_SIZE) {
      p += room;
      continue;
    }
    const r = parseRecord(kernels, bytes, p, room);
    if (r === null) {
      if (damagedAt < 0) damagedAt = p;
      p += room; // skip to the next block, as LevelDB's reader does
      continue;
    }
    if (damagedAt >= 0) throw new CorruptionError(file, damagedAt, "damaged log record followed by valid ones");
    const [type, data, next] = r;
    p = next;
    if (type === FULL && pending === null) records.push(data);
    else if (type === FIRST && pending === null) pending = [data];
    else if (type === MIDDLE && pending !== null) pending.push(data);
    else if (type === LAST && pending !== null) {
      pending.push(data);
      records.push(concat(pending));
      pending = null;
    } else throw new CorruptionError(file, p, `log record of type ${type} out of sequence`);
  }
  return records;
}

/** [type, data, next offset] of the record at p, or null if it is cut short or fails its checksum. */
function parseRecord(kernels: Kernels, b: Uint8Array, p: number, room: number): [number, Uint8Array, number] | null {
  if (p + LOG_HEADER_SIZE > b.length) return null;
  const length = b[p + 4] | (b[p + 5] << 8);
  const type = b[p + 6];
  if (type === 0 && length === 0) return null; // zero fill: preallocated or padding
  const end = p + LOG_HEADER_SIZE + length;
  if (LOG_HEADER_SIZE + length > room || end > b.length || type < FULL || type > LAST) return null;
  if (crc32cUnmask(decodeFixed32(b, p)) !== kernels.crc32c(b.subarray(p + 6, end))) return null;
  return [type, b.subarray(p + LOG_HEADER_SIZE, end), end];
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const x of parts) n += x.length;
  const out = new Uint8Array(n);
  let p = 0;
  for (const x of parts) {
    out.set(x, p);
    p += x.length;
  }
  return out;
}
