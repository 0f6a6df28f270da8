// The database iterator (LevelDB's db/db_iter.cc): user keys and their values at a snapshot, over
// an internal iterator (the merging iterator of merging-iterator.ts) that yields every version of
// every key in internal-key order (FORMAT.md "Keys"). For each user key it shows the newest version
// with sequence <= snapshot; a deletion there hides the key; versions newer than the snapshot are
// passed over. Bounds are optional: gte inclusive, lt exclusive.
//
// Forward, the internal iterator stands on the entry shown (the key's newest visible version), so
// next() steps past the rest of that key's versions. Reverse, a key's versions come oldest first,
// so the iterator has to read past all of them, and one entry of the key before, to know which is
// the newest visible one: it stands before the key shown, and the key and value shown are copies
// (db_iter.cc's saved_key_ and saved_value_). A change of direction steps the internal iterator
// back over the key shown, as db_iter.cc's Next and Prev do.

import { compareBytes } from "../kernels/js.js";
import { ValueKind } from "../sstable/format.js";
import type { InternalEntry, InternalIterator } from "./internal-iterator.js";
import { LATEST } from "./memtable.js";

/** A user key and its value; the value may be a view that the next move or close() reuses. */
export interface DbEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface DbIteratorOptions {
  /** See the newest version at or below this sequence; LATEST (the default) sees every write. */
  readonly snapshot?: number;
  /** Lower bound, inclusive. */
  readonly gte?: Uint8Array;
  /** Upper bound, exclusive. */
  readonly lt?: Uint8Array;
  /**
   * Called once, by close(): what the iterator holds beyond its internal iterator is let go there
   * (a store's iterator holds its version, so a compaction's inputs stay on disk until then).
   */
  readonly onClose?: () => void;
}

const FORWARD = 1;
const REVERSE = -1;
const cmp = (a: Uint8Array, b: Uint8Array) => compareBytes(a, 0, a.length, b, 0, b.length);

/**
 * first / seekGE / next and last / seekLT / prev, each returning the entry or null. After a move
 * returns null, next() and prev() return null until first(), last() or a seek. The iterator owns
 * the internal iterator and closes it; after close() every move throws.
 */
export class DbIterator {
  private readonly snapshot: number;
  private readonly gte: Uint8Array | null;
  private readonly lt: Uint8Array | null;
  private at: InternalEntry | null = null; // where the internal iterator last landed
  private direction = FORWARD;
  private valid = false;
  private savedKey = new Uint8Array(0); // the key shown (a copy)
  private savedValue = new Uint8Array(0); // reverse only: the value shown (a copy)
  private closed = false;
  private readonly onClose: (() => void) | null;

  constructor(private readonly internal: InternalIterator, options: DbIteratorOptions = {}) {
    this.onClose = options.onClose ?? null;
    this.snapshot = options.snapshot ?? LATEST;
    this.gte = options.gte ?? null;
    this.lt = options.lt ?? null;
  }

  first(): DbEntry | null {
    this.open();
    this.at = this.gte === null ? this.internal.first() : this.internal.seekGE(this.gte, this.seekSequence());
    return this.findNext(null);
  }

  last(): DbEntry | null {
    this.open();
    this.at = this.lt === null ? this.internal.last() : this.internal.seekLT(this.lt);
    return this.findPrev();
  }

  /** The first key at or after key (and the lower bound). */
  seekGE(key: Uint8Array): DbEntry | null {
    this.open();
    const target = this.gte !== null && cmp(key, this.gte) < 0 ? this.gte : key;
    // seeking to (target, snapshot) passes over the versions the snapshot cannot see
    this.at = this.internal.seekGE(target, this.seekSequence());
    return this.findNext(null);
  }

  /** The last key before key (and the upper bound). */
  seekLT(key: Uint8Array): DbEntry | null {
    this.open();
    const target = this.lt !== null && cmp(key, this.lt) > 0 ? this.lt : key;
    this.at = this.internal.seekLT(target);
    return this.findPrev();
  }

  next(): DbEntry | null {
    this.open();
    if (!this.valid) return null;
    // reverse, the internal iterator stands before the key shown, or off the front (null)
    this.at = this.direction === REVERSE && this.at === null ? this.internal.first() : this.internal.next();
    return this.findNext(this.savedKey);
  }

  prev(): DbEntry | null {
    this.open();
    if (!this.valid) return null;
    if (this.direction === FORWARD) {
      // forward, the internal iterator stands on the key shown: step back before all its versions
      do this.at = this.internal.prev();
      while (this.at !== null && cmp(this.at.key, this.savedKey) >= 0);
    }
    return this.findPrev();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.valid = false;
    this.internal.close();
    this.onClose?.();
  }

  /**
   * From `at` forward, the first key after `skip` (and below lt) whose newest visible version is a
   * value (db_iter.cc's FindNextUserEntry).
   */
  private findNext(skip: Uint8Array | null): DbEntry | null {
    for (; this.at !== null; this.at = this.internal.next()) {
      const e = this.at;
      if (skip !== null && cmp(e.key, skip) <= 0) continue;
      if (this.lt !== null && cmp(e.key, this.lt) >= 0) break;
      if (e.sequence > this.snapshot) continue;
      if (e.kind === ValueKind.DELETION) {
        skip = e.key.slice(); // the view goes with the next move; the older versions it hides follow
        continue;
      }
      this.savedKey = e.key.slice();
      this.direction = FORWARD;
      this.valid = true;
      return { key: this.savedKey, value: e.value };
    }
    this.valid = false;
    return null;
  }

  /**
   * From `at` backward, the last key (at or above gte) whose newest visible version is a value
   * (db_iter.cc's FindPrevUserEntry): each key's versions arrive oldest first, so the last visible
   * one read before the key changes is its newest.
   */
  private findPrev(): DbEntry | null {
    let kind: number = ValueKind.DELETION; // of the newest visible version of savedKey read so far
    for (; this.at !== null; this.at = this.internal.prev()) {
      const e = this.at;
      if (this.gte !== null && cmp(e.key, this.gte) < 0) break;
      if (e.sequence > this.snapshot) continue;
      if (kind !== ValueKind.DELETION && cmp(e.key, this.savedKey) < 0) break; // savedKey is complete
      kind = e.kind;
      if (kind !== ValueKind.DELETION) {
        this.savedKey = e.key.slice();
        this.savedValue = e.value.slice();
      }
    }
    this.direction = REVERSE;
    this.valid = kind !== ValueKind.DELETION;
    return this.valid ? { key: this.savedKey, value: this.savedValue } : null;
  }

  /** The sequence to seek with: the snapshot, or none (newest) when it sees every write. */
  private seekSequence(): number | undefined {
    return Number.isFinite(this.snapshot) ? this.snapshot : undefined;
  }

  private open(): void {
    if (this.closed) throw new Error("database iterator used after close()");
  }
}
