// How far a forward scan of the whole store has gone, for the --progress bar of `db dump` and
// `db stats`: the bytes of the tables whose keys all lie behind the scan's key, over the bytes of
// every table. Tables are the store's data on disk, so this tracks the work left; it moves in steps
// of a table (2 MiB at most below level 0), and a store whose data is all in its MemTable (nothing
// flushed yet) shows 0% until the end.

import { userKeyOf, type TableMeta } from "../lsm/version.js";

export class ScanProgress {
  /** The tables by largest user key, ascending. */
  private readonly tables: { readonly largest: Uint8Array; readonly bytes: number }[];
  private readonly total: number;
  private passed = 0;
  private passedBytes = 0;

  constructor(tables: readonly TableMeta[]) {
    this.tables = tables.map((t) => ({ largest: userKeyOf(t.largest), bytes: t.fileSize })).sort((a, b) => Buffer.compare(a.largest, b.largest));
    this.total = this.tables.reduce((n, t) => n + t.bytes, 0);
  }

  /** The fraction done once the scan is at `key`; keys must come in ascending order. */
  at(key: Uint8Array): number {
    while (this.passed < this.tables.length && Buffer.compare(this.tables[this.passed].largest, key) < 0) {
      this.passedBytes += this.tables[this.passed++].bytes;
    }
    return this.total === 0 ? 0 : this.passedBytes / this.total;
  }
}
