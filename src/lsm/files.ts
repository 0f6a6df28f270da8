// File-system steps the store's durability rests on (ARCHITECTURE.md "Durability"): writing a file so that
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

/** Removes a file if it is there, and says nothing if that fails: for cleaning up after a failure. */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // the caller is already failing with the error that matters
  }
}

/**
 * Writes NAME.tmp, fsyncs it, renames it to NAME and fsyncs the directory (when `durable`). A
 * failure before the rename throws, and leaves NAME as it was and no NAME.tmp. Once renamed, NAME
 * holds the new data; a failed directory fsync after that is returned, not thrown (the caller must
 * not act as if the rename were durable), and null means all of it is durable.
 */
export function writeFileAtomic(dir: string, name: string, data: Uint8Array, durable: boolean): Error | null {
  const tmp = join(dir, `${name}.tmp`);
  try {
    writeWholeFile(tmp, data, durable, "w");
    renameSync(tmp, join(dir, name));
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  if (!durable) return null;
  try {
    syncDir(dir);
    return null;
  } catch (err) {
    return err as Error;
  }
}

/**
 * Writes `data` as the whole of the file at `path` (flags "w", or "wx" to refuse an existing one)
 * and fsyncs it when `durable`; the descriptor is closed whatever happens.
 */
export function writeWholeFile(path: string, data: Uint8Array, durable: boolean, flags: "w" | "wx"): void {
  const fd = openSync(path, flags);
  try {
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
