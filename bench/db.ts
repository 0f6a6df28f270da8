// The database workloads, in the style of LevelDB's db_bench (benchmarks/db_bench.cc): n entries of
// 16-byte keys and 100-byte values (bench/db-data.ts) written and read through each engine's
// database API, every engine in a process of its own, one after the other: native LevelDB and
// RocksDB (bench/native/db_bench.cc), classic-level and ours on the wasm and the JS kernels
// (bench/db-child.ts). Each engine runs the same steps:
//
//   fresh, fillseq, space                           a database of its own for fillseq
//   fresh, fillrandom, space, overwrite,            then one for the rest: the reads run on what
//   readrandom, readmissing, seekrandom, space,     overwrite left (not compacted), and the space
//   deleterandom                                    step after them measures overwrite's
//
// leaving out the workloads not asked for (a read needs fillrandom and overwrite before it: they
// then run untimed, unreported). Figures: ops/s; for the fills the write amplification (disk bytes
// written, from /proc/self/io, over the key + value bytes put), the space amplification (bytes in
// the directory after a full compaction over the live key + value bytes) and the put latencies;
// each step's peak RSS (VmHWM, reset before each step). Every read is checked against db-data.ts.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { DbChildArgs } from "./db-child.js";
import { DB_KEY_BYTES, DB_VALUE_BYTES, expectedReads, expectedSeeks } from "./db-data.js";
import type { Measurement } from "./measure.js";
import { nativeProgram, type NativeProgram } from "./native.js";
import type { ImplKind } from "./workloads.js";
import { DEFAULT_COMPACTION_THREAD } from "../src/lsm/store.js";

export const DB_WORKLOADS = ["fillseq", "fillrandom", "overwrite", "readrandom", "readmissing", "seekrandom", "deleterandom"] as const;
export type DbWorkload = (typeof DB_WORKLOADS)[number];
const FILLS: readonly string[] = ["fillseq", "fillrandom", "overwrite"];
const READS: readonly string[] = ["readrandom", "readmissing", "seekrandom"];
/** Every engine's block cache: LevelDB's default, ours, classic-level's. */
export const DB_CACHE_BYTES = 8 << 20;
/** Our MemTable's flush threshold (the Store's default, LevelDB's write_buffer_size): for the RSS target. */
const OUR_MEMTABLE_BYTES = 4 << 20;

export interface DbOptions {
  readonly n: number;
  /** Gets and seeks per read workload. */
  readonly reads: number;
  /** Writes in flight at once on the Node engines. */
  readonly window: number;
  /** sync=true writes on every engine (default: sync=false everywhere, db_bench's default). */
  readonly sync: boolean;
  readonly include: (impl: string, kind: ImplKind) => boolean;
  readonly write: (text: string) => void;
}

export interface DbRow extends Measurement {
  readonly n: number;
  readonly ops_per_s: number;
  /** This engine's ops/s over native LevelDB's and over classic-level's (above 1: faster). */
  readonly ops_over_leveldb?: number;
  readonly ops_over_classic_level?: number;
  /** Fills: disk bytes written (write_bytes, or wchar without it) over key + value bytes put. */
  readonly write_amp?: number;
  readonly write_amp_source?: "write_bytes" | "wchar";
  readonly write_bytes?: number;
  readonly wchar?: number;
  readonly cancelled_write_bytes?: number;
  readonly client_bytes?: number;
  readonly settle_ms?: number;
  /** Fills: bytes in the directory after a full compaction over live key + value bytes. */
  readonly space_amp?: number;
  readonly disk_bytes?: number;
  readonly live_bytes?: number;
  readonly compact_ms?: number;
  readonly put_p50_us?: number;
  readonly put_p99_us?: number;
  readonly put_max_us?: number;
  /** Fills on the Node engines: the event loop's delay (perf_hooks monitorEventLoopDelay), p99 and max. */
  readonly loop_p99_us?: number;
  readonly loop_max_us?: number;
  /** Reads: entries found and the sum of their values' first words (checked against db-data.ts). */
  readonly found?: number;
  readonly peak_rss_bytes: number;
  /** RSS of the engine's process just after it opened its first, empty, database. */
  readonly idle_rss_bytes: number;
  /** Writes in flight (Node engines). */
  readonly window?: number;
}

export interface DbSkip {
  readonly workload: string;
  readonly impl: string;
  readonly reason: string;
}

interface Engine {
  readonly impl: string;
  readonly kind: ImplKind;
  readonly native: boolean;
}

const ENGINES: readonly Engine[] = [
  { impl: "leveldb", kind: "peer", native: true },
  { impl: "rocksdb", kind: "peer", native: true },
  { impl: "classic-level", kind: "peer", native: false },
  { impl: "wasm", kind: "wasm", native: false },
  { impl: "js", kind: "js", native: false },
  // ours with compactions merged on the other thread than the store's default (the "wasm" row):
  // main-thread slices against the worker thread, in the same run (bench/README.md "Compaction thread")
  { impl: `wasm-${DEFAULT_COMPACTION_THREAD === "worker" ? "main" : "worker"}`, kind: "wasm", native: false },
];

/** The steps every engine runs for these workloads (see the header). */
export function dbSteps(selected: readonly string[]): string[] {
  const on = (w: string) => selected.includes(w);
  const steps: string[] = [];
  if (on("fillseq")) steps.push("fresh", "fillseq", "space");
  const chain = DB_WORKLOADS.slice(1);
  if (!chain.some(on)) return steps;
  steps.push("fresh", "fillrandom");
  if (on("fillrandom")) steps.push("space");
  const later = (w: string) => chain.slice(chain.indexOf(w as DbWorkload) + 1).some(on);
  if (!on("overwrite") && !later("overwrite")) return steps;
  steps.push("overwrite", ...READS.filter(on));
  if (on("overwrite")) steps.push("space");
  if (on("deleterandom")) steps.push("deleterandom");
  return steps;
}

type Line = Record<string, number | string>;

function command(e: Engine, native: NativeProgram | null, dir: string, steps: readonly string[], o: DbOptions): { file: string; args: string[] } {
  if (e.native) {
    const args = { engine: e.impl, dir, n: o.n, reads: o.reads, steps: steps.join(","), sync: o.sync ? 1 : 0, cache_bytes: DB_CACHE_BYTES, bloom_bits: 10 };
    return { file: native!.path, args: Object.entries(args).map(([k, v]) => `${k}=${v}`) };
  }
  const child = join(dirname(fileURLToPath(import.meta.url)), "db-child.js");
  const a: DbChildArgs = { engine: e.impl as DbChildArgs["engine"], dir, n: o.n, reads: o.reads, steps, window: o.window, sync: o.sync, cacheBytes: DB_CACHE_BYTES };
  return { file: process.execPath, args: [child, JSON.stringify(a)] };
}

/** Runs one engine's steps in its process; yields each step's line as it comes. Throws with its stderr if it fails. */
async function* runEngine(file: string, args: readonly string[]): AsyncGenerator<Line> {
  const proc = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.setEncoding("utf8").on("data", (d: string) => void (stderr += d));
  const exit = new Promise<string>((resolve) => {
    proc.on("error", (e) => resolve(e.message));
    proc.on("close", (code, signal) => resolve(code === 0 ? "" : `exit ${code ?? signal}`));
  });
  for await (const line of createInterface({ input: proc.stdout })) yield JSON.parse(line) as Line;
  const status = await exit;
  if (status !== "") throw new Error(`${status}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
}

/** A read that found other than db-data.ts says: fatal, unlike an engine that fails to run. */
class WrongReadError extends Error {}

/** Throws unless a read workload found exactly what db-data.ts says. */
function verify(impl: string, w: string, line: Line, o: DbOptions): void {
  const want = w === "readrandom" ? expectedReads(o.n, o.reads) : w === "readmissing" ? { found: 0, sum: 0 } : w === "seekrandom" ? expectedSeeks(o.n, o.reads) : null;
  if (want === null) return;
  if (line.found !== want.found || line.sum !== want.sum) {
    throw new WrongReadError(`${w} / ${impl}: found ${line.found} entries (sum ${line.sum}), expected ${want.found} (sum ${want.sum})`);
  }
}

const num = (x: unknown) => (typeof x === "number" ? x : undefined);

function row(e: Engine, w: string, line: Line, idle: number, o: DbOptions): DbRow {
  const ops = num(line.ops)!;
  const ns = num(line.ns)!;
  const fill = FILLS.includes(w);
  const writeBytes = num(line.write_bytes) ?? -1;
  const source = writeBytes > 0 ? "write_bytes" : "wchar";
  const written = source === "write_bytes" ? writeBytes : (num(line.wchar) ?? -1);
  const us = (field: string) => (num(line[field]) ?? 0) / 1e3;
  return {
    workload: w, impl: e.impl, kind: e.kind, n: o.n,
    ns_per_op: ns / ops, min_ns_per_op: ns / ops, ops, runs: 1, checksum: num(line.sum) ?? 0, note: "",
    ops_per_s: ops / (ns / 1e9),
    ...(fill && written >= 0 ? { write_amp: written / num(line.client_bytes)!, write_amp_source: source } : {}),
    ...(fill
      ? {
          write_bytes: writeBytes, wchar: num(line.wchar), cancelled_write_bytes: num(line.cancelled_write_bytes), client_bytes: num(line.client_bytes),
          settle_ms: num(line.settle_ms), put_p50_us: us("lat_p50_ns"), put_p99_us: us("lat_p99_ns"), put_max_us: us("lat_max_ns"),
          ...(line.loop_max_ns === undefined ? {} : { loop_p99_us: us("loop_p99_ns"), loop_max_us: us("loop_max_ns") }),
        }
      : {}),
    ...(line.found === undefined ? {} : { found: num(line.found) }),
    peak_rss_bytes: num(line.peak_rss_bytes)!, idle_rss_bytes: idle,
    ...(e.native ? {} : { window: o.window }),
  };
}

/** A space step's figures, added to the fill before it. */
function withSpace(r: DbRow, line: Line): DbRow {
  const disk = num(line.disk_bytes)!;
  const live = r.n * (DB_KEY_BYTES + DB_VALUE_BYTES);
  return { ...r, space_amp: disk / live, disk_bytes: disk, live_bytes: live, compact_ms: num(line.compact_ns)! / 1e6, peak_rss_bytes: Math.max(r.peak_rss_bytes, num(line.peak_rss_bytes)!) };
}

/** One engine's rows, and its skips. */
async function measureEngine(e: Engine, native: NativeProgram | null, root: string, steps: readonly string[], selected: readonly string[], o: DbOptions) {
  const rows: DbRow[] = [];
  const skips: DbSkip[] = [];
  const dir = join(root, e.impl);
  const c = command(e, native, dir, steps, o);
  let idle = 0;
  let lastFill: number | null = null; // index in rows of the fill a space step belongs to
  const done = new Set<string>();
  o.write(`db ${e.impl}:`);
  try {
    for await (const line of runEngine(c.file, c.args)) {
      const s = String(line.step);
      if (s === "fresh") {
        if (idle === 0) idle = num(line.rss_bytes)!;
        continue;
      }
      if (s === "space") {
        if (lastFill === null) continue;
        const r = rows[lastFill];
        rows[lastFill] = line.skipped === undefined ? withSpace(r, line) : { ...r, note: `no space amp: ${line.skipped}` };
        lastFill = null;
        continue;
      }
      if (!selected.includes(s)) continue; // a fill run only to set up the reads
      done.add(s);
      if (line.skipped !== undefined) {
        skips.push({ workload: s, impl: e.impl, reason: String(line.skipped) });
        o.write(` ${s} skipped`);
        continue;
      }
      verify(e.impl, s, line, o);
      rows.push(row(e, s, line, idle, o));
      if (FILLS.includes(s)) lastFill = rows.length - 1; // reads may come between overwrite and its space step
      o.write(` ${s} ${Math.round(rows[rows.length - 1].ops_per_s).toLocaleString("en-US")}/s`);
    }
  } catch (err) {
    if (err instanceof WrongReadError) throw err;
    const reason = `failed: ${err instanceof Error ? err.message : String(err)}`;
    o.write(` ${reason}`);
    for (const w of selected.filter((x) => !done.has(x))) skips.push({ workload: w, impl: e.impl, reason });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    o.write("\n");
  }
  return { rows, skips };
}

function withRatios(rows: readonly DbRow[]): DbRow[] {
  const rate = (w: string, impl: string) => rows.find((r) => r.workload === w && r.impl === impl)?.ops_per_s;
  return rows.map((r) => {
    const [leveldb, classic] = [rate(r.workload, "leveldb"), rate(r.workload, "classic-level")];
    return {
      ...r,
      ...(leveldb === undefined ? {} : { ops_over_leveldb: r.ops_per_s / leveldb }),
      ...(classic === undefined ? {} : { ops_over_classic_level: r.ops_per_s / classic }),
    };
  });
}

/** Runs the named workloads on every engine that `include` lets in; the databases live in a temp dir, removed after. */
export async function runDbWorkloads(names: readonly string[], o: DbOptions): Promise<{ rows: DbRow[]; skipped: DbSkip[]; message: string }> {
  if (names.length === 0) return { rows: [], skipped: [], message: "" };
  const engines = ENGINES.filter((e) => o.include(e.impl, e.kind));
  const status = engines.some((e) => e.native) ? nativeProgram(o.write, "db_bench") : { program: null, message: "" };
  if (status.message !== "") o.write(`${status.message}\n`);
  const usable = (e: Engine) => !e.native || (e.impl === "leveldb" ? status.program?.leveldb != null : status.program?.rocksdb != null);
  const steps = dbSteps(names);
  const root = mkdtempSync(join(tmpdir(), "wasm-lsm-db-"));
  const rows: DbRow[] = [];
  const skipped: DbSkip[] = [];
  try {
    for (const e of engines) {
      if (!usable(e)) {
        for (const w of names) skipped.push({ workload: w, impl: e.impl, reason: status.message });
        continue;
      }
      const r = await measureEngine(e, status.program, root, steps, names, o);
      rows.push(...r.rows);
      skipped.push(...r.skips);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { rows: withRatios(rows), skipped, message: status.message };
}

// ---- output ----

const fmtN = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n % 1000 === 0 ? `${n / 1000}k` : String(n));
const fixed = (x: number | undefined, digits: number) => (x === undefined ? "" : x.toFixed(digits));
const fmtUs = (x: number | undefined) => (x === undefined ? "" : x < 10 ? x.toFixed(1) : x.toFixed(0));

/** One table per workload: engine, ops/s, ratio to LevelDB, amplifications, put latencies, peak RSS; skips as notes. */
export function dbTables(rows: readonly DbRow[], skipped: readonly DbSkip[], o: Pick<DbOptions, "n" | "reads" | "window" | "sync">): string {
  const out: string[] = [];
  const workloads = DB_WORKLOADS.filter((w) => rows.some((r) => r.workload === w) || skipped.some((s) => s.workload === w));
  for (const w of workloads) {
    const ops = FILLS.includes(w) || w === "deleterandom" ? `${fmtN(o.n)} ops` : `${fmtN(o.reads)} ops`;
    out.push(`## ${w}: ${fmtN(o.n)} entries of ${DB_KEY_BYTES}-byte keys and ${DB_VALUE_BYTES}-byte values, ${ops}`);
    const head = ["engine", "ops/s", "x leveldb", "write amp", "space amp", "put p50 µs", "p99 µs", "max µs", "peak RSS MB", "notes"];
    const cells = rows.filter((r) => r.workload === w).map((r) => [
      r.impl, Math.round(r.ops_per_s).toLocaleString("en-US"), r.ops_over_leveldb === undefined ? "" : `${r.ops_over_leveldb.toFixed(2)}x`,
      fixed(r.write_amp, 2), fixed(r.space_amp, 2), fmtUs(r.put_p50_us), fmtUs(r.put_p99_us), fmtUs(r.put_max_us),
      (r.peak_rss_bytes / 1e6).toFixed(0), rowNote(r, o.sync),
    ]);
    for (const s of skipped.filter((x) => x.workload === w)) cells.push([s.impl, "", "", "", "", "", "", "", "", `skipped: ${s.reason}`]);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c: string[]) => c.map((s, i) => (i === 0 || i === c.length - 1 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join("  ").trimEnd();
    out.push(line(head), line(widths.map((x) => "-".repeat(x))), ...cells.map(line), "");
  }
  return out.join("\n");
}

function rowNote(r: DbRow, sync: boolean): string {
  const parts: string[] = [];
  if (FILLS.includes(r.workload) || r.workload === "deleterandom") {
    if (r.window !== undefined) parts.push(`${r.window} in flight`);
    parts.push(sync ? (isOurs(r.impl) ? "sync=true (fsync, group commit)" : "sync=true") : "sync=false");
  }
  if (isOurs(r.impl) && (FILLS.includes(r.workload) || r.workload === "deleterandom")) {
    const thread = r.impl === "wasm-main" ? "main" : r.impl === "wasm-worker" ? "worker" : DEFAULT_COMPACTION_THREAD;
    parts.push(thread === "main" ? "compactions on the main thread (slices)" : "compactions in a worker thread");
  }
  if (r.loop_max_us !== undefined) {
    parts.push(`event loop delay p99 ${fmtUs(r.loop_p99_us)} µs, max ${fmtUs(r.loop_max_us)} µs`);
  }
  if (r.write_amp_source === "wchar") parts.push("write amp from wchar");
  if (r.compact_ms !== undefined) parts.push(`compaction ${(r.compact_ms / 1e3).toFixed(1)} s`);
  if (r.note !== "") parts.push(r.note);
  return parts.join("; ");
}

const isOurs = (impl: string) => impl === "wasm" || impl === "js" || impl.startsWith("wasm-");

function verdict(ok: boolean): string {
  return ok ? "met" : "MISSED";
}

/** The targets for ours, as ratios from this run; a figure this run lacks is left out. */
export function dbTargetLines(rows: readonly DbRow[]): string[] {
  const at = (w: string, impl: string) => rows.find((r) => r.workload === w && r.impl === impl);
  const out: string[] = [];
  for (const impl of ["wasm", "js"]) {
    const parts: string[] = [];
    for (const w of ["fillrandom", "readrandom"]) {
      const r = at(w, impl);
      if (r?.ops_over_leveldb !== undefined) parts.push(`${w} ${r.ops_over_leveldb.toFixed(2)}x LevelDB's ops/s (>= 1.0: ${verdict(r.ops_over_leveldb >= 1)})`);
      if (r?.ops_over_classic_level !== undefined) parts.push(`${r.ops_over_classic_level.toFixed(2)}x classic-level's (>= 3.0: ${verdict(r.ops_over_classic_level >= 3)})`);
    }
    const fill = at("fillrandom", impl), leveldbFill = at("fillrandom", "leveldb");
    if (fill?.write_amp !== undefined && leveldbFill?.write_amp !== undefined) {
      parts.push(`fillrandom write amp ${fill.write_amp.toFixed(2)} vs LevelDB's ${leveldbFill.write_amp.toFixed(2)} (<=: ${verdict(fill.write_amp <= leveldbFill.write_amp)})`);
    }
    if (fill?.put_p99_us !== undefined) parts.push(`fillrandom p99 put ${fmtUs(fill.put_p99_us)} µs (< 1000: ${verdict(fill.put_p99_us < 1000)})`);
    const ours = rows.filter((r) => r.impl === impl);
    if (ours.length > 0) {
      const peak = Math.max(...ours.map((r) => r.peak_rss_bytes));
      const limit = 2 * (OUR_MEMTABLE_BYTES + DB_CACHE_BYTES) + ours[0].idle_rss_bytes;
      parts.push(`peak RSS ${(peak / 1e6).toFixed(0)} MB vs 2 x (MemTable + cache) + idle = ${(limit / 1e6).toFixed(0)} MB (${verdict(peak < limit)})`);
    }
    if (parts.length > 0) out.push(`# db targets, ${impl}: ${parts.join("; ")}`);
  }
  return out;
}
