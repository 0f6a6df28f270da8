// The store on a bad day: write, fsync, rename and close failures injected into node:fs (a full
// disk, an I/O error). What must hold (README "Durability"): a write answered with an error is in
// neither the MemTable nor, after a restart, the log; a failed flush leaves no file behind and no
// table visible; and once the fault is gone the same store works again, without a restart.
import { readdirSync } from "node:fs";
import { afterEach, describe, expect, test, vi } from "vitest";
import { Store } from "../../src/lsm/store.js";
import { wasm as kernels, utf8 } from "../kernels/kernels.js";
import { calls, clearFaults, failNext } from "../support/fs-faults.js";
import { tempDirs } from "../support/temp-dirs.js";

vi.mock("node:fs", async (original) => (await import("../support/fs-faults.js")).faultyFs(original as never));

const freshDir = tempDirs("wasm-lsm-faults-test");
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const settle = (p: Promise<unknown>) => p.then(() => "ok", (err: NodeJS.ErrnoException) => err.code ?? err.message);
const filesOf = (dir: string) => readdirSync(dir).sort();

/** Every table's value of key, oldest table first, then the MemTable's. */
function everywhere(store: Store, key: string): (string | null)[] {
  const inTables = store.tables().map((t) => store.lookup(t.name, utf8(key))!).filter((r) => r.found).map((r) => text(r.value));
  return [...inTables, text(store.getFromMemtable(utf8(key)))];
}

afterEach(clearFaults);

describe("a failed log write or fsync changes nothing (item 2) and the store recovers (items 3, 19)", () => {
  test("puts answered with ENOSPC are not visible, not flushed, not replayed; later puts work without a restart", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    expect(await settle(store.put(utf8("before"), utf8("1")))).toBe("ok");
    failNext("fsync", ".log", "ENOSPC");
    // pipelined: both wait for the same fsync, which fails
    const [a, b] = await Promise.all([settle(store.put(utf8("lost1"), utf8("x"))), settle(store.put(utf8("lost2"), utf8("y")))]);
    expect([a, b]).toEqual(["ENOSPC", "ENOSPC"]);
    expect(store.getFromMemtable(utf8("lost1"))).toBeNull();
    expect(store.getFromMemtable(utf8("lost2"))).toBeNull();
    expect(await settle(store.put(utf8("after"), utf8("2")))).toBe("ok"); // a fresh log, no restart
    const flushed = await store.flush();
    expect(flushed.entries).toBe(2);
    expect(everywhere(store, "lost1")).toEqual([null]);
    await store.put(utf8("late"), utf8("3"));
    await store.close();
    const again = Store.open({ kernels, dir });
    expect(everywhere(again, "lost1")).toEqual([null]);
    expect(everywhere(again, "lost2")).toEqual([null]);
    expect(everywhere(again, "before")).toEqual(["1", null]);
    expect(everywhere(again, "late")).toEqual(["3"]);
    await again.close();
  });

  test("a write cut short by a full disk is cut back: the restart replays none of it", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    await store.put(utf8("kept"), utf8("1"));
    failNext("write", ".log", "ENOSPC");
    expect(await settle(store.put(utf8("rejected"), utf8("x".repeat(1000))))).toBe("ENOSPC");
    store.closeNow();
    const again = Store.open({ kernels, dir });
    expect(text(again.getFromMemtable(utf8("kept")))).toBe("1");
    expect(again.getFromMemtable(utf8("rejected"))).toBeNull();
    await again.close();
  });

  test("a log closed while its fsync runs, which then fails, writes none of the rejected records (item 19)", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    await store.put(utf8("kept"), utf8("1"));
    failNext("fsync", ".log", "EIO");
    const rejected = settle(store.put(utf8("rejected"), utf8("x")));
    const queued = settle(store.put(utf8("queued"), utf8("y"))); // buffered behind the failing fsync
    const flushed = store.flush(); // freezes: closes the log while its fsync is in flight
    expect([await rejected, await queued]).toEqual(["EIO", "EIO"]);
    expect((await flushed).entries).toBe(1);
    store.closeNow();
    const again = Store.open({ kernels, dir });
    expect(everywhere(again, "rejected")).toEqual([null]);
    expect(everywhere(again, "queued")).toEqual([null]);
    expect(everywhere(again, "kept")).toEqual(["1", null]);
    await again.close();
  });

  test("while the log cannot be cut back, writes are refused; once it can, they go on", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    failNext("fsync", ".log", "EIO");
    failNext("ftruncate", ".log", "EIO", 2); // the cut-back in the failure, and the first retry
    expect(await settle(store.put(utf8("a"), utf8("1")))).toBe("EIO");
    expect(await settle(store.put(utf8("b"), utf8("2")))).toBe("EIO"); // the retry fails too
    expect(store.getFromMemtable(utf8("b"))).toBeNull();
    expect(await settle(store.put(utf8("c"), utf8("3")))).toBe("ok");
    await store.close();
    const again = Store.open({ kernels, dir });
    expect([text(again.getFromMemtable(utf8("a"))), text(again.getFromMemtable(utf8("b"))), text(again.getFromMemtable(utf8("c")))]).toEqual([null, null, "3"]);
    await again.close();
  });
});

describe("a failed flush cleans up and the next one works (item 3)", () => {
  test("a table write that fails, and whose close fails again, leaves no .tmp; the retry writes the same table", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    for (let i = 0; i < 2000; i++) await store.put(utf8(`key${i}`), utf8(`value ${i}`));
    failNext("write", ".sst.tmp", "ENOSPC");
    failNext("close", ".sst.tmp", "ENOSPC");
    expect(await settle(store.flush())).toBe("ENOSPC");
    expect(filesOf(dir).filter((f) => f.includes(".sst"))).toEqual([]);
    expect(store.tables()).toEqual([]);
    expect(text(store.getFromMemtable(utf8("key7")))).toBe("value 7"); // the frozen MemTable waits
    expect(await settle(store.put(utf8("more"), utf8("1")))).toBe("ok");
    const first = await store.flush(); // the frozen MemTable first, under the same name
    expect([first.name, first.entries, store.tables().map((t) => t.name)]).toEqual(["L0_002.sst", 1, ["L0_001.sst", "L0_002.sst"]]);
    expect(text(store.get(utf8("key1999")))).toBe("value 1999"); // the retried L0_001 holds the 2000
    expect(everywhere(store, "key7")).toEqual(["value 7", null]);
    await store.close();
  });

  test("a leftover NAME.tmp of an earlier run does not wedge flushes (EEXIST)", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    await store.put(utf8("a"), utf8("1"));
    failNext("fsync", ".sst.tmp", "EIO");
    failNext("close", ".sst.tmp", "EIO");
    expect(await settle(store.flush())).toBe("EIO");
    for (let i = 0; i < 3; i++) {
      await store.put(utf8(`b${i}`), utf8("2"));
      expect((await store.flush()).name).toBe(`L0_00${i + 2}.sst`); // the first also writes the frozen L0_001

    }
    expect(filesOf(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    await store.close();
  });

  test("a failing background flush is retried with backoff, not on every put; a full MemTable behind it refuses writes", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir, memtableBytes: 4096, log: () => {} });
    failNext("open", ".sst.tmp", "ENOSPC", 1000);
    const outcomes: string[] = [];
    const started = Date.now();
    for (let batch = 0; batch < 8; batch++) {
      // pipelined, as a node's puts are: the writes stalled behind the failed flush share one retry
      const puts = Array.from({ length: 50 }, (_, j) => settle(store.put(utf8(`key${batch * 50 + j}`), utf8("v".repeat(100)))));
      outcomes.push(...(await Promise.all(puts)));
    }
    const elapsed = Date.now() - started;
    const attempts = calls.filter((c) => c.op === "open" && c.path.endsWith(".sst.tmp")).length;
    expect(attempts).toBeGreaterThanOrEqual(1);
    // at most one attempt per 100 ms (stalled writes and the timer alike), plus the first; one per
    // put past the threshold was ~360
    expect(attempts).toBeLessThanOrEqual(2 + Math.floor(elapsed / 100));
    expect(attempts).toBeLessThan(40);
    const accepted = outcomes.filter((o) => o === "ok").length;
    expect(outcomes.slice(accepted).every((o) => o === "ENOSPC")).toBe(true); // accepted first, then refused
    // the frozen MemTable's and the active one's: each takes the writes already in flight when it
    // passes its threshold (a write is counted once durable), so at most a batch past it
    expect(accepted).toBeGreaterThan(30);
    expect(accepted).toBeLessThanOrEqual(100);
    expect(store.memtableFootprint).toBeLessThan(4096 + 50 * 120);
    clearFaults();
    expect((await store.flush()).name).toBe("L0_002.sst"); // after the frozen MemTable's L0_001
    expect(store.tables().map((t) => t.name)).toEqual(["L0_001.sst", "L0_002.sst"]);
    for (let i = 0; i < accepted; i++) expect(store.get(utf8(`key${i}`))).not.toBeNull(); // every accepted write, in the tables
    expect(await settle(store.put(utf8("again"), utf8("1")))).toBe("ok");
    await store.close();
  });
});

describe("the manifest is written before it is installed (item 15)", () => {
  test("a manifest write that fails: the flush fails, no lookup finds the table, the retry writes one table", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir });
    for (let i = 0; i < 100; i++) await store.put(utf8(`key${i}`), utf8(`value ${i}`));
    failNext("write", "MANIFEST-", "ENOSPC");
    expect(await settle(store.flush())).toBe("ENOSPC");
    expect(store.tables()).toEqual([]);
    expect(store.lookup("L0_001.sst", utf8("key1"))).toBeNull();
    const r = await store.flush(); // the frozen MemTable as L0_001 first, then the empty active one
    expect([r.name, r.entries]).toEqual(["L0_002.sst", 0]);
    expect(text(store.lookup("L0_001.sst", utf8("key1"))!.value)).toBe("value 1");
    await store.close();
    expect(filesOf(dir).filter((f) => f.endsWith(".sst"))).toEqual(["L0_001.sst", "L0_002.sst"]);
    const again = Store.open({ kernels, dir });
    expect(again.tables().map((t) => t.name)).toEqual(["L0_001.sst", "L0_002.sst"]);
    expect(text(again.get(utf8("key99")))).toBe("value 99");
    await again.close();
  });

  test("a failed rename of CURRENT (a new manifest begun) leaves the old manifest in force, and its logs", async () => {
    const dir = freshDir();
    const store = Store.open({ kernels, dir, manifestRollBytes: 1 }); // every edit begins a new manifest
    await store.put(utf8("a"), utf8("1"));
    failNext("rename", "CURRENT.tmp", "EIO");
    expect(await settle(store.flush())).toBe("EIO");
    store.closeNow();
    const again = Store.open({ kernels, dir });
    expect(again.tables()).toEqual([]);
    expect(text(again.getFromMemtable(utf8("a")))).toBe("1");
    expect(filesOf(dir).filter((f) => f.endsWith(".sst") || f.endsWith(".tmp"))).toEqual([]);
    await again.close();
  });
});
