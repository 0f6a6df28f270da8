// Who a process is, beyond its pid: a pid is reused (after a reboot, in a restarted container, or
// after enough processes), so a lock naming only a pid cannot tell its live holder from an unrelated
// process that got the same number. On Linux, /proc gives what the pid alone does not:
//   - the start time, field 22 of /proc/<pid>/stat (clock ticks since boot): two processes that
//     share a pid during one boot never share a start time, since the second starts after the first
//     has gone;
//   - the boot id, /proc/sys/kernel/random/boot_id: a holder recorded under another boot id is gone,
//     whatever now runs with its pid.
// Where /proc is missing (macOS, the BSDs) or hides other users' processes, only liveness is left:
// a live pid counts as its recorded holder, as a pid-only lock always did.
//
// Pids and start times mean something only inside one pid namespace (a container has its own), so
// the namespace (/proc/self/ns/pid) is recorded too. A holder recorded in another namespace cannot
// be looked at: isRunning still judges it by our pids (a restarted container must not be locked out
// forever), but isProvablyGone does not call it gone, so nothing is deleted on that ground.

import { readFileSync, readlinkSync } from "node:fs";

export interface ProcessIdentity {
  readonly pid: number;
  /** /proc/<pid>/stat field 22, or null where it could not be read. */
  readonly start: string | null;
  /** /proc/sys/kernel/random/boot_id, or null where it could not be read. */
  readonly boot: string | null;
  /** The pid namespace's inode number (/proc/self/ns/pid), or null where it could not be read. */
  readonly pidns: string | null;
}

interface ProcStat {
  readonly state: string;
  readonly start: string;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

let bootIdCache: string | null | undefined;

/** This boot's id, or null where the kernel does not offer one. */
export function currentBootId(): string | null {
  if (bootIdCache === undefined) bootIdCache = readText("/proc/sys/kernel/random/boot_id")?.trim() || null;
  return bootIdCache;
}

let pidnsCache: string | null | undefined;

/** This process's pid namespace, as the number in /proc/self/ns/pid's "pid:[N]". */
export function currentPidNamespace(): string | null {
  if (pidnsCache === undefined) {
    try {
      pidnsCache = /^pid:\[(\d+)\]$/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? null;
    } catch {
      pidnsCache = null;
    }
  }
  return pidnsCache;
}

/**
 * Fields 3 (state) and 22 (starttime) of /proc/<pid>/stat (proc(5)), or null where they cannot be
 * read (no /proc; a mount with hidepid; the process just exited). Field 2, the command name in
 * parentheses, may itself hold spaces and parentheses, so the fields are counted after its last ')'.
 */
function procStat(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0]; // field 3
  const start = fields[19]; // field 22
  if (state === undefined || start === undefined || !/^\d+$/.test(start)) return null;
  return { state, start };
}

/** The identity of the process now running as `pid` (its start null where /proc cannot tell). */
export function identityOf(pid: number): ProcessIdentity {
  return { pid, start: procStat(pid)?.start ?? null, boot: currentBootId(), pidns: currentPidNamespace() };
}

let ownCache: ProcessIdentity | undefined;

/** This process's identity, to record in a lock. */
export function ownIdentity(): ProcessIdentity {
  ownCache ??= identityOf(process.pid);
  return ownCache;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
  }
}

/**
 * Whether the recorded process still runs: false when it is provably gone (its boot is over, its
 * pid is free, a zombie, or the pid now belongs to a process that started at another time); true
 * otherwise, including where /proc cannot tell (then a live pid is taken for the holder).
 */
export function isRunning(id: ProcessIdentity): boolean {
  if (!Number.isInteger(id.pid) || id.pid <= 0) return false;
  const boot = currentBootId();
  if (id.boot !== null && boot !== null && id.boot !== boot) return false;
  if (!pidAlive(id.pid)) return false;
  const stat = procStat(id.pid);
  if (stat === null) return true; // a live pid /proc does not show: liveness is all we know
  if (stat.state === "Z" || stat.state === "X") return false; // exited, only not yet reaped
  return id.start === null || id.start === stat.start;
}

/**
 * Whether the recorded process is gone beyond doubt: its boot is over, or, recorded in our own pid
 * namespace (or where namespaces cannot be read), it no longer runs. What may be deleted on the
 * ground that its holder is gone (ephemeral.ts) must pass this, not just !isRunning.
 */
export function isProvablyGone(id: ProcessIdentity): boolean {
  const boot = currentBootId();
  if (id.boot !== null && boot !== null && id.boot !== boot) return true;
  const ns = currentPidNamespace();
  if (id.pidns !== null && ns !== null && id.pidns !== ns) return false;
  return !isRunning(id);
}

/** Whether two identities name the same process (pids alone never prove it). */
export function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.pid === b.pid && a.start !== null && a.start === b.start && a.boot === b.boot && a.pidns === b.pidns;
}
