// A doubly linked list in least-recently-used order, for the caches (block-cache.ts here and
// src/lsm/table-cache.ts). The links live in the cached entries themselves, so moving an entry on a
// hit allocates nothing. (Deleting and re-adding a key to move it in a Map's order, the obvious
// way, cost ~2 us per hit: V8's ordered hash map fills with deleted entries and rehashes.)

export interface LruLinks {
  /** The entry used next after this one; null for the newest. */
  newer: LruLinks | null;
  /** The entry used last before this one; null for the oldest. */
  older: LruLinks | null;
}

export class LruList<T extends LruLinks> {
  private newestEntry: T | null = null;
  private oldestEntry: T | null = null;

  /** The least recently used entry, or null when the list is empty. */
  get oldest(): T | null {
    return this.oldestEntry;
  }

  /** Adds an entry that is in no list as the newest. */
  pushNewest(entry: T): void {
    entry.older = this.newestEntry;
    entry.newer = null;
    if (this.newestEntry !== null) this.newestEntry.newer = entry;
    this.newestEntry = entry;
    this.oldestEntry ??= entry;
  }

  /** Makes an entry of this list the newest. */
  touch(entry: T): void {
    if (entry === this.newestEntry) return;
    this.remove(entry);
    this.pushNewest(entry);
  }

  remove(entry: T): void {
    if (entry.newer !== null) entry.newer.older = entry.older;
    else this.newestEntry = entry.older as T | null;
    if (entry.older !== null) entry.older.newer = entry.newer;
    else this.oldestEntry = entry.newer as T | null;
    entry.newer = entry.older = null;
  }
}
