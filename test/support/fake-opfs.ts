// An Origin Private File System directory in memory (the parts src/io/opfs-types.ts declares), for
// tests of OpfsEnv in Node. It keeps OPFS's rule of one sync access handle per file (a second
// createSyncAccessHandle fails with NoModificationAllowedError until the first is closed), and a
// strict model of durability, as MemoryEnv does: each file's bytes as written, and as of its last
// handle.flush(). `powerLoss()` is the directory a power cut would leave (flushed bytes only);
// `workerGone()` is what a terminated worker leaves (every handle let go, written bytes kept).

import type { OpfsAccessHandle, OpfsDirectory, OpfsFileHandle } from "../../src/io/opfs-types.js";

class FakeFile {
  bytes = new Uint8Array(0);
  durable = new Uint8Array(0);
  handle: FakeHandle | null = null;
}

class FakeHandle implements OpfsAccessHandle {
  private closed = false;
  constructor(private readonly file: FakeFile) {}

  read(buffer: Uint8Array, options: { at: number }): number {
    this.check();
    const part = this.file.bytes.subarray(options.at, options.at + buffer.length);
    buffer.set(part);
    return part.length;
  }

  write(buffer: Uint8Array, options: { at: number }): number {
    this.check();
    const end = options.at + buffer.length;
    if (end > this.file.bytes.length) {
      const grown = new Uint8Array(end);
      grown.set(this.file.bytes);
      this.file.bytes = grown;
    }
    this.file.bytes.set(buffer, options.at);
    return buffer.length;
  }

  truncate(size: number): void {
    this.check();
    const cut = new Uint8Array(size);
    cut.set(this.file.bytes.subarray(0, size));
    this.file.bytes = cut;
  }

  getSize(): number {
    this.check();
    return this.file.bytes.length;
  }

  flush(): void {
    this.check();
    this.file.durable = this.file.bytes.slice();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.file.handle === this) this.file.handle = null;
  }

  private check(): void {
    if (this.closed) throw new DOMException("the handle is closed", "InvalidStateError");
  }
}

export class FakeOpfsDirectory implements OpfsDirectory {
  readonly kind = "directory" as const;
  readonly files = new Map<string, FakeFile>();
  /** createSyncAccessHandle calls so far (to see that the env opens handles up front only). */
  handlesOpened = 0;

  constructor(readonly name = "root") {}

  async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<OpfsFileHandle> {
    let file = this.files.get(name);
    if (file === undefined) {
      if (options.create !== true) throw new DOMException(`${name} not found`, "NotFoundError");
      file = new FakeFile();
      this.files.set(name, file);
    }
    const f = file;
    return {
      kind: "file",
      name,
      createSyncAccessHandle: async () => {
        if (f.handle !== null) throw new DOMException("Access Handles cannot be created if there is another open Access Handle", "NoModificationAllowedError");
        this.handlesOpened++;
        return (f.handle = new FakeHandle(f));
      },
    };
  }

  async getDirectoryHandle(name: string): Promise<OpfsDirectory> {
    throw new DOMException(`no directory ${name} in the fake`, "NotFoundError");
  }

  async removeEntry(name: string): Promise<void> {
    if (!this.files.delete(name)) throw new DOMException(`${name} not found`, "NotFoundError");
  }

  async *keys(): AsyncIterable<string> {
    yield* [...this.files.keys()];
  }

  /** The directory as a power cut leaves it: each file's flushed bytes, no handle open. */
  powerLoss(): FakeOpfsDirectory {
    const copy = new FakeOpfsDirectory(this.name);
    for (const [name, f] of this.files) {
      const c = new FakeFile();
      c.bytes = f.durable.slice();
      c.durable = f.durable.slice();
      copy.files.set(name, c);
    }
    return copy;
  }

  /** What a terminated worker leaves: its handles let go, every byte it wrote kept. */
  workerGone(): void {
    for (const f of this.files.values()) f.handle = null;
  }
}
