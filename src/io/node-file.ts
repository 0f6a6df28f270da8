// The sstable file interface (src/sstable/file.ts) over Node's synchronous fs calls: positional
// reads on an open descriptor, and appends buffered into large writes.

import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import type { RandomAccessFile, WritableFile } from "../sstable/file.js";

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

export class NodeWritableFile implements WritableFile {
  private fd: number;
  private buf = new Uint8Array(BUFFER);
  private used = 0;

  /** Creates (or truncates) the file; `exclusive` refuses an existing one. */
  constructor(readonly name: string, exclusive = false) {
    this.fd = openSync(name, exclusive ? "wx" : "w");
  }

  append(data: Uint8Array): void {
    if (this.used + data.length > this.buf.length) this.flushBuffer();
    if (data.length >= this.buf.length) return this.writeAll(data);
    this.buf.set(data, this.used);
    this.used += data.length;
  }

  sync(): void {
    this.flushBuffer();
    fsyncSync(this.fd);
  }

  /** Writes what is buffered and closes; the descriptor is closed even when that write fails. */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      this.flushBuffer(fd);
    } finally {
      closeSync(fd);
    }
  }

  private flushBuffer(fd = this.fd): void {
    const used = this.used;
    this.used = 0; // a failed write is not retried: the writer's errors are sticky
    if (used > 0) this.writeAll(this.buf.subarray(0, used), fd);
  }

  private writeAll(data: Uint8Array, fd = this.fd): void {
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
  }
}
