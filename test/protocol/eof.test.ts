// End of input (PROTOCOL.md section 1): the node finishes pending work, writes every reply, exits 0.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectMsgIds, expectReply, INIT, INIT_OK, NodeProcess, replyLine, req, runBatch } from "./harness.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("end of input", () => {
  test("20,000 pipelined puts, then EOF right after a last line without a newline: every reply, in order, exit 0", async () => {
    const n = 20_000;
    const input = [INIT];
    for (let i = 0; i < n; i++) input.push(req("c1", 10 + i, "memtable_put", { key: `key-${i % 15000}`, value: `value-${i}-é` }));
    const node = NodeProcess.start();
    node.sendAll(input);
    node.send(req("c2", 99999, "memtable_get", { key: "key-14999" }), true); // no "\n": the input ends mid-line
    const exit = await node.end();
    expect(exit.code).toBe(0);
    expect(exit.lines).toHaveLength(n + 2);
    expect(exit.lines[0]).toBe(INIT_OK);
    for (let i = 0; i < n; i++) {
      if (exit.lines[i + 1] !== replyLine("c1", 10 + i, "memtable_put_ok", {}, i + 1)) expect(exit.lines[i + 1], `reply ${i + 1}`).toBe(replyLine("c1", 10 + i, "memtable_put_ok", {}, i + 1));
    }
    expect(exit.lines[n + 1]).toBe(replyLine("c2", 99999, "memtable_get_ok", { value: "value-14999-é", source: "memtable" }, n + 1));
    expect(exit.stdout.length).toBe(exit.lines.reduce((sum, line) => sum + line.length + 1, 0)); // every line ends in "\n"
  });

  test("a cut-off last line still gets its error 12 before the exit", async () => {
    const run = await runBatch([], [INIT, '{"src": "c1", "dest": "n1", "body": {"type": "memtable_get", "msg_id": 9, "key": "k"']);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([INIT_OK, replyLine("c1", 9, "error", { code: 12, text: "line is not JSON" }, 1)]);
  });

  test("EOF with a flush in the background and puts still waiting for their fsync: all replies, and all of it on disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasm-lsm-protocol-eof-"));
    dirs.push(dir);
    const keys = Array.from({ length: 5000 }, (_, i) => `k${String(i).padStart(5, "0")}-${"日本".repeat(i % 4)}`);
    const value = (i: number) => `v${i}-${"x".repeat(i % 50)}`;
    const run = await runBatch(["--data-dir", dir, "--memtable-bytes", String(32 * 1024), "--no-compaction"], [INIT, ...keys.map((key, i) => req("c1", 10 + i, "memtable_put", { key, value: value(i) }))]);
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(keys.length + 1);
    expectMsgIds(run.lines);
    run.lines.slice(1).forEach((line, i) => {
      if (line !== replyLine("c1", 10 + i, "memtable_put_ok", {}, i + 1)) expect(line).toBe(replyLine("c1", 10 + i, "memtable_put_ok", {}, i + 1));
    });
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith(".tmp") || f === "LOCK")).toEqual([]);
    const tables = files.filter((f) => /^L0_\d{3,}\.sst$/.test(f)).sort();
    // background flushes: about 9 at this size; on a loaded machine the puts, read in one go, can
    // outrun the first flush and pile into the next MemTable (pipelined puts do not wait for a flush)
    expect(tables.length).toBeGreaterThanOrEqual(1);
    expect(tables).toEqual(tables.map((_, i) => `L0_${String(i + 1).padStart(3, "0")}.sst`));

    // restart: each key is in exactly one place, the recovered MemTable or one table
    const node = NodeProcess.start(["--data-dir", dir, "--no-compaction"]);
    expect(await node.request(INIT)).toBe(INIT_OK);
    expect(node.stderr).toContain(`(wasm kernels, ${tables.length} tables)`);
    const gets = await node.requestAll(keys.map((key, i) => req("c1", i, "memtable_get", { key })));
    const lookups = await node.requestAll(tables.flatMap((t) => keys.map((key) => req("c2", 0, "sstable_lookup", { sstable: t, key }))));
    const places = keys.map((_, i) => {
      const where: string[] = [];
      const g = expectReply(gets[i]!, "memtable_get_ok", i).body.value;
      if (g !== null) {
        expect(g).toBe(value(i));
        where.push("memtable");
      }
      tables.forEach((t, ti) => {
        const body = JSON.parse(lookups[ti * keys.length + i]!).body;
        if (body.found) {
          expect(body.value).toBe(value(i));
          where.push(t);
        }
      });
      return where.length;
    });
    expect(places.filter((count) => count !== 1)).toEqual([]);
    expect((await node.end()).code).toBe(0);
  });
});
