// A MANIFEST as LevelDB writes it (db/version_set.cc): version edits (version-edit.ts), each one
// record in the log format of the write-ahead log (wal.ts, FORMAT.md "Write-ahead log"). Reading
// replays the edits in order into the state they describe (LevelDB's VersionSet::Recover and
// VersionSet::Builder); writing frames edits into bytes the caller appends. No file I/O here.
// FORMAT.md "Manifest (version edits)".

import type { Kernels } from "../kernels/types.js";
import { CorruptionError } from "../sstable/errors.js";
import { LOG_HEADER_SIZE, LogWriter, readLog, type DroppedRange } from "./wal.js";
import { decodeVersionEdit, encodeVersionEdit, NUM_LEVELS, type NewFile, type VersionEdit } from "./version-edit.js";

/** A live table: what a new-file field said about it. */
export type TableFile = Omit<NewFile, "level">;

/** The version a MANIFEST describes. */
export interface ManifestState {
  /** The comparator's name, if an edit named one (LevelDB's is "leveldb.BytewiseComparator"). */
  readonly comparator: string | null;
  readonly logNumber: number;
  readonly prevLogNumber: number;
  readonly nextFileNumber: number;
  readonly lastSequence: number;
  /** NUM_LEVELS levels, each sorted by smallest internal key, then by number (LevelDB's BySmallestKey). */
  readonly levels: readonly (readonly TableFile[])[];
  /** Per level: the internal key its next compaction starts after, or null. */
  readonly compactPointers: readonly (Uint8Array | null)[];
  /** Numbers of tables an edit deleted and none re-added: provably garbage if still on disk. */
  readonly deletedTables: readonly number[];
}

export interface ManifestContents {
  readonly state: ManifestState;
  /** How many edits were replayed. */
  readonly edits: number;
  /** An incomplete last record, dropped (what a crash while appending leaves), or null. */
  readonly tornTail: DroppedRange | null;
  /** Where the valid records end: a writer that goes on appending starts here. */
  readonly end: number;
}

/**
 * Replays a whole MANIFEST's bytes. A torn tail is dropped; any other damage, an edit that does not
 * decode, an edit that deletes a table its level does not hold or adds one already live, and a
 * manifest with no log number, next file number or last sequence (LevelDB's Recover refuses those
 * too) throw CorruptionError naming `file`.
 */
export function readManifest(kernels: Kernels, bytes: Uint8Array, file: string): ManifestContents {
  const log = readLog(kernels, bytes);
  const damage = log.dropped.find((d) => !d.torn);
  if (damage !== undefined) throw new CorruptionError(file, damage.offset, `manifest record damaged: ${damage.reason}`);
  const builder = new StateBuilder(file);
  for (const r of log.records) builder.apply(decodeVersionEdit(r.data, file, r.offset + LOG_HEADER_SIZE), r.offset);
  const tornTail = log.dropped.find((d) => d.torn) ?? null;
  return { state: builder.finish(log.end), edits: log.records.length, tornTail, end: log.end };
}

class StateBuilder {
  private comparator: string | null = null;
  private logNumber: number | null = null;
  private prevLogNumber = 0;
  private nextFileNumber: number | null = null;
  private lastSequence: number | null = null;
  private readonly levels: Map<number, TableFile>[] = Array.from({ length: NUM_LEVELS }, () => new Map());
  private readonly pointers: (Uint8Array | null)[] = new Array<Uint8Array | null>(NUM_LEVELS).fill(null);
  private readonly deleted = new Set<number>();

  constructor(private readonly file: string) {}

  /** One edit, in LevelDB's Builder::Apply order: pointers, then deletions, then additions. */
  apply(edit: VersionEdit, offset: number): void {
    if (edit.comparator !== undefined) this.comparator = edit.comparator;
    if (edit.logNumber !== undefined) this.logNumber = edit.logNumber;
    if (edit.prevLogNumber !== undefined) this.prevLogNumber = edit.prevLogNumber;
    if (edit.nextFileNumber !== undefined) this.nextFileNumber = edit.nextFileNumber;
    if (edit.lastSequence !== undefined) this.lastSequence = edit.lastSequence;
    for (const c of edit.compactPointers) this.pointers[c.level] = c.key;
    for (const d of edit.deletedFiles) {
      if (!this.levels[d.level].delete(d.number)) this.fail(offset, `an edit deletes table ${d.number} from level ${d.level}, which does not hold it`);
      this.deleted.add(d.number);
    }
    for (const { level, ...table } of edit.newFiles) {
      const holder = this.levels.findIndex((l) => l.has(table.number));
      if (holder >= 0) this.fail(offset, `an edit adds table ${table.number} to level ${level}, but level ${holder} already holds it`);
      this.levels[level].set(table.number, table);
      this.deleted.delete(table.number);
    }
  }

  finish(end: number): ManifestState {
    const need = (v: number | null, what: string): number => (v !== null ? v : this.fail(end, `the manifest sets no ${what}`));
    return {
      comparator: this.comparator,
      logNumber: need(this.logNumber, "log number"),
      prevLogNumber: this.prevLogNumber,
      nextFileNumber: need(this.nextFileNumber, "next file number"),
      lastSequence: need(this.lastSequence, "last sequence"),
      levels: this.levels.map((l) => [...l.values()].sort(bySmallestKey)),
      compactPointers: [...this.pointers],
      deletedTables: [...this.deleted],
    };
  }

  private fail(offset: number, check: string): never {
    throw new CorruptionError(this.file, offset, check);
  }
}

function bySmallestKey(a: TableFile, b: TableFile): number {
  return compareInternalKeys(a.smallest, b.smallest) || a.number - b.number;
}

/** LevelDB's InternalKeyComparator over the bytewise comparator: user key ascending, then the 8-byte trailer descending. */
export function compareInternalKeys(a: Uint8Array, b: Uint8Array): number {
  const ua = Math.max(0, a.length - 8), ub = Math.max(0, b.length - 8);
  const n = Math.min(ua, ub);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  if (ua !== ub) return ua - ub;
  // The trailer is a little-endian fixed64 (sequence << 8 | kind): compared from its last byte.
  for (let i = 7; i >= 0; i--) if (a[ua + i] !== b[ub + i]) return (b[ub + i] ?? 0) - (a[ua + i] ?? 0);
  return 0;
}

/**
 * The edit that recreates `state` on its own: what LevelDB's VersionSet::WriteSnapshot writes first
 * in a new MANIFEST (comparator, compaction pointers, every live table), plus the log number, prev
 * log number, next file number and last sequence.
 */
export function snapshotEdit(state: ManifestState): VersionEdit {
  return {
    ...(state.comparator !== null ? { comparator: state.comparator } : {}),
    logNumber: state.logNumber,
    prevLogNumber: state.prevLogNumber,
    nextFileNumber: state.nextFileNumber,
    lastSequence: state.lastSequence,
    compactPointers: state.compactPointers.flatMap((key, level) => (key === null ? [] : [{ level, key }])),
    deletedFiles: [],
    newFiles: state.levels.flatMap((tables, level) => tables.map((t) => ({ level, ...t }))),
  };
}

/** Frames edits as MANIFEST records; the caller appends the bytes it returns, in order. */
export class ManifestWriter {
  private readonly log: LogWriter;

  /** `existingSize`: the bytes already in the file (a ManifestContents' `end` when going on with one). */
  constructor(kernels: Kernels, existingSize = 0) {
    this.log = new LogWriter(kernels, existingSize);
  }

  frame(edit: VersionEdit): Uint8Array {
    return this.log.frame(encodeVersionEdit(edit));
  }
}
