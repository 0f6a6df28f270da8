// Overwrites count toward the flush threshold (issue 7 item 16), through the built CLI: a durable
// node whose one key is rewritten again and again flushes it in the background, as it would a
// MemTable of as many new keys.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectReply, INIT, INIT_OK, NodeProcess, req } from "./harness.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("overwrites and the flush threshold", () => {
  test("a durable node flushes in the background after enough overwrites of one key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasm-lsm-overwrites-"));
    dirs.push(dir);
    const threshold = 64 * 1024;
    const value = "x".repeat(1024);
    const node = NodeProcess.start(["--data-dir", dir, "--memtable-bytes", String(threshold)]);
    expect(await node.request(INIT)).toBe(INIT_OK);
    // 100 KiB of overwrites against a 64 KiB threshold: with each one counted, the MemTable passes
    // it after ~63; counted as the change in the value's length, it stays at ~1 KiB forever.
    const puts = Array.from({ length: 100 }, (_, i) => req("c1", 2 + i, "memtable_put", { key: "hot", value: `${value}${i}`.slice(0, 1024) }));
    const replies = await node.requestAll(puts);
    replies.forEach((line, i) => expectReply(line, "memtable_put_ok", 2 + i));
    const exit = await node.end(); // at end of input the node finishes its background flush
    expect(exit.code).toBe(0);
    const tables = readdirSync(dir).filter((f) => f.endsWith(".sst"));
    expect(tables, `files: ${readdirSync(dir).join(", ")}; stderr: ${exit.stderr}`).toEqual(["L0_001.sst"]);
    expect(existsSync(join(dir, "L0_001.sst.tmp"))).toBe(false);
    // the newest value is the last put's: in the MemTable if it came after the freeze, else in the table
    const again = NodeProcess.start(["--data-dir", dir]);
    expect(await again.request(INIT)).toBe(INIT_OK);
    const mem = expectReply(await again.request(req("c1", 2, "memtable_get", { key: "hot" })), "memtable_get_ok", 2);
    const table = expectReply(await again.request(req("c1", 3, "sstable_lookup", { sstable: "L0_001.sst", key: "hot" })), "sstable_lookup_ok", 3);
    expect(table.body.found).toBe(true);
    expect(mem.body.value ?? table.body.value).toBe(`${value}99`.slice(0, 1024));
    expect((await again.end()).code).toBe(0);
  });
});
