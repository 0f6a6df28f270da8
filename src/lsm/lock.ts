// The data directory's lock: a LOCK file naming the process that holds it. A second live node is
// refused; a lock whose holder is gone (its node was killed) is stale, and the next start takes it
// over. A LOCK is a few lines of text:
//
//   pid 4242
//   start 63463                                   /proc/<pid>/stat field 22, where /proc has it
//   boot 90acf6da-9926-4221-b876-cf0204ba0b21      /proc/sys/kernel/random/boot_id, likewise
//   pidns 4026531836                              the pid namespace, /proc/self/ns/pid, likewise
//   ephemeral                                     only in an ephemeral store's LOCK (ephemeral.ts)
//
// The holder is gone when its boot is over, its pid is free, or the pid now runs a process that
// started at another time (a reused pid: process-identity.ts). A LOCK of the previous version holds
// only a pid ("4242\n"); it carries nothing that could tell its writer from a reused pid, so it is
// held while that pid is alive, as that version decided, and the refusal says how to clear it.
// An empty LOCK, or one that names no pid, is stale, as before. Two containers that share one data
// directory at the same time each see the other's pid as not theirs and would take the lock over:
// a lock made of pids holds only among processes that share a pid namespace.
//
// Nodes started at the same moment cannot both win:
//   - LOCK only ever appears complete: the text is written to a private file first, then linked to
//     LOCK (link fails if LOCK exists);
//   - a stale LOCK is removed by one breaker at a time (withStaleLock), and only while it still
//     holds the stale text; then every racer tries to create LOCK again, and one link succeeds.

import { linkSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isLevelDbDirectory } from "./leveldb-files.js";
import { isProvablyGone, isRunning, ownIdentity, sameProcess, type ProcessIdentity } from "./process-identity.js";

export class LockedError extends Error {
  readonly code = "LOCKED";
}

/** What a LOCK file says. */
export interface LockRecord extends ProcessIdentity {
  /** Whether the holder is an ephemeral store (only such directories may be swept: ephemeral.ts). */
  readonly ephemeral: boolean;
  /** A LOCK of the previous version: a pid and nothing else. */
  readonly pidOnly: boolean;
}

export interface LockOptions {
  /** Mark the LOCK as an ephemeral store's. */
  readonly ephemeral?: boolean;
}

export const LOCK_FILE = "LOCK";
const heldHere = new Set<string>();

/** A lock file's text, or null when there is no such file (it may have just been removed). */
export function readLock(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

function lockText(ephemeral: boolean): string {
  const me = ownIdentity();
  const lines = [`pid ${me.pid}`];
  if (me.start !== null) lines.push(`start ${me.start}`);
  if (me.boot !== null) lines.push(`boot ${me.boot}`);
  if (me.pidns !== null) lines.push(`pidns ${me.pidns}`);
  if (ephemeral) lines.push("ephemeral");
  return `${lines.join("\n")}\n`;
}

/** What a lock's text says, or null when it names no pid (empty, or not a lock). Unknown lines are ignored. */
export function parseLock(text: string): LockRecord | null {
  if (/^\d+\n?$/.test(text)) return { pid: Number.parseInt(text, 10), start: null, boot: null, pidns: null, ephemeral: false, pidOnly: true };
  let pid = NaN;
  let start: string | null = null;
  let boot: string | null = null;
  let pidns: string | null = null;
  let ephemeral = false;
  for (const line of text.split("\n")) {
    const [key, value, ...rest] = line.split(" ");
    if (key === "ephemeral" && value === undefined) ephemeral = true;
    if (value === undefined || rest.length > 0) continue;
    if (key === "pid" && /^\d+$/.test(value)) pid = Number.parseInt(value, 10);
    if (key === "start" && /^\d+$/.test(value)) start = value;
    if (key === "boot" && value !== "") boot = value;
    if (key === "pidns" && /^\d+$/.test(value)) pidns = value;
  }
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, start, boot, pidns, ephemeral, pidOnly: false } : null;
}

/** Whether a lock's text names a holder that still runs. */
export function lockIsHeld(text: string): boolean {
  const record = parseLock(text);
  return record !== null && isRunning(record);
}

/** Whether a lock's text names a holder that is gone beyond doubt (process-identity.ts, isProvablyGone). */
export function lockHolderIsGone(text: string): boolean {
  const record = parseLock(text);
  return record !== null && isProvablyGone(record);
}

/** Links a complete lock file naming us to `path`; false if one exists already. */
function tryCreate(path: string, scratch: string, text: string): boolean {
  writeFileSync(scratch, text);
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

const scratchName = (path: string) => `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;

/**
 * Runs `action` while dir's LOCK still holds `staleText`; returns whether it ran. Breakers take
 * turns through a second lock file (LOCK.break), made the same atomic way, so no live node can have
 * replaced LOCK meanwhile: creating LOCK fails while it exists (a LOCK found missing or changed is
 * left alone: the caller looks again). A LOCK.break whose holder is gone (it died within its
 * microseconds of use) is cleared for the next attempt.
 */
export function withStaleLock(dir: string, staleText: string, action: () => void): boolean {
  const path = join(dir, LOCK_FILE);
  const breaker = `${path}.break`;
  if (!tryCreate(breaker, scratchName(breaker), lockText(false))) {
    const holder = readLock(breaker);
    if (holder !== null && !lockIsHeld(holder)) rmSync(breaker, { force: true });
    return false;
  }
  try {
    if (readLock(path) !== staleText) return false;
    action();
    return true;
  } finally {
    rmSync(breaker, { force: true });
  }
}

/** The refusal for a lock held by `holder`. */
function lockedBy(dir: string, holder: LockRecord): LockedError {
  const base = `${dir} is in use by another wasm-lsm node (pid ${holder.pid})`;
  if (!holder.pidOnly) return new LockedError(`${base}; stop it first`);
  return new LockedError(`${base}, by a LOCK of an earlier version that records only the pid: stop that node, or if pid ${holder.pid} is not one, remove ${join(dir, LOCK_FILE)}`);
}

/** Takes the lock of dir; returns its release function. Throws LockedError if a live node holds it. */
export function acquireLock(dir: string, options: LockOptions = {}): () => void {
  const path = join(dir, LOCK_FILE);
  const key = realpathSync(dir); // one directory under two names is still one directory
  if (heldHere.has(key)) throw new LockedError(`${dir} is already open in this process`);
  const text = lockText(options.ephemeral ?? false);
  const scratch = scratchName(path);
  for (let attempt = 0; attempt < 100; attempt++) {
    if (tryCreate(path, scratch, text)) {
      heldHere.add(key);
      return () => {
        heldHere.delete(key);
        rmSync(path, { force: true });
      };
    }
    const found = readLock(path);
    if (found === null) continue; // removed meanwhile: try to create it again
    const holder = parseLock(found);
    if (holder !== null && sameProcess(holder, ownIdentity())) throw new LockedError(`${dir} is already open in this process`);
    // our own pid in a lock we do not hold: an earlier process that had our pid left it
    if (holder !== null && holder.pid !== process.pid && isRunning(holder)) throw lockedBy(dir, holder);
    // LevelDB's LOCK is empty, and its lock is an fcntl lock on that file, which Node cannot test:
    // removing it would let a second LevelDB process in beside a running one
    if (holder === null && isLevelDbDirectory(readdirSync(dir))) throw new LockedError(`${dir} holds a LevelDB database (an empty LOCK beside its LOG file or .ldb tables), which wasm-lsm does not open; its LOCK is left as it is`);
    withStaleLock(dir, found, () => rmSync(path, { force: true }));
  }
  throw new LockedError(`${dir}: could not take the lock`);
}
