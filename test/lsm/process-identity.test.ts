// A process's identity beyond its pid (src/lsm/process-identity.ts): the start time from
// /proc/<pid>/stat field 22 and the boot id, and when a recorded identity still runs.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { currentBootId, currentPidNamespace, identityOf, isProvablyGone, isRunning, ownIdentity, sameProcess } from "../../src/lsm/process-identity.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-identity-test");
const hasProc = existsSync("/proc/self/stat") && existsSync("/proc/sys/kernel/random/boot_id");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

/** Seconds since boot (/proc/uptime). */
const uptime = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, what /proc/<pid>/stat counts in on Linux

describe.skipIf(!hasProc)("process identity (Linux /proc)", () => {
  test("this process: its start time and the boot id, running; another start time or boot is not this process", () => {
    const me = ownIdentity();
    expect(me.pid).toBe(process.pid);
    expect(me.boot).toBe(readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
    expect(me.start).toMatch(/^\d+$/);
    expect(isRunning(me)).toBe(true);
    expect(isRunning({ ...me, start: String(Number(me.start) + 1) })).toBe(false);
    expect(isRunning({ ...me, boot: "00000000-0000-4000-8000-000000000000" })).toBe(false);
    expect(isRunning({ pid: deadPid(), start: null, boot: null, pidns: null })).toBe(false);
    expect(sameProcess(me, identityOf(process.pid))).toBe(true);
    expect(sameProcess(me, { ...me, start: null })).toBe(false);
  });

  test("a holder is provably gone only when its boot is over, or it no longer runs in our own pid namespace", () => {
    const ns = currentPidNamespace();
    expect(`pid:[${ns}]`).toBe(readlinkSync("/proc/self/ns/pid"));
    const dead = { pid: deadPid(), start: "1", boot: currentBootId(), pidns: ns };
    expect(isProvablyGone(dead)).toBe(true);
    expect(isProvablyGone({ ...dead, pidns: null })).toBe(true);
    // a pid of another namespace cannot be looked at from here: not provably gone, though not running here
    const elsewhere = { ...dead, pidns: `${ns}1` };
    expect(isRunning(elsewhere)).toBe(false);
    expect(isProvablyGone(elsewhere)).toBe(false);
    expect(isProvablyGone({ ...elsewhere, boot: "00000000-0000-4000-8000-000000000000" })).toBe(true);
    expect(isProvablyGone(ownIdentity())).toBe(false);
  });

  test("field 22 is found after a command name holding spaces and parentheses; the process stops running when it exits", async () => {
    const dir = freshDir();
    const oddName = join(dir, "x) 1 2 (y");
    symlinkSync(spawnSync("sh", ["-c", "command -v sleep"], { encoding: "utf8" }).stdout.trim(), oddName);
    const before = uptime();
    const child = spawn(oddName, ["600"], { stdio: "ignore" });
    children.push(child);
    await new Promise((resolve) => child.once("spawn", resolve));
    expect(readFileSync(`/proc/${child.pid}/stat`, "utf8")).toContain("(x) 1 2 (y)");
    const id = identityOf(child.pid!);
    // the start is the moment we spawned it, within a few seconds (a wrong field would be far off)
    expect(Math.abs(Number(id.start) / CLOCK_TICKS_PER_SECOND - before)).toBeLessThan(5);
    expect(id.boot).toBe(currentBootId());
    expect(isRunning(id)).toBe(true);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    expect(isRunning(id)).toBe(false);
  });
});
