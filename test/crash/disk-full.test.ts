// A durable node on a real full disk: a 2 MiB tmpfs (needs root to mount; skipped otherwise, with
// the reason). A filler file takes most of the space; puts and flushes run into ENOSPC. What must
// hold: every put answered with error 11 is invisible (memtable_get, and after restarts); every
// acknowledged put is kept; no NAME.tmp is left; and once the filler is removed the same node takes
// puts and flushes again, without a restart.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Body, NodeProc, sleep, stderrTail } from "./harness.js";

const root = process.getuid?.() === 0;
let mountPoint = "";
let mounted = false;
let whyNot = root ? "" : "not root: cannot mount a tmpfs";

beforeAll(() => {
  if (!root) return;
  mountPoint = mkdtempSync(join(tmpdir(), "wasm-lsm-full-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint]);
    mounted = true;
  } catch (err) {
    whyNot = `mount -t tmpfs failed: ${(err as Error).message}`;
  }
});

afterAll(() => {
  if (mounted) execFileSync("umount", ["--lazy", mountPoint]); // lazy: a node a failed test left running holds files
  if (mountPoint !== "") rmdirSync(mountPoint);
});

const value = (i: number) => `${i}:${"v".repeat(3000)}`;

async function putAll(node: NodeProc, from: number, count: number): Promise<{ acked: number[]; rejected: number[]; other: Body[] }> {
  const replies = Array.from({ length: count }, (_, j) => node.send({ type: "memtable_put", key: `key${from + j}`, value: value(from + j) }));
  const acked: number[] = [];
  const rejected: number[] = [];
  const other: Body[] = [];
  for (const [j, r] of (await Promise.all(replies)).entries()) {
    if (r?.type === "memtable_put_ok") acked.push(from + j);
    else if (r?.type === "error" && r.code === 11) rejected.push(from + j);
    else other.push(r!);
  }
  return { acked, rejected, other };
}

async function valueOf(node: NodeProc, i: number, tables: string[]): Promise<string | null> {
  const m = await node.send({ type: "memtable_get", key: `key${i}` });
  if (m?.value !== null && m?.value !== undefined) return m.value as string;
  for (const sstable of tables) {
    const r = await node.send({ type: "sstable_lookup", sstable, key: `key${i}` });
    if (r?.found === true) return r.value as string;
  }
  return null;
}

/** The .tmp files in `dir`, looked at every 100 ms for up to 10 s until a look finds none. */
async function tmpFilesThatStay(dir: string): Promise<string[]> {
  let seen = readdirSync(dir).filter((f) => f.endsWith(".tmp"));
  for (let i = 0; i < 100 && seen.length > 0; i++) {
    await sleep(100);
    seen = readdirSync(dir).filter((f) => f.endsWith(".tmp"));
  }
  return seen;
}

describe("a full disk (2 MiB tmpfs)", () => {
  test("error 11 changes nothing, nothing is left behind, and the node works again once space is free", async (ctx) => {
    if (!mounted) return ctx.skip(whyNot);
    const dir = join(mountPoint, "store");
    const filler = join(mountPoint, "filler");
    writeFileSync(filler, Buffer.alloc(1200 * 1024));
    const node = new NodeProc(dir, ["--memtable-bytes", String(64 * 1024)]);
    ctx.onTestFinished(() => node.kill()); // a no-op once it has exited
    expect(await node.init()).toBe(true);
    const tables = new Set<string>();
    const acked: number[] = [];
    const rejected: number[] = [];
    let next = 0;
    for (let round = 0; round < 12 && rejected.length === 0; round++) {
      const r = await putAll(node, next, 50);
      next += 50;
      acked.push(...r.acked);
      rejected.push(...r.rejected);
      expect(r.other).toEqual([]);
      const f = await node.send({ type: "sstable_flush" });
      if (f?.type === "sstable_flush_ok") tables.add(f.sstable_file as string);
      else expect([f?.type, f?.code]).toEqual(["error", 11]);
    }
    expect(rejected.length).toBeGreaterThan(0);
    for (const i of rejected) expect(await valueOf(node, i, [...tables])).toBeNull();
    // a background compaction (retried on a timer while the disk is full) may be writing its output
    // at any moment; a leftover is a .tmp that never goes away
    expect(await tmpFilesThatStay(dir)).toEqual([]);

    rmSync(filler); // space comes back: the same node goes on, once its flush retry (a timer, <= 1 s) succeeds
    for (let tries = 0; ; tries++) {
      const probe = await putAll(node, next++, 1);
      rejected.push(...probe.rejected);
      acked.push(...probe.acked);
      if (probe.acked.length === 1) break;
      expect(tries).toBeLessThan(50);
      await sleep(100);
    }
    const after = await putAll(node, next, 50);
    expect(after.rejected, stderrTail(node.stderr, 20)).toEqual([]);
    acked.push(...after.acked);
    const f = await node.send({ type: "sstable_flush" });
    expect(f?.type).toBe("sstable_flush_ok");
    expect(await tmpFilesThatStay(dir)).toEqual([]);
    expect((await node.end()).code).toBe(0);

    const again = new NodeProc(dir, ["--no-compaction"]); // the tables listed stay while they are looked up
    ctx.onTestFinished(() => again.kill());
    expect(await again.init()).toBe(true);
    const listed = readdirSync(dir).filter((f) => f.endsWith(".sst"));
    for (const i of rejected) expect(await valueOf(again, i, listed)).toBeNull();
    for (const i of acked) expect(await valueOf(again, i, listed)).toBe(value(i));
    expect((await again.end()).code).toBe(0);
  });
});
