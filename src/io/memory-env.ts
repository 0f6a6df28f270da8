// The file system in memory (src/lsm/env.ts), with a strict model of durability, as Pebble's
// strict MemFS and LevelDB's FaultInjectionTestEnv keep one: each file remembers the bytes it had
// at its last sync, and each directory the names it had at its last syncDir. `crashClone()` is
// the file system as a power loss would leave it: only synced bytes, under only synced names.
// Real file systems often keep more (ext4 orders data before a rename's metadata); the strict model
// keeps the least any POSIX file system promises, so code that survives it survives them all.
//
// Paths are plain strings joined with "/"; a file's directory is everything before its last "/".

import type { RandomAccessFile } from "../sstable/file.js";
import { type AppendableFile, type Env, fsError, syncAndReportLater } from "../lsm/env.js";

/** One file's contents: what it holds now, and what it held at its last sync. */
class Inode {
  bytes = new Uint8Array(0);
  length = 0;
  synced = new Uint8Array(0);

  append(data: Uint8Array): void {
    if (this.length + data.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.length + data.length, this.bytes.length * 2, 256));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  contents(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  sync(): void {
    this.synced = this.contents().slice();
  }
}

const parentOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".");
const baseOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);

export class MemoryEnv implements Env {
  /** Directory -> name -> inode, as it is now, and as of each directory's last sync. */
  private readonly dirs = new Map<string, Map<string, Inode>>();
  private readonly durableDirs = new Map<string, Map<string, Inode>>();

  list(dir: string): string[] {
    const names = [...this.dir(dir).keys()];
    for (const d of this.dirs.keys()) if (d !== dir && parentOf(d) === dir) names.push(baseOf(d));
    return names;
  }

  size(path: string): number | null {
    return this.dirs.get(parentOf(path))?.get(baseOf(path))?.length ?? null;
  }

  readFile(path: string): Uint8Array {
    return this.inode(path).contents().slice();
  }

  openRead(path: string): RandomAccessFile {
    const inode = this.inode(path);
    const size = inode.length;
    return {
      name: path,
      size,
      read(offset: number, length: number): Uint8Array {
        if (offset < 0 || length < 0 || offset + length > size) throw new RangeError(`${path}: read of ${length} bytes at ${offset} past the end (${size})`);
        return inode.contents().slice(offset, offset + length);
      },
      close() {},
    };
  }

  create(path: string, options: { readonly exclusive?: boolean } = {}): AppendableFile {
    const dir = this.dir(parentOf(path));
    if (options.exclusive === true && dir.has(baseOf(path))) throw fsError("EEXIST", `file already exists, open '${path}'`);
    const inode = new Inode();
    dir.set(baseOf(path), inode);
    return new MemoryAppendable(path, inode);
  }

  reopen(path: string, keep: number): AppendableFile {
    const inode = this.inode(path);
    inode.length = Math.min(keep, inode.length);
    return new MemoryAppendable(path, inode);
  }

  rename(from: string, to: string): void {
    const inode = this.inode(from);
    this.dir(parentOf(from)).delete(baseOf(from));
    this.dir(parentOf(to)).set(baseOf(to), inode);
  }

  remove(path: string): void {
    this.dirs.get(parentOf(path))?.delete(baseOf(path));
  }

  mkdir(path: string): void {
    for (let p = path; p !== "." && p !== "/" && !this.dirs.has(p); p = parentOf(p)) {
      this.dirs.set(p, new Map());
      this.durableDirs.set(p, new Map()); // a directory itself counts as durable: the tests' roots
    }
  }

  syncDir(dir: string): void {
    this.durableDirs.set(dir, new Map(this.dir(dir)));
  }

  /** The file system a power loss would leave: synced bytes under synced names only. */
  crashClone(): MemoryEnv {
    const clone = new MemoryEnv();
    const copies = new Map<Inode, Inode>();
    for (const [dir, names] of this.durableDirs) {
      const entries = new Map<string, Inode>();
      for (const [name, inode] of names) {
        let copy = copies.get(inode);
        if (copy === undefined) {
          copy = new Inode();
          copy.append(inode.synced);
          copy.sync();
          copies.set(inode, copy);
        }
        entries.set(name, copy);
      }
      clone.dirs.set(dir, entries);
      clone.durableDirs.set(dir, new Map(entries));
    }
    return clone;
  }

  private dir(dir: string): Map<string, Inode> {
    const names = this.dirs.get(dir);
    if (names === undefined) throw fsError("ENOENT", `no such directory '${dir}'`);
    return names;
  }

  private inode(path: string): Inode {
    const inode = this.dirs.get(parentOf(path))?.get(baseOf(path));
    if (inode === undefined) throw fsError("ENOENT", `no such file, open '${path}'`);
    return inode;
  }
}

class MemoryAppendable implements AppendableFile {
  private closed = false;

  constructor(
    readonly name: string,
    private readonly inode: Inode,
  ) {}

  get size(): number {
    return this.inode.length;
  }

  append(data: Uint8Array): void {
    this.check();
    this.inode.append(data);
  }

  /** Nothing is held in the process: appended bytes are the file's at once (and unsynced until sync). */
  flush(): void {
    this.check();
  }

  truncate(size: number): void {
    this.check();
    this.inode.length = Math.min(size, this.inode.length);
  }

  sync(): void {
    this.check();
    this.inode.sync();
  }

  syncInBackground(done: (err: Error | null) => void): void {
    syncAndReportLater(this, done);
  }

  close(): void {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw fsError("EBADF", `${this.name} is closed`);
  }
}
