// The store over the file-system interface (src/lsm/env.ts) rather than node:fs: in memory, with
// a power loss (MemoryEnv.crashClone keeps only what was synced, under names whose directory was
// synced), and with an injected fsync failure on the log (FaultEnv). README "Durability": every
// acknowledged write survives the power loss; a put whose log sync failed is answered with the
// error, changed nothing, and the same store takes writes again once the fault is gone.
import { describe, expect, test } from "vitest";
import { FaultEnv } from "../../src/io/fault-env.js";
import { MemoryEnv } from "../../src/io/memory-env.js";
import { LogFile } from "../../src/lsm/log-file.js";
import { Store } from "../../src/lsm/store.js";
import { encodeBatch, LOG_HEADER_SIZE } from "../../src/lsm/wal.js";
import { wasm as kernels, utf8 } from "../kernels/kernels.js";

const DIR = "/db";
const text = (b: Uint8Array | null | undefined) => (b === null || b === undefined ? null : new TextDecoder().decode(b));
const settle = (p: Promise<unknown>) => p.then(() => "ok", (err: { code?: string; message: string }) => err.code ?? err.message);

/** key's value as the store sees it: the MemTable's, else the newest table's that has it. */
function valueOf(store: Store, key: string): string | null {
  const mem = store.getFromMemtable(utf8(key));
  if (mem !== null) return text(mem);
  const hits = store.tables().map((t) => store.lookup(t.name, utf8(key))!).filter((r) => r.found);
  return hits.length === 0 ? null : text(hits.at(-1)!.value);
}

function memoryDir(): MemoryEnv {
  const env = new MemoryEnv();
  env.mkdir(DIR);
  return env;
}

describe("the store over an Env", () => {
  test("MemoryEnv: pipelined durable puts and a flush; a restart from a power loss finds every acknowledged write", async () => {
    const env = memoryDir();
    const store = Store.open({ kernels, dir: DIR, env });
    const keys = (from: number, n: number) => Array.from({ length: n }, (_, i) => `key${from + i}`);
    await Promise.all(keys(0, 100).map((k) => store.put(utf8(k), utf8(`v-${k}`)))); // pipelined: group commit
    const flushed = await store.flush();
    expect(flushed).toMatchObject({ name: "L0_001.sst", entries: 100 });
    await Promise.all(keys(100, 50).map((k) => store.put(utf8(k), utf8(`v-${k}`)))); // only in the log
    await store.put(utf8("key0"), utf8("newer"));

    const crashed = env.crashClone(); // the store is not closed: as the power went
    // the flush's files are durable (the table, the manifest edit; 000001.log's removal by STATS's directory sync)
    expect(crashed.list(DIR).sort()).toEqual(["000002.log", "CURRENT", "L0_001.sst", "MANIFEST-000001", "STATS"]);
    const again = Store.open({ kernels, dir: DIR, env: crashed });
    expect(again.tables().map((t) => t.name)).toEqual(["L0_001.sst"]);
    for (const k of keys(1, 149)) expect(valueOf(again, k)).toBe(`v-${k}`);
    expect(valueOf(again, "key0")).toBe("newer");
    await again.close();
    store.closeNow();
  });

  test("FaultEnv over MemoryEnv: a failed log sync fails the put, changes nothing; after heal() the store goes on", async () => {
    const inner = memoryDir();
    const env = new FaultEnv(inner);
    const store = Store.open({ kernels, dir: DIR, env });
    expect(await settle(store.put(utf8("before"), utf8("1")))).toBe("ok");
    env.fail({ op: "sync", path: ".log", code: "EIO", times: Infinity });
    expect(await settle(store.put(utf8("lost"), utf8("x")))).toBe("EIO");
    expect(valueOf(store, "lost")).toBeNull();
    env.heal();
    expect(await settle(store.put(utf8("after"), utf8("2")))).toBe("ok"); // a fresh log, no restart
    expect(valueOf(store, "after")).toBe("2");

    const again = Store.open({ kernels, dir: DIR, env: inner.crashClone() });
    expect([valueOf(again, "before"), valueOf(again, "lost"), valueOf(again, "after")]).toEqual(["1", null, "2"]);
    await again.close();
    store.closeNow();
  });

  test("sync: false (LevelDB's WriteOptions): no fsync of its own; outlives a crash of the process, not a power loss, until a later fsync covers it", async () => {
    const inner = memoryDir();
    const env = new FaultEnv(inner);
    const store = Store.open({ kernels, dir: DIR, env });
    await store.put(utf8("a"), utf8("synced"));
    const syncs = env.counts.sync;
    await store.put(utf8("b"), utf8("unsynced"), { sync: false });
    await store.write([{ type: "put", key: utf8("c"), value: utf8("unsynced too") }], { sync: false });
    expect(env.counts.sync).toBe(syncs); // resolved without an fsync
    expect([text(store.get(utf8("b"))), text(store.get(utf8("c")))]).toEqual(["unsynced", "unsynced too"]);

    const powerLoss = Store.open({ kernels, dir: DIR, env: inner.crashClone() });
    expect([text(powerLoss.get(utf8("a"))), powerLoss.get(utf8("b")), powerLoss.get(utf8("c"))]).toEqual(["synced", null, null]);
    await powerLoss.close();

    store.closeNow(); // the process dies: what it handed to the OS stays in the files
    const processCrash = Store.open({ kernels, dir: DIR, env: inner });
    expect([text(processCrash.get(utf8("b"))), text(processCrash.get(utf8("c")))]).toEqual(["unsynced", "unsynced too"]);
    await processCrash.put(utf8("d"), utf8("unsynced"), { sync: false });
    await processCrash.put(utf8("e"), utf8("synced")); // its fsync covers d's bytes, before it in the log
    const later = Store.open({ kernels, dir: DIR, env: inner.crashClone() });
    expect([text(later.get(utf8("d"))), text(later.get(utf8("e")))]).toEqual(["unsynced", "synced"]);
    await later.close();
    await processCrash.close();
    const afterClose = Store.open({ kernels, dir: DIR, env: inner.crashClone() });
    expect(text(afterClose.get(utf8("b")))).toBe("unsynced"); // in the log the restart went on with: its fsyncs covered b
    await afterClose.close();
  });
});

describe("unsynced writes (sync: false)", () => {
  test("the log's appends made in one turn reach the OS in one write, applied and resolved in order; a synced one after them goes after them", async () => {
    const env = new FaultEnv(memoryDir());
    const log = new LogFile(env, `${DIR}/000001.log`, 1, kernels);
    const applied: string[] = [];
    const resolved: string[] = [];
    const append = (name: string, sync: boolean) => log.append(encodeBatch({ sequence: 1, ops: [] }, LOG_HEADER_SIZE), () => applied.push(name), { sync }).then(() => resolved.push(name));
    const names = Array.from({ length: 50 }, (_, i) => `u${i}`);
    const unsynced = names.map((n) => append(n, false));
    expect(applied).toEqual([]); // written, and applied, at the end of the turn
    await Promise.all(unsynced);
    expect([env.counts.write, env.counts.sync]).toEqual([2, 0]); // 50 records: one append and one flush to the OS (FaultEnv counts both as writes), no fsync
    expect([applied, resolved]).toEqual([names, names]);

    await Promise.all([append("a", false), append("b", true), append("c", false)]);
    expect(applied).toEqual([...names, "a", "b", "c"]);
    expect(env.counts.sync).toBe(2); // b's, and the one c waited for behind it (c may not be applied before b)
    log.close();
  });

  test("writes queued behind one that waits for room go to the OS together once it may go, in order", async () => {
    const env = new FaultEnv(memoryDir());
    const store = Store.open({ kernels, dir: DIR, env, levels: { l0Trigger: 1, l0Slowdown: 1, l0Stop: 8 } });
    await store.put(utf8("k"), utf8("first"));
    await store.flush(); // level 0 at the slowdown trigger: the next write waits 1 ms, the rest queue behind it
    let logWrites = 0; // writes to the log only (a compaction writes the manifest meanwhile): a fault that counts, never fails
    env.fail({ op: "write", path: (path) => (path.endsWith(".log") && logWrites++, false) });
    const puts = Array.from({ length: 50 }, (_, i) => store.put(utf8("k"), utf8(`v${i}`), { sync: false }));
    expect(logWrites).toBe(0); // all waiting
    await Promise.all(puts);
    expect(logWrites).toBe(2); // one append and one flush for the 50 (before: one of each per write)
    expect(text(store.get(utf8("k")))).toBe("v49");
    await store.close();
  });

  test("a store's unsynced write and a synced one after it in the same turn: the later one wins", async () => {
    const store = Store.open({ kernels, dir: DIR, env: memoryDir() });
    const unsynced = store.put(utf8("x"), utf8("unsynced"), { sync: false });
    const synced = store.put(utf8("x"), utf8("synced"));
    await Promise.all([unsynced, synced]);
    expect(text(store.get(utf8("x")))).toBe("synced");
    await store.close();
  });

  test("a failed write to the OS refuses every write of its turn and applies none; the next turn's writes go to a fresh log", async () => {
    const inner = memoryDir();
    const env = new FaultEnv(inner);
    const store = Store.open({ kernels, dir: DIR, env });
    await store.put(utf8("before"), utf8("1"));
    env.fail({ op: "write", path: ".log", code: "EIO" });
    const results = await Promise.all(["a", "b", "c"].map((k) => settle(store.put(utf8(k), utf8(k), { sync: false }))));
    expect(results).toEqual(["EIO", "EIO", "EIO"]);
    expect([store.get(utf8("a")), store.get(utf8("b")), store.get(utf8("c"))]).toEqual([null, null, null]);
    expect(await settle(store.put(utf8("after"), utf8("2"), { sync: false }))).toBe("ok");
    await store.close();
    const reopened = Store.open({ kernels, dir: DIR, env: inner.crashClone() });
    expect([text(reopened.get(utf8("before"))), reopened.get(utf8("a")), text(reopened.get(utf8("after")))]).toEqual(["1", null, "2"]);
    await reopened.close();
  });

  test("close() fsyncs them: they survive a power loss after a clean close", async () => {
    const inner = memoryDir();
    const store = Store.open({ kernels, dir: DIR, env: inner });
    await store.put(utf8("a"), utf8("unsynced"), { sync: false });
    await store.close();
    const powerLoss = Store.open({ kernels, dir: DIR, env: inner.crashClone() });
    expect(text(powerLoss.get(utf8("a")))).toBe("unsynced");
    await powerLoss.close();
  });

  test("a writer that never yields to the event loop (each put awaited, each resolved at once) still lets it turn", async () => {
    const store = Store.open({ kernels, dir: DIR, env: memoryDir(), memtableBytes: 64 * 1024 * 1024 });
    const puts = 20_000; // far more than the store lets go by without a turn (WRITES_YIELD_MS)
    let doneWhenTheLoopTurned = -1;
    let done = 0;
    setImmediate(() => (doneWhenTheLoopTurned = done));
    for (let i = 0; i < puts; i++) {
      await store.put(utf8(`k${i}`), utf8("v"), { sync: false });
      done++;
    }
    // before, the turn came only once every put was done (or a full MemTable made one wait)
    expect(doneWhenTheLoopTurned).toBeGreaterThanOrEqual(0);
    expect(doneWhenTheLoopTurned).toBeLessThan(puts);
    await store.close();
  });
});
