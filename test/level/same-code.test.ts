// The same application code over classic-level (LevelDB, native) and over WasmLevel (wasm and js
// kernels): each scenario below is one function of a database, run on a fresh directory for each
// engine, and what it returns must be the same value for value, types included (a Buffer is not a
// Uint8Array). Batches, range iteration both ways with every range option and limits, seeks,
// snapshots while writing, sublevels, level-read-stream over an iterator, encodings, clear().
// Data crosses the MemTable and the tables: each scenario's base data is compacted (compactRange)
// before its later writes.

import type { AbstractLevel } from "abstract-level";
import { ClassicLevel } from "classic-level";
import { EntryStream } from "level-read-stream";
import { describe, expect, test } from "vitest";
import { WasmLevel } from "../../src/index.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-same-code");

/** What both classes are: abstract-level databases over strings and bytes, with compactRange. */
type Db = AbstractLevel<string | Buffer | Uint8Array, string, string> & { compactRange(start: string, end: string): Promise<void> };
type Scenario = (db: Db) => Promise<unknown>;

// (abstract-level's declarations type hooks by the database's own class, so TypeScript relates
// neither subclass to the base class: hence the casts)
const ENGINES: Record<string, (dir: string) => Db> = {
  "classic-level": (dir) => new ClassicLevel<string, string>(dir) as unknown as Db,
  "WasmLevel (wasm)": (dir) => new WasmLevel<string, string>(dir, { kernels: "wasm" }) as unknown as Db,
  "WasmLevel (js)": (dir) => new WasmLevel<string, string>(dir, { kernels: "js" }) as unknown as Db,
};

/** Bytes as text that keeps their type: "Buffer 00ff", "Uint8Array 00ff". */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return `${value.constructor.name} ${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** The scenario's result on every engine, each on its own directory, the database closed after. */
async function runOnEach(scenario: Scenario): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const [name, make] of Object.entries(ENGINES)) {
    const db = make(freshDir());
    await db.open();
    try {
      results[name] = plain(await scenario(db));
    } finally {
      await db.close();
    }
  }
  return results;
}

async function expectSameEverywhere(scenario: Scenario): Promise<unknown> {
  const results = await runOnEach(scenario);
  const reference = results["classic-level"];
  for (const [name, result] of Object.entries(results)) expect(result, name).toEqual(reference);
  return reference;
}

// Keys that sit right at the bytewise boundaries the range options translate to (k + 0x00).
const KEYS = ["", "a", "a\x00", "a\x00\x00", "aa", "ab", "b", "b\x00", "bb", "c"];
const BOUNDS = ["", "a", "a\x00", "aa", "b", "b\x00", "bc", "d"];

async function rangeData(db: Db): Promise<void> {
  await db.batch(KEYS.map((key, i) => ({ type: "put" as const, key, value: `v${i}` })));
  await db.compactRange("", "z");
  // later versions in the MemTable over the tables: an overwrite, a delete, a new key
  await db.batch([
    { type: "put", key: "aa", value: "new" },
    { type: "del", key: "b" },
    { type: "put", key: "a\x00\x01", value: "added" },
  ]);
}

function rangeOptionSets(): Record<string, string>[] {
  const lower = [{}, ...BOUNDS.flatMap((b) => [{ gt: b }, { gte: b }])];
  const upper = [{}, ...BOUNDS.flatMap((b) => [{ lt: b }, { lte: b }])];
  const both = [{ gt: "a", gte: "a" }, { lt: "b\x00", lte: "b\x00" }, { gt: "aa", gte: "a", lt: "bb", lte: "b" }];
  return [...lower.flatMap((l) => upper.map((u) => ({ ...l, ...u }))), ...both];
}

describe("the same application code over classic-level and WasmLevel", () => {
  test("array and chained batches, puts and deletes, read back with get, getMany, has, hasMany and getSync", async () => {
    const result = await expectSameEverywhere(async (db) => {
      await db.batch([
        { type: "put", key: "a", value: "1" },
        { type: "put", key: "b", value: "2" },
        { type: "put", key: "c", value: "3" },
        { type: "del", key: "b" },
        { type: "put", key: "a", value: "1'" }, // the later of two puts of a key in one batch wins
      ]);
      await db.batch().put("d", "4").del("c").put("e", "5").del("nothing").write();
      const chained = db.batch().put("f", "6");
      chained.clear(); // dropped
      await chained.put("g", "7").write();
      return {
        entries: await db.iterator().all(),
        gets: [await db.get("a"), await db.get("b"), await db.get("zzz")],
        many: await db.getMany(["a", "b", "c", "d", "e", "f", "g"]),
        has: [await db.has("a"), await db.has("b")],
        hasMany: await db.hasMany(["d", "c", "g"]),
        sync: [db.getSync("e"), db.getSync("c")],
      };
    });
    expect(result).toMatchObject({ gets: ["1'", undefined, undefined], hasMany: [true, false, true] });
  });

  test(`range iteration forward and reverse: every combination of gt, gte, lt and lte over ${BOUNDS.length} bounds, with and without limit`, async () => {
    const sets = rangeOptionSets();
    const result = (await expectSameEverywhere(async (db) => {
      await rangeData(db);
      const out: unknown[] = [];
      for (const range of sets) {
        for (const reverse of [false, true]) {
          out.push(await db.iterator({ ...range, reverse }).all());
          out.push(await db.keys({ ...range, reverse, limit: 2 }).all());
          out.push(await db.values({ ...range, reverse, limit: 1 }).all());
        }
      }
      return out;
    })) as unknown[];
    expect(result.length).toBe(sets.length * 6);
    expect(result[0]).toHaveLength(KEYS.length); // no options: every live key (one added, one deleted)
  });

  test("limit, nextv and seek, forward and reverse, within a range", async () => {
    await expectSameEverywhere(async (db) => {
      await rangeData(db);
      const out: unknown[] = [];
      for (const reverse of [false, true]) {
        for (const limit of [-1, 0, 1, 3, 100]) out.push(await db.iterator({ reverse, limit }).all());
        const it = db.iterator({ gte: "a", lte: "bb", reverse });
        out.push(await it.nextv(2));
        for (const target of ["", "a\x00", "ab", "b", "b\x00\x00", "z"]) {
          it.seek(target);
          out.push(await it.next(), await it.nextv(2));
        }
        await it.close();
        const keys = db.keys({ gt: "a", reverse });
        keys.seek("b");
        out.push(await keys.all());
      }
      return out;
    });
  });

  test("long reads (past the 1,000 entries WasmLevel reads per turn of the event loop), with writes made while they run", async () => {
    const result = (await expectSameEverywhere(async (db) => {
      await db.batch(Array.from({ length: 2500 }, (_, i) => ({ type: "put" as const, key: `k${String(i).padStart(4, "0")}`, value: String(i) })));
      const all = db.iterator().all(); // made before the writes: it does not see them
      const writes = Promise.all([db.put("k0001", "changed"), db.del("k2400"), db.put("k9999", "added")]);
      const [entries] = await Promise.all([all, writes]);
      const it = db.values({ reverse: true, limit: 2100 }); // made after them: it does
      const chunks = [await it.nextv(1500), await it.nextv(1500), await it.nextv(1)];
      await it.close();
      return { entries, chunks, after: await db.keys({ gte: "k2399", lte: "k2401" }).all() };
    })) as { entries: unknown[]; chunks: unknown[][] };
    expect(result.entries).toHaveLength(2500);
    expect(result.chunks.map((c) => c.length)).toEqual([1500, 600, 0]);
    expect(result.chunks[0][0]).toBe("added");
  });

  test("snapshots while writing: explicit snapshots for get, getMany, has and iterators; an iterator's implicit snapshot", async () => {
    await expectSameEverywhere(async (db) => {
      await db.batch([
        { type: "put", key: "k1", value: "old1" },
        { type: "put", key: "k2", value: "old2" },
      ]);
      const snapshot = db.snapshot();
      const early = db.iterator(); // made before the writes below: it does not see them
      await db.put("k1", "new1");
      await db.del("k2");
      await db.put("k3", "new3");
      await db.compactRange("k", "l"); // the snapshot's versions must survive the compaction
      await db.put("k1", "newer1");
      const out = {
        atSnapshot: [await db.get("k1", { snapshot }), await db.get("k2", { snapshot }), await db.get("k3", { snapshot })],
        manyAtSnapshot: await db.getMany(["k1", "k2", "k3"], { snapshot }),
        hasAtSnapshot: await db.hasMany(["k2", "k3"], { snapshot }),
        iteratorAtSnapshot: await db.iterator({ snapshot, reverse: true }).all(),
        early: await early.all(),
        now: await db.iterator().all(),
      };
      await snapshot.close();
      return out;
    });
  });

  test("sublevels: nested, with their own encodings, in batches of the parent, iterated, cleared", async () => {
    await expectSameEverywhere(async (db) => {
      const users = db.sublevel("users");
      const tags = users.sublevel<string, unknown>("tags", { valueEncoding: "json" });
      await users.put("ann", "1");
      await users.put("bob", "2");
      await tags.put("ann", { admin: true, n: [1, 2] });
      await db.batch([
        { type: "put", sublevel: users, key: "cid", value: "3" },
        { type: "put", key: "top", value: "t" },
        { type: "del", sublevel: users, key: "bob" },
      ]);
      const out: Record<string, unknown> = {
        root: await db.iterator().all(),
        users: await users.iterator().all(),
        usersReverseKeys: await users.keys({ gt: "ann", reverse: true }).all(),
        tags: await tags.iterator().all(),
        tag: await tags.get("ann"),
        prefixes: [users.prefix, tags.prefix],
      };
      await users.clear({ gte: "c" });
      out.afterClear = await db.keys().all();
      return out;
    });
  });

  test("level-read-stream: an EntryStream over a range of the database", async () => {
    const result = await expectSameEverywhere(async (db) => {
      await db.batch(Array.from({ length: 40 }, (_, i) => ({ type: "put" as const, key: `key${String(i).padStart(2, "0")}`, value: `value ${i}` })));
      await db.compactRange("key", "kez");
      await db.put("key05", "changed");
      const streamed: unknown[] = [];
      for await (const entry of new EntryStream(db as never, { gte: "key03", lt: "key30", reverse: true, limit: 20 })) streamed.push(entry);
      return streamed;
    });
    expect(result).toHaveLength(20);
  });

  test("encodings: json, utf8, buffer, view and hex keys and values, per database and per call", async () => {
    await expectSameEverywhere(async (db) => {
      const binaryKey = Buffer.from([0xff, 0x00, 0x80]);
      await db.put("doc", JSON.stringify({ a: 1 }));
      await db.put("obj", { nested: [1, "two", null] } as never, { valueEncoding: "json" });
      await db.put(binaryKey as never, Buffer.from([1, 2, 3]) as never, { keyEncoding: "buffer", valueEncoding: "buffer" });
      await db.put("text", "héllo wörld ✓");
      await db.put("hex", "00ff10" as never, { valueEncoding: "hex" });
      return {
        json: await db.get("obj", { valueEncoding: "json" }),
        jsonAsText: await db.get("obj"),
        docAsJson: await db.get("doc", { valueEncoding: "json" }),
        buffer: await db.get(binaryKey as never, { keyEncoding: "buffer", valueEncoding: "buffer" }),
        view: await db.get(binaryKey as never, { keyEncoding: "buffer", valueEncoding: "view" }),
        textAsBuffer: await db.get("text", { valueEncoding: "buffer" }),
        hex: await db.get("hex", { valueEncoding: "hex" }),
        bufferKeys: await db.keys({ keyEncoding: "buffer" }).all(),
        viewEntries: await db.iterator({ keyEncoding: "view", valueEncoding: "view", gte: "t" }).all(),
        hexKeys: await db.keys({ keyEncoding: "hex", lt: "hex" }).all(),
      };
    });
  });

  test("clear of a range, forward and reverse, with limits, and of everything", async () => {
    await expectSameEverywhere(async (db) => {
      await db.batch(Array.from({ length: 30 }, (_, i) => ({ type: "put" as const, key: `k${String(i).padStart(2, "0")}`, value: String(i) })));
      await db.compactRange("k", "l");
      await db.put("k31", "31");
      const out: unknown[] = [];
      await db.clear({ gte: "k05", lt: "k15" });
      out.push(await db.keys().all());
      await db.clear({ reverse: true, limit: 3 });
      out.push(await db.keys().all());
      await db.clear({ gt: "k00", limit: 2 });
      out.push(await db.keys().all());
      await db.clear({ lte: "k02" });
      out.push(await db.keys().all());
      await db.clear();
      out.push(await db.keys().all());
      return out;
    });
  });
});
