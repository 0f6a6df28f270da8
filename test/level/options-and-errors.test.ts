// WasmLevel's options and errors: how each option maps onto the store's (and what it changes on
// disk), every bad option refused with a TypeError or RangeError naming it, the manifest, and the
// error codes of the Level ecosystem for each kind of failure, with the store's error as cause.

import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ModuleError from "module-error";
import { describe, expect, test } from "vitest";
import { CorruptionError, jsKernels, loadKernels, UnsupportedError, WasmLevel } from "../../src/index.js";
import { fsError } from "../../src/lsm/env.js";
import { LockedError } from "../../src/lsm/lock.js";
import { levelError } from "../../src/level/errors.js";
import { levelSettings } from "../../src/level/options.js";
import { tempDirs } from "../support/temp-dirs.js";
import { errorOf, type CodedError } from "../support/rejection.js";

const freshDir = tempDirs("wasm-lsm-level-options");
const tables = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".sst"));


describe("options", () => {
  test("classic-level's names and ours map onto the store's options", () => {
    const log = () => {};
    expect(
      levelSettings({ kernels: "js", cacheSize: 1024, writeBufferSize: 2048, blockSize: 512, maxOpenFiles: 64, maxFileSize: 65536, bitsPerKey: 12, compactionThread: "main", walRecoveryMode: "point-in-time", compression: false, sync: true, log }),
    ).toEqual({
      store: { kernels: jsKernels, blockCacheBytes: 1024, memtableBytes: 2048, blockSize: 512, maxOpenFiles: 64, levels: { tableBytes: 65536 }, bitsPerKey: 12, compactionThread: "main", walRecoveryMode: "point-in-time", log },
      sync: true,
    });
    // unset: the store's defaults (LevelDB's), wasm kernels, and writes that do not wait for an fsync
    const defaults = levelSettings({});
    expect(defaults.sync).toBe(false);
    expect(defaults.store.kernels).toBe(loadKernels("wasm"));
    expect(Object.entries(defaults.store).filter(([, v]) => v !== undefined).map(([k]) => k)).toEqual(["kernels"]);
  });

  test.each([
    [{ kernels: "wasm32" }, RangeError, 'kernels must be "wasm" or "js", got "wasm32"'],
    [{ cacheSize: -1 }, RangeError, "cacheSize must be an integer from 0 to 68719476736, got -1"],
    [{ writeBufferSize: 1.5 }, TypeError, "writeBufferSize must be an integer from 1 to 1073741824, got 1.5"],
    [{ writeBufferSize: "4mb" }, TypeError, 'writeBufferSize must be an integer from 1 to 1073741824, got "4mb"'],
    [{ maxOpenFiles: 5 }, RangeError, "maxOpenFiles must be an integer from 10 to 1000000, got 5"],
    [{ bitsPerKey: 65 }, RangeError, "bitsPerKey must be an integer from 1 to 64, got 65"],
    [{ compactionThread: "gpu" }, RangeError, 'compactionThread must be "worker" or "main", got "gpu"'],
    [{ walRecoveryMode: "best-effort" }, RangeError, "walRecoveryMode must be"],
    [{ compression: true }, RangeError, "compression: true is not supported"],
    [{ sync: "yes" }, TypeError, 'sync must be a boolean, got "yes"'],
    [{ log: "stderr" }, TypeError, 'log must be a function, got "stderr"'],
  ])("%j is refused when the database is made", (options, type, message) => {
    const dir = freshDir();
    expect(() => new WasmLevel(dir, options as never)).toThrow(type);
    expect(() => new WasmLevel(dir, options as never)).toThrow(message);
    expect(readdirSync(dir)).toEqual([]); // nothing was touched
  });

  test("a location that is not a non-empty string is a TypeError", () => {
    expect(() => new WasmLevel("")).toThrow(TypeError);
    expect(() => new WasmLevel(undefined as never)).toThrow("The first argument 'location' must be a non-empty string");
  });

  test("options given to open() are checked too, and the database stays closed", async () => {
    const db = new WasmLevel(freshDir());
    await db.close();
    const err = await errorOf(db.open({ cacheSize: -5 } as never));
    expect(err.code).toBe("LEVEL_DATABASE_NOT_OPEN");
    expect(err.cause).toBeInstanceOf(RangeError);
    expect(db.status).toBe("closed");
  });

  test("a write's own sync (in the declarations of put, del, batch and a chained batch's write) must be a boolean", async () => {
    const db = new WasmLevel(freshDir());
    await expect(db.put("a", "b", { sync: "yes" } as never)).rejects.toThrow(TypeError);
    await expect(db.batch([{ type: "put", key: "a", value: "b" }], { sync: 1 } as never)).rejects.toThrow("sync must be a boolean, got 1");
    await expect(db.batch().put("a", "b").write({ sync: null })).rejects.toThrow("sync must be a boolean, got null");
    await db.put("a", "c", { sync: true });
    await db.put("j", { n: 1 }, { valueEncoding: "json", sync: false });
    await db.batch([{ type: "put", key: "b", value: "d" }], { sync: true });
    await db.batch().put("c", "e").write({ sync: true });
    await db.del("b", { sync: true });
    expect(await db.getMany(["a", "b", "c", "j"])).toEqual(["c", undefined, "e", '{"n":1}']);
    await db.close();
  });

  test("writeBufferSize is the MemTable's flush threshold; maxFileSize cuts compaction outputs", async () => {
    const dir = freshDir();
    const small = new WasmLevel(dir, { writeBufferSize: 16 * 1024, maxFileSize: 32 * 1024 });
    const batch = (from: number) => Array.from({ length: 100 }, (_, i) => ({ type: "put" as const, key: `k${String(from + i).padStart(5, "0")}`, value: "x".repeat(1000) }));
    for (let i = 0; i < 300; i += 100) await small.batch(batch(i));
    await small.put("last", "1"); // after the MemTable filled: it flushes in the background
    await small.compactRange(null, null);
    const cut = tables(dir).length;
    expect(cut).toBeGreaterThanOrEqual(300_000 / (32 * 1024) - 1); // ~300 KB in tables of at most 32 KiB (plus a block)
    await small.close();

    const otherDir = freshDir();
    const big = new WasmLevel(otherDir); // 4 MiB MemTable, 2 MiB tables
    for (let i = 0; i < 300; i += 100) await big.batch(batch(i));
    expect(tables(otherDir)).toEqual([]); // nothing flushed yet
    await big.compactRange(null, null);
    expect(tables(otherDir)).toHaveLength(1);
    await big.close();
  });

  test("log receives the store's log lines (here: recovery going on in the last log)", async () => {
    const dir = freshDir();
    const db = new WasmLevel(dir);
    await db.put("a", "1");
    await db.close();
    const lines: string[] = [];
    const again = new WasmLevel(dir, { log: (line) => lines.push(line) });
    await again.open();
    expect(lines).toContainEqual(expect.stringMatching(/^recovery: new writes go on in .*\.log after its \d+ bytes$/));
    expect(await again.get("a")).toBe("1");
    await again.close();
  });
});

describe("the manifest", () => {
  test("db.supports says what the class does", async () => {
    const db = new WasmLevel(freshDir());
    expect(db.supports).toMatchObject({
      implicitSnapshots: true,
      explicitSnapshots: true,
      seek: true,
      has: true,
      getSync: true,
      permanence: true,
      createIfMissing: true,
      errorIfExists: true,
      deferredOpen: true,
      additionalMethods: { compactRange: true },
      signals: { iterators: false },
      events: { opening: true, open: true, closing: true, closed: true, write: true, clear: true },
    });
    // three natively, every other known encoding transcoded by abstract-level
    expect(Object.keys(db.supports.encodings).sort()).toEqual(["base64", "buffer", "hex", "json", "utf8", "view"]);
    await db.close();
  });
});

describe("error codes", () => {
  test("the store's errors map to the ecosystem's codes, the store's error kept as cause", () => {
    const cases: [Error, string][] = [
      [new LockedError("/d is in use"), "LEVEL_LOCKED"],
      [new CorruptionError("L0_001.sst", 40, "data block crc32c mismatch"), "LEVEL_CORRUPTION"],
      [new UnsupportedError("t.sst", 0, "zstd compression"), "LEVEL_NOT_SUPPORTED"],
      [fsError("EIO", "read failed"), "LEVEL_IO_ERROR"],
      [fsError("ENOSPC", "no space left"), "LEVEL_IO_ERROR"],
    ];
    for (const [err, code] of cases) {
      const mapped = levelError(err) as CodedError;
      expect(mapped).toBeInstanceOf(ModuleError);
      expect([mapped.code, mapped.message, mapped.cause]).toEqual([code, err.message, err]);
    }
    // a wrong argument, or an error that is already the ecosystem's, is passed on as it is
    const plain = new TypeError("bad");
    expect(levelError(plain)).toBe(plain);
    const coded = new ModuleError("x", { code: "LEVEL_DATABASE_NOT_OPEN" });
    expect(levelError(coded)).toBe(coded);
  });

  test("a missing key: get and getSync give undefined, getMany undefined in its place (no LEVEL_NOT_FOUND)", async () => {
    const db = new WasmLevel(freshDir());
    await db.put("here", "1");
    expect(await db.get("absent")).toBeUndefined();
    expect(db.getSync("absent")).toBeUndefined();
    expect(await db.getMany(["absent", "here"])).toEqual([undefined, "1"]);
    expect(await db.has("absent")).toBe(false);
    await db.close();
  });

  test("createIfMissing: false on a missing directory fails and creates nothing; errorIfExists on a store fails", async () => {
    const dir = join(freshDir(), "db");
    const db = new WasmLevel(dir, { createIfMissing: false });
    const missing = await errorOf(db.open());
    expect(missing.code).toBe("LEVEL_DATABASE_NOT_OPEN");
    expect(missing.cause?.message).toBe(`${dir}: does not exist (createIfMissing is false)`);
    expect(existsSync(dir)).toBe(false);

    await db.open({ createIfMissing: true });
    await db.close();
    const exists = await errorOf(db.open({ errorIfExists: true }));
    expect(exists.cause?.message).toBe(`${dir}: exists (errorIfExists is true)`);
    await db.open(); // createIfMissing: false from the constructor, and the store exists: it opens
    await db.close();
  });

  test("LEVEL_IO_ERROR: a location under a regular file", async () => {
    const file = join(freshDir(), "file");
    writeFileSync(file, "not a directory");
    const err = await errorOf(new WasmLevel(join(file, "db")).open());
    expect([err.code, err.cause?.code, err.cause?.cause?.code]).toEqual(["LEVEL_DATABASE_NOT_OPEN", "LEVEL_IO_ERROR", "ENOTDIR"]);
  });

  test("LEVEL_CORRUPTION at open: tables without a manifest are refused, and left as they were", async () => {
    const dir = freshDir();
    const db = new WasmLevel(dir);
    await db.put("a", "1");
    await db.compactRange(null, null);
    await db.close();
    rmSync(join(dir, "CURRENT"));
    const before = readdirSync(dir).sort();
    const err = await errorOf(db.open());
    expect(err.cause?.code).toBe("LEVEL_CORRUPTION");
    expect(err.cause?.message).toContain("wasm-lsm repair");
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  test("LEVEL_DATABASE_NOT_OPEN after close, for reads, writes, iterators and compactRange; compactRange's arguments", async () => {
    const db = new WasmLevel(freshDir());
    await db.compactRange(null, null); // made while opening: deferred until open
    expect(db.status).toBe("open");
    await expect(db.compactRange("a" as never, undefined as never, undefined)).resolves.toBeUndefined();
    await expect((db.compactRange as (start: unknown) => Promise<void>)("a")).rejects.toThrow("The arguments 'start' and 'end' are required");
    await db.close();
    for (const p of [db.get("a"), db.put("a", "1"), db.batch([{ type: "del", key: "a" }]), db.compactRange("a", "b"), db.clear()]) {
      expect(await errorOf(p)).toMatchObject({ code: "LEVEL_DATABASE_NOT_OPEN" });
    }
    expect(() => db.iterator()).toThrow(expect.objectContaining({ code: "LEVEL_DATABASE_NOT_OPEN" }));
  });

  test("a snapshot of another database is refused; a closed one is LEVEL_SNAPSHOT_NOT_OPEN", async () => {
    const a = new WasmLevel(freshDir());
    const b = new WasmLevel(freshDir());
    await Promise.all([a.open(), b.open()]);
    const snapshot = b.snapshot();
    await expect(a.get("k", { snapshot })).rejects.toThrow("snapshot must be a snapshot of this database");
    await snapshot.close();
    expect(await errorOf(b.get("k", { snapshot }))).toMatchObject({ code: "LEVEL_SNAPSHOT_NOT_OPEN" });
    await Promise.all([a.close(), b.close()]);
  });
});
