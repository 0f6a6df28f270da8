// One write-ahead log file being written, with group commit: appends gather in memory; each waits
// for the next fsync, and every append that arrives while an fsync runs shares the one after it.
// So pipelined writers pay for about one fsync per round trip of the disk, not one each.
//
// A record counts only once it is durable: its `apply` (the MemTable insert) runs after the fsync
// that covers it succeeded, just before its promise resolves. A failed write or fsync rejects every
// record not yet durable, and cuts the file back to its durable length, so that a restart never
// replays a record whose put was answered with an error. The failure sticks: the log takes no more
// appends, and the store moves to a fresh log (LevelDB's bg_error_, cleared by a new log).
//
// An append with `sync: false` (LevelDB's WriteOptions.sync = false) is applied and resolved
// without waiting for an fsync, once it is written to the operating system, when nothing is
// waiting ahead of it; the next fsync (a later synced append's, or close()'s) covers it. It
// outlives a kill -9, not a power loss; and if a later fsync fails, the cut back to the durable
// length drops it from the log (it stays in the MemTable, durable only once flushed). The unsynced
// appends made in one turn of the event loop go to the OS together, in one write at the end of
// the turn's synchronous code (a microtask): a writer with many puts in flight pays one system call
// for all of them, not one each (README "Database workloads"); one put at a time still gets its own.

import type { Kernels } from "../kernels/types.js";
import type { AppendableFile, Env } from "./env.js";
import { LogWriter } from "./wal.js";

interface Waiter {
  readonly apply: () => void;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class LogFile {
  /** The open file; null once closed. */
  private file: AppendableFile | null;
  private readonly writer: LogWriter;
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  /** Bytes known to be on disk (synced). */
  private durableSize: number;
  private syncing = false;
  private waiting: Waiter[] = [];
  /** Unsynced appends of this turn, written together by writeUnsynced. */
  private unsynced: Waiter[] = [];
  private unsyncedScheduled = false;
  private idleWaiters: (() => void)[] = [];
  private failure: Error | null = null;
  /** True while bytes past durableSize may still be in the file (a failed cut-back). */
  private dirtyTail = false;
  private closing = false;

  /**
   * Opens a log for appending: a new file (which must not exist yet), or, with `reuse`, an existing
   * one whose first `reuse.validSize` bytes are its valid records: anything after them (a torn tail
   * the reader dropped) is cut off, and appends follow (LevelDB's reuse_logs).
   */
  constructor(
    env: Env,
    readonly path: string,
    readonly number: number,
    kernels: Kernels,
    reuse?: { readonly validSize: number },
  ) {
    const size = reuse?.validSize ?? 0;
    const file = reuse === undefined ? env.create(path, { exclusive: true }) : env.reopen(path, size);
    if (reuse !== undefined) {
      try {
        file.sync(); // the cut-off torn tail stays cut off
      } catch (err) {
        file.close();
        throw err;
      }
    }
    this.file = file;
    this.writer = new LogWriter(kernels, size);
    this.durableSize = size;
  }

  /** The error that stopped this log, or null while it takes appends. */
  get failed(): Error | null {
    return this.failure;
  }

  /**
   * Appends one record, given after LOG_HEADER_SIZE free bytes (encodeBatch's headroom). Once the
   * record is durable, `apply` runs and the promise resolves; if it cannot be made durable, the
   * promise rejects and `apply` never runs.
   */
  append(record: Uint8Array, apply: () => void, options: { readonly sync?: boolean } = {}): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error(`${this.path} is closed`));
    // Unsynced, and first in line: written at the end of this turn with the others of the turn
    // (a write behind an unapplied one waits with it, so writes become visible in sequence order).
    if (options.sync === false && !this.syncing && this.waiting.length === 0) {
      this.buffer(record);
      if (!this.unsyncedScheduled) {
        this.unsyncedScheduled = true;
        queueMicrotask(() => this.writeUnsynced());
      }
      return new Promise<void>((resolve, reject) => this.unsynced.push({ apply, resolve, reject }));
    }
    this.writeUnsynced(); // the unsynced appends before this one are applied first
    if (this.failure !== null) return Promise.reject(this.failure);
    this.buffer(record);
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ apply, resolve, reject }));
    if (!this.syncing) this.startSync();
    return done;
  }

  /** Resolves when no append is waiting for the disk: each has been applied or rejected. */
  idle(): Promise<void> {
    if (!this.syncing && this.waiting.length === 0 && this.unsynced.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * After a failure whose cut-back failed too: tries again to cut the file back to its durable
   * length. Throws while it cannot (the store takes no writes then: a restart would replay
   * rejected records).
   */
  cutBack(): void {
    if (!this.dirtyTail || this.file === null) return;
    this.file.truncate(this.durableSize);
    this.file.sync();
    this.dirtyTail = false;
  }

  /** Closes the file once no fsync is running or wanted; appends after this are refused. */
  close(): void {
    this.writeUnsynced();
    this.closing = true;
    if (this.file === null || this.syncing || this.waiting.length > 0) return; // the last fsync closes it
    if (this.dirtyTail) return; // kept open for cutBack; closed by closeNow
    try {
      this.syncUnsynced();
    } catch {
      // the unsynced appends were never promised durable; the file is closed all the same
    }
    this.closeFile();
  }

  /** Closes the file at once, whatever is pending (a signal): nothing pending was acknowledged. */
  closeNow(): void {
    this.closing = true;
    this.closeFile();
  }

  private closeFile(): void {
    const file = this.file;
    if (file === null) return;
    this.file = null;
    file.close();
  }

  /** Makes unsynced appends durable before a clean close (a no-op when everything is synced). */
  private syncUnsynced(): void {
    if (this.file === null || this.failure !== null || this.file.size <= this.durableSize) return;
    this.file.sync();
    this.durableSize = this.file.size;
  }

  private startSync(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.syncing = true;
    try {
      this.writeBuffered();
    } catch (err) {
      return this.fail(err as Error, batch);
    }
    const end = this.file?.size ?? this.durableSize;
    if (this.file === null) return this.fail(new Error(`${this.path} is closed`), batch);
    this.file.syncInBackground((err) => {
      if (err) return this.fail(err, batch);
      this.syncing = false;
      this.durableSize = end;
      for (const w of batch) applyThenResolve(w);
      if (this.waiting.length > 0) this.startSync();
      else this.settled();
    });
  }

  /**
   * A write or fsync error rejects every record not yet durable and every later append, drops the
   * buffered ones unwritten, and cuts the file back to its durable length.
   */
  private fail(err: Error, batch: Waiter[]): void {
    this.syncing = false;
    this.failure = err;
    this.buffered = [];
    this.bufferedBytes = 0;
    const rejected = [...batch, ...this.waiting, ...this.unsynced];
    this.waiting = [];
    this.unsynced = [];
    this.dirtyTail = (this.file?.size ?? 0) > this.durableSize;
    try {
      this.cutBack();
    } catch {
      // stays dirty: the store retries cutBack before it takes another write
    }
    for (const w of rejected) w.reject(err);
    this.settled();
  }

  private settled(): void {
    if (this.closing && !this.dirtyTail) this.closeFile();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Frames a record into the buffer, in append order. */
  private buffer(record: Uint8Array): void {
    const framed = this.writer.frameReserved(record);
    this.buffered.push(framed);
    this.bufferedBytes += framed.length;
  }

  /**
   * Hands the unsynced appends gathered so far to the operating system in one write, then applies
   * and resolves them in order; a failed write rejects them, applying none.
   */
  private writeUnsynced(): void {
    this.unsyncedScheduled = false;
    const batch = this.unsynced;
    if (batch.length === 0) return;
    this.unsynced = [];
    if (this.file === null) return this.fail(new Error(`${this.path} is closed`), batch);
    try {
      this.writeBuffered();
      this.file.flush();
    } catch (err) {
      return this.fail(err as Error, batch);
    }
    for (const w of batch) applyThenResolve(w);
    if (!this.syncing && this.waiting.length === 0 && this.unsynced.length === 0) this.settled();
  }

  private writeBuffered(): void {
    if (this.bufferedBytes === 0 || this.file === null) return;
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    this.buffered = [];
    this.bufferedBytes = 0;
    this.file.append(all); // the file may buffer it too: syncInBackground writes it first
  }
}

function applyThenResolve(w: Waiter): void {
  try {
    w.apply();
  } catch (err) {
    return w.reject(err as Error);
  }
  w.resolve();
}
