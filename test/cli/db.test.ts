// `wasm-lsm db get|put|delete|scan|dump|stats|compact|check` as the user runs them: the built bin
// (dist/src/cli.js; `npm test` builds it first) as a child process, on store directories made by
// the db commands themselves and by the protocol node (--data-dir).
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { ProgressBar, progressBar } from "../../src/cli/progress.js";
import { NodeRandomAccessFile } from "../../src/io/node-file.js";
import { loadKernels } from "../../src/kernels/node.js";
import { readStoreManifest } from "../../src/lsm/manifest.js";
import { ManifestWriter, snapshotEdit } from "../../src/lsm/manifest-log.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { Table } from "../../src/sstable/reader.js";
import { assertBuilt, CLI, ROOT, runCli, runProcess, type Exit } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-db");
const db = (args: string[], stdin = "") => runCli(["db", ...args], stdin);
const lines = (stdout: string) => stdout.trimEnd().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);

/** Every file under dir (relative path -> bytes), and every directory: to compare a directory before and after. */
function snapshot(dir: string): Map<string, Buffer | "dir"> {
  const all = new Map<string, Buffer | "dir">();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        all.set(relative(dir, p), "dir");
        walk(p);
      } else all.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return all;
}

// A store the protocol node wrote (--data-dir): 3000 keys, a table at level 1 (two flushes
// compacted), two at level 0, and the last 100 writes in the log only. Each value is 60 to 99 bytes.
const N = 3000;
const key = (i: number) => `key${String(i).padStart(5, "0")}`;
const value = (i: number) => `value-${i}-`.padEnd(60 + (i % 40), "x");
const LIVE_BYTES = Array.from({ length: N }, (_, i) => key(i).length + value(i).length).reduce((a, b) => a + b, 0);

function nodeInput(): string {
  const out: string[] = [];
  const send = (body: object) => out.push(JSON.stringify({ src: "c0", dest: "n1", body: { ...body, msg_id: out.length + 1 } }));
  const puts = (from: number, to: number) => {
    for (let n = 0; n < to - from; n++) {
      const i = from + ((n * 7919) % (to - from)); // a permutation: keys in random order
      send({ type: "memtable_put", key: key(i), value: value(i) });
    }
  };
  puts(0, 1000);
  send({ type: "sstable_flush" });
  puts(1000, 2000);
  send({ type: "sstable_flush" });
  send({ type: "lsm_compact", source_level: 0, target_level: 1 });
  puts(2000, 2450);
  send({ type: "sstable_flush" });
  puts(2450, 2900);
  send({ type: "sstable_flush" });
  puts(2900, N);
  return `${out.join("\n")}\n`;
}

let loaded: string;

/** A copy of the loaded store, to change or to read beside other commands (each takes the lock). */
function copyOfLoaded(): string {
  const dir = join(freshDir(), "store");
  cpSync(loaded, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  assertBuilt();
  loaded = join(freshDir(), "loaded");
  const run = await runCli(["--data-dir", loaded, "--no-compaction"], nodeInput());
  if (run.code !== 0) throw new Error(`loading the store failed: ${run.stderr}`);
  expect(readdirSync(loaded).filter((f) => f.endsWith(".sst")).sort()).toEqual(["L0_004.sst", "L0_005.sst", "L1_003.sst"]);
});

describe("wasm-lsm db on a small store", () => {
  test("put, get, delete, scan and dump: UTF-8 and binary keys and values, --hex both ways", async () => {
    const dir = join(freshDir(), "small");
    const writes: string[][] = [
      ["put", dir, "m", "first", "--create-if-missing"],
      ["put", dir, "café", "naïve ☃"],
      ["put", dir, "ff00", "80ff", "--hex"], // bytes that are not UTF-8
      ["--kernels", "js", "put", dir, "a", ""],
      ["delete", dir, "6d", "--hex", "--kernels", "js"], // "m"
    ];
    for (const args of writes) {
      const run = args[0] === "--kernels" ? await runCli([...args.slice(0, 2), "db", ...args.slice(2)]) : await db(args);
      expect(run, args.join(" ")).toEqual({ code: 0, stdout: "", stderr: "" });
    }
    // each command takes the store's lock: the reads run side by side on copies
    const reads = [
      ["get", "m"],
      ["get", "ff00", "--hex", "--verbose"],
      ["scan", "--from", "b", "--to", "ff"],
      ["scan", "--reverse", "--limit", "2"],
      ["scan", "--hex", "--from", "62"],
      ["dump"],
      ["stats"],
    ];
    const base = freshDir();
    const runs = await Promise.all(reads.map(([command, ...rest], i) => {
      const copy = join(base, String(i));
      cpSync(dir, copy, { recursive: true });
      return db([command, copy, ...rest]);
    }));
    const [deleted, hexGet, scan, reverse, hexScan, dump, stats] = runs;
    expect(deleted).toEqual({ code: 0, stdout: '{"found": false, "value": null}\n', stderr: "" });
    expect(hexGet).toMatchObject({ code: 0, stdout: '{"found": true, "value": "80ff"}\n' });
    expect(hexGet.stderr).toMatch(/^wasm-lsm db get: recovery: replayed 5 writes from 000\d+\.log$/m); // --verbose
    expect(scan.stdout).toBe('{"key": "caf\\u00e9", "value": "na\\u00efve \\u2603"}\n'); // "ff" is the end, not included; "m" deleted
    expect(reverse.stdout).toBe('{"key": {"hex": "ff00"}, "value": {"hex": "80ff"}}\n{"key": "caf\\u00e9", "value": "na\\u00efve \\u2603"}\n');
    expect(hexScan.stdout).toBe(`{"key": "${Buffer.from("café").toString("hex")}", "value": "${Buffer.from("naïve ☃").toString("hex")}"}\n{"key": "ff00", "value": "80ff"}\n`);
    const entries = ['{"key": "a", "value": ""}', '{"key": "caf\\u00e9", "value": "na\\u00efve \\u2603"}', '{"key": {"hex": "ff00"}, "value": {"hex": "80ff"}}'];
    expect(dump).toEqual({ code: 0, stderr: "", stdout: entries.map((l) => `${l}\n`).join("") });
    // the writes are only in the log, counted and saved in STATS when each db command closed the store
    const cost = lines(stats.stdout)[7] as { write_amplification: number };
    expect(cost).toEqual({ live_entries: 3, live_bytes: 1 + 15 + 4, disk_bytes: expect.any(Number), space_amplification: expect.any(Number), write_amplification: expect.any(Number), compactions: 0, bytes_compacted: 0 });
    expect(cost.write_amplification).toBeGreaterThan(1); // a log record's header and framing outweigh these small writes
    // dump's lines are sst write's input: a table of the live entries
    const table = join(base, "live.sst");
    expect((await runCli(["sst", "write", table], dump.stdout)).code).toBe(0);
    expect(tableEntries(table)).toEqual([["a", ""], ["café", "naïve ☃"], ["ff00", "80ff"]].map(([k, v], i) => (i === 2 ? [Buffer.from(k, "hex"), Buffer.from(v, "hex")] : [Buffer.from(k), Buffer.from(v)])));
  });
});

describe("wasm-lsm db on a store the node wrote", () => {
  test("stats: the levels, live bytes, space amplification, and the caches of its own scan", async () => {
    const check = await db(["check", loaded]); // not beside stats: check refuses a directory whose lock is held
    const stats = await db(["stats", loaded]);
    expect(stats).toMatchObject({ code: 0, stderr: "" });
    const got = lines(stats.stdout);
    expect(got).toHaveLength(10);
    const sizes = (names: string[]) => names.reduce((n, f) => n + statSync(join(loaded, f)).size, 0);
    expect(got.slice(0, 3)).toEqual([
      { level: 0, tables: 2, bytes: sizes(["L0_004.sst", "L0_005.sst"]), target_bytes: 4 * 4 * 1024 * 1024 },
      { level: 1, tables: 1, bytes: sizes(["L1_003.sst"]), target_bytes: 10 * 1024 * 1024 },
      { level: 2, tables: 0, bytes: 0, target_bytes: 100 * 1024 * 1024 },
    ]);
    expect(got.slice(3, 7).map((l) => l.tables)).toEqual([0, 0, 0, 0]);
    const cost = got[7] as { live_entries: number; live_bytes: number; disk_bytes: number; space_amplification: number; write_amplification: number; compactions: number };
    expect(cost).toMatchObject({ live_entries: N, live_bytes: LIVE_BYTES, compactions: 1 });
    expect(cost.write_amplification).toBeGreaterThan(1); // the node's puts: a log record and a table each, and a compaction
    // every file in the directory, and the LOCK stats held while it counted
    const files = [...snapshot(loaded).values()].reduce((n, b) => n + (b === "dir" ? 0 : b.length), 0);
    expect(cost.disk_bytes - files).toBeGreaterThan(0);
    expect(cost.disk_bytes - files).toBeLessThan(200);
    expect(cost.space_amplification).toBe(Math.round((cost.disk_bytes / LIVE_BYTES) * 10_000) / 10_000);
    // a full scan in a fresh process: each data block read once, each table opened once
    const blocks = /^ok: 3 tables \(2900 entries, (\d+) data blocks, \d+ bytes\)/.exec(check.stdout);
    expect(blocks, check.stdout + check.stderr).not.toBeNull();
    expect(got[8]).toMatchObject({ cache: "block", hits: 0, misses: Number(blocks![1]), hit_rate: 0, capacity_bytes: 8 * 1024 * 1024 });
    expect(got[9]).toMatchObject({ cache: "table", hits: 0, misses: 3, hit_rate: 0, open: 3 });
  });

  test("compact: a key range, then everything, down to the deepest level; the entries unchanged", async () => {
    const dir = copyOfLoaded();
    // the MemTable flushed (a third level-0 table); the one table holding key02000..key02100 compacted into level 1
    const ranged = await db(["compact", dir, "--from", key(2000), "--to", key(2100)]);
    expect(ranged).toMatchObject({ code: 0, stderr: "" });
    expect(lines(ranged.stdout)[0]).toMatchObject({ compactions: 1, tables: 4, levels: [2, 2, 0, 0, 0, 0, 0] });
    const all = await db(["compact", dir, "--progress"]); // stderr is a pipe: no bar
    expect(all).toMatchObject({ code: 0, stderr: "" });
    const result = lines(all.stdout)[0] as { compactions: number; bytes_written: number; tables: number; bytes: number; levels: number[] };
    expect(result).toMatchObject({ compactions: 1, tables: 3, levels: [0, 3, 0, 0, 0, 0, 0] });
    const tables = readdirSync(dir).filter((f) => f.endsWith(".sst"));
    expect(tables.every((f) => f.startsWith("L1_"))).toBe(true);
    expect(result.bytes).toBe(tables.reduce((n, f) => n + statSync(join(dir, f)).size, 0));
    expect(readdirSync(dir).filter((f) => f.endsWith(".log")).map((f) => statSync(join(dir, f)).size)).toEqual([0]); // every write is in a table now
    const every = Array.from({ length: N }, (_, i) => `{"key": "${key(i)}", "value": "${value(i)}"}\n`).join("");
    expect((await db(["dump", dir])).stdout).toBe(every);
  });

  test("dump exits 0, quietly, when the reader of its stdout goes away (| head)", async () => {
    expect(await dumpThenHangUp(copyOfLoaded())).toEqual({ code: 0, stderr: "" });
  });
});

describe("wasm-lsm db check", () => {
  test("a sound store: ok and exit 0, the directory byte for byte as it was", async () => {
    const dir = copyOfLoaded();
    const before = snapshot(dir);
    const run = await db(["check", dir, "--progress"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^ok: 3 tables \(2900 entries, \d+ data blocks, \d+ bytes\) in MANIFEST-000001; 1 log \(100 writes\)\n$/);
    expect(snapshot(dir)).toEqual(before);
  });

  test.skipIf(!existsSync("/usr/bin/script"))("--progress on a terminal (a pty from script(1)): the bar, then the line it leaves erased", async () => {
    const dir = copyOfLoaded();
    const run = await runProcess("/usr/bin/script", ["-qec", `"${process.execPath}" "${CLI}" db check "${dir}" --progress`, "/dev/null"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\rcheck \[[#.]{20}\] +\d+% 1 of 4 files, \d+ s\x1b\[K/);
    expect(run.stdout).toMatch(/\r\x1b\[Kok: 3 tables \(2900 entries, \d+ data blocks, \d+ bytes\) in MANIFEST-000001; 1 log \(100 writes\)\r\n$/);
  });

  test("a flipped byte, a truncated table, a missing table and a damaged log: one line each naming file and offset, exit 1, nothing changed", async () => {
    const dir = copyOfLoaded();
    const [flipped, truncated, missing] = ["L0_004.sst", "L0_005.sst", "L1_003.sst"];
    const block = secondDataBlock(join(dir, flipped));
    const bytes = readFileSync(join(dir, flipped));
    bytes[block.offset + 7] ^= 0x10;
    writeFileSync(join(dir, flipped), bytes);
    const size = statSync(join(dir, truncated)).size;
    truncateSync(join(dir, truncated), size - 100);
    rmSync(join(dir, missing));
    const log = readdirSync(dir).find((f) => f.endsWith(".log"))!;
    const logBytes = readFileSync(join(dir, log));
    logBytes[10] ^= 0x01; // inside the first record's payload
    writeFileSync(join(dir, log), logBytes);
    cpSync(join(dir, "L0_004.sst"), join(dir, "L0_099.sst")); // a table the manifest does not list: a note, not a problem
    const before = snapshot(dir);
    const run = await db(["check", dir]);
    expect(run).toMatchObject({ code: 1, stdout: "" });
    const problems = run.stderr.trimEnd().split("\n");
    expect(problems[0]).toMatch(new RegExp(`^wasm-lsm db check: corruption in ${join(dir, flipped)} at offset ${block.offset}: data block crc32c mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}$`));
    expect(problems.slice(1)).toEqual([
      `wasm-lsm db check: corruption in ${join(dir, truncated)} at offset ${size - 100}: the manifest records ${size} bytes, the file has ${size - 100}`,
      `wasm-lsm db check: corruption in ${join(dir, missing)} at offset 0: the manifest lists this table but the file is missing`,
      expect.stringMatching(new RegExp(`^wasm-lsm db check: corruption in ${join(dir, log)} at offset 0: log record damaged \\(\\d+ bytes\\): checksum mismatch`)),
      "wasm-lsm db check: note: L0_099.sst is not in the manifest: the next open removes it or moves it to lost/",
      "wasm-lsm db check: 4 problems found",
    ]);
    expect(snapshot(dir)).toEqual(before);
  });

  test("key ranges: a table's keys not the manifest's record, two tables of level 1 that overlap", async () => {
    // The manifest rewritten: L0_004.sst (keys key02000..key02449) moved to level 1 and recorded
    // as starting at key01500, inside L1_003.sst (key00000..key01999). Every file itself is sound.
    const dir = copyOfLoaded();
    const { state } = readStoreManifest(dir)!;
    const moved = state.levels[0].find((t) => t.number === 4)!;
    const levels = state.levels.map((ts, level) => (level === 0 ? ts.filter((t) => t !== moved) : level === 1 ? [...ts, { ...moved, smallest: internalKey(Buffer.from(key(1500)), 1, ValueKind.VALUE) }] : ts));
    writeFileSync(join(dir, "MANIFEST-000001"), new ManifestWriter(loadKernels("js")).frame(snapshotEdit({ ...state, levels })));
    renameSync(join(dir, "L0_004.sst"), join(dir, "L1_004.sst"));
    const run = await db(["check", dir]);
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: [
        `corruption in ${join(dir, "L1_004.sst")} at offset 0: key range: the manifest records "key01500" to "key02449", the table holds "key02000" to "key02449" (internal keys, sequence numbers included)`,
        `corruption in ${join(dir, "MANIFEST-000001")} at offset 0: level 1: L1_003.sst ("key00000" to "key01999") overlaps L1_004.sst ("key01500" to "key02449"); a level below 0 holds disjoint tables`,
        "2 problems found",
      ].map((l) => `wasm-lsm db check: ${l}\n`).join(""),
    });
  });

  test("a manifest that does not replay: one line, exit 1", async () => {
    const dir = copyOfLoaded();
    const manifest = readFileSync(join(dir, "MANIFEST-000001"));
    manifest[8] ^= 0xff;
    writeFileSync(join(dir, "MANIFEST-000001"), manifest);
    const damaged = await db(["check", dir]);
    expect(damaged).toMatchObject({ code: 1, stdout: "" });
    expect(damaged.stderr).toMatch(new RegExp(`^wasm-lsm db check: corruption in ${join(dir, "MANIFEST-000001")} at offset 0: manifest record damaged: [^\n]*\n$`));
  });
});

describe("directories db refuses", () => {
  test("a directory a running node holds: every command exits 1 naming the node, nothing changed", async () => {
    const dir = copyOfLoaded();
    const node = await startNode(dir);
    try {
      const before = snapshot(dir);
      const runs = await Promise.all([["get", dir, key(1)], ["put", dir, "k", "v"], ["check", dir]].map((args) => db(args)));
      for (const run of runs) {
        expect(run).toMatchObject({ code: 1, stdout: "" });
        expect(run.stderr).toMatch(new RegExp(`^wasm-lsm db \\w+: (cannot open the store: )?${dir} is in use by (another|a running) wasm-lsm node \\(pid ${node.pid}\\)[^\n]*\n$`));
      }
      expect(snapshot(dir)).toEqual(before);
    } finally {
      await node.stop();
    }
    expect(await db(["get", dir, key(1)])).toMatchObject({ code: 0, stdout: `{"found": true, "value": "${value(1)}"}\n` });
  });

  test("a missing directory, a file, a directory without a store: exit 1, nothing created", async () => {
    const base = freshDir();
    const missing = join(base, "missing");
    const file = join(base, "file");
    const empty = join(base, "empty");
    const orphans = join(base, "orphans");
    writeFileSync(file, "not a store\n");
    mkdirSync(empty);
    mkdirSync(orphans);
    writeFileSync(join(orphans, "L0_005.sst"), "x");
    writeFileSync(join(orphans, "notes.txt"), "x");
    const cases: [string[], string][] = [
      [["get", missing, "k"], `${missing}: no such directory`],
      [["scan", file], `${file} is not a directory`],
      [["stats", empty], `${empty} holds no store (no CURRENT)`],
      [["put", orphans, "k", "v", "--create-if-missing"], `${orphans} holds no store (no CURRENT), though it holds 1 table: if its manifest was lost, run "wasm-lsm repair ${orphans}"`],
    ];
    const runs = await Promise.all(cases.map(([args]) => db(args)));
    runs.forEach((run, i) => expect(run, cases[i][0].join(" ")).toEqual({ code: 1, stdout: "", stderr: `wasm-lsm db ${cases[i][0][0]}: ${cases[i][1]}\n` }));
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(empty)).toEqual([]);
    expect(readdirSync(orphans).sort()).toEqual(["L0_005.sst", "notes.txt"]);
  });
});

describe("db usage", () => {
  test("--help on the group and on a command prints usage on stdout and exits 0", async () => {
    const commands = ["get", "put", "delete", "scan", "dump", "stats", "compact", "check"];
    const helped = ["check"];
    const runs = await Promise.all([["--help"], ...helped.map((c) => [c, "--help"])].map((args) => db(args)));
    for (const run of runs) {
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toMatch(/^Usage: wasm-lsm db /);
      expect(run.stdout).toContain("Exit codes:");
    }
    for (const c of commands) expect(runs[0].stdout).toContain(`wasm-lsm db ${c} DIR`);
    helped.forEach((c, i) => expect(runs[1 + i].stdout).toMatch(new RegExp(`^Usage: wasm-lsm db ${c} DIR`)));
    expect((await runCli(["--help"])).stdout).toContain("wasm-lsm db get DIR KEY");
  });

  test("bad usage exits 2 with a message on stderr and nothing on stdout", async () => {
    const dir = loaded;
    const cases: [string[], RegExp][] = [
      [["nope"], /^wasm-lsm db: unknown command "nope"/],
      [["get"], /^wasm-lsm db get: missing DIR KEY\nRun "wasm-lsm db get --help" for usage/],
      [["get", dir, "zz", "--hex"], /--hex: KEY must be an even number of hex digits, got "zz"/],
      [["put", dir, "", "v"], /KEY is 0 bytes; keys are 1 to 16384 bytes/],
      [["scan", dir, "--limit", "x"], /--limit must be an integer from 0 to/],
      [["dump", dir, "--kernels", "foo"], /--kernels must be wasm or js, got "foo"/],
      [["check", dir, "--frobnicate"], /Unknown option '--frobnicate'/],
    ];
    const before = snapshot(dir);
    const runs = await Promise.all(cases.map(([args]) => db(args)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i][0].join(" ")).toBe(2);
      expect(run.stderr).toMatch(cases[i][1]);
      expect(run.stdout).toBe("");
    });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("the progress bar", () => {
  const terminal = (columns?: number) => {
    const writes: string[] = [];
    return { writes, stream: { isTTY: true, columns, write: (t: string) => writes.push(t) } };
  };

  test("is drawn in place on a terminal at most every 100 ms, and erased at the end", () => {
    const { writes, stream } = terminal(40);
    let now = 1_000;
    const bar = new ProgressBar(stream, "check", () => now);
    bar.update(0.5, "1 of 2 files");
    now += 50;
    bar.update(0.75, "skipped: too soon");
    now += 2_000;
    bar.update(1.5, "2 of 2 files");
    bar.done();
    expect(writes).toEqual([
      "\rcheck [##########..........]  50% 1 of \x1b[K", // cut to the terminal's width less one
      "\rcheck [####################] 100% 2 of \x1b[K",
      "\r\x1b[K",
    ]);
    const wide = terminal(0); // a pty that does not know its width: 80
    new ProgressBar(wide.stream, "dump", () => 0).update(0, "1024 entries");
    expect(wide.writes).toEqual(["\rdump [....................]   0% 1024 entries, 0 s\x1b[K"]);
  });

  test("only when asked for and stderr is a terminal", () => {
    expect(progressBar(true, "x", { isTTY: false, write: () => true })).toBeNull();
    expect(progressBar(false, "x", terminal().stream)).toBeNull();
    expect(progressBar(true, "x", terminal().stream)).toBeInstanceOf(ProgressBar);
  });
});

/** A table's keys and values, in order. */
function tableEntries(path: string): [Buffer, Buffer][] {
  const table = Table.open(new NodeRandomAccessFile(path), { kernels: loadKernels("js") });
  try {
    const out: [Buffer, Buffer][] = [];
    const it = table.iterator();
    for (let e = it.first(); e !== null; e = it.next()) out.push([Buffer.from(e.userKey), Buffer.from(e.value)]);
    return out;
  } finally {
    table.close();
  }
}

/** The offset and size of the second data block of a table (the first starts at 0). */
function secondDataBlock(path: string): { offset: number; size: number } {
  const table = Table.open(new NodeRandomAccessFile(path), { kernels: loadKernels("js") });
  try {
    const handles = table.dataHandles();
    if (handles.length < 2) throw new Error(`${path} has ${handles.length} data block(s)`);
    return handles[1];
  } finally {
    table.close();
  }
}

/** The protocol node on dir, started and holding its lock; stop() ends its input and waits for its exit. */
function startNode(dir: string): Promise<{ pid: number; stop: () => Promise<Exit> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "--data-dir", dir], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const exited = new Promise<Exit>((done) => child.on("close", (code) => done({ code, stdout, stderr })));
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
      if (stderr.includes("durable store in")) resolve({ pid: child.pid!, stop: () => (child.stdin.end(), exited) });
    });
    child.on("error", reject);
    void exited.then((e) => reject(new Error(`the node exited before it was up: ${e.stderr}`)));
  });
}

/** Runs `db dump DIR` and closes its stdout after the first chunk, as `| head` does. */
function dumpThenHangUp(dir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "db", "dump", dir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.stdout.once("data", () => child.stdout.destroy());
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}
