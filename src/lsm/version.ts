// A version: which tables each level holds at one moment (LevelDB's db/version_set.h Version).
// Level 0 holds flushed tables whose key ranges overlap, newest (highest number) first; levels 1..6
// hold tables sorted by key with disjoint user-key ranges, so a read asks at most one table per level
// (found by binary search on largest keys). A version never changes: an edit makes a new one.
//
// Readers hold a reference to the version they started on (ref/unref); a table leaves the disk only
// when no live version names it (store.ts deleteObsoleteTables). FORMAT.md "Manifest (version edits)".

import { compareBytes } from "../kernels/js.js";
import type { VersionEdit } from "./version-edit.js";
import { NUM_LEVELS } from "./version-edit.js";

/** A live table: its level, number and name, size, and smallest and largest internal keys. */
export interface TableMeta {
  readonly level: number;
  readonly number: number;
  /** L<level>_<n>.sst: the level in the name is where the table lives (store.ts tableName). */
  readonly name: string;
  readonly fileSize: number;
  /** Internal keys (user key + 8-byte trailer), FORMAT.md "Keys". */
  readonly smallest: Uint8Array;
  readonly largest: Uint8Array;
  /** Bytes after the data blocks, when known (a table written by this process): its open is one read. */
  readonly tailSize?: number;
}

/** The user key of an internal key (a view). */
export const userKeyOf = (internal: Uint8Array): Uint8Array => internal.subarray(0, internal.length - 8);

const cmp = (a: Uint8Array, b: Uint8Array) => compareBytes(a, 0, a.length, b, 0, b.length);

/** The user-key part of an internal key against a user key, in place (the read path allocates nothing). */
export const compareUserKey = (internal: Uint8Array, userKey: Uint8Array): number => compareBytes(internal, 0, internal.length - 8, userKey, 0, userKey.length);

export class Version {
  private refs = 0;
  readonly levels: readonly (readonly TableMeta[])[];

  constructor(levels: readonly (readonly TableMeta[])[]) {
    if (levels.length !== NUM_LEVELS) throw new RangeError(`a version has ${NUM_LEVELS} levels, got ${levels.length}`);
    this.levels = levels;
  }

  static empty(): Version {
    return new Version(Array.from({ length: NUM_LEVELS }, () => []));
  }

  ref(): void {
    this.refs++;
  }

  /** Drops a reference; true when it was the last. */
  unref(): boolean {
    if (this.refs <= 0) throw new Error("version released more often than referenced");
    return --this.refs === 0;
  }

  get referenced(): boolean {
    return this.refs > 0;
  }

  /** Every table of every level. */
  *tables(): Generator<TableMeta> {
    for (const level of this.levels) yield* level;
  }

  levelBytes(level: number): number {
    return this.levels[level].reduce((n, t) => n + t.fileSize, 0);
  }

  /** The deepest level holding a table, or -1 when the version is empty. */
  deepestLevel(): number {
    for (let l = NUM_LEVELS - 1; l >= 0; l--) if (this.levels[l].length > 0) return l;
    return -1;
  }

  /**
   * The tables of `level` whose user-key range meets [begin, end] (null: unbounded). On level 0 the
   * range grows to take in every table that overlaps one taken (LevelDB's GetOverlappingInputs), so
   * that no newer version of a key stays behind when an older one moves down.
   */
  overlapping(level: number, begin: Uint8Array | null, end: Uint8Array | null): TableMeta[] {
    const tables = this.levels[level];
    if (level > 0) {
      const from = begin === null ? 0 : findTable(tables, begin);
      const out: TableMeta[] = [];
      for (let i = from; i < tables.length && (end === null || cmp(userKeyOf(tables[i].smallest), end) <= 0); i++) out.push(tables[i]);
      return out;
    }
    let lo = begin, hi = end;
    for (;;) {
      const taken = tables.filter((t) => (hi === null || cmp(userKeyOf(t.smallest), hi) <= 0) && (lo === null || cmp(userKeyOf(t.largest), lo) >= 0));
      const [l, h] = userRange(taken);
      const grewLow = lo !== null && l !== null && cmp(l, lo) < 0;
      const grewHigh = hi !== null && h !== null && cmp(h, hi) > 0;
      if (!grewLow && !grewHigh) return taken;
      if (grewLow) lo = l;
      if (grewHigh) hi = h;
    }
  }

  /** The version this edit makes of this one (LevelDB's VersionSet::Builder): deletions, then additions. */
  apply(edit: VersionEdit, added: ReadonlyMap<number, TableMeta>): Version {
    const deleted = new Set(edit.deletedFiles.map((d) => `${d.level}:${d.number}`));
    const levels = this.levels.map((tables, level) => tables.filter((t) => !deleted.has(`${level}:${t.number}`)));
    for (const f of edit.newFiles) {
      const meta = added.get(f.number);
      if (meta === undefined || meta.level !== f.level) throw new Error(`edit adds table ${f.number} to level ${f.level} without its metadata`);
      levels[f.level].push(meta);
    }
    levels[0].sort((a, b) => b.number - a.number);
    for (let l = 1; l < NUM_LEVELS; l++) levels[l].sort((a, b) => cmp(userKeyOf(a.smallest), userKeyOf(b.smallest)) || a.number - b.number);
    return new Version(levels);
  }
}

/** Whether the table's user-key range holds userKey. */
export function holdsKey(t: TableMeta, userKey: Uint8Array): boolean {
  return compareUserKey(t.smallest, userKey) <= 0 && compareUserKey(t.largest, userKey) >= 0;
}

/** The index of the first table of a sorted level whose largest user key is >= userKey (LevelDB's FindFile). */
export function findTable(tables: readonly TableMeta[], userKey: Uint8Array): number {
  let lo = 0, hi = tables.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareUserKey(tables[mid].largest, userKey) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest and largest user keys of some tables (nulls for none). */
export function userRange(tables: readonly TableMeta[]): [Uint8Array | null, Uint8Array | null] {
  let lo: Uint8Array | null = null, hi: Uint8Array | null = null;
  for (const t of tables) {
    const s = userKeyOf(t.smallest), l = userKeyOf(t.largest);
    if (lo === null || cmp(s, lo) < 0) lo = s;
    if (hi === null || cmp(l, hi) > 0) hi = l;
  }
  return [lo, hi];
}

export const totalBytes = (tables: readonly TableMeta[]): number => tables.reduce((n, t) => n + t.fileSize, 0);
