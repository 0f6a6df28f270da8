// The data directory's lock: a LOCK file created exclusively, holding the owner's pid. A second
// live node is refused; a lock whose pid is no longer running (its node was killed) is stale, and
// the next start takes it over.

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class LockedError extends Error {
  readonly code = "LOCKED";
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const heldHere = new Set<string>();

/** Takes the lock of dir; returns its release function. Throws LockedError if a live node holds it. */
export function acquireLock(dir: string): () => void {
  const path = join(dir, "LOCK");
  if (heldHere.has(path)) throw new LockedError(`${dir} is already open in this process`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      heldHere.add(path);
      return () => {
        heldHere.delete(path);
        rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(path, "utf8"), 10);
    } catch {
      // vanished between our create and read: try again
    }
    if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
      throw new LockedError(`${dir} is in use by another wasm-lsm node (pid ${owner}); stop it first`);
    }
    // stale: its node is gone (or it is our own pid, left by an earlier process that had it)
    rmSync(path, { force: true });
  }
  throw new LockedError(`${dir}: could not take the lock`);
}
