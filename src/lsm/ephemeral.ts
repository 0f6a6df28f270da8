// Ephemeral stores (README.md, Durability): each in a fresh directory under the OS temp dir, removed
// when its node closes. A node that is killed (kill -9, the OOM killer, a power loss of a disk-backed
// /tmp) cannot remove its own; the next ephemeral start does. It removes only what it can prove is
// garbage, since a user may well keep a durable store in /tmp/wasm-lsm-something:
//   - the directory's LOCK says "ephemeral" (lock.ts): only an ephemeral node writes that, and a
//     durable node opened on the directory later replaces it with its own, unmarked LOCK;
//   - the LOCK's holder is provably gone (process-identity.ts, isProvablyGone): where /proc cannot
//     tell, a live pid keeps the directory, and so does a holder in another pid namespace (a
//     container sharing this temp dir);
//   - it is a real directory (not a symlink) owned by this user.
// The removal runs with LOCK.break held and the stale LOCK still in place (lock.ts, withStaleLock),
// so no node can take the directory meanwhile, and it removes LOCK last, so a removal cut short
// leaves a directory still marked, for the next sweep.

import { lstatSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCK_FILE, lockHolderIsGone, parseLock, readLock, withStaleLock } from "./lock.js";

const PREFIX = "wasm-lsm-";

/** A fresh directory for an ephemeral store. */
export function createEphemeralDir(): string {
  return mkdtempSync(join(tmpdir(), PREFIX));
}

/** Whether `dir` is a directory of this user's (not a link to one). */
function ownDirectory(dir: string): boolean {
  const st = lstatSync(dir);
  return st.isDirectory() && (process.getuid === undefined || st.uid === process.getuid());
}

/** The stale LOCK text that makes `dir` an abandoned ephemeral store, or null when it is not one. */
function abandonedLock(dir: string): string | null {
  if (!ownDirectory(dir)) return null;
  const text = readLock(join(dir, LOCK_FILE));
  if (text === null || parseLock(text)?.ephemeral !== true || !lockHolderIsGone(text)) return null;
  return text;
}

/** Removes everything in dir but its lock files, then LOCK (LOCK.break is the caller's to remove). */
function removeContents(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name !== LOCK_FILE && name !== `${LOCK_FILE}.break`) rmSync(join(dir, name), { recursive: true, force: true });
  }
  rmSync(join(dir, LOCK_FILE), { force: true });
}

/** Removes dir if it is an abandoned ephemeral store; returns whether it did. */
function removeIfAbandoned(dir: string): boolean {
  const stale = abandonedLock(dir);
  if (stale === null) return false;
  const removed = withStaleLock(dir, stale, () => removeContents(dir));
  // Not removed: another sweep is removing it, and its rmdir may have met our LOCK.break, gone
  // now; so both try the (then empty) directory.
  removeIfEmpty(dir);
  return removed;
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir); // not recursive: after LOCK went, a node may have taken the empty directory
  } catch {
    // not empty (someone took it, or another sweep's LOCK.break is there for a moment), or gone
  }
}

/**
 * Removes the ephemeral stores under the temp dir whose nodes are gone; returns their paths. Never
 * throws: a directory that cannot be read or removed (another user's, or one being removed by
 * another sweep) is left alone.
 */
export function removeAbandonedEphemeralStores(log: (message: string) => void = () => {}): string[] {
  const root = tmpdir();
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => n.startsWith(PREFIX));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(root, name);
    try {
      if (removeIfAbandoned(dir)) removed.push(dir);
    } catch {
      // left alone: see above
    }
  }
  for (const dir of removed) log(`removed ${dir}: an ephemeral store whose node is gone`);
  return removed;
}
