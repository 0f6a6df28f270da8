// Appends gathered into large positioned writes, for the files of src/lsm/env.ts that append
// (node-file.ts over a descriptor, opfs-env.ts over a sync access handle): many small appends (log
// records, table blocks) cost one write each time the buffer fills, and one append as large as the
// buffer goes straight through. Positioned, so that a file reopened after its first bytes appends
// there. Free of Node types: the browser's worker bundles it.

export class AppendBuffer {
  private readonly buf: Uint8Array;
  private used = 0;

  /**
   * @param capacity the buffer's size in bytes
   * @param length the bytes the file holds already (appends go after them)
   * @param write writes all of `data` at `position` of the file, or throws
   */
  constructor(
    capacity: number,
    private length: number,
    private readonly write: (data: Uint8Array, position: number) => void,
  ) {
    this.buf = new Uint8Array(capacity);
  }

  /** Bytes in the file, buffered ones included. */
  get size(): number {
    return this.length;
  }

  append(data: Uint8Array): void {
    if (this.used + data.length > this.buf.length) this.flush();
    this.length += data.length;
    if (data.length >= this.buf.length) return this.write(data, this.length - data.length);
    this.buf.set(data, this.used);
    this.used += data.length;
  }

  /** Writes what is buffered. A failed write is not retried: the writer's errors are sticky. */
  flush(): void {
    const used = this.used;
    this.used = 0;
    if (used > 0) this.write(this.buf.subarray(0, used), this.length - used);
  }

  /** After a flush() and the file's cut to its first `size` bytes: the bytes it holds now. */
  truncated(size: number): number {
    this.length = Math.min(size, this.length);
    return this.length;
  }
}
