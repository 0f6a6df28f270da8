// The node's modes (PROTOCOL.md section 1) through the built CLI: the ephemeral default, a durable
// --data-dir (recovery, the lock, an empty flush), and --kernels js against wasm.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ephemeralDir, expectError, expectMsgIds, expectReply, INIT, INIT_OK, NodeProcess, replyLine, req, reqUtf8, rng, runBatch, shuffle } from "./harness.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wasm-lsm-protocol-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const get = (id: number, key: string) => req("c1", id, "memtable_get", { key });
const lookup = (id: number, sstable: string, key: string) => req("c1", id, "sstable_lookup", { sstable, key });
const flush = (id: number, fields: Record<string, unknown> = {}) => req("c1", id, "sstable_flush", fields);

describe("ephemeral by default", () => {
  test("a fresh temp dir per run: first flush L0_001.sst, the dir logged on stderr and gone after exit", async () => {
    const a = NodeProcess.start();
    const b = NodeProcess.start();
    const [dirA, dirB] = [await ephemeralDir(a), await ephemeralDir(b)];
    expect(dirA).not.toBe(dirB);
    expect(a.stderr).toMatch(/^wasm-lsm: ephemeral store in .+ \(wasm kernels, 0 tables\)$/m);
    for (const [node, dir] of [[a, dirA], [b, dirB]] as const) {
      expect(existsSync(dir)).toBe(true);
      const replies = await node.requestAll([INIT, req("c1", 2, "memtable_put", { key: "k", value: "v" }), flush(3)]);
      expect(replies[0]).toBe(INIT_OK);
      const f = expectReply(replies[2]!, "sstable_flush_ok", 3);
      expect(f.body).toMatchObject({ sstable_file: "L0_001.sst", entries: 1 });
      expect(statSync(join(dir, "L0_001.sst")).size).toBe(f.body.size_bytes);
    }
    for (const [node, dir] of [[a, dirA], [b, dirB]] as const) {
      expect((await node.end()).code).toBe(0);
      expect(existsSync(dir), `${dir} removed at exit`).toBe(false);
    }
  });

  test("SIGTERM closes the store at once: exit 143, the temp dir removed", async () => {
    const node = NodeProcess.start();
    expect(await node.request(INIT)).toBe(INIT_OK);
    const dir = await ephemeralDir(node);
    node.kill("SIGTERM");
    const exit = await node.waitExit();
    expect(exit.code).toBe(143);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("--data-dir: durable", () => {
  test("writes survive a restart: the MemTable from the log, tables from the manifest; an empty flush is an empty table", async () => {
    const dir = tempDir();
    // run 1: three writes flushed to L0_001, then two more left in the log
    const run1 = await runBatch(
      ["--data-dir", dir],
      [
        INIT,
        req("c1", 2, "memtable_put", { key: "a", value: "1 é" }),
        req("c1", 3, "memtable_put", { key: "b", value: "2 😀" }),
        reqUtf8("c1", 4, "memtable_put", { key: "c 日本", value: "3 日本" }),
        flush(5),
        req("c1", 6, "memtable_put", { key: "d", value: "4" }),
        req("c1", 7, "memtable_put", { key: "a", value: "5" }),
      ],
    );
    expect(run1.code).toBe(0);
    expect(run1.stderr).toContain(`durable store in ${dir} (wasm kernels, 0 tables)`);
    expect(run1.lines).toHaveLength(7);
    const f1 = expectReply(run1.lines[4]!, "sstable_flush_ok", 5);
    expect(f1.body).toMatchObject({ sstable_file: "L0_001.sst", entries: 3 });
    expect(statSync(join(dir, "L0_001.sst")).size).toBe(f1.body.size_bytes);
    expect(existsSync(join(dir, "LOCK")), "the lock is released at exit").toBe(false);

    // run 2: recovered
    const node2 = NodeProcess.start(["--data-dir", dir]);
    const r2 = await node2.requestAll([
      INIT,
      get(2, "a"),
      get(3, "d"),
      get(4, "b"), // flushed: not in the MemTable any more
      lookup(5, "L0_001.sst", "a"),
      lookup(6, "L0_001.sst", "b"),
      lookup(7, "L0_001.sst", "c 日本"),
      lookup(8, "L0_001.sst", "d"),
      req("c1", 9, "memtable_scan", { start: "", end: "zz" }),
      flush(10),
    ]);
    expect(node2.stderr).toContain(`durable store in ${dir} (wasm kernels, 1 tables)`);
    expect(node2.stderr).toMatch(/recovery: replayed 2 writes/);
    expect(r2.slice(1, 9)).toEqual([
      replyLine("c1", 2, "memtable_get_ok", { value: "5", source: "memtable" }, 1),
      replyLine("c1", 3, "memtable_get_ok", { value: "4", source: "memtable" }, 2),
      replyLine("c1", 4, "memtable_get_ok", { value: null, source: "memtable" }, 3),
      replyLine("c1", 5, "sstable_lookup_ok", { found: true, value: "1 é", bloom_checked: true, disk_reads: 2 }, 4),
      replyLine("c1", 6, "sstable_lookup_ok", { found: true, value: "2 😀", bloom_checked: true, disk_reads: 0 }, 5),
      replyLine("c1", 7, "sstable_lookup_ok", { found: true, value: "3 日本", bloom_checked: true, disk_reads: 0 }, 6),
      replyLine("c1", 8, "sstable_lookup_ok", { found: false, value: null, bloom_checked: true, disk_reads: 0 }, 7),
      replyLine("c1", 9, "memtable_scan_ok", { entries: [{ key: "a", value: "5" }, { key: "d", value: "4" }] }, 8),
    ]);
    const f2 = expectReply(r2[9]!, "sstable_flush_ok", 10);
    expect(f2.body).toMatchObject({ sstable_file: "L0_002.sst", entries: 2 });
    expect((await node2.end()).code).toBe(0);

    // run 3: an empty MemTable in a durable store: an empty table, never the reference workload
    const run3 = await runBatch(["--data-dir", dir], [INIT, flush(2), flush(3, { memtable_size_bytes: 4194304 }), lookup(4, "L0_003.sst", "a"), lookup(5, "L0_002.sst", "a"), lookup(6, "L0_001.sst", "b"), lookup(7, "L0_004.sst", "user:42")]);
    expect(run3.code).toBe(0);
    expect(run3.stderr).toContain("(wasm kernels, 2 tables)");
    expect(run3.stderr).not.toMatch(/reference workload/);
    const empty = expectReply(run3.lines[1]!, "sstable_flush_ok", 2);
    expect(empty.body).toMatchObject({ sstable_file: "L0_003.sst", entries: 0, bloom_filter_bits: 512 });
    expect(statSync(join(dir, "L0_003.sst")).size).toBe(empty.body.size_bytes);
    expect(expectReply(run3.lines[2]!, "sstable_flush_ok", 3).body).toMatchObject({ sstable_file: "L0_004.sst", entries: 0, bloom_filter_bits: 512 });
    expect(run3.lines.slice(3)).toEqual([
      replyLine("c1", 4, "sstable_lookup_ok", { found: false, value: null, bloom_checked: true, disk_reads: 1 }, 3),
      replyLine("c1", 5, "sstable_lookup_ok", { found: true, value: "5", bloom_checked: true, disk_reads: 2 }, 4),
      replyLine("c1", 6, "sstable_lookup_ok", { found: true, value: "2 😀", bloom_checked: true, disk_reads: 2 }, 5),
      replyLine("c1", 7, "sstable_lookup_ok", { found: false, value: null, bloom_checked: true, disk_reads: 1 }, 6),
    ]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".sst")).sort()).toEqual(["L0_001.sst", "L0_002.sst", "L0_003.sst", "L0_004.sst"]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("a second live node on the same dir is refused; after kill -9 the stale lock is taken over and acknowledged writes are there", async () => {
    const dir = tempDir();
    const first = NodeProcess.start(["--data-dir", dir]);
    expect(await first.request(INIT)).toBe(INIT_OK);
    expect(await first.request(req("c1", 2, "memtable_put", { key: "acked", value: "yes" }))).toBe(replyLine("c1", 2, "memtable_put_ok", {}, 1));

    const second = await runBatch(["--data-dir", dir], [INIT]);
    expect(second.code).toBe(1);
    expect(second.stdout.length).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`cannot open the store: .*in use by another wasm-lsm node \\(pid ${first.pid}\\)`));
    // the first is unaffected
    expect(await first.request(get(3, "acked"))).toBe(replyLine("c1", 3, "memtable_get_ok", { value: "yes", source: "memtable" }, 2));

    first.kill("SIGKILL");
    expect((await first.waitExit()).signal).toBe("SIGKILL");
    expect(readFileSync(join(dir, "LOCK"), "utf8").split("\n")[0]).toBe(`pid ${first.pid}`); // left behind

    const third = await runBatch(["--data-dir", dir], [INIT, get(2, "acked")]);
    expect(third.code).toBe(0);
    expect(third.lines).toEqual([INIT_OK, replyLine("c1", 2, "memtable_get_ok", { value: "yes", source: "memtable" }, 1)]);
  });
});

describe("failures of the store's files (PROTOCOL.md section 4: 1000 and 13)", () => {
  test("a corrupt table gets error 1000 naming the file and the offset; the node stays up", async () => {
    const dir = tempDir();
    const setup = await runBatch(["--data-dir", dir], [INIT, req("c1", 2, "memtable_put", { key: "k1", value: "v1" }), flush(3), req("c1", 4, "memtable_put", { key: "k2", value: "v2" }), flush(5)]);
    expect(setup.code).toBe(0);
    // L0_001: one byte of its data block; L0_002: its footer's magic number
    const t1 = join(dir, "L0_001.sst");
    const b1 = readFileSync(t1);
    b1[10]! ^= 0xff;
    writeFileSync(t1, b1);
    const t2 = join(dir, "L0_002.sst");
    const b2 = readFileSync(t2);
    b2[b2.length - 3]! ^= 0xff;
    writeFileSync(t2, b2);
    const run = await runBatch(["--data-dir", dir], [INIT, lookup(2, "L0_001.sst", "k1"), lookup(3, "L0_002.sst", "k2"), req("c1", 4, "memtable_put", { key: "k3", value: "v3" }), get(5, "k3")]);
    expect(run.code).toBe(0);
    expect(expectError(run.lines[1]!, 2, 1000)).toMatch(new RegExp(`${t1.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.* offset 0\\b`));
    expect(expectError(run.lines[2]!, 3, 1000)).toMatch(new RegExp(`${t2.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.* offset \\d+`));
    expect(run.lines.slice(3)).toEqual([replyLine("c1", 4, "memtable_put_ok", {}, 3), replyLine("c1", 5, "memtable_get_ok", { value: "v3", source: "memtable" }, 4)]);
  });

  test("a table file removed under a running node: error 13, the stack on stderr, and the node goes on", async () => {
    const node = NodeProcess.start();
    const dir = await ephemeralDir(node);
    expect(await node.requestAll([INIT, req("c1", 2, "memtable_put", { key: "k", value: "v" }), flush(3)])).toHaveLength(3);
    rmSync(join(dir, "L0_001.sst"));
    const [crash, after] = await node.requestAll([lookup(4, "L0_001.sst", "k"), req("c1", 5, "memtable_put", { key: "k", value: "w" })]);
    expect(expectError(crash!, 4, 13)).toMatch(/ENOENT/);
    expect(after).toBe(replyLine("c1", 5, "memtable_put_ok", {}, 4));
    await node.waitForStderr(/line 4: sstable_lookup crashed; error 13: Error: ENOENT[^\n]*\n\s+at /);
    expect((await node.end()).code).toBe(0);
  });
});

describe("--kernels js gives the same replies as wasm", () => {
  /** A mixed workload: puts (non-ASCII, overwrites), gets, scans, flushes, lookups, errors. */
  function workload(): string[] {
    const random = rng(4242);
    const lines = [INIT];
    let id = 2;
    const keys = Array.from({ length: 1500 }, (_, i) => `${["k", "é", "日本", "😀", "\uffff"][i % 5]}${i * 7919 % 1500}`);
    const written: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const key = keys[Math.floor(random() * keys.length)]!;
      written.push(key);
      lines.push(reqUtf8("c1", id++, "memtable_put", { key, value: `v${i} ${"é😀x".repeat(i % 9)}` }));
    }
    for (const key of keys.slice(0, 300)) lines.push(get(id++, key));
    lines.push(req("c1", id++, "memtable_scan", { start: "k", end: "\u{10ffff}" }));
    lines.push(flush(id++));
    for (const key of shuffle([...keys], random)) lines.push(lookup(id++, "L0_001.sst", key));
    lines.push(req("c1", id++, "memtable_put", { key: "", value: "x" }), req("c1", id++, "nope"), lookup(id++, "L0_009.sst", "k1"));
    for (const key of written.slice(0, 500)) lines.push(req("c1", id++, "memtable_put", { key, value: "second" }));
    lines.push(flush(id++), flush(id++));
    for (const key of keys.slice(0, 200)) lines.push(lookup(id++, "L0_002.sst", key), lookup(id++, "L0_003.sst", key));
    return lines;
  }

  test("durable: byte-identical stdout and byte-identical files in two --data-dirs", async () => {
    const input = workload();
    const [wasmDir, jsDir] = [tempDir(), tempDir()];
    const [wasm, js] = await Promise.all([runBatch(["--data-dir", wasmDir, "--kernels", "wasm"], input), runBatch(["--data-dir", jsDir, "--kernels", "js"], input)]);
    expect(wasm.code).toBe(0);
    expect(js.code).toBe(0);
    expect(js.stderr).toContain("(js kernels, 0 tables)");
    expect(wasm.lines).toHaveLength(input.length);
    expectMsgIds(wasm.lines);
    expect(js.stdout.equals(wasm.stdout), "stdout differs between --kernels js and wasm").toBe(true);
    const files = readdirSync(wasmDir).sort();
    expect(readdirSync(jsDir).sort()).toEqual(files);
    expect(files.filter((f) => f.endsWith(".sst"))).toEqual(["L0_001.sst", "L0_002.sst", "L0_003.sst"]);
    for (const f of files) expect(readFileSync(join(jsDir, f)).equals(readFileSync(join(wasmDir, f))), `${f} differs`).toBe(true);
  });

  test("ephemeral: the reference workload's flush and lookups print the same bytes", async () => {
    const input = [INIT, flush(2, { memtable_size_bytes: 1 << 20 }), ...Array.from({ length: 200 }, (_, i) => lookup(3 + i, "L0_001.sst", `user:${i * 61}`))];
    const [wasm, js] = await Promise.all([runBatch([], input), runBatch(["--kernels", "js"], input)]);
    expect(wasm.code).toBe(0);
    expect(js.code).toBe(0);
    expect(wasm.lines).toHaveLength(input.length);
    expect(js.stdout.equals(wasm.stdout)).toBe(true);
  });
});
