// The sweep of abandoned ephemeral stores (src/lsm/ephemeral.ts), in process and across racing
// processes: it removes a directory only when its LOCK says "ephemeral" and names a holder that is
// provably gone, and each such directory is removed by exactly one sweeper.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { removeAbandonedEphemeralStores } from "../../src/lsm/ephemeral.js";
import { CLI, ROOT } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-sweep-test");
const savedTmp = process.env.TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

/** A pid that surely runs nothing: a child that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

/** A directory like a killed node's ephemeral store: a LOCK naming `pid`, a log, a table. */
function store(root: string, name: string, lock: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "LOCK"), lock);
  writeFileSync(join(dir, "000001.log"), "log");
  writeFileSync(join(dir, "L0_001.sst"), "table");
  return dir;
}

describe("removeAbandonedEphemeralStores", () => {
  test("removes marked directories whose holder is gone; keeps live, unmarked, another pid namespace's, non-directories and names without the prefix", () => {
    const root = freshDir();
    process.env.TMPDIR = root;
    const dead = deadPid();
    const gone = store(root, "wasm-lsm-gone", `pid ${dead}\nephemeral\n`);
    const goneWithBreaker = store(root, "wasm-lsm-gone-breaker", `pid ${dead}\nephemeral\n`);
    writeFileSync(join(goneWithBreaker, "LOCK.break"), `pid ${dead}\n`); // a breaker that died: cleared, removed next time
    const live = store(root, "wasm-lsm-live", `pid ${process.pid}\nephemeral\n`);
    const durable = store(root, "wasm-lsm-durable", `pid ${dead}\n`);
    const foreign = store(root, "other-gone", `pid ${dead}\nephemeral\n`);
    const otherNamespace = store(root, "wasm-lsm-container", `pid ${dead}\npidns 1\nephemeral\n`); // cannot be looked at from here
    writeFileSync(join(root, "wasm-lsm-file"), `pid ${dead}\nephemeral\n`);

    const logged: string[] = [];
    expect(removeAbandonedEphemeralStores((m) => logged.push(m))).toEqual([gone]);
    expect(logged).toEqual([`removed ${gone}: an ephemeral store whose node is gone`]);
    expect(existsSync(gone)).toBe(false);
    expect(readdirSync(goneWithBreaker).sort()).toEqual(["000001.log", "L0_001.sst", "LOCK"]);
    expect(removeAbandonedEphemeralStores()).toEqual([goneWithBreaker]);
    for (const kept of [live, durable, foreign, otherNamespace]) expect(readdirSync(kept).sort()).toEqual(["000001.log", "L0_001.sst", "LOCK"]);
    expect(readdirSync(root).sort()).toEqual(["other-gone", "wasm-lsm-container", "wasm-lsm-durable", "wasm-lsm-file", "wasm-lsm-live"]);
  });

  test("a directory whose LOCK.break a live process holds (another sweep or a node taking it over) is left alone", () => {
    const root = freshDir();
    process.env.TMPDIR = root;
    const dir = store(root, "wasm-lsm-busy", `pid ${deadPid()}\nephemeral\n`);
    writeFileSync(join(dir, "LOCK.break"), `pid ${process.pid}\n`);
    expect(removeAbandonedEphemeralStores()).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(["000001.log", "L0_001.sst", "LOCK", "LOCK.break"]);
  });
});

describe("sweepers racing", () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build:ts\` first`);
  });

  test("four processes sweeping 40 abandoned stores at the same instant: each store is removed by exactly one, none fails", async () => {
    const root = freshDir();
    const dead = deadPid();
    const dirs = Array.from({ length: 40 }, (_, i) => store(root, `wasm-lsm-${String(i).padStart(2, "0")}`, `pid ${dead}\nephemeral\n`));
    const sweepJs = join(ROOT, "dist", "src", "lsm", "ephemeral.js");
    const at = Date.now() + 1000;
    const script = `const { removeAbandonedEphemeralStores } = await import(${JSON.stringify(pathToFileURL(sweepJs).href)});
      while (Date.now() < ${at}) {}
      process.stdout.write(JSON.stringify(removeAbandonedEphemeralStores()));`;
    const runs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string[]>((resolve, reject) => {
            const child = spawn(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, TMPDIR: root }, stdio: ["ignore", "pipe", "pipe"] });
            let out = "";
            let err = "";
            child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
            child.stderr.setEncoding("utf8").on("data", (t: string) => (err += t));
            child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`sweeper exited ${code}: ${err}`))));
          }),
      ),
    );
    expect(runs.flat().sort()).toEqual(dirs);
    expect(readdirSync(root)).toEqual([]);
  });
});
