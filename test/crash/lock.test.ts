// The lock of a --data-dir (PROTOCOL.md sections 1 and 4): a second live node on the directory is
// refused with a clear message and a non-zero exit; after a kill -9 the next node recognises the
// stale lock and starts, with the data; a clean stop (end of input, SIGTERM) removes the LOCK file.
// Last, several processes taking the lock of one directory at the same instant: exactly one may win.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { CLI, NodeProc, ROOT, stderrTail } from "./harness.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-lock");
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build:ts\` first`);
});

const lockOwner = (dir: string) => readFileSync(join(dir, "LOCK"), "utf8");

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
    expect(lockOwner(dir)).toBe(`${first.pid}\n`);
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
    expect(lockOwner(dir)).toBe(`${first.pid}\n`);
    expect(await get(first, "b")).toBe("2");
    await put(first, "c", "3");

    // kill -9: the LOCK stays behind, naming a dead pid
    first.kill();
    await first.exited;
    expect(lockOwner(dir)).toBe(`${first.pid}\n`);

    const third = new NodeProc(dir);
    expect(await third.init(), third.stderr).toBe(true);
    expect(third.stderr).not.toContain("cannot open the store");
    expect(lockOwner(dir)).toBe(`${third.pid}\n`);
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
    const node = new NodeProc(dir, ["--memtable-bytes", "4096"]);
    expect(await node.init(), node.stderr).toBe(true);
    const puts = Array.from({ length: 300 }, (_, i) => node.send({ type: "memtable_put", key: `k${i}`, value: `v${i}`.repeat(20) }));
    const acked = (await Promise.all(puts)).filter((b) => b?.type === "memtable_put_ok").length;
    expect(acked).toBe(300);
    node.child.kill("SIGTERM");
    const exit = await node.exited;
    expect(exit.code, node.stderr).toBe(143);
    expect(existsSync(join(dir, "LOCK"))).toBe(false);
    const again = new NodeProc(dir);
    expect(await again.init(), again.stderr).toBe(true);
    expect(await again.send({ type: "sstable_flush" })).toMatchObject({ type: "sstable_flush_ok" });
    const tables = (readFileSyncJson(join(dir, "MANIFEST")).body.tables as { name: string }[]).map((t) => t.name).reverse();
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
    expect(lockOwner(dir)).toBe(`${node.pid}\n`);
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

  test("processes taking one directory's lock at the same instant: exactly one wins (fresh, stale and empty LOCK)", async () => {
    const LOCK_JS = join(ROOT, "dist", "src", "lsm", "lock.js");
    const RACER = fileURLToPath(new URL("./lock-racer.mjs", import.meta.url));
    const RACERS = 6;
    const ROUNDS = 90;
    const dead = deadPid();
    const roundDirs = Array.from({ length: ROUNDS }, (_, i) => {
      const d = freshDir();
      if (i % 3 === 1) writeFileSync(join(d, "LOCK"), `${dead}\n`);
      if (i % 3 === 2) writeFileSync(join(d, "LOCK"), "");
      return d;
    });
    const kinds = ["no LOCK", "a stale LOCK", "an empty LOCK"];
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
        bad.push(`round ${i + 1} (${kinds[i % 3]}): ${winners} of ${RACERS} racers took the lock; refusals: ${refusals.join(" | ") || "none"}`);
      }
    }
    console.log(`lock race: ${ROUNDS} rounds of ${RACERS} racers, ${bad.length} rounds with more than one owner (or none)`);
    expect(bad).toEqual([]);
  });
});

function readFileSyncJson(path: string): { body: Record<string, unknown> } {
  return JSON.parse(readFileSync(path, "utf8"));
}
