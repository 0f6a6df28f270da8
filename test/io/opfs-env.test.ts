// OpfsEnv (src/io/opfs-env.ts) over a fake OPFS directory in memory (test/support/fake-opfs.ts):
// what its pool keeps across a reopen and a power cut, the atomic rename a cut leaves half done,
// torn headers, removed files still open, the reserve, the one-worker rule; then the store on it.
// The same env in real Chromium: test/browser/opfs-store.test.ts and opfs-level-suite.test.ts.
import { describe, expect, test } from "vitest";
import { OpfsEnv } from "../../src/io/opfs-env.js";
import { DATA_OFFSET, decodeHeader, encodeHeader, EntryKind, HEADER_BYTES } from "../../src/io/opfs-header.js";
import { WasmLevel } from "../../src/level/wasm-level.js";
import { Store } from "../../src/lsm/store.js";
import { FakeOpfsDirectory } from "../support/fake-opfs.js";
import { wasm as kernels, utf8 } from "../kernels/kernels.js";
import { codeOf } from "../support/rejection.js";

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

function writeFile(env: OpfsEnv, path: string, data: string, sync = true): void {
  const f = env.create(path);
  f.append(utf8(data));
  if (sync) f.sync();
  f.close();
}

/** writeFile, after a turn for each time the reserve (refilled in the background) is found empty. */
async function writeWhenFree(env: OpfsEnv, path: string, data: string): Promise<void> {
  while (codeOf(() => writeFile(env, path, data)) === "EAGAIN") await new Promise((r) => setTimeout(r, 0));
}

describe("OpfsEnv's pool", () => {
  test("names, bytes and directories come back after close and open; OPFS shows only pool files", async () => {
    const root = new FakeOpfsDirectory();
    const env = await OpfsEnv.open(root, { reserve: 4 });
    env.mkdir("db/lost");
    writeFile(env, "db/CURRENT", "MANIFEST-000001\n");
    writeFile(env, "db/000003.log", "abc");
    await env.close();
    expect(codeOf(() => env.list("db"))).toBe("EBADF");
    expect([...root.files.keys()].every((n) => /^pool-\d{6}$/.test(n))).toBe(true);

    const again = await OpfsEnv.open(root, { reserve: 4 });
    expect(again.list("db").sort()).toEqual(["000003.log", "CURRENT", "lost"]);
    expect(again.list("").sort()).toEqual(["db"]);
    expect(text(again.readFile("db/CURRENT"))).toBe("MANIFEST-000001\n");
    expect(again.size("db/000003.log")).toBe(3);
    expect(again.size("db/lost")).toBeNull();
    expect(again.list("db/lost")).toEqual([]);
    await again.close();
  });

  test("files created in a session that reuses files freed in the one before are there at the next open", async () => {
    // a freed file's header is newer than any live one; the session after must write headers newer
    // still, or the next open takes its reused files for free ones (they vanished before the fix)
    const root = new FakeOpfsDirectory();
    const first = await OpfsEnv.open(root, { reserve: 4 });
    first.mkdir("db");
    for (let i = 0; i < 11; i++) await writeWhenFree(first, `db/old${i}`, `o${i}`);
    for (let i = 0; i < 10; i++) first.remove(`db/old${i}`);
    await first.close();
    const second = await OpfsEnv.open(root, { reserve: 4 });
    const names = Array.from({ length: 30 }, (_, i) => `db/new${i}`);
    for (const [i, name] of names.entries()) await writeWhenFree(second, name, `n${i}`);
    await second.close();
    const third = await OpfsEnv.open(root, { reserve: 4 });
    expect(third.list("db").sort()).toEqual(["old10", ...names.map((n) => n.slice(3))].sort());
    expect(names.map((n) => text(third.readFile(n)))).toEqual(names.map((_, i) => `n${i}`));
    await third.close();
  });

  test("a power cut keeps synced bytes and every create, rename and remove made; unsynced appends go", async () => {
    const root = new FakeOpfsDirectory();
    const env = await OpfsEnv.open(root, { reserve: 4 });
    env.mkdir("db");
    writeFile(env, "db/T.tmp", "table");
    env.rename("db/T.tmp", "db/T.sst"); // no syncDir: the env's renames are durable at once
    writeFile(env, "db/gone", "x");
    env.remove("db/gone");
    const log = env.create("db/1.log");
    log.append(utf8("durable"));
    log.sync();
    log.append(utf8(" and not"));
    log.flush(); // handed over (survives the worker), not flushed to disk
    const cut = await OpfsEnv.open(root.powerLoss(), { reserve: 4 });
    expect(cut.list("db").sort()).toEqual(["1.log", "T.sst"]);
    expect(text(cut.readFile("db/T.sst"))).toBe("table");
    expect(text(cut.readFile("db/1.log"))).toBe("durable");

    root.workerGone(); // the worker ends without closing: what it wrote is there
    const after = await OpfsEnv.open(root, { reserve: 4 });
    expect(text(after.readFile("db/1.log"))).toBe("durable and not");
  });

  test("a rename over a path cut short between its two header writes: the newer header wins, the older is freed", async () => {
    const root = new FakeOpfsDirectory();
    const env = await OpfsEnv.open(root, { reserve: 4 });
    writeFile(env, "CURRENT", "old");
    writeFile(env, "CURRENT.tmp", "new");
    await env.close();
    // the first of rename's writes: CURRENT.tmp's pool file now says CURRENT, at a higher generation
    const files = [...root.files.entries()];
    const holder = (data: string) => files.find(([, f]) => new TextDecoder().decode(f.bytes.subarray(DATA_OFFSET)) === data)![1];
    const tmp = holder("new");
    tmp.bytes.set(encodeHeader({ kind: EntryKind.File, generation: 1000, path: "CURRENT" }));
    tmp.durable = tmp.bytes.slice();
    const cut = root.powerLoss();
    const again = await OpfsEnv.open(cut, { reserve: 4 });
    expect(again.list("")).toEqual(["CURRENT"]);
    expect(text(again.readFile("CURRENT"))).toBe("new");
    // and the loser was freed durably: removing CURRENT does not bring "old" back
    again.remove("CURRENT");
    await again.close();
    const last = await OpfsEnv.open(cut.powerLoss(), { reserve: 4 });
    expect(last.list("")).toEqual([]);
  });

  test("a torn header write leaves the file's previous header: a torn rename is undone, a torn create leaves a free file", async () => {
    const root = new FakeOpfsDirectory();
    const env = await OpfsEnv.open(root, { reserve: 4 });
    writeFile(env, "a", "A");
    env.rename("a", "b");
    writeFile(env, "c", "C");
    await env.close();
    const holding = (data: string) => [...root.files.values()].find((f) => f.bytes.length === DATA_OFFSET + 1 && f.bytes[DATA_OFFSET] === data.charCodeAt(0))!;
    /** Spoils the slot holding the header that names `path`, as a write torn by a crash would. */
    const tear = (data: string, path: string) => {
      const f = holding(data);
      const slot = [0, 1].find((i) => decodeHeader(f.bytes.subarray(i * HEADER_BYTES, (i + 1) * HEADER_BYTES))?.path === path)!;
      f.bytes[slot * HEADER_BYTES + 30] ^= 0xff;
    };
    tear("A", "b");
    tear("C", "c");
    const again = await OpfsEnv.open(root, { reserve: 4 });
    expect(again.list("")).toEqual(["a"]);
    expect(text(again.readFile("a"))).toBe("A");
    await again.close();
  });

  test("a removed file stays readable while open; its pool file is reused only after the reader closes", async () => {
    const env = await OpfsEnv.open(new FakeOpfsDirectory(), { reserve: 4 });
    writeFile(env, "t.sst", "0123456789");
    const r = env.openRead("t.sst");
    env.remove("t.sst");
    expect(env.size("t.sst")).toBeNull();
    for (let i = 0; i < 3; i++) writeFile(env, `other${i}`, "zzzzzzzzzzzzzzzz"); // would have reused it
    expect(text(r.read(2, 5))).toBe("23456");
    const before = env.poolStats().free;
    r.close();
    expect(env.poolStats().free).toBe(before + 1);
    await env.close();
  });

  test("a create with no free file fails with EAGAIN, and the reserve refills in the background", async () => {
    const env = await OpfsEnv.open(new FakeOpfsDirectory(), { reserve: 2 });
    writeFile(env, "a", "1");
    writeFile(env, "b", "2");
    expect(codeOf(() => env.create("c"))).toBe("EAGAIN");
    await new Promise((r) => setTimeout(r, 10));
    expect(env.poolStats().free).toBe(2);
    writeFile(env, "c", "3");
    expect(env.list("").sort()).toEqual(["a", "b", "c"]);
    await env.close();
  });

  test("a second env over the directory is refused (EBUSY) until the first closes, and opens no handle after open", async () => {
    const root = new FakeOpfsDirectory();
    const env = await OpfsEnv.open(root, { reserve: 3 });
    await expect(OpfsEnv.open(root)).rejects.toMatchObject({ code: "EBUSY" });
    const opened = root.handlesOpened;
    env.mkdir("d");
    writeFile(env, "d/x", "x");
    env.rename("d/x", "d/y");
    expect(root.handlesOpened).toBe(opened); // synchronous calls on handles open already
    await env.close();
    await (await OpfsEnv.open(root)).close();
  });

  test("paths: missing parents, files in the way, too long a name", async () => {
    const env = await OpfsEnv.open(new FakeOpfsDirectory(), { reserve: 4 });
    expect(codeOf(() => env.create("nodir/x"))).toBe("ENOENT");
    expect(codeOf(() => env.list("nodir"))).toBe("ENOENT");
    writeFile(env, "f", "");
    expect(codeOf(() => env.mkdir("f/g"))).toBe("EEXIST");
    expect(codeOf(() => env.create("x".repeat(600)))).toBe("ENAMETOOLONG");
    env.mkdir("./a/./b");
    expect(env.list("/a")).toEqual(["b"]);
    await env.close();
  });
});

describe("the store on OpfsEnv", () => {
  test("writes, a flush and a compaction; after close and a reopen, and after a power cut, every synced write is there", async () => {
    const root = new FakeOpfsDirectory();
    const env = await OpfsEnv.open(root);
    const store = Store.open({ kernels, dir: "db", env, memtableBytes: 16 * 1024 });
    for (let i = 0; i < 2000; i++) await store.put(utf8(`key${String(i).padStart(5, "0")}`), utf8(`value-${i}`), { sync: i % 100 === 99 });
    await store.put(utf8("last"), utf8("synced"));
    await store.compactRange();
    expect(store.levelInfo().some((l) => l.level > 0 && l.tables > 0)).toBe(true);
    const cut = root.powerLoss();
    await store.close();
    await env.close();

    for (const dir of [root, cut]) {
      const reopened = await OpfsEnv.open(dir);
      const again = Store.open({ kernels, dir: "db", env: reopened });
      for (const i of [0, 777, 1999]) expect(text(again.get(utf8(`key${String(i).padStart(5, "0")}`)))).toBe(`value-${i}`);
      expect(text(again.get(utf8("last")))).toBe("synced");
      await again.close();
      await reopened.close();
    }
  });
});

describe("WasmLevel on OpfsEnv, with kernels given as an object (as a browser gives them)", () => {
  test("the database's writes are there after a close, a new env and a reopen; a non-Env is refused", async () => {
    const root = new FakeOpfsDirectory();
    let env = await OpfsEnv.open(root);
    const db = new WasmLevel<string, string>("db", { env, kernels, valueEncoding: "json" });
    await db.batch([{ type: "put", key: "a", value: { n: 1 } as never }, { type: "put", key: "b", value: { n: 2 } as never }]);
    await db.del("a");
    await db.close();
    await env.close();
    env = await OpfsEnv.open(root);
    const again = new WasmLevel<string, string>("db", { env, kernels, valueEncoding: "json", createIfMissing: false });
    expect(await again.iterator().all()).toEqual([["b", { n: 2 }]]);
    await again.close();
    await env.close();
    expect(() => new WasmLevel("db", { env: {} as never })).toThrow("env must be an Env");
  });
});

describe("the pool file header (FORMAT.md \"OPFS pool file\")", () => {
  test("the worked example's bytes, decoded back; a flipped byte or a bad magic reads as no header", () => {
    const bytes = encodeHeader({ kind: EntryKind.File, generation: 7, path: "db/CURRENT" });
    expect(bytes.length).toBe(HEADER_BYTES);
    const hex = [...bytes.subarray(0, 32)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    expect(hex).toBe("57 4c 4f 50 06 fd c8 57 01 00 00 00 00 00 00 00 00 00 1c 40 0a 00 64 62 2f 43 55 52 52 45 4e 54");
    expect(bytes.subarray(32).every((b) => b === 0)).toBe(true);
    expect(decodeHeader(bytes)).toEqual({ kind: EntryKind.File, generation: 7, path: "db/CURRENT" });
    const flipped = bytes.slice();
    flipped[300] = 1; // in the zero tail, under the CRC
    expect(decodeHeader(flipped)).toBeNull();
    const unnamed = bytes.slice();
    unnamed[0] = 0;
    expect(decodeHeader(unnamed)).toBeNull();
    expect(decodeHeader(new Uint8Array(HEADER_BYTES))).toBeNull();
  });
});
