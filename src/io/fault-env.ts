// A file system that fails on purpose (LevelDB's FaultInjectionTestEnv, Pebble's errorfs), over any
// other (src/lsm/env.ts): each armed fault fails the matching calls, from the Nth on, with an
// errno-style error (ENOSPC, EIO, ...), as a full disk or a failing one would. Power loss is the
// inner MemoryEnv's crashClone(). Every call is counted, failed or not, so a test can arm a fault
// at each point a workload reaches, one run per point.

import type { RandomAccessFile } from "../sstable/file.js";
import { type AppendableFile, type Env, fsError } from "../lsm/env.js";

export type FaultOp = "create" | "write" | "sync" | "truncate" | "rename" | "remove" | "syncDir";

export interface Fault {
  readonly op: FaultOp;
  /** Which paths it applies to: a substring of the path, or a predicate; every path if omitted. */
  readonly path?: string | ((path: string) => boolean);
  readonly code?: string;
  /** Fails from the `after`+1-th matching call on (default 0: the next one)... */
  readonly after?: number;
  /** ...this many calls (default 1; Infinity for a disk that stays full). */
  readonly times?: number;
}

interface Armed {
  readonly fault: Fault;
  seen: number;
  failed: number;
}

export class FaultEnv implements Env {
  private armed: Armed[] = [];
  /** Calls made so far, by operation. */
  readonly counts: Record<FaultOp, number> = { create: 0, write: 0, sync: 0, truncate: 0, rename: 0, remove: 0, syncDir: 0 };

  constructor(readonly inner: Env) {}

  /** Arms a fault; returns the function that disarms it. */
  fail(fault: Fault): () => void {
    const armed = { fault, seen: 0, failed: 0 };
    this.armed.push(armed);
    return () => (this.armed = this.armed.filter((a) => a !== armed));
  }

  /** Disarms every fault. */
  heal(): void {
    this.armed = [];
  }

  /** Counts a call, and throws if an armed fault says so. */
  check(op: FaultOp, path: string): void {
    this.counts[op]++;
    for (const a of this.armed) {
      const { fault } = a;
      if (fault.op !== op || !matches(fault.path, path)) continue;
      a.seen++;
      if (a.seen <= (fault.after ?? 0) || a.failed >= (fault.times ?? 1)) continue;
      a.failed++;
      throw fsError(fault.code ?? "EIO", `injected failure: ${op} '${path}'`);
    }
  }

  list(dir: string): string[] {
    return this.inner.list(dir);
  }

  size(path: string): number | null {
    return this.inner.size(path);
  }

  readFile(path: string): Uint8Array {
    return this.inner.readFile(path);
  }

  openRead(path: string): RandomAccessFile {
    return this.inner.openRead(path);
  }

  create(path: string, options?: { readonly exclusive?: boolean }): AppendableFile {
    this.check("create", path);
    return new FaultyAppendable(this, this.inner.create(path, options));
  }

  reopen(path: string, keep: number): AppendableFile {
    this.check("create", path);
    return new FaultyAppendable(this, this.inner.reopen(path, keep));
  }

  rename(from: string, to: string): void {
    this.check("rename", from);
    this.inner.rename(from, to);
  }

  remove(path: string): void {
    this.check("remove", path);
    this.inner.remove(path);
  }

  mkdir(path: string): void {
    this.inner.mkdir(path);
  }

  syncDir(dir: string): void {
    this.check("syncDir", dir);
    this.inner.syncDir(dir);
  }
}

function matches(pattern: Fault["path"], path: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === "string" ? path.includes(pattern) : pattern(path);
}

class FaultyAppendable implements AppendableFile {
  constructor(
    private readonly env: FaultEnv,
    private readonly file: AppendableFile,
  ) {}

  get name(): string {
    return this.file.name;
  }

  get size(): number {
    return this.file.size;
  }

  append(data: Uint8Array): void {
    this.env.check("write", this.file.name);
    this.file.append(data);
  }

  flush(): void {
    this.env.check("write", this.file.name);
    this.file.flush();
  }

  truncate(size: number): void {
    this.env.check("truncate", this.file.name);
    this.file.truncate(size);
  }

  sync(): void {
    this.env.check("sync", this.file.name);
    this.file.sync();
  }

  syncInBackground(done: (err: Error | null) => void): void {
    try {
      this.env.check("sync", this.file.name);
    } catch (err) {
      queueMicrotask(() => done(err as Error));
      return;
    }
    this.file.syncInBackground(done);
  }

  close(): void {
    this.file.close();
  }
}
