// The crash windows of a flush (ARCHITECTURE.md "Durability"), made on purpose rather than hit by chance:
// each case is the directory a SIGKILL leaves at one step of the flush order
//
//   NAME.tmp written (part or all) -> renamed to NAME -> its edit appended to MANIFEST-000001
//   (part or all) -> covered logs deleted; and a new manifest begun whose CURRENT was not switched
//
// built from two real directories: S0, a node killed with writes in its log, and the same node's
// directory after it flushed those writes (its table and manifest). A node restarted on each
// must come up with every acknowledged write, no .tmp, and exactly the manifest's tables. Also: a
// log whose tail was torn (cut short, or zero-filled) is replayed up to the damage. The tables left
// pass `wasm-lsm sst check`.

import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, truncateSync, appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { CLI, drive, History, NodeProc, restart, rng, stderrTail, verifyRecovered } from "./harness.js";
import { tempDirs } from "../support/temp-dirs.js";
import { readStoreManifest } from "../../src/lsm/manifest.js";

const freshDir = tempDirs("wasm-lsm-crafted");
const MANIFEST = "MANIFEST-000001";

const ARGS = ["--memtable-bytes", String(4 * 1024 * 1024)]; // no background flush: the test flushes
const r = rng(20_260_101);
const hist = new History();
let s0 = ""; // killed with writes in its log; its manifest lists L0_001.sst
let flushedTable = new Uint8Array(0); // L0_002.sst as the node wrote it from those writes
let flushedManifest = new Uint8Array(0); // MANIFEST-000001 after that flush: S0's and the flush's edit
let s0Manifest = new Uint8Array(0); // MANIFEST-000001 of S0
let lastKey = ""; // the last write, alone at the end of the last log

async function putsAcked(node: NodeProc, n: number): Promise<void> {
  const d = await drive(node, hist, r, { window: 16, flushEvery: 0, overwrite: 0.3, plan: { kind: "none" }, maxMs: 20_000, maxPuts: n });
  expect(d.acks).toBe(n);
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build:ts\` first`);
  s0 = freshDir();
  const a = new NodeProc(s0, ARGS);
  expect(await a.init(), a.stderr).toBe(true);
  await putsAcked(a, 400);
  expect(await a.send({ type: "sstable_flush" })).toMatchObject({ type: "sstable_flush_ok", sstable_file: "L0_001.sst" });
  await putsAcked(a, 300);
  const last = hist.nextPut(r, 0); // a fresh key, so that losing this one write loses nothing else
  expect(await a.send({ type: "memtable_put", key: last.key, value: last.value })).toMatchObject({ type: "memtable_put_ok" });
  hist.ack(last.key, last.version);
  lastKey = last.key;
  a.kill();
  await a.exited;

  const b = freshDir();
  cpSync(s0, b, { recursive: true });
  const node = new NodeProc(b, ARGS);
  expect(await node.init(), node.stderr).toBe(true);
  expect(await node.send({ type: "sstable_flush" })).toMatchObject({ type: "sstable_flush_ok", sstable_file: "L0_002.sst" });
  expect((await node.end()).code).toBe(0);
  flushedTable = readFileSync(join(b, "L0_002.sst"));
  flushedManifest = readFileSync(join(b, MANIFEST));
  s0Manifest = readFileSync(join(s0, MANIFEST));
  expect(readFileSync(join(b, "CURRENT"), "utf8")).toBe(`${MANIFEST}\n`);
  expect(Buffer.from(flushedManifest.subarray(0, s0Manifest.length)).equals(s0Manifest)).toBe(true); // appended to
  expect(readStoreManifest(b)!.tables.map((t) => t.name)).toEqual(["L0_001.sst", "L0_002.sst"]);
});

const logsOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".log")).sort();

/** S0 with `craft` applied; restarted and checked; the tables it must list. */
async function check(craft: (dir: string) => void, expectTables: string[], h: History = hist): Promise<string[]> {
  const dir = freshDir();
  cpSync(s0, dir, { recursive: true });
  craft(dir);
  const logsBefore = logsOf(dir);
  const rs = await restart(dir, ARGS);
  expect(rs.problems, stderrTail(rs.node.stderr)).toEqual([]);
  const v = await verifyRecovered(rs.node, h, 1, r);
  expect(v.problems).toEqual([]);
  expect(v.recovered!.tableNames).toEqual(expectTables);
  expect((await rs.node.end()).code).toBe(0);
  expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  // the CLI's own check agrees that every table left is sound
  for (const t of readdirSync(dir).filter((f) => f.endsWith(".sst"))) {
    const run = spawnSync(process.execPath, [CLI, "sst", "check", join(dir, t)], { encoding: "utf8" });
    expect(run.status, `${t}: ${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^ok: \d+ entries/);
  }
  return logsBefore;
}

describe("a restart on the directory a kill leaves at each step of a flush", () => {
  test("S0 itself: the writes after the first table are replayed from the log", async () => {
    await check(() => {}, ["L0_001.sst"]);
  });

  test("killed while writing the table: half of L0_002.sst.tmp", async () => {
    await check((dir) => writeFileSync(join(dir, "L0_002.sst.tmp"), flushedTable.subarray(0, flushedTable.length >> 1)), ["L0_001.sst"]);
  });

  test("killed after the table was written and fsynced, before its rename: all of L0_002.sst.tmp", async () => {
    await check((dir) => writeFileSync(join(dir, "L0_002.sst.tmp"), flushedTable), ["L0_001.sst"]);
  });

  test("killed between the rename and the manifest: L0_002.sst that the manifest does not list", async () => {
    await check((dir) => writeFileSync(join(dir, "L0_002.sst"), flushedTable), ["L0_001.sst"]);
  });

  test("killed while appending the edit: L0_002.sst and half of its record (a torn tail)", async () => {
    await check((dir) => {
      writeFileSync(join(dir, "L0_002.sst"), flushedTable);
      writeFileSync(join(dir, MANIFEST), flushedManifest.subarray(0, (s0Manifest.length + flushedManifest.length) >> 1));
    }, ["L0_001.sst"]);
  });

  test("killed while beginning a new manifest: MANIFEST-000002 and CURRENT.tmp, CURRENT not yet switched", async () => {
    await check((dir) => {
      writeFileSync(join(dir, "L0_002.sst"), flushedTable);
      writeFileSync(join(dir, "MANIFEST-000002"), flushedManifest);
      writeFileSync(join(dir, "CURRENT.tmp"), "MANIFEST-000002\n");
    }, ["L0_001.sst"]);
  });

  test("killed after the manifest, before the covered logs were deleted: they are deleted at the restart", async () => {
    const dir = freshDir();
    cpSync(s0, dir, { recursive: true });
    writeFileSync(join(dir, "L0_002.sst"), flushedTable);
    writeFileSync(join(dir, MANIFEST), flushedManifest);
    const covered = logsOf(dir);
    expect(covered.length).toBeGreaterThan(0);
    const rs = await restart(dir, ARGS);
    expect(rs.problems).toEqual([]);
    const v = await verifyRecovered(rs.node, hist, 1, r);
    expect(v.problems).toEqual([]);
    expect(v.recovered!.tableNames).toEqual(["L0_001.sst", "L0_002.sst"]);
    expect(v.recovered!.memtable.size).toBe(0); // everything is in the tables, nothing replayed twice
    expect(logsOf(dir).filter((f) => covered.includes(f))).toEqual([]);
    expect((await rs.node.end()).code).toBe(0);
  });
});

describe("a restart on a log with a damaged tail", () => {
  /** The history without the last write: a torn tail may lose it (it stands for an unacknowledged one). */
  const withoutLast = () => {
    const h = Object.assign(Object.create(Object.getPrototypeOf(hist)) as History, hist);
    const acked = new Map(hist.acked);
    acked.delete(lastKey);
    Object.defineProperty(h, "acked", { value: acked });
    return h;
  };

  test("the last record cut short: replayed up to it", async () => {
    const h = withoutLast();
    await check((dir) => {
      const log = join(dir, logsOf(dir).at(-1)!);
      truncateSync(log, readFileSync(log).length - 5);
    }, ["L0_001.sst"], h);
  });

  test("zeros after the last record (a preallocated or half-synced tail): all replayed", async () => {
    await check((dir) => appendFileSync(join(dir, logsOf(dir).at(-1)!), new Uint8Array(3000)), ["L0_001.sst"]);
  });
});
