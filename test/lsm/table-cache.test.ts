// The table cache (issue 7 item 5): never more than its capacity of tables open (counted as the
// process's open descriptors on the store's .sst files), the least recently used closed first,
// never one in use, lookups right across closes, and disk_reads counting a reopen's read again.
import { readdirSync, readlinkSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { BlockCache } from "../../src/sstable/block-cache.js";
import { Store } from "../../src/lsm/store.js";
import { NON_TABLE_FILES, readOpenFileLimits, TableCache, tableCacheCapacity } from "../../src/lsm/table-cache.js";
import { utf8, wasm } from "../kernels/kernels.js";
import { rng } from "../support/random.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-table-cache-test");
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const onLinux = process.platform === "linux";

/** The .sst files under dir this process has open now, by name. */
function openTables(dir: string): string[] {
  const names: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory's own descriptor, closed by now
    }
    if (target.startsWith(`${dir}/`) && target.endsWith(".sst")) names.push(target.slice(dir.length + 1));
  }
  return names.sort();
}

const TABLES = 8;
const key = (t: number, i: number) => `t${t}:k${i}`;
const value = (t: number, i: number) => `v${t}.${i}`;

/** A durable store of TABLES tables of 20 keys each (one data block each). */
async function storeWithTables(maxOpenFiles: number): Promise<Store> {
  const store = Store.open({ kernels: wasm, dir: freshDir(), maxOpenFiles, backgroundCompaction: false }); // the tables stay in level 0
  for (let t = 0; t < TABLES; t++) {
    for (let i = 0; i < 20; i++) await store.put(utf8(key(t, i)), utf8(value(t, i)));
    expect((await store.flush()).name).toBe(`L0_00${t + 1}.sst`);
  }
  return store;
}

describe.skipIf(!onLinux)("a store's tables through the table cache", () => {
  test(`--max-open-files ${NON_TABLE_FILES + 3}: at most 3 tables open, least recently used closed, disk_reads exact`, async () => {
    const store = await storeWithTables(NON_TABLE_FILES + 3);
    const random = rng(5);
    const model: number[] = []; // the open tables, least recently used first
    let most = 0;
    let reopened = 0;
    for (let n = 0; n < 400; n++) {
      const t = Math.floor(random() * TABLES);
      const i = Math.floor(random() * 20);
      const r = store.lookup(`L0_00${t + 1}.sst`, utf8(key(t, i)))!;
      expect([r.found, text(r.value)]).toEqual([true, value(t, i)]);
      // a table not open: one read for its tail, one for its block (its cached block went with it)
      const at = model.indexOf(t);
      if (at >= 0) model.splice(at, 1);
      else if (model.length === 3) model.shift();
      model.push(t);
      expect(r.diskReads, `lookup ${n} in table ${t}`).toBe(at >= 0 ? 0 : 2);
      if (at < 0 && n >= 3) reopened++;
      const open = openTables(store.dir);
      expect(open).toEqual(model.map((m) => `L0_00${m + 1}.sst`).sort());
      most = Math.max(most, open.length);
    }
    expect(most).toBe(3);
    expect(reopened).toBeGreaterThan(100);
    const dir = store.dir;
    await store.close();
    expect(openTables(dir)).toEqual([]);
  });

  test("the default keeps every table of a small store open, and flushes still work between lookups", async () => {
    const store = await storeWithTables(1000);
    for (let t = 0; t < TABLES; t++) expect(text(store.lookup(`L0_00${t + 1}.sst`, utf8(key(t, 3)))!.value)).toBe(value(t, 3));
    expect(openTables(store.dir)).toHaveLength(TABLES);
    await store.put(utf8("late"), utf8("1"));
    expect((await store.flush()).name).toBe("L0_009.sst");
    expect(text(store.lookup("L0_009.sst", utf8("late"))!.value)).toBe("1");
    const dir = store.dir;
    await store.close();
    expect(openTables(dir)).toEqual([]);
  });

  test("a table in use is never closed, even past the capacity", async () => {
    const store = await storeWithTables(1000);
    const dir = store.dir;
    await store.close();
    const cache = new TableCache({ dir, kernels: wasm, blockCache: new BlockCache(1 << 20), capacity: 2 });
    const file = (t: number) => ({ name: `L0_00${t + 1}.sst` });
    cache.use(file(0), (outer, openReads) => {
      expect(openReads).toBe(1);
      for (let t = 1; t < TABLES; t++) {
        cache.use(file(t), (table) => expect(text(table.get(utf8(key(t, 1))).value)).toBe(value(t, 1)));
        expect(openTables(dir)).toContain("L0_001.sst");
        expect(cache.openCount).toBeLessThanOrEqual(2);
      }
      expect(text(outer.get(utf8(key(0, 7))).value)).toBe(value(0, 7)); // still open, still right
    });
    expect(openTables(dir)).toHaveLength(2);
    // nested uses of tables all in use: the cache goes past its capacity rather than close one
    cache.use(file(2), () => cache.use(file(3), () => cache.use(file(4), () => expect(cache.openCount).toBe(3))));
    cache.use(file(5), (_, openReads) => expect(openReads).toBe(1));
    expect(cache.openCount).toBe(2);
    cache.close();
    expect(openTables(dir)).toEqual([]);
  });
});

test("capacity: max_open_files - 10, lowered to fit under the process's open-file limit, at least 1", () => {
  expect(tableCacheCapacity(1000, null)).toBe(990);
  expect(tableCacheCapacity(1000, { soft: 1_048_576, inUse: 30 })).toBe(990);
  expect(tableCacheCapacity(1000, { soft: 64, inUse: 20 })).toBe(34);
  expect(tableCacheCapacity(1000, { soft: 200, inUse: 25 })).toBe(165);
  expect(tableCacheCapacity(10, null)).toBe(1);
  expect(tableCacheCapacity(1000, { soft: 20, inUse: 25 })).toBe(1);
});

test.skipIf(!onLinux)("this process's open-file limit and use come from /proc", () => {
  const limits = readOpenFileLimits();
  expect(limits).not.toBeNull();
  expect(limits!.inUse).toBeGreaterThan(2);
  expect(limits!.soft).toBeGreaterThanOrEqual(limits!.inUse);
});
