// Writes test/fixtures/leveldb-dir/: a small LevelDB database directory written by the real
// LevelDB (classic-level), and beside it leveldb-dir.json, its live key/values as classic-level's
// own iterator reads them. The directory reader (src/lsm/leveldb-directory.ts), `wasm-lsm db dump`
// and the browser inspector are tested against it.
//
//   node scripts/make-leveldb-dir-fixture.mjs [OUT_DIR]   (default: the committed fixture)
//
// Three sessions, so the directory holds every kind of file LevelDB leaves:
//   1. 400 keys, then compactRange over all of them: a compacted table in a level deeper than 0;
//      then overwrites and deletes, left in the log at close;
//   2. reopening replays that log into a level-0 table (LevelDB's RecoverLogFile), and starts a
//      new MANIFEST whose first records are the snapshot and that table's edit; then more
//      overwrites and deletes (of keys in both tables), a few non-UTF-8 keys and values, and a
//      last batch of its own ("~tail"), all left unflushed in the live .log at close.
//   3. the expected key/values are read from a copy, so the fixture itself is not reopened (an
//      open would flush its log).
// The tables, the log and the manifest are the same bytes on every run; LOG (LevelDB's info log)
// holds times and thread ids, so it differs. The expected JSON lists entries as hex, plus the
// levels LevelDB reported at the end of session 2 (its "leveldb.sstables" property) and keys
// to probe.

import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ClassicLevel } from "classic-level";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BUFFERS = { keyEncoding: "buffer", valueEncoding: "buffer" };
/** The smallest write buffer LevelDB takes (it clips smaller ones to 64 KiB): no flush by size here. */
const OPEN = { writeBufferSize: 64 * 1024 };

const key = (i) => Buffer.from(`key${String(i).padStart(4, "0")}`);
const value = (i, round) => Buffer.from(`value ${i} of round ${round} `.repeat(1 + (i % 3)));

/** Writes the LevelDB directory in `dir` (which must not exist yet) and returns its expected contents. */
export async function writeLevelDbDirectory(dir) {
  mkdirSync(dirname(dir), { recursive: true });
  await sessionOne(dir);
  const sstables = await sessionTwo(dir);
  return readExpected(dir, sstables);
}

async function sessionOne(dir) {
  const db = new ClassicLevel(dir, BUFFERS);
  await db.open(OPEN);
  await db.batch(Array.from({ length: 400 }, (_, i) => ({ type: "put", key: key(i), value: value(i, 1) })));
  await db.compactRange(key(0), key(399));
  const ops = [];
  for (let i = 0; i < 400; i += 7) ops.push({ type: "put", key: key(i), value: value(i, 2) });
  for (let i = 3; i < 400; i += 11) ops.push({ type: "del", key: key(i) });
  for (let i = 400; i < 460; i++) ops.push({ type: "put", key: key(i), value: value(i, 2) });
  await db.batch(ops);
  await db.close();
}

async function sessionTwo(dir) {
  const db = new ClassicLevel(dir, BUFFERS);
  await db.open(OPEN);
  for (let i = 0; i < 460; i += 13) await db.put(key(i), value(i, 3)); // one log record each
  await db.batch([
    { type: "del", key: key(5) }, // in the deeper table only
    { type: "del", key: key(410) }, // in the level-0 table only
    { type: "del", key: key(7) }, // overwritten in the level-0 table, first written in the deeper one
    { type: "put", key: key(3), value: value(3, 3) }, // deleted in the level-0 table: alive again
    { type: "del", key: Buffer.from("never-written") },
    { type: "put", key: Buffer.from([0xff, 0x00, 0x80]), value: Buffer.from([0xc3, 0x28, 0x00]) },
    { type: "put", key: Buffer.from("binary-value"), value: Buffer.from([0xfe, 0xff, 0x01]) },
  ]);
  await db.put(Buffer.from("~tail"), Buffer.from("the last record of the live log"));
  // LevelDB's own account of its levels: file number, size and key range of each table
  const sstables = db.getProperty("leveldb.sstables");
  await db.close();
  return sstables;
}

async function readExpected(dir, sstables) {
  const copy = mkdtempSync(join(tmpdir(), "leveldb-dir-expected-"));
  try {
    cpSync(dir, copy, { recursive: true });
    const db = new ClassicLevel(copy, BUFFERS);
    await db.open({ createIfMissing: false });
    const entries = [];
    for await (const [k, v] of db.iterator()) entries.push([k.toString("hex"), v.toString("hex")]);
    await db.close();
    return {
      about: "The live key/values of the LevelDB directory beside this file, as classic-level's iterator read them (hex), in key order. Written by scripts/make-leveldb-dir-fixture.mjs.",
      files: readdirSync(dir).sort(),
      sstables,
      probes: {
        inLog: { key: key(13).toString(), value: value(13, 3).toString() },
        inDeepTable: { key: key(1).toString(), value: value(1, 1).toString() },
        inLevel0Table: { key: key(420).toString(), value: value(420, 2).toString() },
        deletedInLog: key(5).toString(),
        deletedInLevel0Table: key(14).toString(),
        missing: "key9999",
        lastInLog: "~tail",
      },
      entries,
    };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** The JSON with one line per entry, so that a change to the fixture reads as a short diff. */
function formatExpected({ entries, ...rest }) {
  const head = JSON.stringify(rest, null, 1).slice(0, -2);
  return `${head},\n "entries": [\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(",\n")}\n ]\n}\n`;
}

async function main() {
  const out = resolve(process.argv[2] ?? join(root, "test/fixtures/leveldb-dir"));
  const dir = join(out, "db");
  rmSync(out, { recursive: true, force: true });
  const expected = await writeLevelDbDirectory(dir);
  writeFileSync(join(out, "expected.json"), formatExpected(expected));
  console.log(`wrote ${dir} (${expected.files.join(", ")}) and ${join(out, "expected.json")}: ${expected.entries.length} live entries`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
