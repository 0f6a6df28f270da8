// The file system lsm/ works over (LevelDB's Env, Pebble's vfs.FS), so that the engine can run in
// Node (src/io/node-env.ts), in memory (src/io/memory-env.ts: tests, and later a browser worker
// beside OPFS), and under fault injection and simulated power loss (src/io/fault-env.ts,
// MemoryEnv.crashClone). Synchronous where reads and appends are, as OPFS sync access handles are;
// only a log's fsync has a background form, so that group commit can overlap the disk's wait with
// other work. Free of Node types: paths are strings, bytes are Uint8Array, and failures are Errors
// with an errno-style `code` (ENOENT, EEXIST, ENOSPC, EIO, ...), whatever the implementation.
//
// Durability follows POSIX, as the store's steps assume (ARCHITECTURE.md "Durability"): bytes
// appended to a file are durable once it is synced; a create, rename or remove is durable once its
// directory is synced.

import type { RandomAccessFile, WritableFile } from "../sstable/file.js";

/**
 * A file open for appending: a log, a table being written, a manifest. Appended bytes may be
 * buffered: other readers see them after sync() or close().
 */
export interface AppendableFile extends WritableFile {
  /** Bytes appended so far (all of them, synced or not). */
  readonly size: number;
  /**
   * Hands the bytes appended so far to the operating system (a write, not an fsync): after this
   * they outlive the process (kill -9), though not a power loss.
   */
  flush(): void;
  /** Cuts the file to its first `size` bytes; durable once synced. */
  truncate(size: number): void;
  /**
   * sync(), off the caller's thread where the implementation can: `done` is called once the bytes
   * appended before the call are durable, or with the error. Appends may go on meanwhile.
   */
  syncInBackground(done: (err: Error | null) => void): void;
}

export interface Env {
  /** The names in a directory (files and directories), in no particular order. */
  list(dir: string): string[];
  /** The size of the file at `path`, or null when there is none. */
  size(path: string): number | null;
  /** All of a file's bytes. */
  readFile(path: string): Uint8Array;
  /** A file for positional reads (the table reader's interface). */
  openRead(path: string): RandomAccessFile;
  /** Creates a file for appending; `exclusive` refuses one that exists (EEXIST), else it is emptied. */
  create(path: string, options?: { readonly exclusive?: boolean }): AppendableFile;
  /** Opens an existing file for appending after its first `keep` bytes (the rest is cut off). */
  reopen(path: string, keep: number): AppendableFile;
  /** Renames, replacing `to` if it exists. */
  rename(from: string, to: string): void;
  /** Removes a file; one that is not there is no error. */
  remove(path: string): void;
  /** Creates a directory and its parents; one that exists is no error. */
  mkdir(path: string): void;
  /** Makes the creates, renames and removes in `dir` durable. */
  syncDir(dir: string): void;
}

/** An Error as the file system reports one: a message and an errno-style code. */
export function fsError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * syncInBackground() for a file whose sync() runs on the caller's thread anyway (in memory, OPFS):
 * syncs now, and reports after this turn, as a background sync would.
 */
export function syncAndReportLater(file: { sync(): void }, done: (err: Error | null) => void): void {
  let result: Error | null = null;
  try {
    file.sync();
  } catch (err) {
    result = err as Error;
  }
  queueMicrotask(() => done(result));
}
