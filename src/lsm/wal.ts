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
// The reader (readLog) tells a torn tail, what a crash while appending leaves, from corruption,
// and returns both as dropped byte ranges; what to do with them is the recovery mode's choice
// (wal-recovery.ts). FORMAT.md "Write-ahead log" has the rules.

import { decodeFixed32, decoded, encodeFixed32, getVarint32, putVarint32 } from "../kernels/coding.js";
import { crc32cMask, crc32cUnmask } from "../kernels/js.js";
import type { Kernels } from "../kernels/types.js";
import { ValueKind } from "../sstable/format.js";

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

/** One logical record of a log: its data, and the offset of its (first fragment's) header. */
export interface LogRecord {
  readonly offset: number;
  readonly data: Uint8Array;
}

/**
 * Bytes of a log that are not returned as records (LevelDB's log::Reader::Reporter::Corruption):
 * `torn` for an incomplete last record, which is all a crash while appending can leave; anything
 * else is corruption. FORMAT.md "Write-ahead log" lists the cases.
 */
export interface DroppedRange {
  readonly offset: number;
  readonly length: number;
  readonly reason: string;
  readonly torn: boolean;
}

export interface LogContents {
  readonly records: LogRecord[];
  /** In file order; only the last one can be torn. */
  readonly dropped: DroppedRange[];
  /** Just past the last complete record (and the block trailer after it): where valid data ends. */
  readonly end: number;
  /** Nothing was dropped: `end` is the file's size, and a LogWriter could go on appending there. */
  readonly endedCleanly: boolean;
}

/** Every record of a log file's bytes, in order, and every byte range that is not one. */
export function readLog(kernels: Kernels, bytes: Uint8Array): LogContents {
  return new LogReader(kernels, bytes).read();
}

type Parsed =
  | { readonly kind: "record"; readonly type: number; readonly data: Uint8Array; readonly next: number }
  | { readonly kind: "torn"; readonly reason: string }
  | { readonly kind: "damaged"; readonly reason: string; readonly statedEnd: number | null };

class LogReader {
  private readonly records: LogRecord[] = [];
  private readonly dropped: DroppedRange[] = [];
  /** The FIRST and MIDDLE fragments of a record whose LAST has not come yet. */
  private pending: { offset: number; parts: Uint8Array[] } | null = null;
  private end = 0;
  /**
   * Where the run of zero bytes that reaches the end of the file begins. The writer never leaves
   * zeros there (its block trailers are followed by a record), so they are space the file system
   * allocated for an append whose data never reached the disk: as a record cut short by the end of
   * the file, such zeros make a torn tail (FORMAT.md "Write-ahead log").
   */
  private readonly zeroTail: number;

  constructor(
    private readonly kernels: Kernels,
    private readonly b: Uint8Array,
  ) {
    let z = b.length;
    while (z > 0 && b[z - 1] === 0) z--;
    this.zeroTail = z;
  }

  read(): LogContents {
    const b = this.b;
    let p = 0;
    while (p < b.length) {
      const room = LOG_BLOCK_SIZE - (p % LOG_BLOCK_SIZE);
      if (room < LOG_HEADER_SIZE) {
        if (this.end === p) this.end = Math.min(p + room, b.length); // the block's zero trailer
        p += room;
        continue;
      }
      const r = this.parse(p, room);
      if (r.kind === "torn") return this.finish(p, r.reason);
      if (r.kind === "damaged") p = this.dropDamaged(p, room, r.reason, r.statedEnd);
      else {
        this.take(p, r.type, r.data, r.next);
        p = r.next;
      }
    }
    return this.finish(b.length, "the file ends inside a fragmented record, before its LAST fragment");
  }

  /** The record at p, or why there is none: torn (cut short by the end of the file) or damaged. */
  private parse(p: number, room: number): Parsed {
    const b = this.b;
    if (p + LOG_HEADER_SIZE > b.length) return { kind: "torn", reason: `a record header cut short by the end of the file` };
    if (p >= this.zeroTail) return { kind: "torn", reason: "zero bytes from here to the end of the file" };
    const length = b[p + 4] | (b[p + 5] << 8);
    const type = b[p + 6];
    const end = p + LOG_HEADER_SIZE + length;
    const fitsBlock = LOG_HEADER_SIZE + length <= room;
    const goodType = type >= FULL && type <= LAST;
    if (fitsBlock && end <= b.length && goodType && this.checksumMatches(p, end)) return { kind: "record", type, data: b.subarray(p + LOG_HEADER_SIZE, end), next: end };
    // Cut short by the end of the file, or by zeros that reach it: torn, unless a sound record
    // follows (appends reach the disk in order, so a record before a sound one was complete).
    const cutShort = fitsBlock && end > b.length;
    const zeroed = this.zeroTail < end && (fitsBlock || this.zeroTail < p + LOG_HEADER_SIZE);
    if ((cutShort || zeroed) && !this.soundRecordAfter(p)) {
      if (cutShort) return { kind: "torn", reason: `a record of ${length} bytes cut short by the end of the file` };
      return { kind: "torn", reason: `a record whose bytes from offset ${this.zeroTail} are zero to the end of the file` };
    }
    if (cutShort) return { kind: "damaged", reason: `record length ${length} runs past the end of the file, with sound records after it`, statedEnd: null };
    const statedEnd = fitsBlock && end <= b.length ? end : null;
    if (type === 0 && length === 0) return { kind: "damaged", reason: "zero bytes where a record header belongs, with data after them", statedEnd: null };
    if (!fitsBlock) return { kind: "damaged", reason: `record length ${length} runs past the end of its block`, statedEnd };
    if (!goodType) return { kind: "damaged", reason: `bad record type ${type}`, statedEnd };
    return { kind: "damaged", reason: `checksum mismatch in a record of ${length} bytes`, statedEnd };
  }

  private checksumMatches(p: number, end: number): boolean {
    return crc32cUnmask(decodeFixed32(this.b, p)) === this.kernels.crc32c(this.b.subarray(p + 6, end));
  }

  /** A sound record: joins fragments FIRST MIDDLE* LAST; a fragment out of order is corruption. */
  private take(p: number, type: number, data: Uint8Array, next: number): void {
    if (type === FULL || type === FIRST) {
      if (this.pending !== null) this.dropPending(p, `a FIRST fragment with no LAST before the record at offset ${p}`);
      if (type === FIRST) this.pending = { offset: p, parts: [data] };
      else this.complete(p, data, next);
    } else if (this.pending === null) {
      this.drop(p, next - p, `a ${type === MIDDLE ? "MIDDLE" : "LAST"} fragment without a FIRST before it`, false);
    } else {
      this.pending.parts.push(data);
      if (type === LAST) {
        const offset = this.pending.offset;
        const whole = concat(this.pending.parts);
        this.pending = null;
        this.complete(offset, whole, next);
      }
    }
  }

  private complete(offset: number, data: Uint8Array, next: number): void {
    this.records.push({ offset, data });
    this.end = next;
  }

  /**
   * Drops a damaged record at p and returns where reading goes on: at the end its header states
   * when a sound record (or the block's end) is there, else at the next offset of the block where
   * a sound record starts, else at the next block. (LevelDB's reader drops the rest of the block;
   * resynchronising on a checksum loses less to one flipped byte.)
   */
  private dropDamaged(p: number, room: number, reason: string, statedEnd: number | null): number {
    const blockEnd = Math.min(p + room, this.b.length);
    let next = blockEnd;
    if (statedEnd !== null && this.recordStartsAt(statedEnd)) next = statedEnd;
    else {
      for (let q = p + 1; q + LOG_HEADER_SIZE <= blockEnd; q++) {
        if (this.soundRecordAt(q)) {
          next = q;
          break;
        }
      }
    }
    if (this.pending !== null) this.dropPending(p, `a fragmented record cut off by the damage at offset ${p}`);
    this.drop(p, next - p, reason, false);
    return next;
  }

  /** At q: the end of the file, a block trailer, or a sound record. */
  private recordStartsAt(q: number): boolean {
    return q === this.b.length || LOG_BLOCK_SIZE - (q % LOG_BLOCK_SIZE) < LOG_HEADER_SIZE || this.soundRecordAt(q);
  }

  private soundRecordAfter(p: number): boolean {
    for (let q = p + 1; q + LOG_HEADER_SIZE <= this.zeroTail; q++) if (this.soundRecordAt(q)) return true;
    return false;
  }

  private soundRecordAt(q: number): boolean {
    const b = this.b;
    const room = LOG_BLOCK_SIZE - (q % LOG_BLOCK_SIZE);
    if (room < LOG_HEADER_SIZE || q + LOG_HEADER_SIZE > b.length) return false;
    const type = b[q + 6];
    const length = b[q + 4] | (b[q + 5] << 8);
    const end = q + LOG_HEADER_SIZE + length;
    return type >= FULL && type <= LAST && LOG_HEADER_SIZE + length <= room && end <= b.length && this.checksumMatches(q, end);
  }

  private dropPending(p: number, reason: string): void {
    const { offset } = this.pending!;
    this.pending = null;
    this.drop(offset, p - offset, reason, false);
  }

  private drop(offset: number, length: number, reason: string, torn: boolean): void {
    this.dropped.push({ offset, length, reason, torn });
  }

  /** Ends the read at p: a torn tail from p (or from the fragments before it) to the end of the file. */
  private finish(p: number, reason: string): LogContents {
    const start = this.pending?.offset ?? p;
    if (start < this.b.length) {
      const why = this.pending !== null && p < this.b.length ? `${reason}, inside a fragmented record that begins here` : reason;
      this.drop(start, this.b.length - start, why, true);
    }
    this.pending = null;
    return { records: this.records, dropped: this.dropped, end: this.end, endedCleanly: this.dropped.length === 0 };
  }
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
