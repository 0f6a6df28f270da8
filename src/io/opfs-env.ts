// The file system of src/lsm/env.ts over the Origin Private File System, for a store in a browser's
// dedicated worker (web/store-worker.ts). Only a dedicated worker has OPFS's synchronous access
// handles (FileSystemSyncAccessHandle: read, write, truncate, flush at an offset, no promise), and
// the Env is synchronous; but opening a handle, creating a file, renaming and removing one are
// asynchronous in OPFS. So the env never does those while the store runs:
//
// - **A pool of files, opened up front.** The env's root is an OPFS directory holding files named
//   `pool-NNNNNN`. `OpfsEnv.open(root)` opens a sync access handle on every one of them and keeps
//   it until close(). After that every call is a synchronous call on a handle already open.
// - **Names in headers.** A header at the start of each pool file says which of the env's paths it
//   holds, or that it is free (opfs-header.ts: two slots written in turn, so that a torn write
//   leaves the previous header); the file's bytes follow. create() takes a free pool
//   file and writes its header; rename() rewrites the header; remove() writes a free header.
//   Directories are pool files of kind directory with no bytes. The paths the store sees exist
//   only in these headers: the OPFS directory shows pool-NNNNNN files, not LevelDB's names.
// - **A reserve.** Free pool files are kept in reserve (`reserve`, default 16); when fewer than half
//   are left, new ones are made in the background (asynchronously, between the store's turns). A
//   create that finds none free fails with EAGAIN: the store retries a failed flush or compaction.
// - **Durability.** Every header write is flushed (handle.flush()) before the call returns, so a
//   create, rename or remove is durable at once (POSIX asks for a directory fsync: syncDir, here a
//   no-op). A rename over an existing path writes the new header (a higher generation) before it
//   frees the file it replaces, so a crash between leaves two headers naming the path and open()
//   keeps the newer, frees the older: the rename is atomic, as the store's CURRENT needs. appends go
//   to the handle at flush() (bytes handed over to the browser outlive the worker and the tab) and
//   are durable at sync() (handle.flush(): the standard's "persists ... to disk").
// - **A removed file stays readable** by readers that had it open, as on POSIX: its pool file goes
//   back to the free list (emptied) only when the last of them closes.
// - **One worker at a time.** OPFS lets one sync access handle be open on a file at a time, so a
//   second env over the same directory (another tab, or a worker of the page being reloaded that has
//   not yet let go) fails to open with EBUSY: that is the store's lock across tabs. Within the worker,
//   lsm/env-lock.ts keeps a second store off a directory the first holds.
//
// One handle per pool file stays open, so a store's files count against the browser's open files
// per renderer (a few thousand): ample for a store of a few GiB in 2 MiB tables.

import { type AppendableFile, type Env, fsError, syncAndReportLater } from "../lsm/env.js";
import type { RandomAccessFile } from "../sstable/file.js";
import { AppendBuffer } from "./append-buffer.js";
import { DATA_OFFSET, encodeHeader, EntryKind, HEADER_BYTES, MAX_PATH_BYTES, newestHeader, pathBytes, type PoolHeader } from "./opfs-header.js";
import type { OpfsAccessHandle, OpfsDirectory } from "./opfs-types.js";

const POOL_PREFIX = "pool-";
const DEFAULT_RESERVE = 16;
/** Appends are handed to the handle in writes of up to this many bytes. */
const APPEND_BUFFER = 256 * 1024;

export interface OpfsEnvOptions {
  /** Free pool files kept ready for creates (default 16). */
  readonly reserve?: number;
}

/** One file of the pool: its handle, and what its header says. */
class PoolFile {
  kind: EntryKind = EntryKind.Free;
  path = "";
  /** Its header's generation: the newest header naming a path holds it. */
  generation = 0;
  /** The slot holding its newest header: the next header write goes to the other. */
  slot: 0 | 1 = 1;
  /** Bytes after the header that the handle holds (appends still buffered not counted). */
  size = 0;
  /** Readers and writers open on it: a freed file is reused only once none is. */
  opens = 0;

  constructor(
    readonly name: string,
    readonly handle: OpfsAccessHandle,
  ) {}
}

export class OpfsEnv implements Env {
  /** Path -> the pool file holding it (files and directories); the root "" is implicit. */
  private readonly byPath = new Map<string, PoolFile>();
  private readonly free: PoolFile[] = [];
  private readonly all: PoolFile[] = [];
  private generation = 0;
  private nextNumber = 1;
  private refilling: Promise<void> | null = null;
  private refillError: Error | null = null;
  private closed = false;

  private constructor(
    private readonly root: OpfsDirectory,
    private readonly reserve: number,
  ) {}

  /**
   * Opens the pool in `root` (made by the first open of an empty directory): a handle on each of
   * its files, the newest header of each path, and the reserve of free files. Fails with EBUSY when
   * another worker has the directory open.
   */
  static async open(root: OpfsDirectory, options: OpfsEnvOptions = {}): Promise<OpfsEnv> {
    const env = new OpfsEnv(root, options.reserve ?? DEFAULT_RESERVE);
    const names: string[] = [];
    for await (const name of root.keys()) if (poolNumber(name) !== null) names.push(name);
    names.sort();
    const opened = await Promise.allSettled(names.map((name) => openPoolFile(root, name)));
    const failed = opened.find((r) => r.status === "rejected");
    if (failed !== undefined) {
      for (const r of opened) if (r.status === "fulfilled") r.value.handle.close();
      throw opfsError((failed as PromiseRejectedResult).reason, `open the OPFS store directory '${root.name}'`);
    }
    try {
      for (const r of opened) env.adopt((r as PromiseFulfilledResult<PoolFile>).value);
      env.settleDuplicates();
    } catch (err) {
      // a header that could not be read or freed: let every handle go, or the directory stays busy
      for (const r of opened) (r as PromiseFulfilledResult<PoolFile>).value.handle.close();
      throw err;
    }
    env.nextNumber = names.reduce((n, name) => Math.max(n, poolNumber(name)! + 1), 1);
    await env.refill();
    if (env.refillError !== null) {
      await env.close();
      throw env.refillError;
    }
    return env;
  }

  // ---- Env ----

  list(dir: string): string[] {
    const d = this.checkedDir(dir);
    const names: string[] = [];
    for (const path of this.byPath.keys()) if (parentOf(path) === d) names.push(baseOf(path));
    return names;
  }

  size(path: string): number | null {
    const f = this.byPath.get(this.normal(path));
    return f === undefined || f.kind !== EntryKind.File ? null : f.size;
  }

  readFile(path: string): Uint8Array {
    const f = this.file(path);
    return readAt(f, path, 0, f.size);
  }

  openRead(path: string): RandomAccessFile {
    const f = this.file(path);
    f.opens++;
    return new OpfsRandomAccessFile(path, f, () => this.unuse(f));
  }

  create(path: string, options: { readonly exclusive?: boolean } = {}): AppendableFile {
    const p = this.normal(path);
    this.checkedDir(parentOf(p));
    const old = this.byPath.get(p);
    if (old?.kind === EntryKind.Directory) throw fsError("EISDIR", `illegal operation on a directory, open '${path}'`);
    if (old !== undefined && options.exclusive === true) throw fsError("EEXIST", `file already exists, open '${path}'`);
    // a fresh pool file, even over an existing path: the old one's readers keep its bytes, and
    // until the new header is durable the path still names the old file (O_TRUNC, atomically)
    const f = this.take(p, EntryKind.File);
    if (old !== undefined) this.release(old);
    f.opens++;
    return new OpfsAppendableFile(path, f, 0, () => this.unuse(f));
  }

  reopen(path: string, keep: number): AppendableFile {
    const f = this.file(path);
    const size = Math.min(keep, f.size);
    guarded(path, () => f.handle.truncate(DATA_OFFSET + size));
    f.size = size;
    f.opens++;
    return new OpfsAppendableFile(path, f, size, () => this.unuse(f));
  }

  rename(from: string, to: string): void {
    const src = this.normal(from);
    const dst = this.normal(to);
    const f = this.byPath.get(src);
    if (f === undefined) throw fsError("ENOENT", `no such file or directory, rename '${from}' -> '${to}'`);
    if (f.kind !== EntryKind.File) throw fsError("EISDIR", `only files are renamed here, rename '${from}'`);
    if (src === dst) return;
    this.checkedDir(parentOf(dst));
    const old = this.byPath.get(dst);
    if (old?.kind === EntryKind.Directory) throw fsError("EISDIR", `illegal operation on a directory, rename '${from}' -> '${to}'`);
    this.writeHeader(f, { kind: EntryKind.File, generation: 0, path: this.checkedPath(dst, to) });
    this.byPath.delete(src);
    this.byPath.set(dst, f);
    if (old !== undefined) this.release(old);
  }

  remove(path: string): void {
    const p = this.normal(path);
    const f = this.byPath.get(p);
    if (f === undefined) return;
    if (f.kind === EntryKind.Directory && this.list(p).length > 0) throw fsError("ENOTEMPTY", `directory not empty, remove '${path}'`);
    this.release(f);
  }

  mkdir(path: string): void {
    const parts = this.normal(path).split("/").filter((s) => s !== "");
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      const f = this.byPath.get(p);
      if (f?.kind === EntryKind.File) throw fsError("EEXIST", `file already exists, mkdir '${path}'`);
      if (f === undefined) this.take(p, EntryKind.Directory);
    }
  }

  /** Nothing to do: every create, rename and remove flushed its header before it returned. */
  syncDir(_dir: string): void {
    this.checkOpen();
  }

  // ---- The pool ----

  /** Pool files in all, and free ones (the reserve). */
  poolStats(): { readonly files: number; readonly free: number } {
    return { files: this.all.length, free: this.free.length };
  }

  /**
   * Waits for the reserve's refill, then closes every handle, so another worker can open the
   * directory. The store on this env must be closed first; later calls fail with EBADF.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.refilling;
    this.closed = true;
    for (const f of this.all) {
      try {
        f.handle.close();
      } catch {
        // closing the rest matters more than one handle's complaint
      }
    }
  }

  private adopt(f: PoolFile): void {
    this.all.push(f);
    const newest = newestHeader(readHeaders(f));
    f.size = Math.max(0, f.handle.getSize() - DATA_OFFSET);
    if (newest !== null) f.slot = newest.slot;
    const header = newest?.header ?? null;
    // a free file's generation counts too: the next header written to it goes to its other slot and
    // must be newer than this one, or the next open would take the file for free again
    if (header !== null) this.generation = Math.max(this.generation, header.generation);
    if (header === null || header.kind === EntryKind.Free) return this.recycle(f);
    const other = this.byPath.get(header.path);
    f.kind = header.kind;
    f.path = header.path;
    f.generation = header.generation;
    if (other === undefined || other.generation < header.generation) this.byPath.set(header.path, f);
  }

  /** Frees, durably, every file whose header lost its path to a newer one (a rename cut short). */
  private settleDuplicates(): void {
    for (const f of this.all) {
      if (f.kind !== EntryKind.Free && this.byPath.get(f.path) !== f) {
        this.writeHeader(f, { kind: EntryKind.Free, generation: 0, path: "" });
        this.recycle(f);
      }
    }
  }

  /** A free pool file, its header now naming `path`. */
  private take(path: string, kind: EntryKind): PoolFile {
    this.checkOpen();
    const checked = this.checkedPath(path, path);
    const f = this.free.pop();
    if (this.free.length < this.reserve / 2) void this.refill();
    if (f === undefined) throw fsError("EAGAIN", `no free file in the OPFS pool of '${this.root.name}' yet (more are being made)${this.refillError === null ? "" : `: ${this.refillError.message}`}`);
    try {
      this.writeHeader(f, { kind, generation: 0, path: checked });
    } catch (err) {
      this.free.push(f);
      throw err;
    }
    this.byPath.set(checked, f);
    return f;
  }

  /** Frees f's path durably; its pool file is reused once nothing has it open. */
  private release(f: PoolFile): void {
    const path = f.path;
    this.writeHeader(f, { kind: EntryKind.Free, generation: 0, path: "" });
    if (this.byPath.get(path) === f) this.byPath.delete(path);
    if (f.opens === 0) this.recycle(f);
  }

  private unuse(f: PoolFile): void {
    f.opens--;
    if (f.opens === 0 && f.kind === EntryKind.Free && !this.closed) this.recycle(f);
  }

  /** Empties a free file (its bytes leave the disk) and puts it in the reserve. */
  private recycle(f: PoolFile): void {
    try {
      if (f.size > 0) f.handle.truncate(DATA_OFFSET);
      f.size = 0;
      this.free.push(f);
    } catch {
      // a file that cannot be emptied is not reused
    }
  }

  /** Writes h (with the next generation) as f's header, in the slot not holding its newest, and flushes it. */
  private writeHeader(f: PoolFile, h: PoolHeader): void {
    const header = { ...h, generation: ++this.generation };
    const slot = f.slot === 0 ? 1 : 0;
    guarded(h.path || f.name, () => {
      writeAll(f.handle, encodeHeader(header), slot * HEADER_BYTES);
      f.handle.flush();
    });
    f.slot = slot;
    f.kind = h.kind;
    f.path = h.path;
    f.generation = header.generation;
  }

  /** Makes new pool files in the background until the reserve is full. */
  private refill(): Promise<void> {
    if (this.refilling !== null || this.closed) return this.refilling ?? Promise.resolve();
    const missing = this.reserve - this.free.length;
    if (missing <= 0) return Promise.resolve();
    const names = Array.from({ length: missing }, () => `${POOL_PREFIX}${String(this.nextNumber++).padStart(6, "0")}`);
    this.refilling = Promise.allSettled(names.map((name) => openPoolFile(this.root, name, true))).then((made) => {
      this.refilling = null;
      this.refillError = null;
      for (const r of made) {
        if (r.status === "rejected") this.refillError = opfsError(r.reason, `add a file to the OPFS pool of '${this.root.name}'`);
        else if (this.closed) r.value.handle.close();
        else {
          this.all.push(r.value);
          this.recycle(r.value);
        }
      }
    });
    return this.refilling;
  }

  // ---- Paths ----

  private normal(path: string): string {
    this.checkOpen();
    const parts: string[] = [];
    for (const part of path.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") parts.pop();
      else parts.push(part);
    }
    return parts.join("/");
  }

  private checkedPath(p: string, asGiven: string): string {
    if (pathBytes(p) > MAX_PATH_BYTES) throw fsError("ENAMETOOLONG", `name too long (over ${MAX_PATH_BYTES} bytes), '${asGiven}'`);
    return p;
  }

  /** The normalized directory, which must exist. */
  private checkedDir(dir: string): string {
    const d = this.normal(dir);
    if (d !== "" && this.byPath.get(d)?.kind !== EntryKind.Directory) throw fsError("ENOENT", `no such directory '${dir}'`);
    return d;
  }

  private file(path: string): PoolFile {
    const f = this.byPath.get(this.normal(path));
    if (f === undefined) throw fsError("ENOENT", `no such file, open '${path}'`);
    if (f.kind !== EntryKind.File) throw fsError("EISDIR", `illegal operation on a directory, read '${path}'`);
    return f;
  }

  private checkOpen(): void {
    if (this.closed) throw fsError("EBADF", `the OPFS env of '${this.root.name}' is closed`);
  }
}

/** A pool file's bytes for positional reads; the size is the file's when opened. */
class OpfsRandomAccessFile implements RandomAccessFile {
  readonly size: number;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly f: PoolFile,
    private readonly onClose: () => void,
  ) {
    this.size = f.size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.closed) throw fsError("EBADF", `${this.name} is closed`);
    if (offset < 0 || length < 0 || offset + length > this.size) throw new RangeError(`${this.name}: read of ${length} bytes at ${offset} past the end (${this.size})`);
    return readAt(this.f, this.name, offset, length);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}

/** Appends to a pool file, buffered into writes of APPEND_BUFFER bytes (append-buffer.ts, as node-file.ts's are). */
class OpfsAppendableFile implements AppendableFile {
  private readonly appends: AppendBuffer;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly f: PoolFile,
    /** Bytes the file holds already. */
    length: number,
    private readonly onClose: () => void,
  ) {
    this.appends = new AppendBuffer(APPEND_BUFFER, length, (data, position) => this.write(data, position));
  }

  get size(): number {
    return this.appends.size;
  }

  append(data: Uint8Array): void {
    this.check();
    this.appends.append(data);
  }

  flush(): void {
    this.check();
    this.appends.flush();
  }

  truncate(size: number): void {
    this.check();
    this.appends.flush();
    const cut = Math.min(size, this.appends.size);
    guarded(this.name, () => this.f.handle.truncate(DATA_OFFSET + cut));
    this.f.size = this.appends.truncated(cut);
  }

  sync(): void {
    this.check();
    this.appends.flush();
    guarded(this.name, () => this.f.handle.flush());
  }

  /** sync() at once (a sync access handle's flush blocks this thread anyway), reported after this turn. */
  syncInBackground(done: (err: Error | null) => void): void {
    syncAndReportLater(this, done);
  }

  /** Hands what is buffered to the handle and lets the file go, even when that write fails. */
  close(): void {
    if (this.closed) return;
    try {
      this.appends.flush();
    } finally {
      this.closed = true;
      this.onClose();
    }
  }

  private write(data: Uint8Array, position: number): void {
    guarded(this.name, () => writeAll(this.f.handle, data, DATA_OFFSET + position));
    this.f.size = Math.max(this.f.size, position + data.length);
  }

  private check(): void {
    if (this.closed) throw fsError("EBADF", `${this.name} is closed`);
  }
}

async function openPoolFile(root: OpfsDirectory, name: string, create = false): Promise<PoolFile> {
  const handle = await (await root.getFileHandle(name, { create })).createSyncAccessHandle();
  return new PoolFile(name, handle);
}

/** `length` bytes at `offset` of f's data. */
function readAt(f: PoolFile, name: string, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  guarded(name, () => {
    for (let done = 0; done < length; ) {
      const n = f.handle.read(out.subarray(done), { at: DATA_OFFSET + offset + done });
      if (n <= 0) throw new RangeError(`${name}: file ended at ${offset + done} while reading`);
      done += n;
    }
  });
  return out;
}

/** The two header slots' bytes; past the end of a file (new, or cut short) they read as zeros: no header. */
function readHeaders(f: PoolFile): Uint8Array {
  const out = new Uint8Array(DATA_OFFSET);
  guarded(f.name, () => {
    for (let done = 0, n = 1; done < DATA_OFFSET && n > 0; done += n) n = f.handle.read(out.subarray(done), { at: done });
  });
  return out;
}

function writeAll(handle: OpfsAccessHandle, data: Uint8Array, at: number): void {
  let done = 0;
  while (done < data.length) {
    const n = handle.write(data.subarray(done), { at: at + done });
    if (n <= 0) throw fsError("EIO", `a write of ${data.length - done} bytes at ${at + done} wrote nothing`);
    done += n;
  }
}

/** Runs an OPFS call, its DOMException given as an errno-style error naming the path. */
function guarded<T>(path: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    if (err instanceof RangeError || typeof (err as { code?: unknown }).code === "string") throw err; // ours already
    throw opfsError(err, path);
  }
}

/** The errno-style error (src/lsm/env.ts) for an OPFS failure. */
function opfsError(err: unknown, what: string): Error {
  const name = (err as { name?: string } | null)?.name;
  const message = (err as { message?: string } | null)?.message ?? String(err);
  const code = name === "NoModificationAllowedError" ? "EBUSY" : name === "QuotaExceededError" ? "ENOSPC" : name === "NotFoundError" ? "ENOENT" : name === "InvalidStateError" ? "EBADF" : "EIO";
  const hint = code === "EBUSY" ? " (another worker or tab has it open)" : "";
  return Object.assign(fsError(code, `${what}${hint}: ${name ?? "Error"}: ${message}`), { cause: err });
}

const poolNumber = (name: string): number | null => {
  const m = /^pool-(\d{6,})$/.exec(name);
  return m === null ? null : Number(m[1]);
};
const parentOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
const baseOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);
