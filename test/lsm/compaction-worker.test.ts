// Compactions merged in the store's worker thread (compactionThread "worker", src/lsm/compaction-worker.ts):
// a compaction-heavy workload reads back as its model, with the tables on disk exactly the
// manifest's; a compaction that fails in the worker leaves none of its outputs behind and is
// retried; close() and closeNow() end the worker thread. The worker runs the compiled entry
// (dist/src/lsm/compaction-thread.js): `npm test` builds it first.
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { nodeEnv } from "../../src/io/node-env.js";
import { copiedMeta, type CompactionTask } from "../../src/lsm/compaction-task.js";
import { CompactionWorker, compactionWorkerThreads } from "../../src/lsm/compaction-worker.js";
import { TableFile } from "../../src/lsm/table-file.js";
import { CorruptionError } from "../../src/sstable/errors.js";
import { ValueKind } from "../../src/sstable/format.js";
import { readStoreManifest } from "../../src/lsm/manifest.js";
import { MemoryEnv } from "../../src/io/memory-env.js";
import { Store, tableName, type StoreOptions } from "../../src/lsm/store.js";
import { bothPaths, utf8 } from "../kernels/kernels.js";
import { rng } from "../support/random.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-compaction-worker");
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
/** A small level shape (as test/compat/compaction-compat.test.ts): compactions all the time, down to L2 and L3. */
const SHAPE = { l0Trigger: 2, levelBaseBytes: 32 * 1024, tableBytes: 8 * 1024 };
const MEMTABLE_BYTES = 16 * 1024;
const key = (i: number) => `key${String(i).padStart(6, "0")}`;

type Model = Map<string, string>;

/** Every live entry the store iterates, and every model key's get, equal the model. */
function expectModel(store: Store, model: Model): void {
  const it = store.iterator();
  const seen = [...it].map((e) => [text(e.key)!, text(e.value)!] as const);
  expect(seen).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  for (const [k, v] of model) expect(text(store.get(utf8(k)))).toBe(v);
}

/** The tables in the directory are the manifest's, and no table is half written. */
function expectDiskIsManifest(dir: string): void {
  const files = readdirSync(dir);
  expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
  const onDisk = files.filter((f) => /^L\d+_\d+\.sst$/.test(f)).sort();
  expect(onDisk).toEqual(readStoreManifest(dir)!.tables.map((t) => t.name).sort());
}

/** Seeded puts and deletes over a key space that overwrites itself many times. */
async function churn(store: Store, model: Model, seed: number, ops: number): Promise<void> {
  const r = rng(seed);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < ops; i++) {
    const k = key(Math.floor(r() * 3000));
    if (r() < 0.15) {
      model.delete(k);
      pending.push(store.delete(utf8(k)));
    } else {
      const v = `${k}-${seed}-${i}-${"x".repeat(Math.floor(r() * 80))}`;
      model.set(k, v);
      pending.push(store.put(utf8(k), utf8(v)));
    }
    if (pending.length === 64) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

describe.each(bothPaths)("compactions in the worker thread (%s kernels)", (_name, kernels) => {
  const options = (dir: string): StoreOptions => ({ kernels, dir, memtableBytes: MEMTABLE_BYTES, levels: SHAPE, compactionThread: "worker" });

  test("a compaction-heavy workload reads back as its model, before and after reopening; the tables on disk are the manifest's", async () => {
    const dir = freshDir();
    const model: Model = new Map();
    const before = compactionWorkerThreads();
    let store = Store.open(options(dir));
    await churn(store, model, 1, 12_000);
    await store.waitForIdle();
    const status = store.compactionStatus();
    expect(status.totalCompactions).toBeGreaterThan(10);
    expect(store.levelInfo()[2].tables).toBeGreaterThan(0);
    // every merge ran in one worker thread, kept from one compaction to the next
    expect(compactionWorkerThreads().started - before.started).toBe(1);
    expectModel(store, model);
    expectDiskIsManifest(dir);
    await store.compactRange();
    expectModel(store, model);
    await store.close();
    expectDiskIsManifest(dir);
    store = Store.open(options(dir));
    expectModel(store, model);
    await churn(store, model, 2, 4000);
    await store.waitForIdle();
    expectModel(store, model);
    await store.close();
    expectDiskIsManifest(dir);
  });

  test("a snapshot keeps the versions it reads through compactions in the worker", async () => {
    const dir = freshDir();
    const store = Store.open(options(dir));
    const model: Model = new Map();
    await churn(store, model, 3, 3000);
    const snap = store.snapshot();
    const atSnap = new Map(model);
    await churn(store, model, 4, 6000);
    await store.waitForIdle();
    await store.compactRange();
    for (const [k, v] of atSnap) expect(text(store.get(utf8(k), { snapshot: snap }))).toBe(v);
    expect([...store.iterator({ snapshot: snap })].length).toBe(atSnap.size);
    store.release(snap);
    expectModel(store, model);
    await store.close();
  });
});

describe.each(["worker", "main"] as const)("a compaction that fails (compactionThread %s)", (thread) => {
  test("leaves none of its outputs behind, the store readable, and is retried once the fault is gone", async () => {
    const dir = freshDir();
    const logs: string[] = [];
    const store = Store.open({ kernels: bothPaths[0][1], dir, levels: { l0Trigger: 4, tableBytes: 4096 }, compactionThread: thread, log: (m) => logs.push(m) });
    const model: Model = new Map();
    const flushOf = async (from: number) => {
      for (let i = from; i < from + 150; i++) {
        model.set(key(i), `v${i}-${"y".repeat(90)}`);
        await store.put(utf8(key(i)), utf8(model.get(key(i))!));
      }
      return store.flush();
    };
    for (let f = 0; f < 3; f++) await flushOf(f * 100); // overlapping level-0 tables, under the trigger
    const last = Math.max(...store.tables().map((t) => t.number));
    // The fourth flush is table last + 1 and starts the compaction 0 -> 1, whose outputs are
    // last + 2, last + 3, ...: a directory where the second output is renamed to fails the merge
    // after it finished its first output.
    const blocker = `${dir}/${tableName(1, last + 3)}`;
    mkdirSync(blocker);
    await flushOf(300);
    await vi.waitFor(() => expect(logs.some((m) => m.startsWith("compaction failed:"))).toBe(true), { timeout: 20_000 });
    const files = readdirSync(dir);
    expect(files.filter((f) => f.startsWith("L1_") && f !== tableName(1, last + 3))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(store.levelInfo()[0].tables).toBe(4);
    expectModel(store, model);
    rmdirSync(blocker);
    await vi.waitFor(() => expect(store.levelInfo()[0].tables).toBe(0), { timeout: 20_000 });
    await store.waitForIdle();
    expect(store.levelInfo()[1].tables).toBeGreaterThan(1);
    expectModel(store, model);
    expectDiskIsManifest(dir);
    await store.close();
  });
});

describe("the worker thread's lifetime", () => {
  const kernels = bothPaths[0][1];

  test("close() ends the worker thread before it resolves", async () => {
    const dir = freshDir();
    const live = compactionWorkerThreads().live;
    const store = Store.open({ kernels, dir, memtableBytes: MEMTABLE_BYTES, levels: SHAPE, compactionThread: "worker" });
    await churn(store, new Map(), 5, 3000);
    await store.waitForIdle();
    expect(compactionWorkerThreads().live).toBe(live + 1);
    await store.close();
    expect(compactionWorkerThreads().live).toBe(live);
  });

  test("closeNow() during a compaction ends the worker without waiting; the store reopens with every acknowledged write and only the manifest's tables", async () => {
    const dir = freshDir();
    const live = compactionWorkerThreads().live;
    const model: Model = new Map();
    let store = Store.open({ kernels, dir, memtableBytes: MEMTABLE_BYTES, levels: SHAPE, compactionThread: "worker" });
    await churn(store, model, 6, 6000);
    const compacting = store.compactRange().then(
      () => "done",
      (err: Error) => err.message,
    );
    await vi.waitFor(() => expect(compactionWorkerThreads().live).toBe(live + 1));
    store.closeNow();
    expect(await compacting).toMatch(/closed/);
    await vi.waitFor(() => expect(compactionWorkerThreads().live).toBe(live));
    store = Store.open({ kernels, dir, memtableBytes: MEMTABLE_BYTES, levels: SHAPE, compactionThread: "worker" });
    expectModel(store, model);
    expectDiskIsManifest(dir);
    await store.close();
  });

  test("a store on another env merges on the main thread; asking it for the worker is refused", () => {
    const env = new MemoryEnv();
    const store = Store.open({ kernels, dir: "/db", env });
    store.closeNow();
    expect(() => Store.open({ kernels, dir: "/db2", env, compactionThread: "worker" })).toThrow(/compactionThread "worker" needs the node:fs env/);
  });
});

describe("the compaction worker, on its own", () => {
  const kernels = bothPaths[0][1];

  /** A level-0 table of `count` keys in dir, and a task that merges it into level 1. */
  function oneTableTask(dir: string, count: number): { task: CompactionTask; path: string } {
    const out = new TableFile(nodeEnv, dir, 0, 1, tableName(0, 1), { kernels, bitsPerKey: 10 });
    for (let i = 0; i < count; i++) out.add(utf8(key(i)), i + 1, ValueKind.VALUE, utf8(`value ${i} ${"z".repeat(50)}`));
    const meta = out.finish();
    const path = join(dir, meta.name);
    const task: CompactionTask = {
      dir, outputLevel: 1, overlapping: [{ ...copiedMeta(meta), path, tailSize: meta.tailSize }], sorted: [], smallestSnapshot: count + 1,
      deeperLevels: [], grandparents: [], maxGrandparentOverlap: 1 << 30, tableBytes: 16 * 1024, bitsPerKey: 10, blockSize: undefined,
    };
    return { task, path };
  }

  test("hands back each output's metadata; the worker's errors arrive with their class and code; a failure leaves no output and the worker goes on", async () => {
    const dir = freshDir();
    const { task, path } = oneTableTask(dir, 2000);
    const before = compactionWorkerThreads();
    const worker = new CompactionWorker("wasm");
    let next = 100;
    const result = await worker.run(task, () => next++);
    expect(result.entriesRead).toBe(2000);
    expect(result.outputs.length).toBeGreaterThan(1);
    expect(result.outputs.map((t) => t.name)).toEqual(result.outputs.map((_, i) => tableName(1, 100 + i)));
    expect(result.outputs.reduce((n, t) => n + t.entries, 0)).toBe(2000);
    for (const t of result.outputs) expect(statSync(join(dir, t.name)).size).toBe(t.fileSize);
    for (const t of result.outputs) rmSync(join(dir, t.name));

    const missing = await worker.run({ ...task, overlapping: [{ ...task.overlapping[0], path: join(dir, "nope.sst") }] }, () => next++).catch((e: Error) => e);
    expect(missing).toMatchObject({ code: "ENOENT" });
    expect((missing as Error).message).toContain("nope.sst");

    const bytes = readFileSync(path);
    bytes[20] ^= 0xff; // inside the first data block: its checksum fails when the merge reads it
    writeFileSync(join(dir, "bad.sst"), bytes);
    const corrupt = await worker.run({ ...task, overlapping: [{ ...task.overlapping[0], path: join(dir, "bad.sst") }] }, () => next++).catch((e: Error) => e);
    expect(corrupt).toBeInstanceOf(CorruptionError);
    expect((corrupt as CorruptionError).file).toContain("bad.sst");

    const refused = await worker.run(task, () => {
      if (next > 110) throw new Error("no numbers left");
      return next++;
    }).catch((e: Error) => e);
    expect((refused as Error).message).toBe("no numbers left");
    expect(readdirSync(dir).sort()).toEqual(["L0_001.sst", "bad.sst"]); // every output of the failed merges removed

    const again = await worker.run(task, () => next++);
    expect(again.entriesRead).toBe(2000);
    expect(compactionWorkerThreads().started - before.started).toBe(1); // one thread for every task, failed ones too
    await worker.close();
    expect(compactionWorkerThreads().live).toBe(before.live);
    await expect(worker.run(task, () => next++)).rejects.toThrow(/closed/);
  });
});
