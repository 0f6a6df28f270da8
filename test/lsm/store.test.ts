// The store through its public API: puts, MemTable reads, flushes to real files, recovery from the
// log and the manifest, leftovers of a crash, the lock.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Store } from "../../src/lsm/store.js";
import { LockedError } from "../../src/lsm/lock.js";
import { NodeRandomAccessFile } from "../../src/io/node-file.js";
import { numericProperty } from "../../src/sstable/properties.js";
import { Table } from "../../src/sstable/reader.js";
import { bothPaths, utf8 } from "../kernels/kernels.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-store-test");
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

describe.each(bothPaths)("store (%s kernels)", (_name, kernels) => {
  test("puts are read back from the MemTable, flushed to L0_001.sst, and found there", async () => {
    const store = Store.open({ kernels, dir: freshDir() });
    const keys = Array.from({ length: 3000 }, (_, i) => `k${(i * 7919) % 3000}`);
    for (const [i, k] of keys.entries()) await store.put(utf8(k), utf8(`v${i}`));
    await store.put(utf8("k5"), utf8("overwritten"));
    expect(text(store.getFromMemtable(utf8("k5")))).toBe("overwritten");
    expect(store.scanMemtable(utf8("k10"), utf8("k101")).map(([k]) => text(k))).toEqual(["k10", "k100", "k1000", "k1001", "k1002", "k1003", "k1004", "k1005", "k1006", "k1007", "k1008", "k1009", "k101"]);
    const r = await store.flush();
    expect(r).toMatchObject({ name: "L0_001.sst", entries: 3000 });
    expect(store.getFromMemtable(utf8("k5"))).toBeNull();
    const first = store.lookup("L0_001.sst", utf8("k5"))!;
    expect([first.found, text(first.value), first.bloomChecked, first.diskReads]).toEqual([true, "overwritten", true, 2]);
    expect(store.lookup("L0_001.sst", utf8("k5"))!.diskReads).toBe(0); // cached block
    expect(store.lookup("L0_001.sst", utf8("nope"))!.found).toBe(false);
    expect(store.lookup("L0_002.sst", utf8("k5"))).toBeNull();
    expect((await store.flush()).name).toBe("L0_002.sst"); // an empty MemTable: an empty table
    await store.close();
  });

  test("a durable store recovers its tables and its log after close and reopen", async () => {
    const dir = freshDir();
    let store = Store.open({ kernels, dir });
    await store.put(utf8("a"), utf8("1"));
    await store.flush();
    await store.put(utf8("b"), utf8("2"));
    await store.delete(utf8("a"));
    await store.close();
    store = Store.open({ kernels, dir });
    expect(store.tables().map((t) => t.name)).toEqual(["L0_001.sst"]);
    expect(text(store.getFromMemtable(utf8("b")))).toBe("2");
    expect(text(store.lookup("L0_001.sst", utf8("a"))!.value)).toBe("1");
    const r = await store.flush();
    expect(r.name).toBe("L0_002.sst");
    expect(store.lookup("L0_002.sst", utf8("a"))).toMatchObject({ found: false, deleted: true });
    await store.close();
    // the log the second table covers is gone; one fresh log remains
    expect(readdirSync(dir).filter((f) => f.endsWith(".log"))).toHaveLength(1);
  });

  test("background flush when the MemTable passes its threshold", async () => {
    const store = Store.open({ kernels, dir: freshDir(), memtableBytes: 64 * 1024, backgroundCompaction: false });
    for (let i = 0; i < 5000; i++) await store.put(utf8(`key${i}`), utf8("x".repeat(40)));
    await store.flush();
    const tables = store.tables();
    expect(tables.length).toBeGreaterThan(2);
    expect(tables.map((t) => t.name)).toEqual(tables.map((_, i) => `L0_${String(i + 1).padStart(3, "0")}.sst`));
    let entries = 0;
    for (const t of tables) {
      const table = Table.open(new NodeRandomAccessFile(join(store.dir, t.name)), { kernels });
      expect(table.openReads).toBe(1);
      entries += numericProperty(table.properties, "rocksdb.num.entries") ?? 0;
      table.close();
    }
    expect(entries).toBe(5000);
    await store.close();
  });

  test("pipelined durable puts across background flushes are all acknowledged and all kept", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir, memtableBytes: 16 * 1024 });
    const puts = Array.from({ length: 3000 }, (_, i) => store.put(utf8(`key${i}`), utf8(`value ${i}`)));
    await Promise.all(puts); // a log is retired at each freeze while its fsyncs are still running
    await store.close();
    const again = Store.open({ kernels, dir });
    await again.flush();
    for (let i = 0; i < 3000; i += 7) {
      const hits = again.tables().map((t) => again.lookup(t.name, utf8(`key${i}`))!).filter((r) => r.found);
      expect(hits.map((r) => text(r.value))).toEqual([`value ${i}`]);
    }
    await again.close();
  });

  test("recovery removes a leftover .tmp and a table the manifest never recorded", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    await store.put(utf8("a"), utf8("1"));
    await store.close();
    writeFileSync(join(dir, "L0_001.sst.tmp"), "half a table");
    writeFileSync(join(dir, "L0_007.sst"), "renamed but not in the manifest");
    const again = Store.open({ kernels, dir });
    expect(existsSync(join(dir, "L0_001.sst.tmp"))).toBe(false);
    expect(existsSync(join(dir, "L0_007.sst"))).toBe(false);
    expect(text(again.getFromMemtable(utf8("a")))).toBe("1");
    expect((await again.flush()).name).toBe("L0_001.sst");
    await again.close();
  });

  test("a second store on the same directory is refused while the first is open", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    expect(() => Store.open({ kernels, dir })).toThrow(LockedError);
    await store.close();
    Store.open({ kernels, dir }).close();
  });

  test("putSync writes at once where nothing waits for the disk, and does nothing where it would", async () => {
    const ephemeral = Store.open({ kernels });
    expect(ephemeral.putSync(utf8("a"), utf8("1"))).toBe(true);
    expect(text(ephemeral.getFromMemtable(utf8("a")))).toBe("1"); // visible on return
    expect((await ephemeral.flush()).entries).toBe(1);
    await ephemeral.close();
    const durable = Store.open({ kernels, dir: freshDir() });
    expect(durable.putSync(utf8("a"), utf8("1"))).toBe(false);
    expect(durable.getFromMemtable(utf8("a"))).toBeNull();
    expect((await durable.flush()).entries).toBe(0);
    await durable.close();
  });

  test("an ephemeral store lives in a temporary directory removed on close", async () => {
    const store = Store.open({ kernels });
    await store.put(utf8("a"), utf8("1"));
    const r = await store.flush();
    expect(existsSync(join(store.dir, r.name))).toBe(true);
    await store.close();
    expect(existsSync(store.dir)).toBe(false);
  });
});

describe.each(bothPaths)("versions pin tables (%s kernels)", (_name, kernels) => {
  test("a compaction's inputs stay on disk while an iterator made before it is open, and go when it closes", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir, backgroundCompaction: false });
    for (let t = 0; t < 3; t++) {
      await store.write(Array.from({ length: 50 }, (_, i) => ({ type: "put" as const, key: utf8(`k${String(i).padStart(3, "0")}`), value: utf8(`v${t}.${i}`) })));
      await store.flush();
    }
    const inputs = readdirSync(dir).filter((f) => f.endsWith(".sst")).sort();
    expect(inputs).toEqual(["L0_001.sst", "L0_002.sst", "L0_003.sst"]);
    const it = store.iterator();
    expect(new TextDecoder().decode(it.first()!.value)).toBe("v2.0");
    await store.compactLevel(0);
    expect(store.levelInfo().map((l) => l.tables).slice(0, 2)).toEqual([0, 1]);
    for (const f of inputs) expect(existsSync(join(dir, f))).toBe(true); // the iterator's version names them
    let n = 1;
    for (let e = it.next(); e !== null; e = it.next()) n++;
    expect(n).toBe(50); // read through to the end from the tables it started on
    it.close();
    for (const f of inputs) expect(existsSync(join(dir, f))).toBe(false);
    await store.close();
  });
});

describe("trivial moves", () => {
  test("an iterator made before a table moves down finds the renamed file when it reaches it", async () => {
    const dir = freshDir();
    let store = Store.open({ kernels: bothPaths[0][1], dir, backgroundCompaction: false });
    await store.write(Array.from({ length: 100 }, (_, i) => ({ type: "put" as const, key: utf8(`k${String(i).padStart(3, "0")}`), value: utf8(`v${i}`) })));
    await store.flush();
    await store.compactLevel(0); // L1_002.sst, a rewrite
    await store.close();
    expect(readdirSync(dir).filter((f) => f.endsWith(".sst"))).toEqual(["L1_002.sst"]);

    // level 1 over its 1-byte target: the table moves down level by level, renamed each time
    store = Store.open({ kernels: bothPaths[0][1], dir, levels: { levelBaseBytes: 1 }, maxOpenFiles: 11 });
    const it = store.iterator(); // holds the version with L1_002.sst; opens it only when it gets there
    await store.waitForIdle();
    // targets grow x10 a level: the table's ~1.6 KB is under level 5's 10,000 bytes
    expect(readdirSync(dir).filter((f) => f.endsWith(".sst"))).toEqual(["L5_002.sst"]);
    expect(store.levelInfo()[5].tables).toBe(1);
    let n = 0;
    for (let e = it.first(); e !== null; e = it.next()) n++;
    expect(n).toBe(100);
    it.close();
    expect(new TextDecoder().decode(store.get(utf8("k042"))!)).toBe("v42");
    await store.close();
    const again = Store.open({ kernels: bothPaths[0][1], dir });
    expect(again.tables().map((t) => t.name)).toEqual(["L5_002.sst"]);
    await again.close();
  });
});

describe("flushes one at a time", () => {
  test("explicit flushes among pipelined puts that fill the MemTable: none fails, every write is kept", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels: bothPaths[0][1], dir, memtableBytes: 2048, backgroundCompaction: false });
    const writes: Promise<unknown>[] = [];
    const flushes: Promise<unknown>[] = [];
    for (let i = 0; i < 3000; i++) {
      writes.push(store.put(utf8(`k${i}`), utf8(`v${i}`.repeat(8))));
      // a flush now and then, not awaited: it races the background flushes the puts start
      if (i % 97 === 0) flushes.push(store.flush());
    }
    await Promise.all(writes);
    const outcomes = await Promise.allSettled(flushes);
    expect(outcomes.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    await store.waitForIdle();
    const missing: number[] = [];
    for (let i = 0; i < 3000; i++) if (new TextDecoder().decode(store.get(utf8(`k${i}`)) ?? new Uint8Array()) !== `v${i}`.repeat(8)) missing.push(i);
    expect(missing).toEqual([]);
    await store.close();
    const again = Store.open({ kernels: bothPaths[0][1], dir, backgroundCompaction: false });
    for (let i = 0; i < 3000; i += 7) expect(new TextDecoder().decode(again.get(utf8(`k${i}`))!)).toBe(`v${i}`.repeat(8));
    await again.close();
  });
});

describe("a full MemTable waits for the flush before it", () => {
  test("writes that never yield (sync: false, resolved at once) still let flushes run: memory stays at about two MemTables", async () => {
    const dir = freshDir();
    // a MemTable of more than 4,096 entries: its flush yields to the event loop on the way
    const store = Store.open({ kernels: bothPaths[0][1], dir, memtableBytes: 1024 * 1024, backgroundCompaction: false });
    const value = new Uint8Array(100).fill(97);
    let inflight = 0;
    let next = 0;
    let maxFootprint = 0;
    await new Promise<void>((done) => {
      const pump = () => {
        while (inflight < 64 && next < 40_000) {
          inflight++;
          void store.put(utf8(`k${String(next++).padStart(5, "0")}`), value, { sync: false }).then(() => {
            inflight--;
            maxFootprint = Math.max(maxFootprint, store.memtableFootprint);
            if (next === 40_000 && inflight === 0) done();
            else pump();
          });
        }
      };
      pump();
    });
    // each MiB went to a table as it filled: before, the writes' promise reactions kept the flush
    // from getting a turn, and the MemTable took nearly all 5 MB
    expect(maxFootprint).toBeLessThan(3 * 1024 * 1024);
    expect(store.tables().length).toBeGreaterThanOrEqual(3);
    expect(new TextDecoder().decode(store.get(utf8("k39999"))!)).toBe("a".repeat(100));
    await store.close();
  });
});

describe("writes keep their order", () => {
  test("a write made while an earlier one waits (level 0 at the slowdown trigger) goes after it: the later value wins", async () => {
    const store = Store.open({ kernels: bothPaths[0][1], dir: freshDir(), levels: { l0Trigger: 1, l0Slowdown: 1, l0Stop: 8 } });
    await store.put(utf8("a"), utf8("0"));
    await store.flush(); // level 0 holds 1 table: writes wait 1 ms; a compaction (a trivial move) is scheduled
    const first = store.put(utf8("x"), utf8("first")); // waits its 1 ms
    await new Promise((r) => setImmediate(r)); // the trivial move runs: level 0 is empty again
    expect(store.levelInfo()[0].tables).toBe(0);
    const second = store.put(utf8("x"), utf8("second")); // nothing to wait for now, but the first is still waiting
    await Promise.all([first, second]);
    expect(new TextDecoder().decode(store.get(utf8("x"))!)).toBe("second");
    await store.close();
  });
});

describe("the STATS file", () => {
  test("close() saves the counts of writes no flush has counted: write amplification after a reopen includes them", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels: bothPaths[0][1], dir });
    await store.put(utf8("k1"), utf8("v1"));
    await store.flush(); // counted, and saved, by the flush
    await store.put(utf8("k2"), utf8("v2".repeat(100))); // only in the log when the store closes
    const before = store.compactionStatus().writeAmplification;
    await store.close();
    const reopened = Store.open({ kernels: bothPaths[0][1], dir });
    // before the fix, the reopened store's counts lacked k2's 202 client bytes and its log record
    expect(reopened.compactionStatus().writeAmplification).toBeCloseTo(before, 10);
    await reopened.close();
  });
});

describe("a LevelDB directory", () => {
  test("open while classic-level (LevelDB) holds it: refused, and LevelDB's empty LOCK is left in place (its lock is an fcntl lock Node cannot see)", async () => {
    const { ClassicLevel } = await import("classic-level");
    const dir = freshDir();
    const leveldb = new ClassicLevel(dir);
    await leveldb.open();
    await leveldb.put("k", "v");
    expect(() => Store.open({ kernels: bothPaths[0][1], dir })).toThrow(/holds a LevelDB database \(an empty LOCK beside its LOG file or .ldb tables\)/);
    expect(existsSync(join(dir, "LOCK"))).toBe(true);
    await expect(new ClassicLevel(dir).open()).rejects.toMatchObject({ cause: { code: "LEVEL_LOCKED" } }); // LevelDB's own lock still works
    expect(await leveldb.get("k")).toBe("v");
    await leveldb.close();
  });

  test.each([
    ["without its LOG and LOCK (tables and a log only)", ["LOG", "LOG.old", "LOCK"]],
    ["closed, with its LOG and no LOCK", ["LOCK"]],
  ])("a LevelDB directory %s: refused before anything is written, every name and byte kept", (_, drop) => {
    const dir = freshDir();
    cpSync(join("test", "fixtures", "leveldb-dir", "db"), dir, { recursive: true });
    for (const name of drop) rmSync(join(dir, name), { force: true });
    const before = Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n)).toString("hex")]));
    expect(() => Store.open({ kernels: bothPaths[0][1], dir })).toThrow(/holds a LevelDB database \(CURRENT beside LevelDB's LOG file or .ldb tables\)/);
    expect(Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n)).toString("hex")]))).toEqual(before);
  });
});
