// The file system of src/lsm/env.ts over node:fs: synchronous calls, and a log's fsync on libuv's
// thread pool (NodeWritableFile.syncInBackground).

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import type { Env, AppendableFile } from "../lsm/env.js";
import type { RandomAccessFile } from "../sstable/file.js";
import { NodeRandomAccessFile, NodeWritableFile } from "./node-file.js";

export class NodeEnv implements Env {
  list(dir: string): string[] {
    return readdirSync(dir);
  }

  size(path: string): number | null {
    const st = statSync(path, { throwIfNoEntry: false });
    return st === undefined || !st.isFile() ? null : st.size;
  }

  readFile(path: string): Uint8Array {
    return readFileSync(path);
  }

  openRead(path: string): RandomAccessFile {
    return new NodeRandomAccessFile(path);
  }

  create(path: string, options: { readonly exclusive?: boolean } = {}): AppendableFile {
    return new NodeWritableFile(path, options.exclusive === true);
  }

  reopen(path: string, keep: number): AppendableFile {
    return new NodeWritableFile(path, false, keep);
  }

  rename(from: string, to: string): void {
    renameSync(from, to);
  }

  remove(path: string): void {
    rmSync(path, { force: true });
  }

  mkdir(path: string): void {
    mkdirSync(path, { recursive: true });
  }

  syncDir(dir: string): void {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** The one NodeEnv the store and the repairer use unless given another (it holds no state). */
export const nodeEnv: Env = new NodeEnv();
