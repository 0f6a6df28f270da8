// File-system steps the store's durability rests on (DESIGN.md section 4): writing a file so that
// a crash leaves either the old one or the complete new one, and making a rename durable.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** fsync a directory, so that the names created, renamed or removed in it survive a crash. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes NAME.tmp, fsyncs it, renames it to NAME and fsyncs the directory (when `durable`). */
export function writeFileAtomic(dir: string, name: string, data: Uint8Array, durable: boolean): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
    if (durable) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, join(dir, name));
  if (durable) syncDir(dir);
}
