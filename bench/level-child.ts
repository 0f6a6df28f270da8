// One database of the level workloads (bench/level.ts) in a process of its own, so that one
// engine's heap and collector do not weigh on another's figures. It opens the engine on a fresh
// directory (level-engines.ts) and at once runs the write steps, in this order:
//
//   put         n puts, keys in a random order, value version 0, sync: false
//   put-sync    syncOps puts of keys already there with the same bytes, sync: true     (if asked)
//   batch       n/100 batches of 100 puts, every key once, value version 1, sync: false
//   settle      until the disk writes the writes left behind stop (or 10 s)
//
// then the read steps named on its stdin, one name a line, each as often as asked, until stdin
// ends (then it closes the database and removes its directory):
//
//   get         `reads` gets of random present keys
//   get-missing `reads` gets of random missing keys
//   get-sync    the gets of `get` through getSync (skipped if db.supports.getSync is false)
//   nextv       `passes` iterators over the whole range, each read by nextv(1000) to its end
//
// so bench/level.ts can run one engine's reads between another's, with every process's database
// ready. Each call is awaited before the next is made, as an application that awaits each call
// does. put and batch always run: the reads check what they wrote (version 1 of every key), so a
// read that finds another value is caught (bench/level.ts checks the counts and sums against
// db-data.ts). Keys and values are db-data.ts's (16-byte keys, 100-byte values, as db_bench), made
// before each call and outside its latency. One JSON line per step on stdout:
//
//   {"step":"get","ops":..,"ns":..,"lat_p50_ns":..,"lat_p99_ns":..,"found":..,"sum":..}
//
// ns is the wall time of the whole step (ops/s = ops / ns), cpu_ns the CPU time of the process in
// it (less moved by other processes on a shared machine than the wall time); the latencies are of
// each call alone (a batch for batch, a nextv call for nextv, whose ops are the entries read).

import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { dbKey, dbValue, firstWord, order, readTarget, SALT, type Found } from "./db-data.js";
import { BATCH_SIZE, NEXTV_SIZE, type LevelChildArgs } from "./level-args.js";
import { openLevel, type BytesLevel } from "./level-engines.js";

/** The settle step's limit. */
const SETTLE_LIMIT_MS = 10_000;

type Fields = Record<string, number | string>;

/** p50 and p99 (ns): the values at floor(p * (count - 1)) of the sorted latencies. */
function latency(ns: Float64Array): Fields {
  if (ns.length === 0) return { lat_p50_ns: 0, lat_p99_ns: 0 };
  const s = ns.sort();
  const at = (p: number) => Math.round(s[Math.floor(p * (s.length - 1))]);
  return { lat_p50_ns: at(0.5), lat_p99_ns: at(0.99) };
}

const since = (t0: number) => Math.round((performance.now() - t0) * 1e6);

function writeBytes(): number {
  try {
    return Number(/^write_bytes: (\d+)/m.exec(readFileSync("/proc/self/io", "utf8"))?.[1] ?? -1);
  } catch {
    return -1; // not Linux
  }
}

/** Waits until write_bytes has not moved for 5 polls 100 ms apart (background flushes and compactions done), at most 10 s. */
async function settle(): Promise<Fields> {
  const t0 = performance.now();
  let last = writeBytes();
  for (let still = 0; still < 5 && performance.now() - t0 < SETTLE_LIMIT_MS; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const w = writeBytes();
    still = w === last ? still + 1 : 0;
    last = w;
  }
  return { ops: 0, ns: since(t0) };
}

async function puts(db: BytesLevel, keys: Uint32Array, count: number, sync: boolean): Promise<Fields> {
  const lat = new Float64Array(count);
  const options = { sync };
  const t0 = performance.now();
  for (let j = 0; j < count; j++) {
    const i = keys[j];
    const key = dbKey(2 * i);
    const value = dbValue(i, 0);
    const t = performance.now();
    await db.put(key, value, options as never); // sync: classic-level's and ours; memory-level ignores it
    lat[j] = (performance.now() - t) * 1e6;
  }
  return { ops: count, ns: since(t0), ...latency(lat) };
}

async function batches(db: BytesLevel, n: number): Promise<Fields> {
  const keys = order(n, SALT.overwrite);
  const count = Math.ceil(n / BATCH_SIZE);
  const lat = new Float64Array(count);
  const options = { sync: false };
  const t0 = performance.now();
  for (let b = 0; b < count; b++) {
    const ops = [];
    for (let j = b * BATCH_SIZE; j < Math.min(n, (b + 1) * BATCH_SIZE); j++) {
      ops.push({ type: "put" as const, key: dbKey(2 * keys[j]), value: dbValue(keys[j], 1) });
    }
    const t = performance.now();
    await db.batch(ops, options as never);
    lat[b] = (performance.now() - t) * 1e6;
  }
  return { ops: count, ns: since(t0), puts: n, ...latency(lat) };
}

/** reads gets of random present (or missing) keys, awaited, or through getSync. */
async function gets(db: BytesLevel, a: LevelChildArgs, present: boolean, sync: boolean): Promise<Fields> {
  const salt = present ? SALT.readrandom : SALT.readmissing;
  const lat = new Float64Array(a.reads);
  const r: Found = { found: 0, sum: 0 };
  const t0 = performance.now();
  for (let j = 0; j < a.reads; j++) {
    const key = dbKey(2 * readTarget(j, a.n, salt) + (present ? 0 : 1));
    const t = performance.now();
    const v = sync ? db.getSync(key) : await db.get(key);
    lat[j] = (performance.now() - t) * 1e6;
    if (v === undefined) continue;
    r.found++;
    r.sum = (r.sum + firstWord(v)) >>> 0;
  }
  return { ops: a.reads, ns: since(t0), found: r.found, sum: r.sum, ...latency(lat) };
}

/** passes full iterators, each read by nextv(NEXTV_SIZE) until it returns none; latency per call that returned entries. */
async function nextvs(db: BytesLevel, passes: number): Promise<Fields> {
  const lat: number[] = [];
  const r: Found = { found: 0, sum: 0 };
  const t0 = performance.now();
  for (let p = 0; p < passes; p++) {
    const it = db.iterator();
    try {
      for (;;) {
        const t = performance.now();
        const entries = await it.nextv(NEXTV_SIZE);
        if (entries.length === 0) break;
        lat.push((performance.now() - t) * 1e6);
        for (const [, value] of entries) r.sum = (r.sum + firstWord(value)) >>> 0;
        r.found += entries.length;
      }
    } finally {
      await it.close();
    }
  }
  return { ops: r.found, ns: since(t0), calls: lat.length, found: r.found, sum: r.sum, ...latency(Float64Array.from(lat)) };
}

/** The step's fields, with the CPU time the process spent in it (every thread: classic-level's pool, our worker). */
async function timed(step: () => Promise<Fields>): Promise<Fields> {
  const before = process.cpuUsage();
  const fields = await step();
  const cpu = process.cpuUsage(before);
  return { ...fields, cpu_ns: (cpu.user + cpu.system) * 1000 };
}

/** A read step's fields. */
function read(db: BytesLevel, a: LevelChildArgs, step: string): Promise<Fields> {
  // level-supports' typings predate getSync; the manifest has it
  const hasGetSync = (db.supports as { readonly getSync?: boolean }).getSync === true;
  switch (step) {
    case "get":
      return timed(() => gets(db, a, true, false));
    case "get-missing":
      return timed(() => gets(db, a, false, false));
    case "get-sync":
      return hasGetSync ? timed(() => gets(db, a, true, true)) : Promise.resolve({ skipped: "no getSync (db.supports.getSync is false)" });
    case "nextv":
      return timed(() => nextvs(db, a.passes));
    default:
      throw new Error(`unknown read step ${JSON.stringify(step)}`);
  }
}

async function run(a: LevelChildArgs, emit: (step: string, f: Fields) => void): Promise<void> {
  rmSync(a.dir, { recursive: true, force: true });
  mkdirSync(a.dir, { recursive: true });
  const db = await openLevel(a.engine, a.dir);
  try {
    const keys = order(a.n, SALT.fillrandom);
    emit("put", await timed(() => puts(db, keys, a.n, false)));
    if (a.steps.includes("put-sync")) emit("put-sync", await timed(() => puts(db, keys, Math.min(a.syncOps, a.n), true)));
    emit("batch", await timed(() => batches(db, a.n)));
    emit("settle", await settle());
    for await (const step of createInterface({ input: process.stdin })) emit(step, await read(db, a, step));
  } finally {
    await db.close();
    rmSync(a.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? "{}") as LevelChildArgs;
  await run(a, (step, f) => void process.stdout.write(JSON.stringify({ step, ...f }) + "\n"));
}

main().catch((e: unknown) => {
  process.stderr.write(`level-child: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
