// WasmLevel's get, put, del and batch as their callers see them, whatever shortcuts the class takes
// (a value handed on without a second copy, the store's promise returned without an async layer):
// - a value read is the caller's own: changing it changes neither the database nor another read,
//   from the MemTable, from a table and at a snapshot, in each native format;
// - a write the store rejects (here the log's write or fsync failing) rejects with the Level
//   ecosystem's code and the store's error as cause, changes nothing, and the next write works.

import { afterEach, describe, expect, test, vi } from "vitest";
import { WasmLevel } from "../../src/index.js";
import { clearFaults, failNext } from "../support/fs-faults.js";
import { errorOf } from "../support/rejection.js";
import { tempDirs } from "../support/temp-dirs.js";

vi.mock("node:fs", async (original) => (await import("../support/fs-faults.js")).faultyFs(original as never));

const freshDir = tempDirs("wasm-lsm-level-reads-writes");
afterEach(clearFaults);

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

describe("values read belong to the caller", () => {
  test("changing a value from get, getSync or getMany changes no later read (MemTable, table, snapshot)", async () => {
    const db = new WasmLevel<Uint8Array, Uint8Array>(freshDir(), { keyEncoding: "view", valueEncoding: "view" });
    await db.put(bytes("in-table"), bytes("table value"));
    await db.compactRange(null, null); // flushes the MemTable: the key is read from a table now
    await db.put(bytes("in-memtable"), bytes("memtable value"));
    const snapshot = db.snapshot();
    await db.put(bytes("in-memtable"), bytes("newer value"));

    const reads = [
      () => db.get(bytes("in-table")),
      () => db.getSync(bytes("in-table")),
      async () => (await db.getMany([bytes("in-table")]))[0],
      () => db.get(bytes("in-memtable")),
      () => db.getSync(bytes("in-memtable")),
      () => db.get(bytes("in-memtable"), { snapshot }),
      () => db.getSync(bytes("in-memtable"), { snapshot }),
    ];
    for (const read of reads) {
      const first = (await read())!;
      const want = Buffer.from(first).toString();
      expect(Buffer.isBuffer(first)).toBe(true); // 'view' reads give Buffers, as classic-level's do
      const second = (await read())!;
      first.fill(0x21);
      expect(Buffer.from(second).toString()).toBe(want);
      expect(Buffer.from((await read())!).toString()).toBe(want);
    }
    expect(Buffer.from((await db.get(bytes("in-memtable"), { snapshot }))!).toString()).toBe("memtable value");
    await snapshot.close();
    await db.close();
  });

  test("buffer and utf8 reads of the same entries", async () => {
    const db = new WasmLevel(freshDir());
    await db.put("k", "välue");
    expect(await db.get("k")).toBe("välue");
    expect(db.getSync("k")).toBe("välue");
    const buffer = (await db.get("k", { valueEncoding: "buffer" })) as unknown as Buffer;
    expect(buffer).toEqual(Buffer.from("välue"));
    buffer[0] = 0x56;
    expect(db.getSync("k", { valueEncoding: "buffer" })).toEqual(Buffer.from("välue"));
    await db.close();
  });
});

describe("writes the store rejects", () => {
  test("put, del and batch reject with LEVEL_IO_ERROR when the log fails, change nothing, and the next write works", async () => {
    const db = new WasmLevel(freshDir());
    await db.put("kept", "1");
    failNext("write", ".log", "ENOSPC");
    const put = await errorOf(db.put("lost", "x"));
    expect([put.code, put.cause?.code]).toEqual(["LEVEL_IO_ERROR", "ENOSPC"]);
    failNext("fsync", ".log", "EIO");
    const del = await errorOf(db.del("kept", { sync: true }));
    expect([del.code, del.cause?.code]).toEqual(["LEVEL_IO_ERROR", "EIO"]);
    failNext("write", ".log", "ENOSPC");
    const batch = await errorOf(db.batch([{ type: "put", key: "lost2", value: "y" }, { type: "del", key: "kept" }]));
    expect([batch.code, batch.cause?.code]).toEqual(["LEVEL_IO_ERROR", "ENOSPC"]);
    expect(await db.getMany(["kept", "lost", "lost2"])).toEqual(["1", undefined, undefined]);
    await db.put("after", "2");
    await db.del("kept");
    expect(await db.getMany(["kept", "after"])).toEqual([undefined, "2"]);
    await db.close();
  });

  test("a write on a closed database rejects (it does not throw) with LEVEL_DATABASE_NOT_OPEN", async () => {
    const db = new WasmLevel(freshDir());
    await db.open();
    await db.close();
    for (const write of [() => db.put("a", "1"), () => db.del("a"), () => db.batch([{ type: "put", key: "a", value: "1" }])]) {
      const p = write();
      expect(p).toBeInstanceOf(Promise);
      expect(await errorOf(p)).toMatchObject({ code: "LEVEL_DATABASE_NOT_OPEN" });
    }
  });
});
