// One write-ahead log file being written, with group commit: appends gather in memory; a durable
// append waits for the next fsync, and every append that arrives while an fsync runs shares the
// one after it. So pipelined writers pay for about one fsync per round trip of the disk, not one
// each. An ephemeral log is written without fsync.

import { closeSync, fsync, fsyncSync, openSync, writeSync } from "node:fs";
import type { Kernels } from "../kernels/types.js";
import { LogWriter } from "./wal.js";

const WRITE_THRESHOLD = 64 * 1024;

export class LogFile {
  private fd: number;
  private readonly writer: LogWriter;
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private syncing = false;
  private waiting: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private failed: Error | null = null;
  private closing = false;

  constructor(
    readonly path: string,
    readonly number: number,
    kernels: Kernels,
    private readonly durable: boolean,
  ) {
    this.fd = openSync(path, "wx");
    this.writer = new LogWriter(kernels);
  }

  /**
   * Appends one record, given after LOG_HEADER_SIZE free bytes (encodeBatch's headroom); resolves
   * once it is on disk (durable) or written to the OS (ephemeral).
   */
  append(record: Uint8Array): Promise<void> {
    if (this.failed !== null) return Promise.reject(this.failed);
    if (this.closing) return Promise.reject(new Error(`${this.path} is closed`));
    const framed = this.writer.frameReserved(record);
    this.buffered.push(framed);
    this.bufferedBytes += framed.length;
    if (!this.durable) {
      if (this.bufferedBytes >= WRITE_THRESHOLD) this.writeBuffered();
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (!this.syncing) this.startSync();
    return done;
  }

  /** Resolves when no append is waiting for an fsync. */
  async idle(): Promise<void> {
    while (this.syncing || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 1));
  }

  /** Writes and (when durable) fsyncs everything appended; for close and for tests. */
  flushSync(): void {
    this.writeBuffered();
    if (this.durable) fsyncSync(this.fd);
  }

  /** Closes the file once no fsync is running or wanted; appends after this are refused. */
  close(): void {
    this.closing = true;
    if (this.fd < 0 || this.syncing || this.waiting.length > 0) return; // the last fsync closes it
    this.writeBuffered();
    closeSync(this.fd);
    this.fd = -1;
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
    fsync(this.fd, (err) => {
      this.syncing = false;
      if (err) return this.fail(err, batch);
      for (const w of batch) w.resolve();
      if (this.waiting.length > 0) this.startSync();
      else if (this.closing) this.close();
    });
  }

  /** A write or fsync error fails every waiting append and every later one: the log is unusable. */
  private fail(err: Error, batch: { reject: (err: Error) => void }[]): void {
    this.syncing = false;
    this.failed = err;
    for (const w of [...batch, ...this.waiting]) w.reject(err);
    this.waiting = [];
    if (this.closing) this.close();
  }

  private writeBuffered(): void {
    if (this.bufferedBytes === 0 || this.fd < 0) return;
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    this.buffered = [];
    this.bufferedBytes = 0;
    for (let done = 0; done < all.length; ) done += writeSync(this.fd, all, done, all.length - done);
  }
}
