// Our tables read by LevelDB's own reader (leveldb::Table, Debian libleveldb-dev) through
// test/compat/leveldb_read.cc, compiled here with g++: checksums verified on every block, every
// entry (full internal key and value) in order, and Seek. LevelDB has no properties block or
// filter of ours to understand: it must read the data and index blocks and the footer as they are.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { internalKey, lookupKey, ValueKind } from "../../src/sstable/format.js";
import { compareInternal, expectSameLines, hex, readBytes, writeTables, type Entry, type Tables } from "./tables.js";
import { buildLevelDbProgram, type LevelDbProgram, missing, run } from "./tools.js";

const SOURCE = fileURLToPath(new URL("./leveldb_read.cc", import.meta.url));
let reader: LevelDbProgram = { ok: false, why: "not built" };
let dir = "";
let tables: Tables;
let cleanupTables = () => {};

beforeAll(() => {
  ({ tables, cleanup: cleanupTables } = writeTables(["A", "C", "D"]));
  dir = mkdtempSync(join(tmpdir(), "wasm-lsm-leveldb-read-"));
  reader = buildLevelDbProgram(dir, SOURCE, "#include <leveldb/table.h>\n#include <leveldb/env.h>\nint main() { return leveldb::Env::Default() == nullptr; }\n");
}, 90_000);

afterAll(() => {
  cleanupTables();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

function leveldbRead(skip: (note?: string) => never, file: string, seeks: readonly Uint8Array[] = []) {
  if (!reader.ok) missing(skip, reader.why);
  return run(reader.exe, [file, ...seeks.map(hex)]);
}

/** The first entry at or after `target` in internal-key order, as leveldb_read prints a seek. */
function expectedSeek(entries: readonly Entry[], target: Uint8Array): string {
  const e = entries.find((x) => compareInternal(x.key, target) >= 0);
  return `seek ${hex(target)} ${e === undefined ? "END" : `${hex(e.key)} ${hex(e.value)}`}`;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Seek targets for a table: edges, every kind of hit, and misses between keys. */
function seekTargets(entries: readonly Entry[]): Uint8Array[] {
  const targets = [lookupKey(new Uint8Array(0)), lookupKey(utf8("zzzz")), lookupKey(utf8("apple")), lookupKey(utf8("b"))];
  const n = entries.length;
  for (const i of n === 0 ? [] : [0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 1]) {
    if (i >= n) continue;
    const e = entries[i];
    targets.push(lookupKey(e.userKey)); // the newest entry of that user key
    targets.push(e.key); // exactly that entry
    // The same user key with the largest trailer at this sequence: just before this entry.
    const before = e.key.slice();
    before[before.length - 8] = 0xff;
    targets.push(before);
    // The same user key one sequence lower: just past this entry, onto the next one.
    if (e.sequence > 0) targets.push(internalKey(e.userKey, e.sequence - 1, ValueKind.VALUE));
    // A user key that sorts just after this one (an absent key): onto the next user key.
    targets.push(lookupKey(new Uint8Array([...e.userKey, 0x00])));
  }
  return targets;
}

describe("LevelDB's Table reader (leveldb_read.cc)", () => {
  test.for(["A", "C", "D"] as const)("%s: every entry in order, checksums verified, and Seek", (name, { skip }) => {
    const t = tables[name];
    const seeks = seekTargets(t.entries);
    const r = leveldbRead(skip, t.path, seeks);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n").filter((l) => l !== "");
    const want = [
      ...t.entries.map((e) => `entry ${hex(e.key)} ${hex(e.value)}`),
      ...seeks.map((s) => expectedSeek(t.entries, s)),
      `count ${t.entries.length}`,
    ];
    // leveldb_read prints "entry K " (a trailing space) for an empty value.
    expectSameLines(lines.map((l) => l.trimEnd()), want.map((l) => l.trimEnd()), `LevelDB's reading of ${name}`);
  });

  test("a copy of A with one byte flipped inside a data block: LevelDB reports the checksum mismatch", ({ skip }) => {
    const a = tables.A;
    const bytes = readBytes(a.path);
    const offset = Math.floor(a.summary.stats.dataSize / 2);
    bytes[offset] ^= 0x5a;
    const bad = join(dir, "A-flipped.sst");
    writeFileSync(bad, bytes);
    const r = leveldbRead(skip, bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Corruption: block checksum mismatch/);
  });
});
