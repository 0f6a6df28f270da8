// What the database workloads (bench/db-child.ts) need of a Node engine: ours (db-ours.ts) and
// classic-level (db-classic.ts). The writes are asynchronous (the child keeps a bounded number in
// flight); a read may answer at once or with a promise. A capability an engine lacks is null, and
// `missing` says why, for the skip message.

import type { Found } from "./db-data.js";

export interface BenchEngine {
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  del(key: Uint8Array): Promise<void>;
  /** The key's value, or null when it is not there. */
  readonly get: ((key: Uint8Array) => Uint8Array | null | Promise<Uint8Array | null>) | null;
  /**
   * A fresh iterator seeked to key reads up to `count` entries from there: how many, and the sum of
   * their values' first words (read at once: an iterator may reuse an entry's bytes after it moves).
   */
  readonly seek: ((key: Uint8Array, count: number) => Found | Promise<Found>) | null;
  /** A full compaction. */
  readonly compactAll: (() => Promise<void>) | null;
  close(): Promise<void>;
  /** Why get, seek or compactAll is null. */
  readonly missing: string;
}
