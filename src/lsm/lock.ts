// The data directory's lock: a LOCK file holding the owner's pid. A second live node is refused; a
// lock whose pid is no longer running (its node was killed) is stale, and the next start takes it
// over. Both steps are atomic, so nodes started at the same moment cannot both win:
//   - LOCK only ever appears complete: the pid is written to a private file first, then linked to
//     LOCK (link fails if LOCK exists);
//   - a stale LOCK is taken over by renaming it to a private name (only one racer's rename of that
//     file succeeds), checking that what was moved still names the dead pid, and trying again.

import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class LockedError extends Error {
  readonly code = "LOCKED";
}

const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid a lock file names, or NaN when it is unreadable, empty or not a pid. */
function ownerOf(path: string): number {
  try {
    const text = readFileSync(path, "utf8");
    return /^\d+\n?$/.test(text) ? Number.parseInt(text, 10) : NaN;
  } catch {
    return NaN;
  }
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

/** Moves a stale lock out of the way; if what moved turns out to be live, puts it back. */
function takeOver(path: string, deadOwner: number, scratch: string): void {
  try {
    renameSync(path, scratch);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // another racer moved it first
    throw err;
  }
  const moved = ownerOf(scratch);
  if (moved === deadOwner || Number.isNaN(moved) || !alive(moved)) {
    rmSync(scratch, { force: true });
    return;
  }
  try {
    linkSync(scratch, path); // someone's live lock replaced the stale one before we moved it
  } catch {
    // a third node made a LOCK meanwhile; it and the owner of the one we moved both run now,
    // which needs three nodes starting within microseconds of each other
  }
  rmSync(scratch, { force: true });
}

/** Takes the lock of dir; returns its release function. Throws LockedError if a live node holds it. */
export function acquireLock(dir: string): () => void {
  const path = join(dir, "LOCK");
  if (heldHere.has(path)) throw new LockedError(`${dir} is already open in this process`);
  const scratch = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  for (let attempt = 0; attempt < 10; attempt++) {
    if (tryCreate(path, scratch)) {
      heldHere.add(path);
      return () => {
        heldHere.delete(path);
        rmSync(path, { force: true });
      };
    }
    const owner = ownerOf(path);
    // our own pid in a lock we do not hold: an earlier process that had our pid left it
    if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
      throw new LockedError(`${dir} is in use by another wasm-lsm node (pid ${owner}); stop it first`);
    }
    takeOver(path, owner, scratch);
  }
  throw new LockedError(`${dir}: could not take the lock`);
}
