// The version edit: one record of a MANIFEST, byte-compatible with LevelDB's db/version_edit.cc
// (FORMAT.md "Manifest (version edits)"). An edit is a sequence of tagged fields:
//
//   edit   := field*
//   field  := 1 comparator:slice | 2 log:varint64 | 9 prevLog:varint64 | 3 nextFile:varint64
//           | 4 lastSequence:varint64 | 5 level:varint32 key:slice
//           | 6 level:varint32 number:varint64
//           | 7 level:varint32 number:varint64 size:varint64 smallest:slice largest:slice
//   slice  := length:varint32 bytes[length]        level in 0..6 (LevelDB's config::kNumLevels)
//
// Tags are varint32s. Numbers are exact up to 2^53 - 1 (Number.MAX_SAFE_INTEGER); a larger one is
// refused when decoding, as coding.ts's getVarint64 does, and when encoding.

import { decoded, getVarint32, getVarint64, putVarint32, putVarint64 } from "../kernels/coding.js";
import { CorruptionError } from "../sstable/errors.js";

/** LevelDB's config::kNumLevels: levels 0..6. */
export const NUM_LEVELS = 7;

export const Tag = {
  COMPARATOR: 1,
  LOG_NUMBER: 2,
  NEXT_FILE_NUMBER: 3,
  LAST_SEQUENCE: 4,
  COMPACT_POINTER: 5,
  DELETED_FILE: 6,
  NEW_FILE: 7,
  // 8 was LevelDB's large-value reference, long retired; it is refused like any unknown tag.
  PREV_LOG_NUMBER: 9,
} as const;

export interface CompactPointer {
  readonly level: number;
  /** An internal key: compaction of this level resumes after it. */
  readonly key: Uint8Array;
}

export interface DeletedFile {
  readonly level: number;
  readonly number: number;
}

/** A table added to a level (LevelDB's FileMetaData). */
export interface NewFile {
  readonly level: number;
  readonly number: number;
  readonly fileSize: number;
  /** Internal keys (user key + 8-byte trailer), FORMAT.md "Keys". */
  readonly smallest: Uint8Array;
  readonly largest: Uint8Array;
}

/** The fields an edit sets; absent ones are left as they were. */
export interface VersionEdit {
  readonly comparator?: string;
  readonly logNumber?: number;
  readonly prevLogNumber?: number;
  readonly nextFileNumber?: number;
  readonly lastSequence?: number;
  readonly compactPointers: readonly CompactPointer[];
  readonly deletedFiles: readonly DeletedFile[];
  readonly newFiles: readonly NewFile[];
}

export function emptyEdit(): VersionEdit {
  return { compactPointers: [], deletedFiles: [], newFiles: [] };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

// ---- Encoding ----

/**
 * The edit's bytes, fields in the order LevelDB's VersionEdit::EncodeTo writes them: comparator,
 * log number, prev log number, next file number, last sequence, compact pointers, deleted files,
 * new files. Throws RangeError for a level outside 0..6 or a number that is not a safe integer.
 */
export function encodeVersionEdit(edit: VersionEdit): Uint8Array {
  const out = new ByteSink();
  if (edit.comparator !== undefined) out.tag(Tag.COMPARATOR).slice(utf8Encoder.encode(edit.comparator));
  if (edit.logNumber !== undefined) out.tag(Tag.LOG_NUMBER).u64(edit.logNumber, "log number");
  if (edit.prevLogNumber !== undefined) out.tag(Tag.PREV_LOG_NUMBER).u64(edit.prevLogNumber, "prev log number");
  if (edit.nextFileNumber !== undefined) out.tag(Tag.NEXT_FILE_NUMBER).u64(edit.nextFileNumber, "next file number");
  if (edit.lastSequence !== undefined) out.tag(Tag.LAST_SEQUENCE).u64(edit.lastSequence, "last sequence");
  for (const c of edit.compactPointers) out.tag(Tag.COMPACT_POINTER).level(c.level).slice(c.key);
  for (const d of edit.deletedFiles) out.tag(Tag.DELETED_FILE).level(d.level).u64(d.number, "deleted file number");
  for (const f of edit.newFiles) {
    out.tag(Tag.NEW_FILE).level(f.level).u64(f.number, "new file number").u64(f.fileSize, "file size");
    out.slice(f.smallest).slice(f.largest);
  }
  return out.bytes();
}

/** A growable buffer the encoder appends fields to. */
class ByteSink {
  private buf = new Uint8Array(64);
  private n = 0;

  tag(t: number): this {
    return this.u32(t);
  }

  level(level: number): this {
    if (!Number.isInteger(level) || level < 0 || level >= NUM_LEVELS) throw new RangeError(`version edit: level ${level} is outside 0..${NUM_LEVELS - 1}`);
    return this.u32(level);
  }

  u64(v: number, what: string): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`version edit: ${what} ${v} is not an integer in 0..2^53-1`);
    this.room(10);
    this.n += putVarint64(this.buf, this.n, v);
    return this;
  }

  slice(b: Uint8Array): this {
    this.u32(b.length);
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.n);
  }

  private u32(v: number): this {
    this.room(5);
    this.n += putVarint32(this.buf, this.n, v);
    return this;
  }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    bigger.set(this.buf.subarray(0, this.n));
    this.buf = bigger;
  }
}

// ---- Decoding ----

/**
 * Decodes one edit (a whole MANIFEST record's data). `file` and `offset` (where bytes[0] sits in
 * that file) name the place in a CorruptionError, thrown for an unknown tag, a field cut short
 * by the end of the record, a level outside 0..6, or a number past 2^53 - 1. LevelDB's
 * VersionEdit::DecodeFrom refuses the same records (its messages: "invalid tag", "log number",
 * "deleted file", "new-file entry", ...).
 */
export function decodeVersionEdit(bytes: Uint8Array, file: string, offset: number): VersionEdit {
  return new EditReader(bytes, file, offset).read();
}

class EditReader {
  private p = 0;
  private fieldStart = 0;

  constructor(
    private readonly b: Uint8Array,
    private readonly file: string,
    private readonly offset: number,
  ) {}

  read(): VersionEdit {
    const edit: {
      -readonly [K in keyof VersionEdit]: VersionEdit[K];
    } = { compactPointers: [], deletedFiles: [], newFiles: [] };
    const pointers: CompactPointer[] = [], deleted: DeletedFile[] = [], added: NewFile[] = [];
    while (this.p < this.b.length) {
      this.fieldStart = this.p;
      const tag = this.u32("tag");
      switch (tag) {
        case Tag.COMPARATOR:
          edit.comparator = utf8Decoder.decode(this.slice("comparator name"));
          break;
        case Tag.LOG_NUMBER:
          edit.logNumber = this.u64("log number");
          break;
        case Tag.PREV_LOG_NUMBER:
          edit.prevLogNumber = this.u64("prev log number");
          break;
        case Tag.NEXT_FILE_NUMBER:
          edit.nextFileNumber = this.u64("next file number");
          break;
        case Tag.LAST_SEQUENCE:
          edit.lastSequence = this.u64("last sequence");
          break;
        case Tag.COMPACT_POINTER:
          pointers.push({ level: this.level("compact pointer"), key: this.slice("compact pointer key") });
          break;
        case Tag.DELETED_FILE:
          deleted.push({ level: this.level("deleted file"), number: this.u64("deleted file number") });
          break;
        case Tag.NEW_FILE:
          added.push(this.newFile());
          break;
        default:
          this.fail(`unknown version edit tag ${tag}`);
      }
    }
    edit.compactPointers = pointers;
    edit.deletedFiles = deleted;
    edit.newFiles = added;
    return edit;
  }

  private newFile(): NewFile {
    const level = this.level("new file");
    const number = this.u64("new file number");
    const fileSize = this.u64("new file size");
    const smallest = this.slice("new file smallest key");
    const largest = this.slice("new file largest key");
    return { level, number, fileSize, smallest, largest };
  }

  private level(what: string): number {
    const at = this.p;
    const level = this.u32(`${what} level`);
    if (level >= NUM_LEVELS) this.fail(`${what} level ${level} is outside 0..${NUM_LEVELS - 1}`, at);
    return level;
  }

  private u32(what: string): number {
    const n = getVarint32(this.b, this.p, this.b.length);
    if (n === 0) this.fail(`version edit ${what}: a varint32 cut short by the end of the record, or too long`);
    this.p += n;
    return decoded.value;
  }

  private u64(what: string): number {
    const n = getVarint64(this.b, this.p, this.b.length);
    if (n === 0) this.fail(`version edit ${what}: a varint64 cut short by the end of the record, too long, or past 2^53-1`);
    this.p += n;
    return decoded.value;
  }

  private slice(what: string): Uint8Array {
    const length = this.u32(`${what} length`);
    if (this.p + length > this.b.length) this.fail(`version edit ${what}: ${length} bytes run past the end of the record`);
    // A copy, and a plain Uint8Array even when the record is a view into a Node Buffer (whose
    // slice() would share the caller's memory).
    const out = new Uint8Array(this.b.subarray(this.p, this.p + length));
    this.p += length;
    return out;
  }

  /** Throws at the field being read (or at `at`, a position in the record). */
  private fail(check: string, at = this.fieldStart): never {
    throw new CorruptionError(this.file, this.offset + at, check);
  }
}
