// One internal iterator over a sorted level (levels 1..6: tables in key order, disjoint user-key
// ranges): the tables one after another, each opened only when the iterator reaches it and
// released when it leaves (LevelDB's two-level iterator over Version::LevelFileNumIterator). So a
// scan over a level costs one child in the merging iterator, not one per table.

import type { InternalEntry, InternalIterator } from "./internal-iterator.js";
import { compareUserKey, findTable, type TableMeta } from "./version.js";

/** An open table's iterator, and what gives the table back (to the table cache). */
export interface OpenedTable {
  readonly iterator: InternalIterator;
  readonly release: () => void;
}

export class LevelIterator implements InternalIterator {
  private index = -1; // the table open, or -1
  private current: OpenedTable | null = null;
  private closed = false;

  constructor(
    private readonly tables: readonly TableMeta[],
    private readonly open: (table: TableMeta) => OpenedTable,
  ) {}

  first(): InternalEntry | null {
    return this.landFrom(0, 1, (it) => it.first());
  }

  last(): InternalEntry | null {
    return this.landFrom(this.tables.length - 1, -1, (it) => it.last());
  }

  seekGE(key: Uint8Array, sequence?: number): InternalEntry | null {
    return this.landFrom(findTable(this.tables, key), 1, (it) => it.seekGE(key, sequence));
  }

  seekLT(key: Uint8Array, sequence?: number): InternalEntry | null {
    // the last table whose smallest user key is at or before key may hold an entry before it
    let i = findTable(this.tables, key);
    if (i >= this.tables.length || compareUserKey(this.tables[i].smallest, key) > 0) i--;
    return this.landFrom(i, -1, (it) => it.seekLT(key, sequence));
  }

  next(): InternalEntry | null {
    if (this.current === null) return this.check(null);
    return this.landFrom(this.index, 1, (it) => it.next());
  }

  prev(): InternalEntry | null {
    if (this.current === null) return this.check(null);
    return this.landFrom(this.index, -1, (it) => it.prev());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.drop();
  }

  /**
   * From table i on, in `step`'s direction (+1 forward, -1 back), the first entry `move` lands on;
   * then each following table's first (forward) or last (back) entry. Table i may be the one open.
   */
  private landFrom(i: number, step: 1 | -1, move: (it: InternalIterator) => InternalEntry | null): InternalEntry | null {
    this.check(null);
    const onward = step === 1 ? (it: InternalIterator) => it.first() : (it: InternalIterator) => it.last();
    for (; i >= 0 && i < this.tables.length; i += step, move = onward) {
      const e = move(this.openAt(i));
      if (e !== null) return e;
    }
    this.drop();
    return null;
  }

  private openAt(i: number): InternalIterator {
    if (this.index === i && this.current !== null) return this.current.iterator;
    this.drop();
    this.current = this.open(this.tables[i]);
    this.index = i;
    return this.current.iterator;
  }

  /** Closes the open table's iterator and gives the table back. */
  private drop(): void {
    const c = this.current;
    this.current = null;
    this.index = -1;
    if (c === null) return;
    c.iterator.close();
    c.release();
  }

  private check<T>(v: T): T {
    if (this.closed) throw new Error("level iterator used after close()");
    return v;
  }
}

/**
 * The children a merging iterator needs for a version's tables (store.ts, leveldb-directory.ts):
 * each level-0 table opened now, newest first as `levels[0]` lists them (their ranges overlap),
 * then one LevelIterator per deeper level that holds tables. `release` gives back the level-0
 * tables once the iterators are closed; if an open fails, what was opened is given back first.
 */
export function versionIterators(levels: readonly (readonly TableMeta[])[], open: (table: TableMeta) => OpenedTable): { iterators: InternalIterator[]; release: () => void } {
  const released: (() => void)[] = [];
  const iterators: InternalIterator[] = [];
  const release = () => {
    for (const r of released) r();
  };
  try {
    for (const t of levels[0]) {
      const opened = open(t);
      released.push(opened.release);
      iterators.push(opened.iterator);
    }
  } catch (err) {
    for (const it of iterators) it.close();
    release();
    throw err;
  }
  for (let l = 1; l < levels.length; l++) if (levels[l].length > 0) iterators.push(new LevelIterator(levels[l], open));
  return { iterators, release };
}
