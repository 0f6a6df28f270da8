// The small file interface sstable/ works over (ARCHITECTURE.md "Layers"), so the same table code runs in
// Node (src/io/node-file.ts) and in a browser (over bytes in memory). Synchronous on purpose: a
// point lookup is a few small reads, and a promise per read would cost more than the read itself.

export interface RandomAccessFile {
  /** A name for error messages (a path, or a label). */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`; throws if the file is shorter. */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

export interface WritableFile {
  readonly name: string;
  append(data: Uint8Array): void;
  /** Makes everything appended so far durable (fsync). */
  sync(): void;
  close(): void;
}

/** A file held in memory: tests, the browser, and tables produced in memory. */
export class MemoryFile implements RandomAccessFile, WritableFile {
  private chunks: Uint8Array[] = [];
  private bytes: Uint8Array;
  private length: number;

  constructor(
    readonly name: string,
    initial: Uint8Array = new Uint8Array(0),
  ) {
    this.bytes = initial;
    this.length = initial.length;
  }

  get size(): number {
    return this.length;
  }

  read(offset: number, length: number): Uint8Array {
    const all = this.contents();
    if (offset < 0 || length < 0 || offset + length > all.length) {
      throw new RangeError(`${this.name}: read of ${length} bytes at ${offset} past the end (${all.length})`);
    }
    return all.subarray(offset, offset + length);
  }

  append(data: Uint8Array): void {
    this.chunks.push(data.slice());
    this.length += data.length;
  }

  sync(): void {}
  close(): void {}

  /** Everything written so far, as one array. */
  contents(): Uint8Array {
    if (this.chunks.length > 0) {
      const all = new Uint8Array(this.length);
      all.set(this.bytes);
      let p = this.bytes.length;
      for (const c of this.chunks) {
        all.set(c, p);
        p += c.length;
      }
      this.bytes = all;
      this.chunks = [];
    }
    return this.bytes;
  }
}
