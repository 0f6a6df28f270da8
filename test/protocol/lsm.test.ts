// The LSM messages of PROTOCOL.md section 3b through the built CLI in a child process: the course's
// four test inputs on fresh nodes (the reference tree), their reply shapes, the errors, deletes
// through the log in a durable store, lsm_scan across the tree, and the level shape after real
// writes with background compaction.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectError, expectReply, FIELDS, INIT, INIT_OK, NodeProcess, req, runBatch } from "./harness.js";

Object.assign(FIELDS, {
  lsm_read_ok: ["value", "found_at", "levels_checked"],
  lsm_level_info_ok: ["levels"],
  lsm_compact_ok: ["sstables_merged", "new_sstables", "keys_deduplicated", "bytes_read", "bytes_written", "write_amplification"],
  lsm_compact_status_ok: ["pending_compactions", "total_compactions", "total_bytes_compacted"],
  memtable_delete_ok: [],
  lsm_scan_ok: ["entries"],
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), "wasm-lsm-protocol-lsm-"));
  dirs.push(d);
  return d;
};

/** lsm_level_info once lsm_compact_status says no level is over its trigger (background compactions done). */
async function settledLevels(node: NodeProcess): Promise<{ level: number; sstables: number; total_bytes: number; max_bytes: number }[]> {
  for (let i = 0; ; i++) {
    node.send(req("c1", 100_000 + 2 * i, "lsm_compact_status"));
    node.send(req("c1", 100_001 + 2 * i, "lsm_level_info"));
    const [status, info] = await node.nextReplies(2);
    const pending = expectReply(status, "lsm_compact_status_ok", 100_000 + 2 * i).body.pending_compactions as number;
    if (pending === 0 || i === 200) return expectReply(info, "lsm_level_info_ok", 100_001 + 2 * i).body.levels as never;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** init and one request to a fresh node, as the course's test cases send them. */
async function fresh(type: string, fields: Record<string, unknown> = {}) {
  const run = await runBatch([], [INIT, req("c1", 2, type, fields)]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.lines[0]).toBe(INIT_OK);
  return { reply: run.lines[1], stderr: run.stderr };
}

describe("the course's LSM test inputs on a fresh node (the reference tree)", () => {
  test("lsm_level_info: L0 unsorted, L1 and deeper sorted, every level once", async () => {
    const { reply, stderr } = await fresh("lsm_level_info");
    const levels = expectReply(reply, "lsm_level_info_ok", 2).body.levels as Record<string, unknown>[];
    expect(levels.map((l) => l.level)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const l of levels) expect(Object.keys(l)).toEqual(["level", "sstables", "total_bytes", "sorted", "max_bytes"]);
    expect(levels.map((l) => l.sorted)).toEqual([false, true, true, true, true, true, true]);
    expect(levels[0]).toMatchObject({ sstables: 3, max_bytes: 4 * 4 * 1024 * 1024 }); // trigger x MemTable size
    expect(levels[1]).toMatchObject({ sstables: 1, max_bytes: 10 * 1024 * 1024 });
    expect(levels[2].max_bytes).toBe(100 * 1024 * 1024);
    expect(levels[1].total_bytes as number).toBeGreaterThan(levels[0].total_bytes as number);
    expect(stderr).toMatch(/built the reference tree/);
  });

  test("lsm_read of user:42: Alice, found at L1, two levels checked", async () => {
    const { reply } = await fresh("lsm_read", { key: "user:42" });
    expect(expectReply(reply, "lsm_read_ok", 2).body).toMatchObject({ value: "Alice", found_at: "L1", levels_checked: 2 });
  });

  test.each([1, 2])("lsm_compact 0 -> 1 (case %i): tables merged, versions dropped, fewer bytes written than read", async () => {
    const { reply } = await fresh("lsm_compact", { source_level: 0, target_level: 1 });
    const b = expectReply(reply, "lsm_compact_ok", 2).body;
    expect(b.sstables_merged as number).toBeGreaterThan(0);
    expect(b.write_amplification as number).toBeGreaterThan(0);
    expect(b.keys_deduplicated as number).toBeGreaterThan(0);
    expect(b.bytes_written as number).toBeLessThanOrEqual(b.bytes_read as number);
    expect(b.new_sstables as number).toBeGreaterThan(0);
  });

  test("lsm_compact_status on a fresh node: the reference tree's one compaction", async () => {
    const { reply } = await fresh("lsm_compact_status");
    const b = expectReply(reply, "lsm_compact_status_ok", 2).body;
    expect(b).toMatchObject({ pending_compactions: 0, total_compactions: 1 });
    expect(b.total_bytes_compacted as number).toBeGreaterThan(0);
  });
});

describe("LSM messages over real writes", () => {
  test("a durable store gets no invented data; deletes and puts go through the log and survive a restart", async () => {
    const dir = freshDir();
    const lines = [
      INIT,
      req("c1", 2, "lsm_read", { key: "user:42" }),
      req("c1", 3, "memtable_put", { key: "a", value: "1" }),
      req("c1", 4, "memtable_put", { key: "b", value: "2" }),
      req("c1", 5, "sstable_flush"),
      req("c1", 6, "memtable_delete", { key: "a" }),
      req("c1", 7, "lsm_read", { key: "a" }),
      req("c1", 8, "lsm_read", { key: "b" }),
      req("c1", 9, "lsm_scan", { start: "", end: "z" }),
    ];
    const run = await runBatch(["--data-dir", dir], lines);
    expect(run.code, run.stderr).toBe(0);
    expect(expectReply(run.lines[1], "lsm_read_ok", 2).body).toMatchObject({ value: null, found_at: null, levels_checked: 0 });
    expectReply(run.lines[5], "memtable_delete_ok", 6);
    expect(expectReply(run.lines[6], "lsm_read_ok", 7).body).toMatchObject({ value: null, found_at: null, levels_checked: 0 }); // the tombstone, in the MemTable
    expect(expectReply(run.lines[7], "lsm_read_ok", 8).body).toMatchObject({ value: "2", found_at: "L0", levels_checked: 1 });
    expect(expectReply(run.lines[8], "lsm_scan_ok", 9).body.entries).toEqual([{ key: "b", value: "2" }]);

    const again = await runBatch(["--data-dir", dir], [INIT, req("c1", 2, "lsm_read", { key: "a" }), req("c1", 3, "lsm_scan", { start: "a", end: "b" })]);
    expect(expectReply(again.lines[1], "lsm_read_ok", 2).body).toMatchObject({ value: null, found_at: null });
    expect(expectReply(again.lines[2], "lsm_scan_ok", 3).body.entries).toEqual([{ key: "b", value: "2" }]);
  });

  test("bad requests are error 12 and change nothing", async () => {
    const bad: [string, Record<string, unknown>][] = [
      ["lsm_compact", { source_level: 0, target_level: 2 }],
      ["lsm_compact", { source_level: 6, target_level: 7 }],
      ["lsm_compact", { source_level: -1, target_level: 0 }],
      ["lsm_compact", { source_level: "0", target_level: 1 }],
      ["lsm_compact", { target_level: 1 }],
      ["lsm_read", {}],
      ["lsm_read", { key: "" }],
      ["memtable_delete", { key: 5 }],
      ["lsm_scan", { start: "a" }],
      ["lsm_scan", { start: "a", end: "b", limit: 0 }],
      ["lsm_scan", { start: "a", end: "b", limit: 10_001 }],
    ];
    const dir = freshDir();
    const run = await runBatch(["--data-dir", dir], [INIT, ...bad.map(([t, f], i) => req("c1", 10 + i, t, f)), req("c1", 99, "lsm_level_info")]);
    bad.forEach((_, i) => expectError(run.lines[1 + i], 10 + i, 12));
    const levels = expectReply(run.lines.at(-1)!, "lsm_level_info_ok", 99).body.levels as { sstables: number }[];
    expect(levels.every((l) => l.sstables === 0)).toBe(true);
  });

  test("lsm_scan: live entries in [start, end] across MemTable and levels, in byte order, at most limit", async () => {
    const node = NodeProcess.start(["--memtable-bytes", "4096", "--l0-trigger", "2", "--table-bytes", "4096", "--level-base-bytes", "16384"]);
    node.send(INIT);
    await node.nextReply();
    const model = new Map<string, string>();
    let id = 10;
    for (let i = 0; i < 1500; i++) {
      const key = `k${String((i * 7919) % 600).padStart(4, "0")}`;
      if (i % 11 === 0) {
        node.send(req("c1", id++, "memtable_delete", { key }));
        model.delete(key);
      } else {
        node.send(req("c1", id++, "memtable_put", { key, value: `v${i}` }));
        model.set(key, `v${i}`);
      }
    }
    const writes = await node.nextReplies(1500);
    expect(writes.filter((l) => !/"type": "memtable_(put|delete)_ok"/.test(l))).toEqual([]);
    node.send(req("c1", 1, "lsm_scan", { start: "k0100", end: "k0400", limit: 10_000 }));
    node.send(req("c1", 2, "lsm_scan", { start: "k0100", end: "k0400", limit: 7 }));
    const [all, seven] = await node.nextReplies(2);
    const expected = [...model].filter(([k]) => k >= "k0100" && k <= "k0400").sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value }));
    expect(expectReply(all, "lsm_scan_ok", 1).body.entries).toEqual(expected);
    expect(expectReply(seven, "lsm_scan_ok", 2).body.entries).toEqual(expected.slice(0, 7));
    const levels = await settledLevels(node);
    expect(levels.slice(1).some((l) => l.sstables > 0)).toBe(true); // compactions moved data below level 0
    node.send(req("c1", 3, "lsm_scan", { start: "k0100", end: "k0400", limit: 10_000 }));
    expect(expectReply(await node.nextReply(), "lsm_scan_ok", 3).body.entries).toEqual(expected); // the same after them
    await node.stop();
  });
});

describe("the level shape after real writes", () => {
  test("a durable node under 8,000 puts: level 0 at most the stop trigger, each deeper level near its target once compactions settle", async () => {
    const dir = freshDir();
    const node = NodeProcess.start(["--data-dir", dir, "--memtable-bytes", "16384", "--l0-trigger", "2", "--table-bytes", "8192", "--level-base-bytes", "32768"]);
    node.send(INIT);
    await node.nextReply();
    let maxL0 = 0;
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 1000; i++) node.send(req("c1", 10 + round * 1000 + i, "memtable_put", { key: `key${String((round * 1000 + i) * 7 % 5000).padStart(5, "0")}`, value: "v".repeat(80) }));
      const acks = await node.nextReplies(1000);
      expect(acks.filter((l) => !l.includes('"memtable_put_ok"'))).toEqual([]);
      node.send(req("c1", 1, "lsm_level_info"));
      const levels = expectReply(await node.nextReply(), "lsm_level_info_ok", 1).body.levels as { sstables: number }[];
      maxL0 = Math.max(maxL0, levels[0].sstables);
    }
    expect(maxL0).toBeLessThanOrEqual(12); // the stop trigger at --l0-trigger 2: writes waited instead
    const levels = await settledLevels(node);
    expect(levels[0].sstables).toBeLessThan(2);
    const deeper = levels.slice(1).filter((l) => l.sstables > 0);
    expect(deeper.length).toBeGreaterThanOrEqual(2); // level 1 and at least level 2
    // every level but the last holds at most its target (the last takes what is left), within a table's worth
    for (const l of deeper.slice(0, -1)) expect(l.total_bytes).toBeLessThanOrEqual(l.max_bytes + 2 * 8192);
    await node.stop();
  });
});
