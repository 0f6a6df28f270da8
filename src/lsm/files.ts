// File-system steps the store's durability rests on (ARCHITECTURE.md "Durability"), over an Env
// (env.ts): writing a file so that a crash leaves either the old one or the complete new one, and
// cleaning up after a failure.

import { join } from "node:path";
import type { Env } from "./env.js";

/** Removes a file if it is there, and says nothing if that fails: for cleaning up after a failure. */
export function removeQuietly(env: Env, path: string): void {
  try {
    env.remove(path);
  } catch {
    // the caller is already failing with the error that matters
  }
}

/**
 * Writes NAME.tmp, syncs it, renames it to NAME and syncs the directory (when `durable`). A
 * failure before the rename throws, and leaves NAME as it was and no NAME.tmp. Once renamed, NAME
 * holds the new data; a failed directory sync after that is returned, not thrown (the caller must
 * not act as if the rename were durable), and null means all of it is durable.
 */
export function writeFileAtomic(env: Env, dir: string, name: string, data: Uint8Array, durable: boolean): Error | null {
  const tmp = join(dir, `${name}.tmp`);
  try {
    writeWholeFile(env, tmp, data, durable, false);
    env.rename(tmp, join(dir, name));
  } catch (err) {
    removeQuietly(env, tmp);
    throw err;
  }
  if (!durable) return null;
  try {
    env.syncDir(dir);
    return null;
  } catch (err) {
    return err as Error;
  }
}

/**
 * Writes `data` as the whole of the file at `path` (`exclusive` refuses an existing one) and syncs
 * it when `durable`; the file is closed whatever happens.
 */
export function writeWholeFile(env: Env, path: string, data: Uint8Array, durable: boolean, exclusive: boolean): void {
  const file = env.create(path, { exclusive });
  try {
    file.append(data);
    if (durable) file.sync();
  } finally {
    file.close();
  }
}
