// The internal iterator contract every source of the read path meets (LevelDB's Iterator in
// include/leveldb/iterator.h, Pebble's InternalIterator): entries in internal-key order (FORMAT.md
// "Keys": user key ascending, then sequence descending), each move returning the entry it lands on
// or null past either end. After a move returns null, next() and prev() return null until first(),
// last() or a seek. A returned entry's bytes may be a view that the iterator's next move or close()
// reuses: a consumer copies what it keeps.
//
// The MemTable's iterator meets it as it is (its MemEntry has this shape); a table's iterator names
// the user key `userKey` and the internal key `key`, so `tableInternalIterator` renames.

import type { TableEntry, TableIterator } from "../sstable/reader.js";

/** One version of a user key: a value or a deletion (kind, ValueKind of sstable/format.ts). */
export interface InternalEntry {
  /** The user key. */
  readonly key: Uint8Array;
  readonly sequence: number;
  readonly kind: number;
  readonly value: Uint8Array;
}

/**
 * The moves every iterator here makes (MemTable, block, table, merging, database), each returning
 * the entry it lands on or null; E is what an entry holds.
 */
export interface InternalIterator<E = InternalEntry> {
  first(): E | null;
  last(): E | null;
  /** The first entry at or after (key, sequence); without a sequence, key's newest version or the next key. */
  seekGE(key: Uint8Array, sequence?: number): E | null;
  /** The last entry before (key, sequence); without a sequence, the last before every version of key. */
  seekLT(key: Uint8Array, sequence?: number): E | null;
  next(): E | null;
  prev(): E | null;
  close(): void;
}

/** A table's iterator as an internal iterator: the same moves, entries keyed by their user key. */
export function tableInternalIterator(it: TableIterator): InternalIterator {
  const v = (e: TableEntry | null): InternalEntry | null => e && { key: e.userKey, sequence: e.sequence, kind: e.kind, value: e.value };
  return {
    first: () => v(it.first()),
    last: () => v(it.last()),
    seekGE: (k, s) => v(it.seekGE(k, s)),
    seekLT: (k, s) => v(it.seekLT(k, s)),
    next: () => v(it.next()),
    prev: () => v(it.prev()),
    close: () => it.close(),
  };
}
