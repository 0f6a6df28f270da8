// The LevelDB directory reader (src/lsm/leveldb-directory.ts) against directories the real
// LevelDB wrote (classic-level): the committed fixture test/fixtures/leveldb-dir/ (written by
// scripts/make-leveldb-dir-fixture.mjs) and a fresh one written here by the same script. Every
// read goes through an Env whose writing calls throw, so "read only" is checked on every test.
import { cpSync, readdirSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { describe, expect, test } from "vitest";
import { MemoryEnv } from "../../src/io/memory-env.js";
import { nodeEnv } from "../../src/io/node-env.js";
import type { Env } from "../../src/lsm/env.js";
import { NotLevelDbDirectoryError, openLevelDbDirectory, type LevelDbDirectory } from "../../src/lsm/leveldb-directory.js";
import type { Kernels } from "../../src/kernels/types.js";
import { CorruptionError, UnsupportedError } from "../../src/sstable/errors.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { Table } from "../../src/sstable/reader.js";
// @ts-expect-error: a plain .mjs script, without types
import { writeLevelDbDirectory } from "../../scripts/make-leveldb-dir-fixture.mjs";
import { bothPaths, hex, js, utf8 } from "../kernels/kernels.js";
import { tempDirs } from "../support/temp-dirs.js";

const FIXTURE = join(import.meta.dirname, "../fixtures/leveldb-dir");
const FIXTURE_DB = join(FIXTURE, "db");
const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as {
  files: string[];
  sstables: string;
  probes: Record<string, string | { key: string; value: string }>;
  entries: [string, string][];
};
const tmp = tempDirs("leveldb-dir");
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/** An Env that reads `inner` and throws on every call that would change a file or a directory. */
function readOnly(inner: Env): Env & { reads: number } {
  const refuse = (what: string) => () => {
    throw new Error(`the reader called env.${what}`);
  };
  const env = {
    reads: 0,
    list: (dir: string) => inner.list(dir),
    size: (path: string) => inner.size(path),
    readFile: (path: string) => (env.reads++, inner.readFile(path)),
    openRead: (path: string) => (env.reads++, inner.openRead(path)),
    create: refuse("create"),
    reopen: refuse("reopen"),
    rename: refuse("rename"),
    remove: refuse("remove"),
    mkdir: refuse("mkdir"),
    syncDir: refuse("syncDir"),
  };
  return env;
}

/** The fixture's files in a MemoryEnv under "db", for tests that damage a copy. */
function fixtureInMemory(): MemoryEnv {
  const env = new MemoryEnv();
  env.mkdir("db");
  for (const name of readdirSync(FIXTURE_DB)) {
    const f = env.create(`db/${name}`);
    f.append(readFileSync(join(FIXTURE_DB, name)));
    f.close();
  }
  return env;
}

function withDirectory<T>(env: Env, dir: string, kernels: Kernels, use: (db: LevelDbDirectory) => T): T {
  const db = openLevelDbDirectory(readOnly(env), dir, { kernels });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

const entriesHex = (db: LevelDbDirectory) => [...db.entries()].map((e) => [hex(e.key), hex(e.value)]);

/** LevelDB's "leveldb.sstables" text: per level, each table's number, size and user-key range. */
function parseSstables(text: string): { level: number; number: number; size: number; smallest: string; largest: string }[] {
  const out = [];
  let level = -1;
  for (const line of text.split("\n")) {
    const heading = /^--- level (\d+) ---$/.exec(line);
    if (heading !== null) level = Number(heading[1]);
    const t = /^ (\d+):(\d+)\['(.*)' @ \d+ : \d \.\. '(.*)' @ \d+ : \d\]$/.exec(line);
    if (t !== null) out.push({ level, number: Number(t[1]), size: Number(t[2]), smallest: t[3], largest: t[4] });
  }
  return out;
}

describe.each(bothPaths)("the committed fixture, %s kernels", (_, kernels) => {
  test("the live entries are exactly classic-level's, in key order", () => {
    const got = withDirectory(nodeEnv, FIXTURE_DB, kernels, entriesHex);
    expect(got.length).toBe(427);
    expect(got).toEqual(expected.entries);
  });

  test("reverse and bounded ranges give the same entries", () => {
    withDirectory(nodeEnv, FIXTURE_DB, kernels, (db) => {
      expect([...db.entries({ reverse: true })].map((e) => hex(e.key))).toEqual(expected.entries.map((e) => e[0]).reverse());
      const inRange = expected.entries.filter(([k]) => k >= hex(utf8("key0100")) && k < hex(utf8("key0200")));
      expect([...db.entries({ gte: utf8("key0100"), lt: utf8("key0200") })].map((e) => [hex(e.key), hex(e.value)])).toEqual(inRange);
    });
  });

  test("the levels are the manifest's, as LevelDB itself reported them", () => {
    withDirectory(nodeEnv, FIXTURE_DB, kernels, (db) => {
      expect(db.manifest).toBe("MANIFEST-000006");
      expect(db.comparator).toBe("leveldb.BytewiseComparator");
      expect(db.levels.map((l) => l.level)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const tables = db.levels.flatMap((l) => l.tables.map((t) => ({ level: l.level, number: t.number, size: t.size, smallest: text(t.smallest), largest: text(t.largest) })));
      expect(tables).toEqual(parseSstables(expected.sstables));
      expect(tables.map((t) => [t.level, t.number])).toEqual([[0, 7], [2, 5]]);
      expect(db.levels[0].tables[0].name).toBe("000007.ldb");
    });
  });

  test("the live log is replayed: its writes, and the newest sequence", () => {
    withDirectory(nodeEnv, FIXTURE_DB, kernels, (db) => {
      // session 1: 400 puts (1..400), then a batch of 155 (401..555, flushed to table 7 on reopen);
      // session 2: 36 puts, a batch of 7, one put: 44 writes in 38 records (556..599)
      expect(db.logs).toEqual([{ number: 8, name: "000008.log", size: 2715, batches: 38, writes: 44, tornTail: null }]);
      expect(db.lastSequence).toBe(599);
      expect(db.logNumber).toBe(8);
    });
  });

  test("get: found in the log, in each table, deleted in each, absent; and what it read", () => {
    withDirectory(nodeEnv, FIXTURE_DB, kernels, (db) => {
      const p = expected.probes as Record<string, { key: string; value: string }> & Record<string, string>;
      const r = (key: string) => {
        const g = db.get(utf8(key));
        return { found: g.found, value: text(g.value), deleted: g.deleted, foundIn: g.foundIn, tablesRead: g.tablesRead };
      };
      expect(r(p.inLog.key)).toEqual({ found: true, value: p.inLog.value, deleted: false, foundIn: "log", tablesRead: 0 });
      expect(r(p.inLevel0Table.key)).toEqual({ found: true, value: p.inLevel0Table.value, deleted: false, foundIn: "L0 000007.ldb", tablesRead: 1 });
      // level 0's range holds the key, so its table is asked first
      expect(r(p.inDeepTable.key)).toEqual({ found: true, value: p.inDeepTable.value, deleted: false, foundIn: "L2 000005.ldb", tablesRead: 2 });
      expect(r(p.deletedInLog)).toEqual({ found: false, value: null, deleted: true, foundIn: "log", tablesRead: 0 });
      expect(r(p.deletedInLevel0Table)).toEqual({ found: false, value: null, deleted: true, foundIn: "L0 000007.ldb", tablesRead: 1 });
      expect(r("key0100x")).toEqual({ found: false, value: null, deleted: false, foundIn: null, tablesRead: 2 });
      expect(r(p.missing)).toEqual({ found: false, value: null, deleted: false, foundIn: null, tablesRead: 0 });
      expect(r(p.lastInLog).found).toBe(true);
      // LevelDB's filter blocks (filter.leveldb.BuiltinBloomFilter2) are not read: no filter is asked
      expect(db.get(utf8("key0100x")).filtersChecked).toBe(0);
      for (const [k, v] of expected.entries) expect(hex(db.get(Buffer.from(k, "hex")).value!)).toBe(v);
    });
  });
});

describe("read only", () => {
  test("reading the fixture on disk leaves its names and bytes as they were, and takes no lock", () => {
    const before = new Map(readdirSync(FIXTURE_DB).map((n) => [n, readFileSync(join(FIXTURE_DB, n))]));
    expect([...before.keys()].sort()).toEqual(expected.files);
    const env = readOnly(nodeEnv);
    const db = openLevelDbDirectory(env, FIXTURE_DB, { kernels: js });
    [...db.entries()];
    db.get(utf8("key0001"));
    db.close();
    expect(env.reads).toBeGreaterThan(0);
    const after = new Map(readdirSync(FIXTURE_DB).map((n) => [n, readFileSync(join(FIXTURE_DB, n))]));
    expect(after).toEqual(before);
  });

  test("a directory classic-level holds open is read all the same, and stays usable to it", async () => {
    const dir = join(tmp(), "db");
    cpSync(FIXTURE_DB, dir, { recursive: true });
    const level = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
    await level.open();
    try {
      const seen = withDirectory(nodeEnv, dir, js, entriesHex);
      expect(seen).toEqual(expected.entries);
      await level.put(Buffer.from("after"), Buffer.from("read"));
      expect((await level.get(Buffer.from("after")))?.toString()).toBe("read");
    } finally {
      await level.close();
    }
  });
});

test("a fresh directory written by classic-level: the same entries as its iterator, the same table, log and manifest bytes as the fixture", async () => {
  const dir = join(tmp(), "db");
  const fresh = await writeLevelDbDirectory(dir);
  expect(fresh.entries).toEqual(expected.entries);
  for (const [, kernels] of bothPaths) expect(withDirectory(nodeEnv, dir, kernels, entriesHex)).toEqual(fresh.entries);
  // LOG and LOG.old hold times; everything else LevelDB writes the same way every time
  for (const name of expected.files.filter((n) => !n.startsWith("LOG"))) expect(hex(readFileSync(join(dir, name))), name).toBe(hex(readFileSync(join(FIXTURE_DB, name))));
});

describe.each(bothPaths)("damage, %s kernels", (_, kernels) => {
  test("a flipped byte in a data block: get and a scan throw CorruptionError naming the table and the block", () => {
    const env = fixtureInMemory();
    const bytes = env.readFile("db/000005.ldb");
    bytes[100] ^= 0x40;
    env.create("db/000005.ldb").append(bytes);
    withDirectory(env, "db", kernels, (db) => {
      // key0001 sits in the first data block of table 5 (offset 0) and nowhere newer
      expect(() => db.get(utf8("key0001"))).toThrow(CorruptionError);
      try {
        [...db.entries()];
        expect.unreachable("a scan over the damaged block");
      } catch (err) {
        expect(err).toBeInstanceOf(CorruptionError);
        expect((err as CorruptionError).file).toBe("db/000005.ldb");
        expect((err as CorruptionError).offset).toBe(0);
        expect((err as CorruptionError).check).toMatch(/crc32c mismatch/);
      }
      // the log and the level-0 table are intact: their keys still read
      expect(text(db.get(utf8((expected.probes.inLog as { key: string }).key)).value)).toBe((expected.probes.inLog as { value: string }).value);
    });
  });

  test("a flipped byte anywhere in either table never gives a wrong value: the right entries, or CorruptionError naming the table", () => {
    for (const name of ["000005.ldb", "000007.ldb"]) {
      const original = fixtureInMemory().readFile(`db/${name}`);
      // a flip there may go unseen: LevelDB's filter block, which is never read, and the footer's padding
      const file = new MemoryFile(name);
      file.append(original);
      const table = Table.open(file, { kernels });
      const filter = table.metaindex.get("filter.leveldb.BuiltinBloomFilter2")!;
      table.close();
      const unread = (at: number) => (at >= filter.offset && at < filter.offset + filter.size + 5) || at >= original.length - 48;
      for (let at = 3; at < original.length; at += 97) {
        const env = fixtureInMemory();
        const bytes = original.slice();
        bytes[at] ^= 0x01;
        env.create(`db/${name}`).append(bytes);
        let got: string[][] | null = null;
        try {
          got = withDirectory(env, "db", kernels, entriesHex);
        } catch (err) {
          expect(err, `${name} byte ${at}`).toBeInstanceOf(CorruptionError);
          expect((err as CorruptionError).file).toBe(`db/${name}`);
          continue;
        }
        expect(unread(at), `${name} byte ${at} flipped unnoticed`).toBe(true);
        expect(got, `${name} byte ${at}`).toEqual(expected.entries);
      }
    }
  });

  test("a torn log tail is dropped, as LevelDB drops it: classic-level sees the same entries", async () => {
    const env = fixtureInMemory();
    const log = env.readFile("db/000008.log");
    env.create("db/000008.log").append(log.subarray(0, log.length - 5)); // inside the last record, "~tail"'s
    const withoutTail = expected.entries.filter(([k]) => k !== hex(utf8("~tail")));
    withDirectory(env, "db", kernels, (db) => {
      expect(entriesHex(db)).toEqual(withoutTail);
      expect(db.logs[0].tornTail).toMatchObject({ offset: expect.any(Number), length: log.length - 5 - db.logs[0].tornTail!.offset });
      expect(db.logs[0].writes).toBe(43);
      expect(db.lastSequence).toBe(598);
      expect(db.get(utf8("~tail")).found).toBe(false);
    });
    // LevelDB's own reading of the same cut log
    const dir = join(tmp(), "db");
    cpSync(FIXTURE_DB, dir, { recursive: true });
    truncateSync(join(dir, "000008.log"), log.length - 5);
    const level = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
    await level.open({ createIfMissing: false });
    const leveldbSees: string[][] = [];
    for await (const [k, v] of level.iterator()) leveldbSees.push([k.toString("hex"), v.toString("hex")]);
    await level.close();
    expect(leveldbSees).toEqual(withoutTail);
  });

  test("a damaged log record before the end is a CorruptionError naming the log and the record's offset", () => {
    const env = fixtureInMemory();
    const log = env.readFile("db/000008.log");
    log[10] ^= 0xff; // inside the first record's data
    env.create("db/000008.log").append(log);
    const err = errorOf(() => withDirectory(env, "db", kernels, () => null));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err).toMatchObject({ file: "db/000008.log", offset: 0 });
  });

  test("a damaged MANIFEST is a CorruptionError naming it", () => {
    const env = fixtureInMemory();
    const m = env.readFile("db/MANIFEST-000006");
    m[20] ^= 0x10;
    env.create("db/MANIFEST-000006").append(m);
    expect(errorOf(() => withDirectory(env, "db", kernels, () => null))).toMatchObject({ name: "CorruptionError", file: "db/MANIFEST-000006" });
  });
});

describe("what is not a readable LevelDB directory", () => {
  test("no CURRENT, or no directory: NotLevelDbDirectoryError", () => {
    const env = fixtureInMemory();
    env.remove("db/CURRENT");
    expect(errorOf(() => openLevelDbDirectory(env, "db", { kernels: js }))).toBeInstanceOf(NotLevelDbDirectoryError);
    expect(errorOf(() => openLevelDbDirectory(env, "nowhere", { kernels: js })).message).toBe("nowhere is not a LevelDB database directory: no such directory");
  });

  test("CURRENT naming a missing manifest, a table the manifest names missing, or of another size: CorruptionError naming the file", () => {
    const noManifest = fixtureInMemory();
    noManifest.remove("db/MANIFEST-000006");
    expect(errorOf(() => openLevelDbDirectory(noManifest, "db", { kernels: js }))).toMatchObject({ file: "db/MANIFEST-000006", check: "CURRENT names MANIFEST-000006, which is missing" });
    const noTable = fixtureInMemory();
    noTable.remove("db/000005.ldb");
    expect(errorOf(() => openLevelDbDirectory(noTable, "db", { kernels: js }))).toMatchObject({ file: "db/000005.ldb", check: "the manifest names table 5 of level 2, but the directory has no 000005.ldb or 000005.sst" });
    const cut = fixtureInMemory();
    cut.create("db/000007.ldb").append(fixtureInMemory().readFile("db/000007.ldb").subarray(1));
    expect(errorOf(() => openLevelDbDirectory(cut, "db", { kernels: js }))).toMatchObject({ file: "db/000007.ldb", check: "the manifest records 2780 bytes for table 7, the file has 2779" });
  });

  test("a table under LevelDB's older name, NNNNNN.sst, is read as LevelDB reads it", () => {
    const env = fixtureInMemory();
    env.rename("db/000005.ldb", "db/000005.sst");
    withDirectory(env, "db", js, (db) => {
      expect(db.levels[2].tables[0].name).toBe("000005.sst");
      expect(entriesHex(db)).toEqual(expected.entries);
    });
  });

  test("a RocksDB directory (IDENTITY, OPTIONS-NNNNNN) is refused with UnsupportedError", () => {
    const env = fixtureInMemory();
    env.create("db/OPTIONS-000009").append(utf8("[Version]\n"));
    env.create("db/IDENTITY").append(utf8("4b0b4d3e\n"));
    const err = errorOf(() => openLevelDbDirectory(env, "db", { kernels: js }));
    expect(err).toBeInstanceOf(UnsupportedError);
    expect(err.message).toMatch(/RocksDB database directory \(it holds OPTIONS-000009, IDENTITY\)/);
  });

  test("tables stay open between reads, up to maxOpenTables; past it they are closed and opened again", () => {
    const opens = (maxOpenTables: number | undefined) => {
      let n = 0;
      const env = { ...readOnly(nodeEnv), openRead: (path: string) => (n++, nodeEnv.openRead(path)) };
      const db = openLevelDbDirectory(env, FIXTURE_DB, { kernels: js, maxOpenTables });
      for (let round = 0; round < 3; round++) {
        expect(entriesHex(db)).toEqual(expected.entries);
        expect(text(db.get(utf8("key0001")).value)).toBe((expected.probes.inDeepTable as { value: string }).value);
      }
      db.close();
      return n;
    };
    expect(opens(undefined)).toBe(2);
    // each round: the scan opens both tables, and so does the get (level 0's range holds key0001)
    expect(opens(0)).toBe(12);
  });

  test("reads after close() throw", () => {
    const db = openLevelDbDirectory(nodeEnv, FIXTURE_DB, { kernels: js });
    db.close();
    expect(() => db.get(utf8("key0001"))).toThrow(/after close/);
  });
});

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}
