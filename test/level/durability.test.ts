// Durability and the errors of a bad day, through WasmLevel as an application meets them: a process
// killed with SIGKILL in the middle of a stream of writes loses none that were acknowledged (with
// sync: true, and with the default sync: false, which outlives a crash of the process though not a
// power loss); a directory held by another instance, in this process or another, is LEVEL_LOCKED;
// a table damaged on disk is LEVEL_CORRUPTION for the reads that meet the damage, and nothing else
// is lost.

import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { CorruptionError, WasmLevel } from "../../src/index.js";
import { LockedError } from "../../src/lsm/lock.js";
import { tempDirs } from "../support/temp-dirs.js";
import { errorOf } from "../support/rejection.js";

const freshDir = tempDirs("wasm-lsm-level-durability");
const CHILD = fileURLToPath(new URL("./level-child.mjs", import.meta.url));
/** The value level-child.mjs writes for key number i. */
const value = (i: number) => `value of ${i} `.repeat(40);

interface Child {
  readonly process: ChildProcess;
  /** Complete lines printed so far. */
  readonly lines: string[];
  /** Resolves once `count` lines are out (rejects if the child exits first). */
  linesOut(count: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

function child(...args: string[]): Child {
  const p = spawn(process.execPath, [CHILD, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let pending = "";
  p.stdout!.setEncoding("utf8").on("data", (text: string) => {
    const parts = (pending + text).split("\n");
    pending = parts.pop()!; // a line cut by the kill was never acknowledged
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((resolve) => p.on("close", (code) => resolve(code)));
  const linesOut = async (count: number) => {
    while (lines.length < count) {
      const more = new Promise<void>((resolve) => waiters.push(resolve));
      const end = await Promise.race([more.then(() => false), exited.then(() => true)]);
      if (end && lines.length < count) throw new Error(`the child exited after ${lines.length} lines: ${lines.slice(-3).join(" | ")}`);
    }
  };
  return { process: p, lines, linesOut, exited };
}


describe("WasmLevel durability", () => {
  for (const sync of [true, false]) {
    test(`SIGKILL in a stream of puts with sync: ${sync} loses no acknowledged put`, async () => {
      const dir = freshDir();
      const writer = child("write", dir, String(sync));
      await writer.linesOut(400);
      writer.process.kill("SIGKILL");
      await writer.exited;
      const acknowledged = writer.lines;
      expect(acknowledged.length).toBeGreaterThanOrEqual(400);
      expect(readdirSync(dir).filter((f) => f.endsWith(".sst")).length).toBeGreaterThan(0); // flushes ran under the kill

      const db = new WasmLevel(dir);
      await db.open();
      const missing: string[] = [];
      for (const key of acknowledged) {
        const i = Number(key.slice(1));
        if ((await db.get(key)) !== value(i)) missing.push(key);
      }
      expect(missing).toEqual([]);
      await db.close();
    });
  }
});

describe("LEVEL_LOCKED", () => {
  test("a second instance on an open directory in this process is refused; it opens once the first is closed", async () => {
    const dir = freshDir();
    const first = new WasmLevel(dir);
    await first.open();
    await first.put("a", "1");
    const second = new WasmLevel(dir);
    const err = await errorOf(second.open());
    expect(err.code).toBe("LEVEL_DATABASE_NOT_OPEN");
    expect(err.cause?.code).toBe("LEVEL_LOCKED");
    expect(err.cause?.cause).toBeInstanceOf(LockedError);
    expect(err.cause?.message).toContain(dir);
    expect(second.status).toBe("closed");
    expect(await errorOf(second.get("a"))).toMatchObject({ code: "LEVEL_DATABASE_NOT_OPEN" });
    expect(await first.get("a")).toBe("1"); // the first is untouched
    await first.close();
    await second.open();
    expect(await second.get("a")).toBe("1");
    await second.close();
  });

  test("another process holding the directory, and this one holding it against another process", async () => {
    const dir = freshDir();
    const holder = child("hold", dir);
    await holder.linesOut(1);
    expect(holder.lines).toEqual(["open"]);
    const here = new WasmLevel(dir);
    const err = await errorOf(here.open());
    expect([err.code, err.cause?.code]).toEqual(["LEVEL_DATABASE_NOT_OPEN", "LEVEL_LOCKED"]);
    expect(err.cause?.message).toMatch(new RegExp(`pid ${holder.process.pid}`));
    holder.process.stdin!.end(); // it closes the database and exits
    expect(await holder.exited).toBe(0);

    await here.open();
    const opener = child("open", dir);
    expect(await opener.exited).toBe(0);
    expect(opener.lines).toEqual(["LEVEL_DATABASE_NOT_OPEN LEVEL_LOCKED"]);
    await here.close();
  });
});

describe("LEVEL_CORRUPTION", () => {
  test("a byte flipped in a table's first data block: the get and the iterators that read it reject; other blocks and new writes work", async () => {
    const dir = freshDir();
    const key = (i: number) => `key${String(i).padStart(5, "0")}`;
    const db = new WasmLevel(dir);
    await db.batch(Array.from({ length: 2000 }, (_, i) => ({ type: "put" as const, key: key(i), value: `value ${i} `.repeat(10) })));
    await db.compactRange(null, null);
    await db.close();
    const tables = readdirSync(dir).filter((f) => f.endsWith(".sst"));
    expect(tables).toHaveLength(1);
    const path = join(dir, tables[0]);
    const bytes = readFileSync(path);
    bytes[20] ^= 0x40; // the table begins with its first data block, which holds the smallest keys
    writeFileSync(path, bytes);

    await db.open();
    const getErr = await errorOf(db.get(key(0)));
    expect(getErr.code).toBe("LEVEL_CORRUPTION");
    expect(getErr.cause).toBeInstanceOf(CorruptionError);
    expect(getErr.message).toContain(tables[0]);
    expect(await errorOf(db.iterator().all())).toMatchObject({ code: "LEVEL_CORRUPTION" });
    expect(await errorOf(db.keys({ lt: key(3) }).next())).toMatchObject({ code: "LEVEL_CORRUPTION" });
    expect(() => db.getSync(key(1))).toThrow(expect.objectContaining({ code: "LEVEL_CORRUPTION" }));
    // the rest is readable, and the database takes writes
    expect(await db.get(key(1999))).toBe("value 1999 ".repeat(10));
    expect((await db.iterator({ gte: key(1000), limit: 2 }).all()).map(([k]) => k)).toEqual([key(1000), key(1001)]);
    await db.put("new", "value");
    expect(await db.get("new")).toBe("value");
    await db.close();
  });
});
