// The lock of a --data-dir (PROTOCOL.md sections 1 and 4): a second live node on the directory is
// refused with a clear message and a non-zero exit; after a kill -9 the next node recognises the
// stale lock and starts, with the data; a clean stop (end of input, SIGTERM) removes the LOCK file.
// Last, several processes taking the lock of one directory at the same instant: exactly one may win.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI, NodeProc, ROOT, stderrTail, withTimeout } from "./harness.js";
import { readStoreManifest } from "../../src/lsm/manifest.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-lock");
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build:ts\` first`);
});

const lockText = (dir: string) => readFileSync(join(dir, "LOCK"), "utf8");
/** The pid a LOCK names: its first line, "pid N" (or "N", as the previous version wrote it). */
const lockOwner = (dir: string) => Number(/^(?:pid )?(\d+)\n/.exec(lockText(dir))?.[1]);

/** Linux: a LOCK records the holder's start time and the boot id (src/lsm/process-identity.ts). */
const hasProc = existsSync("/proc/self/stat") && existsSync("/proc/sys/kernel/random/boot_id");
const bootId = () => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/** A pid that surely runs nothing: a child that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

async function put(node: NodeProc, key: string, value: string): Promise<void> {
  expect(await node.send({ type: "memtable_put", key, value })).toMatchObject({ type: "memtable_put_ok" });
}

async function get(node: NodeProc, key: string): Promise<unknown> {
  const r = await node.send({ type: "memtable_get", key });
  expect(r).toMatchObject({ type: "memtable_get_ok" });
  return r!.value;
}

describe("the lock of a data directory", () => {
  test("a second node on a live node's directory is refused; after kill -9 a new node takes over the stale lock and sees the data; a clean stop removes LOCK", async () => {
    const dir = freshDir();
    const first = new NodeProc(dir);
    expect(await first.init(), first.stderr).toBe(true);
    expect(lockOwner(dir)).toBe(first.pid);
    await put(first, "a", "1");
    expect((await first.send({ type: "sstable_flush" }))?.type).toBe("sstable_flush_ok");
    await put(first, "b", "2");

    // a second node while the first lives: refused, clearly, with a non-zero exit and no output
    const second = new NodeProc(dir);
    const replies: unknown[] = [];
    second.onReply((b) => replies.push(b));
    second.send({ type: "init", node_id: "n1", node_ids: ["n1"] });
    const refused = await second.exited;
    expect(refused.code, second.stderr).not.toBe(0);
    expect(refused.code).toBe(1);
    expect(second.stderr).toContain("cannot open the store");
    expect(second.stderr).toContain(`is in use by another wasm-lsm node (pid ${first.pid})`);
    expect(replies).toEqual([]);
    // ... and it left the first node's lock and data alone
    expect(lockOwner(dir)).toBe(first.pid);
    expect(await get(first, "b")).toBe("2");
    await put(first, "c", "3");

    // kill -9: the LOCK stays behind, naming a dead pid
    first.kill();
    await first.exited;
    expect(lockOwner(dir)).toBe(first.pid);

    const third = new NodeProc(dir);
    expect(await third.init(), third.stderr).toBe(true);
    expect(third.stderr).not.toContain("cannot open the store");
    expect(lockOwner(dir)).toBe(third.pid);
    expect(await get(third, "b")).toBe("2");
    expect(await get(third, "c")).toBe("3");
    expect(await third.send({ type: "sstable_lookup", sstable: "L0_001.sst", key: "a" })).toMatchObject({ found: true, value: "1" });

    // end of input: a clean stop, exit 0, LOCK removed
    const exit = await third.end();
    expect(exit.code, third.stderr).toBe(0);
    expect(existsSync(join(dir, "LOCK"))).toBe(false);

    // and the data is still there for the next node
    const fourth = new NodeProc(dir);
    expect(await fourth.init(), fourth.stderr).toBe(true);
    expect(await get(fourth, "c")).toBe("3");
    expect((await fourth.end()).code).toBe(0);
    expect(existsSync(join(dir, "LOCK"))).toBe(false);
  });

  test("SIGTERM closes the store at once: exit 143, LOCK removed, acknowledged writes kept", async () => {
    const dir = freshDir();
    const node = new NodeProc(dir, ["--memtable-bytes", "4096", "--no-compaction"]); // the flushed tables stay where they are
    expect(await node.init(), node.stderr).toBe(true);
    const puts = Array.from({ length: 300 }, (_, i) => node.send({ type: "memtable_put", key: `k${i}`, value: `v${i}`.repeat(20) }));
    const acked = (await Promise.all(puts)).filter((b) => b?.type === "memtable_put_ok").length;
    expect(acked).toBe(300);
    node.child.kill("SIGTERM");
    const exit = await node.exited;
    expect(exit.code, node.stderr).toBe(143);
    expect(existsSync(join(dir, "LOCK"))).toBe(false);
    const again = new NodeProc(dir, ["--no-compaction"]);
    expect(await again.init(), again.stderr).toBe(true);
    expect(await again.send({ type: "sstable_flush" })).toMatchObject({ type: "sstable_flush_ok" });
    const tables = readStoreManifest(dir)!.tables.map((t) => t.name).reverse();
    for (const i of [0, 99, 299]) {
      let found: unknown = null;
      for (const t of tables) {
        const r = await again.send({ type: "sstable_lookup", sstable: t, key: `k${i}` });
        if (r?.found === true) {
          found = r.value;
          break;
        }
      }
      expect(found).toBe(`v${i}`.repeat(20));
    }
    expect((await again.end()).code).toBe(0);
  });

  test.each([
    ["names a dead process", () => `${deadPid()}\n`],
    ["is empty (a crash between creating it and writing the pid)", () => ""],
    ["holds no pid", () => "garbage\n"],
  ])("a LOCK file that %s is stale: the node starts", async (_what, content) => {
    const dir = freshDir();
    writeFileSync(join(dir, "LOCK"), content());
    const node = new NodeProc(dir);
    expect(await node.init(), node.stderr).toBe(true);
    expect(lockOwner(dir)).toBe(node.pid);
    expect((await node.end()).code).toBe(0);
    expect(existsSync(join(dir, "LOCK"))).toBe(false);
  });

  test("a refused node names the directory and the owner; it exits 1 even when the owner holds the lock for a long time", async () => {
    const dir = freshDir();
    const owner = new NodeProc(dir);
    expect(await owner.init()).toBe(true);
    for (let i = 0; i < 3; i++) {
      const other = new NodeProc(dir, ["--memtable-bytes", "1024"]);
      const exit = await other.exited;
      expect(exit.code).toBe(1);
      expect(stderrTail(other.stderr, 3)).toMatch(new RegExp(`cannot open the store: .*${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is in use by another wasm-lsm node \\(pid ${owner.pid}\\)`));
    }
    expect((await owner.end()).code).toBe(0);
  });

  test("processes taking one directory's lock at the same instant: exactly one wins (fresh, stale, empty LOCK, and one naming a reused pid)", async () => {
    const LOCK_JS = join(ROOT, "dist", "src", "lsm", "lock.js");
    const RACER = fileURLToPath(new URL("./lock-racer.mjs", import.meta.url));
    const RACERS = 6;
    const ROUNDS = 96;
    const dead = deadPid();
    // the test runner's pid: alive, but not the process that started at tick 1
    const reused = `pid ${process.pid}\nstart 1\nboot ${hasProc ? bootId() : "none"}\n`;
    const roundDirs = Array.from({ length: ROUNDS }, (_, i) => {
      const d = freshDir();
      if (i % 4 === 1) writeFileSync(join(d, "LOCK"), `${dead}\n`);
      if (i % 4 === 2) writeFileSync(join(d, "LOCK"), "");
      if (i % 4 === 3 && hasProc) writeFileSync(join(d, "LOCK"), reused);
      return d;
    });
    const kinds = ["no LOCK", "a stale LOCK", "an empty LOCK", "a LOCK with a reused pid"];
    const plan = JSON.stringify({ dirs: roundDirs, start: Date.now() + 1500, period: 12 });
    const racers = Array.from({ length: RACERS }, () => spawn(process.execPath, [RACER, LOCK_JS, plan], { stdio: ["pipe", "pipe", "pipe"] }));
    const outputs = await Promise.all(
      racers.map(
        (c) =>
          new Promise<{ ok: boolean; message?: string }[]>((resolve, reject) => {
            let out = "";
            let err = "";
            c.stdout.setEncoding("utf8").on("data", (t: string) => {
              out += t;
              if (out.endsWith("\n")) resolve(JSON.parse(out));
            });
            c.stderr.setEncoding("utf8").on("data", (t: string) => (err += t));
            c.on("close", (code) => reject(new Error(`racer exited ${code}: ${err}`)));
          }),
      ),
    );
    for (const c of racers) c.stdin.end();
    const bad: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const winners = outputs.filter((o) => o[i].ok).length;
      const refusals = outputs.map((o) => o[i].message).filter((m): m is string => m !== undefined);
      if (winners !== 1 || !refusals.every((m) => m.includes("is in use by another wasm-lsm node") || m.includes("could not take the lock"))) {
        bad.push(`round ${i + 1} (${kinds[i % 4]}): ${winners} of ${RACERS} racers took the lock; refusals: ${refusals.join(" | ") || "none"}`);
      }
    }
    console.log(`lock race: ${ROUNDS} rounds of ${RACERS} racers, ${bad.length} rounds with more than one owner (or none)`);
    expect(bad).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Item 6 of issue 7: a LOCK naming a pid that now belongs to an unrelated live process (pid reuse
// after a reboot or in a container) must not refuse every start. These tests make that LOCK the
// way it happens: a node is killed and leaves its LOCK, then its pid is "reused", that is, the
// LOCK's pid is replaced by the pid of a live process that is no wasm-lsm node.

/** /proc/<pid>/stat field 22 (proc(5)): the process's start, in clock ticks since boot. */
function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/** The LOCK a node leaves when it is killed (kill -9), and that node's pid. */
async function lockOfKilledNode(dir: string): Promise<{ text: string; pid: number }> {
  const node = new NodeProc(dir);
  expect(await node.init(), node.stderr).toBe(true);
  node.kill();
  await node.exited;
  return { text: lockText(dir), pid: node.pid };
}

/** The same LOCK with its pid (the first number in it) replaced by another. */
const withPid = (text: string, from: number, to: number) => {
  expect(text).toContain(String(from));
  return text.replace(String(from), String(to));
};

const sleepers: ChildProcess[] = [];
/** A live process that is no wasm-lsm node. */
function unrelatedProcess(): number {
  const child = spawn("sleep", ["600"], { stdio: "ignore" });
  sleepers.push(child);
  return child.pid!;
}
afterAll(() => {
  for (const c of sleepers.splice(0)) c.kill("SIGKILL");
});

async function startsAndHoldsTheLock(dir: string): Promise<void> {
  const node = new NodeProc(dir);
  expect(await node.init(), node.stderr).toBe(true);
  expect(node.stderr).not.toContain("cannot open the store");
  expect(lockOwner(dir)).toBe(node.pid);
  expect((await node.end()).code, node.stderr).toBe(0);
  expect(existsSync(join(dir, "LOCK"))).toBe(false);
}

async function isRefused(dir: string, pid: number): Promise<string> {
  const node = new NodeProc(dir);
  const exit = await withTimeout(node.exited, 20_000, null); // a node that took the lock would serve on
  node.kill();
  expect(exit?.code, node.stderr).toBe(1);
  expect(node.stderr).toContain(`cannot open the store: ${dir} is in use by another wasm-lsm node (pid ${pid})`);
  return node.stderr;
}

describe.skipIf(!hasProc)("a LOCK whose pid was reused (issue 7, item 6)", () => {
  test("a live node's LOCK records its pid, its start time (/proc/<pid>/stat field 22), the boot id and its pid namespace, and refuses a second node", async () => {
    const dir = freshDir();
    const node = new NodeProc(dir);
    expect(await node.init(), node.stderr).toBe(true);
    expect(lockText(dir)).toBe(`pid ${node.pid}\nstart ${startTicks(node.pid)}\nboot ${bootId()}\npidns ${/\d+/.exec(readlinkSync(`/proc/${node.pid}/ns/pid`))![0]}\n`);
    await isRefused(dir, node.pid);
    expect(lockOwner(dir)).toBe(node.pid);
    expect((await node.end()).code).toBe(0);
  });

  test("the LOCK of a killed node whose pid now runs an unrelated process (a spawned sleep) is taken over", async () => {
    const dir = freshDir();
    const left = await lockOfKilledNode(dir);
    writeFileSync(join(dir, "LOCK"), withPid(left.text, left.pid, unrelatedProcess()));
    await startsAndHoldsTheLock(dir);
  });

  test("the LOCK of a killed node whose pid is now the test runner's (alive, started at another time) is taken over", async () => {
    const dir = freshDir();
    const left = await lockOfKilledNode(dir);
    writeFileSync(join(dir, "LOCK"), withPid(left.text, left.pid, process.pid));
    await startsAndHoldsTheLock(dir);
  });

  test("a LOCK from an earlier boot is taken over even though its pid and start time match a live process", async () => {
    const dir = freshDir();
    const pid = unrelatedProcess();
    writeFileSync(join(dir, "LOCK"), `pid ${pid}\nstart ${startTicks(pid)}\nboot 00000000-0000-4000-8000-000000000000\n`);
    await startsAndHoldsTheLock(dir);
  });

  test("a LOCK naming a live process by its pid, start time and boot id is held: refused", async () => {
    const dir = freshDir();
    const pid = unrelatedProcess();
    const text = `pid ${pid}\nstart ${startTicks(pid)}\nboot ${bootId()}\n`;
    writeFileSync(join(dir, "LOCK"), text);
    await isRefused(dir, pid);
    expect(lockText(dir)).toBe(text);
  });

  test("a LOCK of the previous version (a pid only) naming a live process is held, and the refusal says how to clear it", async () => {
    const dir = freshDir();
    const pid = unrelatedProcess();
    writeFileSync(join(dir, "LOCK"), `${pid}\n`);
    const stderr = await isRefused(dir, pid);
    expect(stderrTail(stderr, 1)).toContain(`a LOCK of an earlier version that records only the pid: stop that node, or if pid ${pid} is not one, remove ${join(dir, "LOCK")}`);
    expect(lockText(dir)).toBe(`${pid}\n`);
  });
});
