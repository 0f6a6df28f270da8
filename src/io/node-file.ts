// The sstable file interface (src/sstable/file.ts) over Node's synchronous fs calls: positional
// reads on an open descriptor, and appends buffered into large writes.

import { closeSync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import type { AppendableFile } from "../lsm/env.js";
import type { RandomAccessFile } from "../sstable/file.js";
import { AppendBuffer } from "./append-buffer.js";

export class NodeRandomAccessFile implements RandomAccessFile {
  private fd: number;
  readonly size: number;

  constructor(readonly name: string) {
    this.fd = openSync(name, "r");
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`${this.name}: read of ${length} bytes at ${offset} past the end (${this.size})`);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new RangeError(`${this.name}: file ended at ${offset + done} while reading`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

const BUFFER = 1 << 20;

/**
 * A file written by appends, buffered into large positioned writes (src/lsm/env.ts AppendableFile;
 * the sstable WritableFile). Positioned, so that a file reopened to append after its first bytes
 * writes there and not at 0.
 */
export class NodeWritableFile implements AppendableFile {
  private fd: number;
  private readonly appends: AppendBuffer;

  /**
   * Creates (or truncates) the file; `exclusive` refuses an existing one. With `keep`, opens an
   * existing file instead, cut to its first `keep` bytes, to append after them.
   */
  constructor(readonly name: string, exclusive = false, keep?: number) {
    this.fd = openSync(name, keep !== undefined ? "r+" : exclusive ? "wx" : "w");
    if (keep !== undefined) {
      try {
        ftruncateSync(this.fd, keep);
      } catch (err) {
        closeSync(this.fd);
        throw err;
      }
    }
    this.appends = new AppendBuffer(BUFFER, keep ?? 0, (data, position) => this.writeAll(data, position));
  }

  get size(): number {
    return this.appends.size;
  }

  append(data: Uint8Array): void {
    this.appends.append(data);
  }

  flush(): void {
    this.appends.flush();
  }

  truncate(size: number): void {
    this.appends.flush();
    ftruncateSync(this.fd, size);
    this.appends.truncated(size);
  }

  sync(): void {
    this.appends.flush();
    fsyncSync(this.fd);
  }

  syncInBackground(done: (err: Error | null) => void): void {
    try {
      this.appends.flush();
    } catch (err) {
      queueMicrotask(() => done(err as Error));
      return;
    }
    fsync(this.fd, (err) => done(err));
  }

  /** Writes what is buffered and closes; the descriptor is closed even when that write fails. */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    try {
      this.appends.flush();
    } finally {
      this.fd = -1;
      closeSync(fd);
    }
  }

  private writeAll(data: Uint8Array, position: number): void {
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, position + done);
  }
}
