// Compatibility after compaction (issue 8): the tables the LSM tree writes when it compacts
// (src/lsm/compaction-job.ts) are still tables RocksDB's sst_dump and LevelDB's own reader
// (leveldb::Table through test/compat/leveldb_read.cc) accept, entry for entry; and tables LevelDB
// itself wrote (test/compat/leveldb_manifest.cc "create"), handed to a store as its level-0
// inputs, compact into tables that read back the same live keys and values LevelDB's reader read
// from the inputs (the newest version of each user key; a deletion hides it).
//
// sst_dump exits 0 even on a checksum mismatch, so its output is grepped for errors
// (ARCHITECTURE.md "Durability"; test/compat/sst-dump.test.ts has the negative control).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { NodeRandomAccessFile } from "../../src/io/node-file.js";
import { loadKernels } from "../../src/kernels/node.js";
import { ManifestWriter, readManifest, snapshotEdit, type ManifestState } from "../../src/lsm/manifest-log.js";
import { readStoreManifest } from "../../src/lsm/manifest.js";
import { Store } from "../../src/lsm/store.js";
import { NUM_LEVELS } from "../../src/lsm/version-edit.js";
import { parseInternalKey, ValueKind } from "../../src/sstable/format.js";
import { Table } from "../../src/sstable/reader.js";
import { rng } from "../support/random.js";
import { expectSameLines, hex } from "./tables.js";
import { buildLevelDbProgram, findProgram, type LevelDbProgram, missing, PACKAGES, run } from "./tools.js";

const kernels = loadKernels("wasm");
const SST_DUMP = findProgram(["sst_dump", "rocksdb_sst_dump"]);
const READ_SOURCE = fileURLToPath(new URL("./leveldb_read.cc", import.meta.url));
const MANIFEST_SOURCE = fileURLToPath(new URL("./leveldb_manifest.cc", import.meta.url));
const TABLE = /^L(\d+)_(\d+)\.sst$/;
const SHAPE = { l0Trigger: 2, levelBaseBytes: 64 * 1024, tableBytes: 16 * 1024 };
const utf8 = new TextEncoder();

let work = "";
let reader: LevelDbProgram = { ok: false, why: "not built" };
let maker: LevelDbProgram = { ok: false, why: "not built" };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "wasm-lsm-compaction-compat-"));
  mkdirSync(join(work, "bin"));
  reader = buildLevelDbProgram(join(work, "bin"), READ_SOURCE, "#include <leveldb/table.h>\n#include <leveldb/env.h>\nint main() { return leveldb::Env::Default() == nullptr; }\n");
  if (reader.ok) maker = buildLevelDbProgram(join(work, "bin"), MANIFEST_SOURCE, "#include <leveldb/db.h>\nint main() { leveldb::Options o; return o.create_if_missing; }\n");
  else maker = reader;
}, 180_000);

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

type Skip = (note?: string) => never;

function needTools(skip: Skip): { sstDump: string; leveldbRead: string } {
  if (SST_DUMP === null) missing(skip, `sst_dump is not on PATH (Debian package ${PACKAGES.sst_dump})`);
  if (!reader.ok) missing(skip, reader.why);
  return { sstDump: SST_DUMP, leveldbRead: reader.exe };
}

/** Every entry of a table as our reader iterates it: "entry <internal key> <value>", in hex. */
function ourEntries(path: string): string[] {
  const table = Table.open(new NodeRandomAccessFile(path), { kernels });
  try {
    const out: string[] = [];
    const it = table.iterator();
    for (let e = it.first(); e !== null; e = it.next()) out.push(`entry ${hex(e.key)} ${hex(e.value)}`);
    return out;
  } finally {
    table.close();
  }
}

/** LevelDB's reading of a table (leveldb_read.cc): its "entry" lines, checksums verified. */
function leveldbEntries(exe: string, path: string): string[] {
  const r = run(exe, [path]);
  expect(r.stderr, `leveldb_read ${path}`).toBe("");
  expect(r.status, `leveldb_read ${path}`).toBe(0);
  const lines = r.stdout.split("\n").filter((l) => l !== "");
  const entries = lines.filter((l) => l.startsWith("entry ")).map((l) => l.trimEnd());
  expect(lines.at(-1)).toBe(`count ${entries.length}`);
  return entries;
}

/** sst_dump's checksum verification of one table, its output grepped (it exits 0 on a mismatch). */
function expectSstDumpVerifies(exe: string, path: string): void {
  const r = run(exe, [`--file=${path}`, "--command=verify", "--verify_checksum"]);
  expect(r.output, `sst_dump verify ${path}`).not.toMatch(/corruption|mismatch|error|not able to|failed/i);
  expect(r.output, `sst_dump verify ${path}`).toContain("The file is ok");
  expect(r.status, `sst_dump verify ${path}`).toBe(0);
}

/** Checks every table file in `dir` with both tools; returns how many entries LevelDB read in all. */
function checkEveryTable(tools: { sstDump: string; leveldbRead: string }, dir: string, label: string): number {
  let entries = 0;
  const names = readdirSync(dir).filter((f) => TABLE.test(f));
  expect(names.length, `${label}: tables`).toBeGreaterThan(0);
  for (const name of names) {
    const path = join(dir, name);
    expectSstDumpVerifies(tools.sstDump, path);
    const theirs = leveldbEntries(tools.leveldbRead, path);
    expectSameLines(theirs, ourEntries(path).map((l) => l.trimEnd()), `${label}: LevelDB's reading of ${name} against ours`);
    entries += theirs.length;
  }
  return entries;
}

const levelsHolding = (store: Store) => store.levelInfo().filter((l) => l.tables > 0).map((l) => l.level);

/** Every live key and value the store's iterator yields, as "kv <key> <value>" in hex. */
function storeContents(store: Store): string[] {
  const out: string[] = [];
  for (const e of store.iterator()) out.push(`kv ${hex(e.key)} ${hex(e.value)}`);
  return out;
}

const modelContents = (model: Map<string, Uint8Array>): string[] =>
  [...model.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a, "hex"), Buffer.from(b, "hex"))).map(([k, v]) => `kv ${k} ${hex(v)}`);

describe("tables written by compaction", () => {
  test("every table of a store that compacted down to level 2 and deeper passes sst_dump verify and LevelDB's Table reader", async ({ skip }) => {
    const tools = needTools(skip);
    const dir = join(work, "store");
    const midway = join(work, "store-midway");
    mkdirSync(midway);
    const store = Store.open({ kernels, dir, memtableBytes: 24 * 1024, levels: SHAPE });
    const model = new Map<string, Uint8Array>();
    const next = rng(0xc0c0a);
    const KEYS = 12_000;
    let puts = 0;
    let deletes = 0;
    try {
      // batches of 100 (one log record each): tens of thousands of writes, overwrites and deletes
      for (let b = 0; b < 400; b++) {
        const ops: Parameters<Store["write"]>[0][number][] = [];
        for (let i = 0; i < 100; i++) {
          const key = utf8.encode(`k${String(Math.floor(next() * KEYS)).padStart(6, "0")}`);
          if (next() < 0.08) {
            ops.push({ type: "del", key });
            model.delete(hex(key));
            deletes++;
          } else {
            const value = utf8.encode(`v${b}.${i}:${"xyz0123456789"[b % 13].repeat(Math.floor(next() * 200))}`);
            ops.push({ type: "put", key, value });
            model.set(hex(key), value);
            puts++;
          }
        }
        await store.write(ops);
      }
      await store.waitForIdle();
      // the tables background compaction left (L0 flushes, L1+ outputs), checked as they are now
      for (const f of readdirSync(dir).filter((n) => TABLE.test(n))) copyFileSync(join(dir, f), join(midway, f));
      await store.compactRange();
      await store.waitForIdle();
      expect(Math.max(...levelsHolding(store))).toBeGreaterThanOrEqual(2);
      expect(store.compactionStatus().totalCompactions).toBeGreaterThan(3);
      expectSameLines(storeContents(store), modelContents(model), "the store's contents against the model");
    } finally {
      await store.close();
    }
    expect(puts).toBeGreaterThan(30_000);
    expect(deletes).toBeGreaterThan(2000);
    // only the manifest's tables are left, each at the level its name says
    const manifest = readStoreManifest(dir)!;
    expect(readdirSync(dir).filter((f) => TABLE.test(f)).sort()).toEqual(manifest.tables.map((t) => t.name).sort());
    expect(manifest.tables.some((t) => t.level >= 2)).toBe(true);
    const midwayEntries = checkEveryTable(tools, midway, "before compactRange");
    const finalEntries = checkEveryTable(tools, dir, "after compactRange");
    expect(midwayEntries).toBeGreaterThan(0);
    // a full compaction keeps one version of each live key: the model's keys
    expect(finalEntries).toBe(model.size);
  }, 180_000);
});

/** LevelDB's database, made once by leveldb_manifest.cc, and what LevelDB's reader read from each of its tables. */
interface LevelDbInputs {
  readonly dir: string;
  readonly state: ManifestState;
  /** The "kv" lines LevelDB's own DB iterator printed: its live keys and values. */
  readonly kv: string[];
}

let leveldbInputs: LevelDbInputs | null = null;

function makeLevelDbInputs(skip: Skip): LevelDbInputs {
  if (!maker.ok) missing(skip, maker.why);
  if (leveldbInputs !== null) return leveldbInputs;
  const dir = join(work, "leveldb");
  const r = run(maker.exe, ["create", dir], { timeoutMs: 120_000 });
  expect(r.status, r.output.slice(0, 2000)).toBe(0);
  const current = readFileSync(join(dir, "CURRENT"), "utf8").trim();
  const { state } = readManifest(kernels, new Uint8Array(readFileSync(join(dir, current))), current);
  leveldbInputs = { dir, state, kv: r.stdout.split("\n").filter((l) => l.startsWith("kv ")) };
  return leveldbInputs;
}

const ldbName = (n: number) => `${String(n).padStart(6, "0")}.ldb`;

/**
 * The newest version of each user key over every entry LevelDB's reader read from the tables; a
 * deletion hides the key. As "kv <user key> <value>" lines in user-key order.
 */
function newestPerKey(entries: readonly string[]): string[] {
  const newest = new Map<string, { sequence: number; kind: number; value: string }>();
  for (const line of entries) {
    const [, keyHex, valueHex = ""] = line.split(" ");
    const k = parseInternalKey(new Uint8Array(Buffer.from(keyHex, "hex")))!;
    const user = hex(k.userKey);
    const seen = newest.get(user);
    if (seen === undefined || seen.sequence < k.sequence) newest.set(user, { sequence: k.sequence, kind: k.kind, value: valueHex });
  }
  return [...newest.entries()]
    .filter(([, e]) => e.kind === ValueKind.VALUE)
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a, "hex"), Buffer.from(b, "hex")))
    .map(([k, e]) => `kv ${k} ${e.value}`.trimEnd());
}

describe("tables compacted from LevelDB-written inputs", () => {
  test("LevelDB's tables as a store's level 0 compact into tables that read back the newest version of every key", async ({ skip }) => {
    const tools = needTools(skip);
    const inputs = makeLevelDbInputs(skip);
    const theirs = inputs.state.levels.map((tables, level) => tables.map((t) => ({ ...t, level })));
    const all = theirs.flat();
    expect(new Set(all.map((t) => t.level)).size).toBeGreaterThan(1); // overlapping versions across LevelDB's levels
    // What LevelDB's Table reader reads from the inputs, and the live keys that makes
    const inputEntries = all.flatMap((t) => leveldbEntries(tools.leveldbRead, join(inputs.dir, ldbName(t.number))));
    const want = newestPerKey(inputEntries);
    expect(want.length).toBeGreaterThan(20_000);
    expect(want).toEqual(inputs.kv.map((l) => l.trimEnd())); // the same as LevelDB's own DB iterator

    // A store directory holding them all at level 0: deeper LevelDB levels are older, so they get
    // the lower numbers (level 0 is read newest, highest number, first: src/lsm/version.ts).
    const dir = join(work, "from-leveldb");
    mkdirSync(dir);
    const ordered = [...all].sort((a, b) => b.level - a.level || a.number - b.number);
    const level0 = ordered.map((t, i) => {
      const number = 2 + i; // 1 is the manifest's
      copyFileSync(join(inputs.dir, ldbName(t.number)), join(dir, `L0_${String(number).padStart(3, "0")}.sst`));
      return { number, fileSize: t.fileSize, smallest: t.smallest, largest: t.largest };
    });
    const state: ManifestState = {
      comparator: "leveldb.BytewiseComparator",
      logNumber: 0,
      prevLogNumber: 0,
      nextFileNumber: 2 + level0.length,
      lastSequence: inputs.state.lastSequence,
      levels: Array.from({ length: NUM_LEVELS }, (_, l) => (l === 0 ? level0 : [])),
      compactPointers: new Array<Uint8Array | null>(NUM_LEVELS).fill(null),
      deletedTables: [],
    };
    writeFileSync(join(dir, "MANIFEST-000001"), new ManifestWriter(kernels).frame(snapshotEdit(state)));
    writeFileSync(join(dir, "CURRENT"), "MANIFEST-000001\n");
    const inputNames = readdirSync(dir).filter((f) => TABLE.test(f)).sort();
    expect(inputNames.length).toBe(all.length);

    const store = Store.open({ kernels, dir, levels: SHAPE, backgroundCompaction: false });
    try {
      expect(store.levelInfo()[0].tables).toBe(all.length);
      // read before compaction: the merge over LevelDB's tables is already right
      expectSameLines(storeContents(store), want, "the store over LevelDB's tables, before compaction");
      await store.compactRange();
      const info = store.levelInfo();
      expect(info[0].tables).toBe(0);
      expect(info.slice(1).reduce((n, l) => n + l.tables, 0)).toBeGreaterThan(1);
      expectSameLines(storeContents(store), want, "the store after compacting LevelDB's tables");
    } finally {
      await store.close();
    }
    // every input is gone; the outputs are ours and readable by both tools, one entry per live key
    const outputs = readdirSync(dir).filter((f) => TABLE.test(f));
    expect(outputs.filter((f) => inputNames.includes(f))).toEqual([]);
    expect(checkEveryTable(tools, dir, "compacted from LevelDB's tables")).toBe(want.length);
    // the negative control of the sst_dump check: one byte flipped inside an output's first data block
    const bad = join(work, "flipped.sst");
    const bytes = new Uint8Array(readFileSync(join(dir, outputs[0])));
    bytes[40] ^= 0x5a;
    writeFileSync(bad, bytes);
    const flipped = run(tools.sstDump, [`--file=${bad}`, "--command=verify", "--verify_checksum"]);
    expect(flipped.output).toMatch(/corruption: block checksum mismatch/i);
    expect(flipped.output).not.toContain("The file is ok");
    // and a reopened store reads the same
    const reopened = Store.open({ kernels, dir, levels: SHAPE, backgroundCompaction: false });
    try {
      expectSameLines(storeContents(reopened), want, "the reopened store");
    } finally {
      await reopened.close();
    }
  }, 180_000);
});

describe("compactRange over a store whose tables are all on level 0", () => {
  // LevelDB's DBImpl::CompactRange (db/db_impl.cc) compacts levels 0 .. max(1, deepest level with
  // files overlapping the range) - 1, so level 0 always goes down to level 1 (it once looped to the
  // deepest level only, 0 here, and compacted nothing).
  test("moves every table off level 0", async () => {
    const dir = join(work, "l0-only");
    const store = Store.open({ kernels, dir, memtableBytes: 8 * 1024, levels: SHAPE, backgroundCompaction: false });
    try {
      for (let b = 0; b < 3; b++) {
        await store.write(Array.from({ length: 200 }, (_, i) => ({ type: "put" as const, key: utf8.encode(`k${String(i).padStart(4, "0")}`), value: utf8.encode(`v${b}.${i}`) })));
        await store.flush();
      }
      expect(store.levelInfo()[0].tables).toBe(3);
      await store.compactRange();
      expect(store.levelInfo()[0].tables).toBe(0);
      expect(store.levelInfo()[1].tables).toBeGreaterThan(0);
      expect(store.get(utf8.encode("k0007"))).toEqual(utf8.encode("v2.7"));
    } finally {
      await store.close();
    }
  });
});
