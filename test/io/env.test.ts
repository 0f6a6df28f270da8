// The file system interface of lsm/ (src/lsm/env.ts): one contract over the Node, in-memory and
// fault-injecting implementations; the in-memory one's power loss (crashClone) keeps exactly what
// was synced; the fault-injecting one fails the calls it was armed for, and only those.
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { Env } from "../../src/lsm/env.js";
import { FaultEnv } from "../../src/io/fault-env.js";
import { MemoryEnv } from "../../src/io/memory-env.js";
import { NodeEnv } from "../../src/io/node-env.js";
import { OpfsEnv } from "../../src/io/opfs-env.js";
import { FakeOpfsDirectory } from "../support/fake-opfs.js";
import { tempDirs } from "../support/temp-dirs.js";
import { codeOf } from "../support/rejection.js";

const freshDir = tempDirs("wasm-lsm-env-test");
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const memoryRoot = (env: MemoryEnv) => {
  env.mkdir("/db");
  return "/db";
};

const implementations: [string, () => { env: Env; dir: string } | Promise<{ env: Env; dir: string }>][] = [
  ["node", () => ({ env: new NodeEnv(), dir: freshDir() })],
  ["memory", () => { const env = new MemoryEnv(); return { env, dir: memoryRoot(env) }; }],
  ["fault (disarmed) over memory", () => { const inner = new MemoryEnv(); return { env: new FaultEnv(inner), dir: memoryRoot(inner) }; }],
  ["opfs (over a fake OPFS directory)", async () => { const env = await OpfsEnv.open(new FakeOpfsDirectory()); env.mkdir("/db"); return { env, dir: "/db" }; }],
];

describe.each(implementations)("the Env contract: %s", (_name, make) => {
  test("create, append, size, read, list", async () => {
    const { env, dir } = await make();
    const f = env.create(join(dir, "a.log"), { exclusive: true });
    f.append(bytes("hello "));
    f.append(bytes("world"));
    expect(f.size).toBe(11);
    f.sync();
    f.close();
    expect(env.size(join(dir, "a.log"))).toBe(11);
    expect(text(env.readFile(join(dir, "a.log")))).toBe("hello world");
    const r = env.openRead(join(dir, "a.log"));
    expect([r.size, text(r.read(6, 5))]).toEqual([11, "world"]);
    expect(() => r.read(8, 5)).toThrow(RangeError);
    r.close();
    expect(env.list(dir).sort()).toEqual(["a.log"]);
    expect(env.size(join(dir, "missing"))).toBeNull();
    expect(codeOf(() => env.readFile(join(dir, "missing")))).toBe("ENOENT");
  });

  test("exclusive create refuses an existing file; a plain create empties it", async () => {
    const { env, dir } = await make();
    const path = join(dir, "x");
    const old = env.create(path);
    old.append(bytes("old"));
    old.close();
    expect(codeOf(() => env.create(path, { exclusive: true }))).toBe("EEXIST");
    const f = env.create(path);
    f.close();
    expect(env.size(path)).toBe(0);
  });

  test("reopen cuts to the bytes kept and appends after them; truncate cuts", async () => {
    const { env, dir } = await make();
    const path = join(dir, "000001.log");
    const f = env.create(path);
    f.append(bytes("0123456789"));
    f.close();
    const g = env.reopen(path, 4);
    expect(g.size).toBe(4);
    g.append(bytes("ab"));
    g.sync();
    g.truncate(5);
    g.append(bytes("Z"));
    g.close();
    expect(text(env.readFile(path))).toBe("0123aZ");
  });

  test("rename replaces; remove of a missing file is no error; mkdir makes parents", async () => {
    const { env, dir } = await make();
    const write = (name: string, data: string) => {
      const f = env.create(join(dir, name));
      f.append(bytes(data));
      f.close(); // appends may be buffered until sync or close
    };
    write("a", "A");
    write("b", "B");
    env.rename(join(dir, "a"), join(dir, "b"));
    expect(env.list(dir).sort()).toEqual(["b"]);
    expect(text(env.readFile(join(dir, "b")))).toBe("A");
    env.remove(join(dir, "b"));
    env.remove(join(dir, "b"));
    env.mkdir(join(dir, "lost", "deeper"));
    expect(env.list(dir)).toEqual(["lost"]);
    env.syncDir(dir);
  });
});

describe("MemoryEnv.crashClone: what a power loss leaves", () => {
  test("only synced bytes, under only names whose directory was synced", () => {
    const env = new MemoryEnv();
    env.mkdir("/db");
    const log = env.create("/db/000001.log");
    log.append(bytes("durable"));
    log.sync();
    env.syncDir("/db");
    log.append(bytes(" and not"));
    const tmp = env.create("/db/T.tmp");
    tmp.append(bytes("table"));
    tmp.sync();
    env.rename("/db/T.tmp", "/db/T.sst"); // renamed, the directory not synced
    env.create("/db/new.log").append(bytes("x")); // created, not synced
    const crashed = env.crashClone();
    expect(crashed.list("/db").sort()).toEqual(["000001.log"]);
    expect(text(crashed.readFile("/db/000001.log"))).toBe("durable");
    env.syncDir("/db");
    const later = env.crashClone();
    expect(later.list("/db").sort()).toEqual(["000001.log", "T.sst", "new.log"]);
    expect(text(later.readFile("/db/T.sst"))).toBe("table");
    expect(text(later.readFile("/db/new.log"))).toBe(""); // its byte was never synced
  });

  test("a remove not followed by a directory sync is undone; a truncate not synced too", () => {
    const env = new MemoryEnv();
    env.mkdir("/db");
    const f = env.create("/db/a");
    f.append(bytes("abcdef"));
    f.sync();
    env.syncDir("/db");
    f.truncate(2);
    env.remove("/db/a");
    const crashed = env.crashClone();
    expect(text(crashed.readFile("/db/a"))).toBe("abcdef");
    // the clone is a file system of its own: writing to it leaves the original alone
    crashed.create("/db/b").append(bytes("b"));
    expect(env.list("/db")).toEqual([]);
  });
});

describe("FaultEnv", () => {
  test("fails the Nth matching call with the code asked, as many times as asked, then heals", () => {
    const env = new FaultEnv(new MemoryEnv());
    env.inner.mkdir("/db");
    env.fail({ op: "write", path: ".log", code: "ENOSPC", after: 2, times: 2 });
    const log = env.create("/db/1.log");
    const table = env.create("/db/1.sst");
    const outcomes: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(codeOf(() => log.append(bytes("x"))));
      table.append(bytes("y")); // another path: never failed
    }
    expect(outcomes).toEqual(["no error", "no error", "ENOSPC", "ENOSPC", "no error"]);
    expect(env.size("/db/1.log")).toBe(3);
    expect(env.counts.write).toBe(10);
    env.fail({ op: "rename", times: Infinity });
    expect(codeOf(() => env.rename("/db/1.sst", "/db/2.sst"))).toBe("EIO");
    expect(codeOf(() => env.rename("/db/1.sst", "/db/2.sst"))).toBe("EIO");
    env.heal();
    env.rename("/db/1.sst", "/db/2.sst");
    expect(env.list("/db").sort()).toEqual(["1.log", "2.sst"]);
  });

  test("a background sync fails through its callback, and the bytes stay unsynced", async () => {
    const inner = new MemoryEnv();
    inner.mkdir("/db");
    const env = new FaultEnv(inner);
    const log = env.create("/db/1.log");
    inner.syncDir("/db");
    log.append(bytes("abc"));
    env.fail({ op: "sync", code: "EIO" });
    const err = await new Promise<Error | null>((resolve) => log.syncInBackground(resolve));
    expect((err as { code?: string } | null)?.code).toBe("EIO");
    expect(text(inner.crashClone().readFile("/db/1.log"))).toBe("");
    expect(await new Promise<Error | null>((resolve) => log.syncInBackground(resolve))).toBeNull();
    expect(text(inner.crashClone().readFile("/db/1.log"))).toBe("abc");
  });
});
