// What the store's start-up may remove (only what is provably garbage), what it refuses, the names
// it recognises; and repairStore (src/lsm/repair.ts) on hand-made directories. The same symptoms
// through the built CLI are in test/crash/repair.test.ts.

import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { LockedError } from "../../src/lsm/lock.js";
import { readStoreManifest } from "../../src/lsm/manifest.js";
import { MissingManifestError } from "../../src/lsm/missing-manifest-error.js";
import { writeLegacyManifest } from "../../src/lsm/legacy-manifest.js";
import { nodeEnv } from "../../src/io/node-env.js";
import { RepairError, repairStore } from "../../src/lsm/repair.js";
import { logNumberOf, parseTableName, Store } from "../../src/lsm/store.js";
import { encodeBatch, LogWriter } from "../../src/lsm/wal.js";
import { CorruptionError } from "../../src/sstable/errors.js";
import { ValueKind } from "../../src/sstable/format.js";
import { utf8, wasm as kernels } from "../kernels/kernels.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-recovery-test");
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const files = (dir: string) => readdirSync(dir).filter((f) => f !== "lost").sort();
const lost = (dir: string) => (existsSync(join(dir, "lost")) ? readdirSync(join(dir, "lost")).sort() : []);

/** A store with tables L0_001.sst and L0_002.sst (keys a, b) and c in its log; closed. */
async function twoTables(): Promise<string> {
  const dir = freshDir();
  const store = Store.open({ kernels, dir });
  await store.put(utf8("a"), utf8("1"));
  await store.flush();
  await store.put(utf8("b"), utf8("2"));
  await store.flush();
  await store.put(utf8("c"), utf8("3"));
  await store.close();
  return dir;
}

/** A log file's bytes holding one batch per [key, value] (value null: a deletion). */
function logBytes(firstSequence: number, writes: [string, string | null][]): Uint8Array {
  const w = new LogWriter(kernels);
  const parts = writes.map(([k, v], i) =>
    w.frame(encodeBatch({ sequence: firstSequence + i, ops: [{ kind: v === null ? ValueKind.DELETION : ValueKind.VALUE, key: utf8(k), value: utf8(v ?? "") }] })),
  );
  return Buffer.concat(parts);
}

describe("start-up removes only what is provably garbage", () => {
  test("a new durable store writes its MANIFEST before its first log", () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    expect(readStoreManifest(dir)).toMatchObject({ current: "MANIFEST-000001", tables: [], state: { nextFileNumber: 1 } });
    expect(files(dir)).toEqual(["000001.log", "CURRENT", "LOCK", "MANIFEST-000001"]);
    store.closeNow();
  });

  test("no MANIFEST but a non-empty log: refused, nothing changed; only empty logs: a new store", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "000003.log"), logBytes(1, [["k", "v"]]));
    const before = files(dir);
    expect(() => Store.open({ kernels, dir })).toThrow(MissingManifestError);
    expect(() => Store.open({ kernels, dir })).toThrow(`${dir} has no manifest (CURRENT and the MANIFEST-NNNNNN it names) but holds 0 tables or manifests and 1 non-empty log (000003.log); nothing was changed`);
    expect(files(dir)).toEqual(before); // no manifest, no LOCK, the log untouched

    const empty = freshDir();
    writeFileSync(join(empty, "000001.log"), "");
    Store.open({ kernels, dir: empty }).closeNow();
    expect(readStoreManifest(empty)).not.toBeNull();
  });

  test("unrecorded tables: those at or past the next file number are removed, any other moved to lost/", async () => {
    const dir = await twoTables(); // next file number 3
    writeFileSync(join(dir, "L0_003.sst"), "renamed, manifest not yet written");
    writeFileSync(join(dir, "L1_005.sst"), "a compaction's output, its edit never written");
    writeFileSync(join(dir, "L1_000.sst"), "no flush or compaction can leave this one");
    writeFileSync(join(dir, "L0_003.sst.tmp"), "half a table");
    writeFileSync(join(dir, "CURRENT.tmp"), "half a pointer");
    writeFileSync(join(dir, "MANIFEST-000009"), "a new manifest CURRENT never named");
    writeFileSync(join(dir, "notes.tmp"), "not ours");
    const logLines: string[] = [];
    const store = Store.open({ kernels, dir, log: (l) => logLines.push(l) });
    expect(store.tables().map((t) => t.name)).toEqual(["L0_001.sst", "L0_002.sst"]);
    expect(text(store.getFromMemtable(utf8("c")))).toBe("3");
    expect(existsSync(join(dir, "L0_003.sst"))).toBe(false);
    expect(existsSync(join(dir, "L1_005.sst"))).toBe(false);
    expect(existsSync(join(dir, "MANIFEST-000009"))).toBe(false);
    expect(lost(dir)).toEqual(["L1_000.sst"]);
    expect(readFileSync(join(dir, "lost", "L1_000.sst"), "utf8")).toBe("no flush or compaction can leave this one");
    expect(files(dir).filter((f) => f.endsWith(".tmp"))).toEqual(["notes.tmp"]);
    expect(logLines).toContain("recovery: L1_000.sst is not in the manifest; moved to lost/L1_000.sst");
    expect(logLines).toContain("recovery: removing L1_005.sst (a flush or compaction cut short before its manifest edit)");
    expect((await store.flush()).name).toBe("L0_003.sst"); // the numbers of the tables removed are free again
    await store.close();
  });

  test("a table the manifest lists that is missing or of the wrong size: a CorruptionError naming it", async () => {
    const dir = await twoTables();
    writeFileSync(join(dir, "L0_002.sst"), "short");
    expect(() => Store.open({ kernels, dir })).toThrow(CorruptionError);
    expect(() => Store.open({ kernels, dir })).toThrow(new RegExp(`^corruption in ${join(dir, "L0_002.sst")} at offset 5: the manifest records \\d+ bytes, the file has 5;`));
  });

  test("names that are not exactly the store's are neither replayed nor removed", async () => {
    const dir = await twoTables();
    const strays = ["1.log", "2 copy.log", "99999999999999999.log", "0000001.log", "000000.log.bak", "L0_1.sst", "L0_0001.sst", "L00_001.sst"];
    for (const f of strays) writeFileSync(join(dir, f), "junk");
    const logLines: string[] = [];
    const store = Store.open({ kernels, dir, log: (l) => logLines.push(l) });
    expect(text(store.getFromMemtable(utf8("c")))).toBe("3");
    expect((await store.flush()).name).toBe("L0_003.sst");
    await store.close();
    for (const f of strays) expect(readFileSync(join(dir, f), "utf8")).toBe("junk");
    expect(logLines.filter((l) => l.startsWith("recovery: ignoring"))).toHaveLength(strays.length - 1); // .bak is not even named like one
    expect(lost(dir)).toEqual([]);
  });

  test("the name parsers accept exactly the canonical names", () => {
    expect(["000001.log", "1234567.log", "000000.log"].map(logNumberOf)).toEqual([1, 1234567, 0]);
    expect(["1.log", "0000001.log", "99999999999999999.log", "000001.log.tmp", "2 copy.log"].map(logNumberOf)).toEqual([null, null, null, null, null]);
    expect(parseTableName("L2_1000.sst")).toEqual({ level: 2, number: 1000 });
    expect(["L0_1.sst", "L0_0001.sst", "L00_001.sst", "L0_99999999999999999.sst"].map(parseTableName)).toEqual([null, null, null, null]);
  });
});

describe("a store of wasm-lsm 0.1 (its JSON MANIFEST)", () => {
  test("is upgraded on open, durably: a manifest of edits holding its tables at level 0, then the JSON MANIFEST removed", async () => {
    const dir = await twoTables(); // L0_001.sst (a), L0_002.sst (b), c in the live log
    const log = readdirSync(dir).find((f) => logNumberOf(f) !== null)!;
    for (const f of readdirSync(dir)) if (f === "CURRENT" || f.startsWith("MANIFEST") || f === "STATS") rmSync(join(dir, f));
    const tables = ["L0_001.sst", "L0_002.sst"].map((name, i) => ({ name, level: 0, number: i + 1, entries: 1, fileSize: statSync(join(dir, name)).size, tailSize: 0, filterBits: 512 }));
    writeLegacyManifest(nodeEnv, dir, { version: 1, logNumber: logNumberOf(log)!, nextFileNumber: logNumberOf(log)! + 1, nextTableNumber: 3, lastSequence: 2, tables }, true);
    const lines: string[] = [];
    const store = Store.open({ kernels, dir, log: (l) => lines.push(l) });
    expect(lines).toContain("recovery: upgraded the 0.1 MANIFEST (2 tables) to MANIFEST-000001");
    expect(files(dir).filter((f) => f.includes("MANIFEST") || f === "CURRENT")).toEqual(["CURRENT", "MANIFEST-000001"]);
    expect(["a", "b", "c"].map((k) => text(store.get(utf8(k))))).toEqual(["1", "2", "3"]);
    expect((await store.flush()).name).toBe("L0_003.sst");
    await store.close();
    const m = readStoreManifest(dir)!;
    expect(m.tables.map((t) => t.name)).toEqual(["L0_001.sst", "L0_002.sst", "L0_003.sst"]);
    expect(Buffer.from(m.state.levels[0].find((t) => t.number === 1)!.smallest.subarray(0, 1)).toString()).toBe("a"); // key ranges scanned
  });
});

describe("repairStore", () => {
  test("rebuilds the manifest from tables and logs; what it cannot read goes to lost/", async () => {
    const dir = await twoTables();
    const liveLog = readdirSync(dir).find((f) => logNumberOf(f) !== null)!;
    writeFileSync(join(dir, "MANIFEST"), "damaged");
    writeFileSync(join(dir, "000090.log"), logBytes(100, [["d", "4"], ["a", null]]));
    const notBatch = new LogWriter(kernels).frame(utf8("twelve bytes but not a batch"));
    writeFileSync(join(dir, "000091.log"), notBatch);
    writeFileSync(join(dir, "000092.log"), "");
    writeFileSync(join(dir, "L0_007.sst"), "not a table");
    writeFileSync(join(dir, "L0_002.sst.tmp"), "half");
    const lines: string[] = [];
    const result = repairStore({ kernels, dir, report: (l) => lines.push(l) });

    expect(result.manifest.levels[0].map((t) => t.number)).toEqual([1, 2, 8, 9]);
    expect(result.manifest).toMatchObject({ nextFileNumber: 10, logNumber: 93, lastSequence: 101 });
    const written = readStoreManifest(dir)!;
    expect(written.tables.map((t) => t.name)).toEqual(["L0_001.sst", "L0_002.sst", "L0_008.sst", "L0_009.sst"]);
    expect(written.state).toMatchObject({ nextFileNumber: 10, logNumber: 93, lastSequence: 101 });
    expect(lost(dir)).toEqual(["000090.log", "000091.log", "CURRENT", "L0_007.sst", "MANIFEST", "MANIFEST-000001", liveLog].sort());
    expect(readFileSync(join(dir, "lost", "MANIFEST"), "utf8")).toBe("damaged");
    expect(files(dir)).toEqual(["CURRENT", "L0_001.sst", "L0_002.sst", "L0_008.sst", "L0_009.sst", "MANIFEST-000001", "STATS"]);
    expect(lines).toContain("L0_002.sst.tmp: removed, a temporary file never renamed into place");
    expect(lines).toContain("000092.log: removed, an empty log");
    expect(lines.filter((l) => l.startsWith("000091.log:"))).toEqual([
      `000091.log: skipped ${notBatch.length - 7} bytes at offset 0: a log record of ${notBatch.length - 7} bytes that is not a write batch`,
      `000091.log: moved to lost/000091.log: ${notBatch.length} bytes and no write in them`,
    ]);
    expect(lines.find((l) => l.startsWith("000090.log:"))).toMatch(/^000090\.log: 2 writes -> L0_009\.sst, 2 entries, keys "a" to "d", largest sequence 101/);
    expect(result.summary).toBe(`repaired ${dir}: 4 tables (2 kept, 2 from logs), 7 files moved to lost/, last sequence 101; CURRENT and a new manifest written`);

    const store = Store.open({ kernels, dir, backgroundCompaction: false }); // the lock was released; the tables stay in level 0
    expect(store.lookup("L0_008.sst", utf8("c"))).toMatchObject({ found: true });
    expect(store.lookup("L0_009.sst", utf8("a"))).toMatchObject({ found: false, deleted: true });
    expect(text(store.lookup("L0_009.sst", utf8("d"))!.value)).toBe("4");
    await store.put(utf8("e"), utf8("5"));
    expect((await store.flush()).name).toBe("L0_010.sst");
    await store.close();
    expect(readStoreManifest(dir)!.state.lastSequence).toBe(102);
  });

  test("refuses a directory with no store files, and one a store holds open", async () => {
    const empty = freshDir();
    writeFileSync(join(empty, "notes.txt"), "x");
    expect(() => repairStore({ kernels, dir: empty })).toThrow(RepairError);
    expect(existsSync(join(empty, "CURRENT"))).toBe(false);
    expect(() => repairStore({ kernels, dir: join(empty, "nope") })).toThrow(`${join(empty, "nope")} is not a directory`);
    const dir = await twoTables();
    const store = Store.open({ kernels, dir });
    expect(() => repairStore({ kernels, dir })).toThrow(LockedError);
    await store.close();
  });
});
