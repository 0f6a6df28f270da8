// One Node engine of the database workloads (ours on wasm or JS kernels, or classic-level) in a
// process of its own, so that the disk bytes it writes (/proc/self/io) and its peak RSS are its own.
// bench/db.ts starts it; the native engines run the same steps in bench/native/db_bench.cc, whose
// header lists them, and print the same JSON line per step.
//
//   node dist/bench/db-child.js '{"engine":"wasm"|"js"|"wasm-main"|"wasm-worker"|"classic-level","dir":..,"n":..,"steps":[..],..}'
//
// "wasm-main" and "wasm-worker" are ours on the wasm kernels with compactions merged on the main
// thread in slices, or in the store's worker thread (StoreOptions.compactionThread); "wasm" and
// "js" have the store's default.
//
// Writes (puts, deletes) are asynchronous here: `window` of them are kept in flight (each new one
// issued as one resolves), and a put's latency is from its call to its promise settling.

import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { openClassicLevel } from "./db-classic.js";
import { dbKey, dbValue, DB_KEY_BYTES, DB_VALUE_BYTES, firstWord, order, readTarget, SALT, SEEK_ENTRIES, type Found } from "./db-data.js";
import type { BenchEngine } from "./db-engine.js";
import { openOurs } from "./db-ours.js";

export interface DbChildArgs {
  readonly engine: "wasm" | "js" | "wasm-main" | "wasm-worker" | "classic-level";
  readonly dir: string;
  readonly n: number;
  readonly reads: number;
  readonly steps: readonly string[];
  /** Writes in flight at once. */
  readonly window: number;
  /** classic-level's and our writes: sync=true (fsynced before they resolve). */
  readonly sync: boolean;
  readonly cacheBytes: number;
}

type Fields = Record<string, number | string>;

// ---- measuring (the same as db_bench.cc's) ----

function procField(file: string, name: string): number {
  try {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(readFileSync(file, "utf8"));
    return m === null ? -1 : Number(m[1]);
  } catch {
    return -1; // not Linux
  }
}

const io = () => {
  const text = (() => {
    try {
      return readFileSync("/proc/self/io", "utf8");
    } catch {
      return "";
    }
  })();
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, "m").exec(text)?.[1] ?? -1);
  return { write_bytes: field("write_bytes"), wchar: field("wchar"), cancelled: field("cancelled_write_bytes") };
};

/** Resets VmHWM to the current RSS (Linux 4.0+), so each step's peak is its own. */
function resetPeakRss(): void {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // not Linux, or not allowed: the peak is then the process's so far
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until write_bytes has not moved for 5 polls 100 ms apart (or 60 s); returns the ms waited. */
async function settle(): Promise<number> {
  const start = Date.now();
  let last = io().write_bytes;
  for (let still = 0; still < 5 && Date.now() - start < 60_000; ) {
    await sleep(100);
    const w = io().write_bytes;
    still = w === last ? still + 1 : 0;
    last = w;
  }
  return Date.now() - start;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(path);
    else if (e.isFile()) total += statSync(path).size;
  }
  return total;
}

/** p50, p99, max (ns): the value at floor(p * (count - 1)) of the sorted latencies. */
function latency(ns: Float64Array): Fields {
  const s = ns.sort();
  const at = (p: number) => Math.round(s[Math.floor(p * (s.length - 1))]);
  return { lat_p50_ns: at(0.5), lat_p99_ns: at(0.99), lat_max_ns: Math.round(s[s.length - 1]) };
}

/** Runs op(0..count-1) with at most `window` unsettled at once; records each one's latency (ns) when asked. */
function windowed(count: number, window: number, op: (j: number) => Promise<void>, lat: Float64Array | null): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let settled = 0;
    let failed = false;
    const issue = () => {
      while (next < count && next - settled < window && !failed) {
        const j = next++;
        const t0 = performance.now();
        op(j).then(() => {
          if (lat !== null) lat[j] = (performance.now() - t0) * 1e6;
          if (++settled === count) resolve();
          else issue();
        }, (err: unknown) => {
          failed = true;
          reject(err);
        });
      }
    };
    if (count === 0) resolve();
    else issue();
  });
}

// ---- the steps ----

class Bench {
  private db: BenchEngine | null = null;

  constructor(private readonly a: DbChildArgs) {}

  async step(s: string): Promise<Fields> {
    if (s === "fresh") return this.fresh();
    const db = this.db;
    if (db === null) throw new Error(`step ${s} before fresh`);
    const { n } = this.a;
    switch (s) {
      case "fillseq":
        return this.fill(db, null, 0);
      case "fillrandom":
        return this.fill(db, order(n, SALT.fillrandom), 0);
      case "overwrite":
        return this.fill(db, order(n, SALT.overwrite), 1);
      case "readrandom":
      case "readmissing":
        return db.get === null ? { skipped: db.missing } : this.gets(db.get, s === "readrandom");
      case "seekrandom":
        return db.seek === null ? { skipped: db.missing } : this.seeks(db.seek);
      case "space":
        return db.compactAll === null ? { skipped: db.missing } : this.space(db.compactAll);
      case "deleterandom":
        return this.deletes(db);
      default:
        throw new Error(`unknown step ${s}`);
    }
  }

  async close(): Promise<void> {
    await this.db?.close();
    this.db = null;
  }

  private async fresh(): Promise<Fields> {
    await this.close();
    rmSync(this.a.dir, { recursive: true, force: true });
    mkdirSync(this.a.dir, { recursive: true });
    const { engine, dir, cacheBytes, sync } = this.a;
    if (engine === "classic-level") this.db = await openClassicLevel(dir, cacheBytes, sync);
    else if (engine === "wasm-main" || engine === "wasm-worker") this.db = openOurs("wasm", dir, cacheBytes, sync, engine === "wasm-main" ? "main" : "worker");
    else this.db = openOurs(engine, dir, cacheBytes, sync);
    return { rss_bytes: process.memoryUsage.rss() };
  }

  private async fill(db: BenchEngine, keys: Uint32Array | null, version: number): Promise<Fields> {
    const { n, window } = this.a;
    const lat = new Float64Array(n);
    const io0 = io();
    // how long the thread that issues the puts was kept from them: the stall background work
    // (flushes, compactions merged on this thread) makes every request wait for
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const t0 = performance.now();
    await windowed(n, window, (j) => {
      const i = keys === null ? j : keys[j];
      return db.put(dbKey(2 * i), dbValue(i, version));
    }, lat);
    const ns = Math.round((performance.now() - t0) * 1e6);
    loop.disable();
    const settleMs = await settle();
    const io1 = io();
    return {
      ops: n, ns, client_bytes: n * (DB_KEY_BYTES + DB_VALUE_BYTES),
      write_bytes: io1.write_bytes - io0.write_bytes, wchar: io1.wchar - io0.wchar, cancelled_write_bytes: io1.cancelled - io0.cancelled,
      settle_ms: settleMs, ...latency(lat), loop_p99_ns: loop.percentile(99), loop_max_ns: loop.max,
    };
  }

  private async gets(get: NonNullable<BenchEngine["get"]>, present: boolean): Promise<Fields> {
    const { n, reads } = this.a;
    const salt = present ? SALT.readrandom : SALT.readmissing;
    const r: Found = { found: 0, sum: 0 };
    const t0 = performance.now();
    for (let j = 0; j < reads; j++) {
      let v = get(dbKey(2 * readTarget(j, n, salt) + (present ? 0 : 1)));
      if (v instanceof Promise) v = await v;
      if (v === null) continue;
      r.found++;
      r.sum = (r.sum + firstWord(v)) >>> 0;
    }
    return { ops: reads, ns: Math.round((performance.now() - t0) * 1e6), found: r.found, sum: r.sum };
  }

  private async seeks(seek: NonNullable<BenchEngine["seek"]>): Promise<Fields> {
    const { n, reads } = this.a;
    const r: Found = { found: 0, sum: 0 };
    const t0 = performance.now();
    for (let j = 0; j < reads; j++) {
      let f = seek(dbKey(2 * readTarget(j, n, SALT.seekrandom)), SEEK_ENTRIES);
      if (f instanceof Promise) f = await f;
      r.found += f.found;
      r.sum = (r.sum + f.sum) >>> 0;
    }
    return { ops: reads, ns: Math.round((performance.now() - t0) * 1e6), found: r.found, sum: r.sum };
  }

  private async space(compactAll: () => Promise<void>): Promise<Fields> {
    const t0 = performance.now();
    await compactAll();
    const ns = Math.round((performance.now() - t0) * 1e6);
    await settle();
    return { compact_ns: ns, disk_bytes: dirBytes(this.a.dir) };
  }

  private async deletes(db: BenchEngine): Promise<Fields> {
    const { n, window } = this.a;
    const keys = order(n, SALT.deleterandom);
    const t0 = performance.now();
    await windowed(n, window, (j) => db.del(dbKey(2 * keys[j])), null);
    return { ops: n, ns: Math.round((performance.now() - t0) * 1e6) };
  }
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? "{}") as DbChildArgs;
  const bench = new Bench(a);
  try {
    for (const s of a.steps) {
      resetPeakRss();
      const fields = await bench.step(s);
      const peak = procField("/proc/self/status", "VmHWM");
      process.stdout.write(JSON.stringify({ step: s, ...fields, peak_rss_bytes: peak < 0 ? process.resourceUsage().maxRSS * 1024 : peak * 1024 }) + "\n");
    }
  } finally {
    await bench.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`db-child: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
