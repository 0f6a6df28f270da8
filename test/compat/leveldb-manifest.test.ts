// Our MANIFEST codec (src/lsm/version-edit.ts, src/lsm/manifest-log.ts) against LevelDB itself
// (Debian libleveldb-dev) through test/compat/leveldb_manifest.cc, compiled here with g++:
// (1) LevelDB makes a database (flushes, compactions, tables on L0, L1 and L2) and our reader
//     replays its MANIFEST into exactly the version LevelDB reports (the "leveldb.sstables"
//     property: numbers, sizes, key ranges, sequence numbers), with the sizes of the files on disk;
// (2) a directory we write (those tables renamed to new numbers, our MANIFEST, CURRENT) opens in
//     leveldb::DB::Open with paranoid checks, and LevelDB reads back every key and value.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadKernels } from "../../src/kernels/node.js";
import { ManifestWriter, readManifest, snapshotEdit, type ManifestState } from "../../src/lsm/manifest-log.js";
import { emptyEdit, type VersionEdit } from "../../src/lsm/version-edit.js";
import { internalKey, parseInternalKey, ValueKind } from "../../src/sstable/format.js";
import { buildLevelDbProgram, type LevelDbProgram, missing, run, type RunResult } from "./tools.js";

const SOURCE = fileURLToPath(new URL("./leveldb_manifest.cc", import.meta.url));
const kernels = loadKernels("wasm");

let tool: LevelDbProgram = { ok: false, why: "not built" };
let dir = "";
let created: RunResult | null = null;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wasm-lsm-leveldb-manifest-"));
  tool = buildLevelDbProgram(dir, SOURCE, "#include <leveldb/db.h>\nint main() { leveldb::Options o; return o.create_if_missing; }\n");
  if (!tool.ok) return;
  const { exe } = tool;
  created = run(exe, ["create", join(dir, "leveldb")], { timeoutMs: 60_000 });
  if (created.status !== 0) throw new Error(`leveldb_manifest create failed:\n${created.output}`);
}, 120_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

function need(skip: (note?: string) => never): { exe: string; output: Dump } {
  if (!tool.ok || created === null) return missing(skip, tool.ok ? "leveldb_manifest did not run" : tool.why);
  return { exe: tool.exe, output: parseDump(created.stdout) };
}

interface Dump {
  readonly writes: number | null;
  readonly sstables: string;
  readonly kv: string[];
  readonly count: number;
}

function parseDump(stdout: string): Dump {
  const lines = stdout.split("\n");
  const begin = lines.indexOf("sstables-begin"), end = lines.indexOf("sstables-end");
  expect(begin, stdout.slice(0, 2000)).toBeGreaterThanOrEqual(0);
  const writes = lines.find((l) => l.startsWith("writes "));
  const count = lines.find((l) => l.startsWith("count "));
  return {
    writes: writes === undefined ? null : Number(writes.slice(7)),
    sstables: lines.slice(begin + 1, end).join("\n") + "\n",
    kv: lines.filter((l) => l.startsWith("kv ")),
    count: Number(count?.slice(6)),
  };
}

/** The version as LevelDB's Version::DebugString prints it (db/version_set.cc, db/dbformat.cc). */
function debugString(state: ManifestState): string {
  let out = "";
  state.levels.forEach((tables, level) => {
    out += `--- level ${level} ---\n`;
    for (const t of tables) out += ` ${t.number}:${t.fileSize}[${keyString(t.smallest)} .. ${keyString(t.largest)}]\n`;
  });
  return out;
}

function keyString(key: Uint8Array): string {
  const k = parseInternalKey(key);
  if (k === null) throw new Error("a table key shorter than its trailer");
  // LevelDB's EscapeString: printable ASCII as it is, any other byte as \xNN.
  const user = [...k.userKey].map((b) => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join("");
  return `'${user}' @ ${k.sequence} : ${k.kind}`;
}

const fileName = (n: number, ext: string) => `${String(n).padStart(6, "0")}.${ext}`;

function leveldbManifest(db: string): { name: string; bytes: Uint8Array } {
  const current = readFileSync(join(db, "CURRENT"), "utf8");
  expect(current).toMatch(/^MANIFEST-\d{6}\n$/);
  const name = current.trim();
  return { name, bytes: new Uint8Array(readFileSync(join(db, name))) };
}

describe("LevelDB's MANIFEST, read by ours", () => {
  test("replays into the version LevelDB reports: tables per level, sizes, key ranges, sequences", ({ skip }) => {
    const { output } = need(skip);
    const db = join(dir, "leveldb");
    const { name, bytes } = leveldbManifest(db);
    const { state, tornTail, edits } = readManifest(kernels, bytes, name);
    expect(tornTail).toBeNull();
    expect(edits).toBeGreaterThan(3);
    expect(debugString(state)).toBe(output.sstables);
    // The shape leveldb_manifest.cc aims for, so the comparison above covers several levels.
    expect(state.levels.slice(0, 3).map((l) => l.length > 0)).toEqual([true, true, true]);
    expect(state.levels[2].length).toBeGreaterThan(1);
    expect(state.comparator).toBe("leveldb.BytewiseComparator");
    expect(state.lastSequence).toBe(output.writes);
    expect(state.compactPointers.some((p) => p !== null)).toBe(true);
    // The files on disk: every live table with its size, the live log, nothing numbered past nextFileNumber.
    const files = readdirSync(db);
    for (const t of state.levels.flat()) expect(statSync(join(db, fileName(t.number, "ldb"))).size).toBe(t.fileSize);
    expect(files).toContain(fileName(state.logNumber, "log"));
    const numbers = files.flatMap((f) => /^(\d+)\.(ldb|log)$|^MANIFEST-(\d+)$/.exec(f) ?? []).filter((s) => /^\d+$/.test(s)).map(Number);
    expect(Math.max(...numbers)).toBeLessThan(state.nextFileNumber);
  });
});

describe("our MANIFEST, opened by LevelDB", () => {
  test("LevelDB opens a directory we wrote (tables renumbered, our edits) and reads back every key", ({ skip }) => {
    const { exe, output } = need(skip);
    const source = join(dir, "leveldb");
    const { name, bytes } = leveldbManifest(source);
    const theirs = readManifest(kernels, bytes, name).state;

    // The same tables under new numbers: LevelDB finds them only through our MANIFEST.
    const ours = join(dir, "ours");
    mkdirSync(ours);
    const renumber = (n: number) => n + 1000;
    for (const t of theirs.levels.flat()) copyFileSync(join(source, fileName(t.number, "ldb")), join(ours, fileName(renumber(t.number), "ldb")));
    const maxTable = Math.max(...theirs.levels.flat().map((t) => renumber(t.number)));
    const manifestNumber = maxTable + 1;
    const state: ManifestState = {
      ...theirs,
      logNumber: manifestNumber + 2, // no such log: there is nothing to replay
      prevLogNumber: 0,
      nextFileNumber: manifestNumber + 3,
      levels: theirs.levels.map((l) => l.map((t) => ({ ...t, number: renumber(t.number) }))),
    };
    // Several edits, as a store's history would have: the numbers, the tables level by level, and
    // a table added and then deleted (never on disk: LevelDB must not look for it).
    const snapshot = snapshotEdit(state);
    const ghost = { level: 4, number: manifestNumber + 1, fileSize: 123, smallest: internalKey(new TextEncoder().encode("a"), 1, ValueKind.VALUE), largest: internalKey(new TextEncoder().encode("b"), 1, ValueKind.VALUE) };
    const history: VersionEdit[] = [
      { ...snapshot, newFiles: [] },
      ...state.levels.map((_, level) => ({ ...emptyEdit(), newFiles: snapshot.newFiles.filter((f) => f.level === level) })),
      { ...emptyEdit(), newFiles: [ghost] },
      { ...emptyEdit(), deletedFiles: [{ level: 4, number: ghost.number }] },
    ];
    const writer = new ManifestWriter(kernels);
    const manifestName = `MANIFEST-${String(manifestNumber).padStart(6, "0")}`;
    writeFileSync(join(ours, manifestName), Buffer.concat(history.map((e) => writer.frame(e))));
    writeFileSync(join(ours, "CURRENT"), `${manifestName}\n`);
    // Our reader agrees with what we meant to write.
    expect(readManifest(kernels, new Uint8Array(readFileSync(join(ours, manifestName))), manifestName).state).toEqual({ ...state, deletedTables: [ghost.number] }); // the ghost: added, then deleted

    const r = run(exe, ["read", ours], { timeoutMs: 60_000 });
    expect(r.status, r.output.slice(0, 2000)).toBe(0);
    const read = parseDump(r.stdout);
    expect(read.sstables).toBe(debugString(state));
    expect(read.count).toBe(output.count);
    expect(read.count).toBeGreaterThan(20_000);
    expect(read.kv).toEqual(output.kv);
  });
});
