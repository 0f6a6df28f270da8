// A durable directory that lost its MANIFEST (issue 7 item 1), through the built CLI: the node
// must refuse to start and touch nothing; `wasm-lsm repair DIR` rebuilds the manifest from the
// tables and the log present; the next start finds every acknowledged key (sstable_lookup in the
// tables it lists, memtable_get). A damaged table goes to lost/ and the rest is kept. And (item 7)
// stray files whose names are not exactly the store's are ignored, not replayed or deleted.

import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { NodeRandomAccessFile } from "../../src/io/node-file.js";
import { loadKernels } from "../../src/kernels/node.js";
import { acquireLock } from "../../src/lsm/lock.js";
import { readStoreManifest } from "../../src/lsm/manifest.js";
import { Table } from "../../src/sstable/reader.js";
import { assertBuilt, runCli } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";
import { History, restart, rng, stderrTail, verifyRecovered } from "./harness.js";

const freshDir = tempDirs("wasm-lsm-repair");
const r = rng(20_261_201);
const hist = new History();
const INIT = `${JSON.stringify({ src: "c0", dest: "n1", body: { type: "init", msg_id: 1, node_id: "n1", node_ids: ["n1"] } })}\n`;
const TABLES = ["L0_001.sst", "L0_002.sst", "L0_003.sst"];
let base = ""; // three tables of 2,000 acknowledged puts each, 400 more in the log; stopped cleanly

/** The request lines that make the base directory, and what each put wrote, by msg_id. */
function baseInput(): { input: string; puts: Map<number, { key: string; version: number }> } {
  const lines = [INIT];
  const puts = new Map<number, { key: string; version: number }>();
  const request = (body: Record<string, unknown>) => lines.push(`${JSON.stringify({ src: "c0", dest: "n1", body: { ...body, msg_id: lines.length + 1 } })}\n`);
  const putMany = (n: number) => {
    for (let i = 0; i < n; i++) {
      const put = hist.nextPut(r, 0);
      puts.set(lines.length + 1, put);
      request({ type: "memtable_put", key: put.key, value: put.value });
    }
  };
  for (let t = 0; t < TABLES.length; t++) {
    putMany(2000);
    request({ type: "sstable_flush" });
  }
  putMany(400);
  return { input: lines.join(""), puts };
}

beforeAll(async () => {
  assertBuilt();
  base = freshDir();
  // one pipelined run of the built node: requests run in order, so each flush covers the puts before it
  const { input, puts } = baseInput();
  const run = await runCli(["--data-dir", base], input);
  expect(run.code, run.stderr).toBe(0);
  const flushed: string[] = [];
  for (const line of run.stdout.trimEnd().split("\n")) {
    const body = (JSON.parse(line) as { body: { type: string; in_reply_to: number; sstable_file?: string } }).body;
    const put = puts.get(body.in_reply_to);
    if (put !== undefined && body.type === "memtable_put_ok") hist.ack(put.key, put.version);
    if (body.type === "sstable_flush_ok") flushed.push(body.sstable_file!);
  }
  expect(flushed).toEqual(TABLES);
  expect(hist.acked.size).toBe(6400);
}, 120_000);

/** A copy of the base directory, without its manifest (CURRENT and the MANIFEST-NNNNNN it names). */
function withoutManifest(): string {
  const dir = freshDir();
  cpSync(base, dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f === "CURRENT" || f.startsWith("MANIFEST")) rmSync(join(dir, f));
  return dir;
}

/** name -> SHA-256 of every file in dir (a digest: deep equality of megabytes is slow). */
function snapshot(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((f) => [f, sha256(readFileSync(join(dir, f)))]));
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const stderrLines = (text: string) => text.split("\n").filter((l) => l !== "");

/** The user keys of one table. */
function keysOf(path: string): Set<string> {
  const table = Table.open(new NodeRandomAccessFile(path), { kernels: loadKernels("js") });
  const keys = new Set<string>();
  const it = table.iterator();
  for (let e = it.first(); e !== null; e = it.next()) keys.add(new TextDecoder().decode(e.userKey));
  table.close();
  return keys;
}

/** The history without the keys in `drop`. */
function historyWithout(drop: Set<string>): History {
  const h = new History();
  for (const [key, version] of hist.acked) {
    if (drop.has(key)) continue;
    h.sent.set(key, hist.sent.get(key)!);
    h.acked.set(key, version);
  }
  return h;
}

describe("a directory without its MANIFEST", () => {
  test("the node refuses to start, with one line naming what it found and the repair command, and changes nothing", async () => {
    const dir = withoutManifest();
    const before = snapshot(dir);
    expect([...before.keys()].filter((f) => f.endsWith(".sst"))).toEqual(TABLES);
    const run = await runCli(["--data-dir", dir], INIT);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = stderrLines(run.stderr);
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`${dir} has no manifest (CURRENT and the MANIFEST-NNNNNN it names) but holds 3 tables or manifests (L0_001.sst, L0_002.sst, L0_003.sst) and 1 non-empty log`);
    expect(lines[0]).toContain(`run "wasm-lsm repair ${dir}"`);
    expect(lines[0]).not.toMatch(/fatal|\n\s+at /);
    expect(snapshot(dir)).toEqual(before); // every file there, byte for byte; no manifest, no LOCK left
  });

  test("repair rebuilds the manifest; the next start finds every acknowledged key", async () => {
    const dir = withoutManifest();
    const run = await runCli(["repair", dir]);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout.trimEnd().split("\n");
    for (const t of TABLES) expect(out.find((l) => l.startsWith(`${t}: kept`)), run.stdout).toMatch(/2000 entries/);
    expect(out.find((l) => l.startsWith("000")), run.stdout).toMatch(/^\d{6}\.log: 400 writes -> L0_004\.sst/);
    expect(out.at(-1)).toBe(`repaired ${dir}: 4 tables (3 kept, 1 from logs), 1 file moved to lost/, last sequence 6400; CURRENT and a new manifest written`);
    const m = readStoreManifest(dir)!;
    expect(m.tables.map((t) => t.name)).toEqual(["L0_001.sst", "L0_002.sst", "L0_003.sst", "L0_004.sst"]);
    expect(m.state.lastSequence).toBe(6400);
    expect(m.state.nextFileNumber).toBe(5);

    const rs = await restart(dir, ["--no-compaction"]); // the four tables stay as repair left them
    expect(rs.problems).toEqual([]);
    const v = await verifyRecovered(rs.node, hist, 0.02, r);
    expect(v.problems).toEqual([]);
    expect(v.recovered!.tableNames).toEqual([...TABLES, "L0_004.sst"]);
    // a new write goes on from the largest sequence: it flushes to the next table number
    expect(await rs.node.send({ type: "memtable_put", key: "after", value: "repair" })).toMatchObject({ type: "memtable_put_ok" });
    expect(await rs.node.send({ type: "sstable_flush" })).toMatchObject({ type: "sstable_flush_ok", sstable_file: "L0_005.sst" });
    expect((await rs.node.end()).code, stderrTail(rs.node.stderr)).toBe(0);
    expect(readStoreManifest(dir)!.state.lastSequence).toBe(6401);
  }, 60_000);

  test("repair moves a damaged table to lost/ and keeps the rest", async () => {
    const dir = withoutManifest();
    const damaged = join(dir, "L0_002.sst");
    const bytes = readFileSync(damaged);
    bytes[200] ^= 0x40; // inside the first data block: its checksum fails
    writeFileSync(damaged, bytes);
    const lostKeys = keysOf(join(base, "L0_002.sst"));
    expect(lostKeys.size).toBe(2000);

    const run = await runCli(["repair", dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^L0_002\.sst: moved to lost\/L0_002\.sst: corruption in .*L0_002\.sst at offset 0: data block crc32c mismatch/m);
    expect(sha256(readFileSync(join(dir, "lost", "L0_002.sst")))).toBe(sha256(bytes));
    expect(existsSync(damaged)).toBe(false);
    expect(readStoreManifest(dir)!.tables.map((t) => t.name)).toEqual(["L0_001.sst", "L0_003.sst", "L0_004.sst"]);

    const rs = await restart(dir, []);
    expect(rs.problems).toEqual([]);
    const v = await verifyRecovered(rs.node, historyWithout(lostKeys), 0.02, r);
    expect(v.problems).toEqual([]);
    expect(await rs.node.send({ type: "sstable_lookup", sstable: "L0_002.sst", key: [...lostKeys][0] })).toMatchObject({ type: "error" });
    expect((await rs.node.end()).code).toBe(0);
  }, 60_000);

  test("repair refuses a directory in use by a live node (exit 1) and bad usage (exit 2)", async () => {
    const dir = withoutManifest();
    const empty = freshDir();
    const release = acquireLock(dir); // this test process holds it, as a live node would
    const locked = await runCli(["repair", dir]);
    release();
    expect(locked.code).toBe(1);
    expect(stderrLines(locked.stderr)).toEqual([`wasm-lsm repair: ${dir} is in use by another wasm-lsm node (pid ${process.pid}); stop it first`]);
    expect(existsSync(join(dir, "CURRENT"))).toBe(false);
    const nothing = await runCli(["repair", empty]);
    expect([nothing.code, nothing.stderr.trim()]).toEqual([1, `wasm-lsm repair: ${empty} holds no wasm-lsm files (tables, logs or a manifest); nothing to repair`]);
    expect((await runCli(["repair"])).code).toBe(2);
    expect((await runCli(["repair", dir, "extra"])).code).toBe(2);
  });
});

describe("a directory with its MANIFEST", () => {
  test("a table it lists that is truncated or missing: one line naming the file, exit 1", async () => {
    const dir = freshDir();
    cpSync(base, dir, { recursive: true });
    const size = statSync(join(dir, "L0_002.sst")).size;
    truncateSync(join(dir, "L0_002.sst"), size - 10);
    const truncated = await runCli(["--data-dir", dir], INIT);
    expect(truncated.code).toBe(1);
    expect(stderrLines(truncated.stderr)).toEqual([
      `wasm-lsm: cannot open the store: corruption in ${join(dir, "L0_002.sst")} at offset ${size - 10}: the manifest records ${size} bytes, the file has ${size - 10}; run "wasm-lsm repair ${dir}" to rebuild the manifest from the files present`,
    ]);
    rmSync(join(dir, "L0_002.sst"));
    const missing = await runCli(["--data-dir", dir], INIT);
    expect(missing.code).toBe(1);
    expect(stderrLines(missing.stderr)).toEqual([
      `wasm-lsm: cannot open the store: corruption in ${join(dir, "L0_002.sst")} at offset 0: the manifest lists this table but the file is missing; run "wasm-lsm repair ${dir}" to rebuild the manifest from the files present`,
    ]);
  });

  test("stray files named 1.log, 2 copy.log, 99999999999999999.log, 0000001.log are ignored and kept", async () => {
    const dir = freshDir();
    cpSync(base, dir, { recursive: true });
    const strays = ["1.log", "2 copy.log", "99999999999999999.log", "0000001.log"];
    for (const f of strays) writeFileSync(join(dir, f), `not a store file: ${f}`);
    const rs = await restart(dir, []);
    expect(rs.problems).toEqual([]);
    const v = await verifyRecovered(rs.node, hist, 0.02, r);
    expect(v.problems).toEqual([]);
    expect(await rs.node.send({ type: "sstable_flush" })).toMatchObject({ type: "sstable_flush_ok", sstable_file: "L0_004.sst" });
    expect((await rs.node.end()).code).toBe(0);
    for (const f of strays) {
      expect(readFileSync(join(dir, f), "utf8")).toBe(`not a store file: ${f}`);
      expect(rs.node.stderr).toContain(`recovery: ignoring ${f}: not a name this store writes`);
    }
    // the node's own logs: exactly one canonical log left, numbered past the manifest's
    expect(readdirSync(dir).filter((f) => /^\d{6,}\.log$/.test(f) && !strays.includes(f))).toHaveLength(1);
  }, 60_000);
});
