// The data directory's lock: a LOCK file holding the owner's pid. A second live node is refused; a
// lock whose pid is no longer running (its node was killed) is stale, and the next start takes it
// over. Nodes started at the same moment cannot both win:
//   - LOCK only ever appears complete: the pid is written to a private file first, then linked to
//     LOCK (link fails if LOCK exists);
//   - a stale LOCK is removed by one breaker at a time (removeStale), and only while it still
//     names the dead owner; then every racer tries to create LOCK again, and one link succeeds.

import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class LockedError extends Error {
  readonly code = "LOCKED";
}

const heldHere = new Set<string>();

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock file's text, or null when there is no such file (it may have just been removed). */
function readLock(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** The pid a lock's text names, or NaN when it is empty or not a pid. */
function ownerOf(text: string): number {
  return /^\d+\n?$/.test(text) ? Number.parseInt(text, 10) : NaN;
}

/** Links a complete lock file naming us to `path`; false if one exists already. */
function tryCreate(path: string, scratch: string): boolean {
  writeFileSync(scratch, `${process.pid}\n`);
  try {
    linkSync(scratch, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    rmSync(scratch, { force: true });
  }
}

/**
 * Removes a stale lock. Breakers take turns through a second lock file (LOCK.break), made the same
 * atomic way, and remove LOCK only if it still holds the same stale text: no live node can have
 * replaced it meanwhile, since creating LOCK fails while it exists (a LOCK found missing is not
 * stale: someone removed it, so the caller just tries to create it again). A LOCK.break whose
 * owner died within its microseconds of use is cleared for the next attempt.
 */
function removeStale(path: string, staleText: string, scratch: string): void {
  const breaker = `${path}.break`;
  if (!tryCreate(breaker, scratch)) {
    const holder = readLock(breaker);
    if (holder !== null && !alive(ownerOf(holder))) rmSync(breaker, { force: true });
    return;
  }
  try {
    if (readLock(path) === staleText) rmSync(path, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}

/** Takes the lock of dir; returns its release function. Throws LockedError if a live node holds it. */
export function acquireLock(dir: string): () => void {
  const path = join(dir, "LOCK");
  if (heldHere.has(path)) throw new LockedError(`${dir} is already open in this process`);
  const scratch = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (tryCreate(path, scratch)) {
      heldHere.add(path);
      return () => {
        heldHere.delete(path);
        rmSync(path, { force: true });
      };
    }
    const text = readLock(path);
    if (text === null) continue; // removed meanwhile: try to create it again
    const owner = ownerOf(text);
    // our own pid in a lock we do not hold: an earlier process that had our pid left it
    if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
      throw new LockedError(`${dir} is in use by another wasm-lsm node (pid ${owner}); stop it first`);
    }
    removeStale(path, text, scratch);
  }
  throw new LockedError(`${dir}: could not take the lock`);
}
