// The table workloads: whole tables built and read on the wasm path, the JS path, and natively by
// LevelDB and RocksDB, on the same data (bench/table-data.ts). Every case runs in a process of its
// own (ours: table-child.ts; theirs: native/table_bench.cc), so the peak RSS it reports is its own;
// the runner starts and warms up every case of a workload, then times them in rounds, one run of
// each per round, as run.ts does in-process.
//
//   table-build        n entries, sorted, in memory -> a finished, fsynced file   (op = one entry)
//   table-get-present  a warm point lookup of a present key, checksums verified     (op = one lookup)
//   table-get-absent   the same for keys between the present ones                   (op = one lookup)
//
// Ratios are against LevelDB (`over_leveldb`: this case's ns/op over LevelDB's), and for absent keys
// also against LevelDB's Bloom filter probe alone (`over_leveldb_bloom`).

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { KernelsName } from "../src/kernels/node.js";
import { median, type Measurement } from "./measure.js";
import { nativeProgram, type NativeProgram } from "./native.js";
import type { ChildArgs, ChildFacts } from "./table-child.js";
import { ENTRY_INPUT_BYTES, expectedLookupChecksum } from "./table-data.js";
import type { ImplKind } from "./workloads.js";

export const TABLE_WORKLOADS = ["table-build", "table-get-present", "table-get-absent"] as const;
export type TableWorkload = (typeof TABLE_WORKLOADS)[number];
/** Every reader's block cache: our Table's default, and LevelDB's and RocksDB's LRU caches. */
export const TABLE_CACHE_BYTES = 8 << 20;

export interface TableOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly warmupMs: number;
  /** Lookups per run of a get workload. */
  readonly lookups: number;
  readonly include: (impl: string, kind: ImplKind) => boolean;
  readonly write: (text: string) => void;
}

export interface TableRow extends Measurement {
  readonly n: number;
  readonly file_bytes?: number;
  /** Builds: user key + value bytes per second (the same input for every implementation). */
  readonly mb_per_s?: number;
  readonly peak_rss_bytes: number;
  /** RSS before the first run: the input, the open table, the runtime. */
  readonly base_rss_bytes: number;
  readonly js_over_wasm?: number;
  readonly peer_over_wasm?: number;
  readonly over_leveldb?: number;
  readonly over_leveldb_bloom?: number;
  readonly false_positive_rate?: number;
  /** What the native program reports about the table it wrote or read (RocksDB's format_version, ...). */
  readonly table?: Record<string, unknown>;
}

/** A case's facts (ChildFacts, plus the native program's own) and its timing. */
interface Raw extends ChildFacts {
  readonly ns_per_op: number;
  readonly min_ns_per_op: number;
  readonly runs: number;
  readonly checksum: number;
  readonly may_match?: number;
  readonly filter_bytes?: number;
  readonly [field: string]: unknown;
}

interface Command {
  readonly file: string;
  readonly args: readonly string[];
}

interface TableCase {
  readonly impl: string;
  readonly kind: ImplKind;
  /** Whose table it reads (get) or writes (build); "" for none. */
  readonly table: string;
  readonly note?: string;
  command(s: Setting, n: number, warmups: number): Command;
}

/** What the cases of one run of the table workloads share. */
interface Setting {
  readonly dir: string;
  readonly native: NativeProgram | null;
  readonly o: TableOptions;
}

const tablePath = (s: Setting, n: number, table: string) => join(s.dir, `n${n}-${table}.sst`);

function ours(args: ChildArgs): Command {
  const child = join(dirname(fileURLToPath(import.meta.url)), "table-child.js");
  return { file: process.execPath, args: [child, JSON.stringify(args)] };
}

function theirs(s: Setting, args: Record<string, string | number>): Command {
  if (s.native === null) throw new Error("no native program");
  return { file: s.native.path, args: Object.entries(args).map(([k, v]) => `${k}=${v}`) };
}

const warmupMs = (s: Setting, warmups: number) => (warmups === 0 ? 0 : s.o.warmupMs);

// ---- the cases ----

const ourBuild = (impl: KernelsName): TableCase => ({
  impl, kind: impl, table: impl,
  command: (s, n, warmups) => ours({ mode: "build", impl, n, path: tablePath(s, n, impl), warmups, warmupMs: warmupMs(s, warmups) }),
});

const nativeBuild = (impl: "leveldb" | "rocksdb", note: string): TableCase => ({
  impl, kind: "peer", table: impl, note,
  command: (s, n, warmups) => theirs(s, { mode: "build", impl, n, path: tablePath(s, n, impl), warmups, warmup_ms: warmupMs(s, warmups) }),
});

const ourGet = (impl: KernelsName, present: boolean): TableCase => ({
  impl, kind: impl, table: impl,
  command: (s, n, warmups) => ours({
    mode: "get", impl, n, path: tablePath(s, n, impl), warmups, warmupMs: warmupMs(s, warmups), present, lookups: s.o.lookups, cacheBytes: TABLE_CACHE_BYTES,
  }),
});

const nativeGet = (impl: "leveldb" | "leveldb-mmap" | "rocksdb", table: string, present: boolean, note: string): TableCase => ({
  impl, kind: "peer", table, note,
  command: (s, n, warmups) => theirs(s, {
    mode: "get", impl, n, path: tablePath(s, n, table), present: present ? 1 : 0, lookups: s.o.lookups, cache_bytes: TABLE_CACHE_BYTES,
    warmups, warmup_ms: warmupMs(s, warmups),
  }),
});

const leveldbBloom: TableCase = {
  impl: "leveldb-bloom", kind: "peer", table: "", note: "KeyMayMatch alone, one filter of all n keys",
  command: (s, n, warmups) => theirs(s, { mode: "bloom", n, lookups: s.o.lookups, warmups, warmup_ms: warmupMs(s, warmups) }),
};

const GET_NOTES = {
  leveldb: "Table::InternalGet (DB::Get's path), pread",
  mmap: "LevelDB's default mmap file: blocks not cached, CRC on every get",
  rocksdb: "SstFileReader iterator Seek (no Bloom filter)",
};

function cases(w: TableWorkload): TableCase[] {
  if (w === "table-build") {
    return [ourBuild("wasm"), ourBuild("js"), nativeBuild("leveldb", "TableBuilder + Sync"), nativeBuild("rocksdb", "SstFileWriter (syncs)")];
  }
  const present = w === "table-get-present";
  const list = [
    ourGet("wasm", present), ourGet("js", present),
    nativeGet("leveldb", "leveldb", present, GET_NOTES.leveldb),
    ...(present ? [nativeGet("leveldb-mmap", "leveldb", present, GET_NOTES.mmap)] : []),
    nativeGet("rocksdb", "rocksdb", present, GET_NOTES.rocksdb),
  ];
  return present ? list : [...list, leveldbBloom];
}

function usable(c: TableCase, native: NativeProgram | null): boolean {
  if (c.kind !== "peer") return true;
  return c.impl.startsWith("leveldb") ? native?.leveldb != null : native?.rocksdb != null;
}

// ---- the case processes ----

/**
 * A case's process (table-child.js or the native program): started, set up and warmed up, then
 * driven one timed run at a time over stdin/stdout, so that the cases of a workload can be timed
 * in rounds while each keeps a process, and a peak RSS, of its own.
 */
class CaseProcess {
  private stderr = "";

  private constructor(
    private readonly label: string,
    private readonly proc: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
  ) {
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (d: string) => void (this.stderr += d));
    // a failed spawn, or a write to a process that died: reported by next(), with its stderr
    proc.on("error", (e) => void (this.stderr += `${e.message}\n`));
    proc.stdin.on("error", () => {});
  }

  static async start(label: string, c: Command): Promise<CaseProcess> {
    const proc = spawn(c.file, c.args, { stdio: ["pipe", "pipe", "pipe"] });
    const p = new CaseProcess(label, proc, createInterface({ input: proc.stdout })[Symbol.asyncIterator]());
    await p.next();
    return p;
  }

  /** One timed run: its ns and checksum. */
  async run(): Promise<{ ns: number; checksum: number }> {
    this.proc.stdin.write("run\n");
    return (await this.next()) as { ns: number; checksum: number };
  }

  /** Ends the process; returns the facts it reports. */
  async done(): Promise<ChildFacts & Record<string, unknown>> {
    this.proc.stdin.end("done\n");
    return (await this.next()) as ChildFacts & Record<string, unknown>;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill();
  }

  private async next(): Promise<unknown> {
    const r = await this.lines.next();
    if (r.done === true) {
      if (this.proc.exitCode === null && this.proc.signalCode === null && this.proc.pid !== undefined) {
        await new Promise((resolve) => this.proc.once("close", resolve));
      }
      throw new Error(`${this.label} ended (${this.proc.exitCode ?? this.proc.signalCode}): ${this.stderr.trim()}`);
    }
    return JSON.parse(r.value) as unknown;
  }
}

// ---- results ----

const mb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(0)} kB`);

function row(w: TableWorkload, c: TableCase, n: number, raw: Raw): TableRow {
  const build = w === "table-build";
  const fpr = raw.may_match === undefined ? undefined : raw.may_match / raw.ops;
  const table = tableFacts(raw);
  const mbPerS = build ? ENTRY_INPUT_BYTES / raw.ns_per_op * 1e3 : undefined;
  const notes = [
    mbPerS === undefined ? "" : `${mbPerS.toFixed(0)} MB/s`,
    raw.file_bytes === undefined ? "" : `file ${mb(raw.file_bytes)}`,
    fpr === undefined ? "" : `fpr ${(100 * fpr).toFixed(2)}%, filter ${mb(raw.filter_bytes ?? 0)}`,
    `peak RSS ${mb(raw.peak_rss_bytes)}`,
    table === undefined ? "" : `format_version ${table.format_version}, ${table.block_checksum}`,
    c.note ?? "",
  ];
  return {
    workload: w, impl: c.impl, kind: c.kind, n,
    ns_per_op: raw.ns_per_op, min_ns_per_op: raw.min_ns_per_op, ops: raw.ops, runs: raw.runs, checksum: raw.checksum,
    note: notes.filter((s) => s !== "").join("; "),
    ...(raw.file_bytes === undefined ? {} : { file_bytes: raw.file_bytes }),
    ...(mbPerS === undefined ? {} : { mb_per_s: mbPerS }),
    peak_rss_bytes: raw.peak_rss_bytes, base_rss_bytes: raw.base_rss_bytes,
    ...(fpr === undefined ? {} : { false_positive_rate: fpr }),
    ...(table === undefined ? {} : { table }),
  };
}

function tableFacts(raw: Raw): Record<string, unknown> | undefined {
  if (raw.format_version === undefined) return undefined;
  const { format_version, filter_policy, block_checksum, index_key_is_user_key } = raw;
  return { format_version, filter_policy, block_checksum, index_key_is_user_key };
}

/** Lookups must find exactly the data set's values (present) or nothing (absent). */
function verify(w: TableWorkload, n: number, lookups: number, rows: readonly TableRow[]): void {
  if (w === "table-build") return;
  const want = expectedLookupChecksum(n, lookups, w === "table-get-present");
  for (const r of rows) {
    if (r.impl === "leveldb-bloom") continue;
    if (r.checksum !== want) throw new Error(`${w} n=${n} / ${r.impl}: checksum ${r.checksum}, expected ${want}`);
  }
}

/** Ours on the wasm and the JS path must write the same bytes. */
function verifySameFiles(s: Setting, n: number, rows: readonly TableRow[]): void {
  if (!rows.some((x) => x.impl === "wasm") || !rows.some((x) => x.impl === "js")) return;
  if (!sameFiles(tablePath(s, n, "wasm"), tablePath(s, n, "js"))) throw new Error(`table-build n=${n}: the wasm and JS paths wrote different files`);
}

/** Compares two files a chunk at a time, so the runner stays small (its RSS is no case's). */
function sameFiles(a: string, b: string): boolean {
  const [fa, fb] = [openSync(a, "r"), openSync(b, "r")];
  try {
    const [ba, bb] = [Buffer.alloc(1 << 20), Buffer.alloc(1 << 20)];
    for (;;) {
      const na = readSync(fa, ba, 0, ba.length, null);
      const nb = readSync(fb, bb, 0, bb.length, null);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      if (na === 0) return true;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

function withRatios(rows: readonly TableRow[]): TableRow[] {
  const ns = (impl: string) => rows.find((r) => r.impl === impl)?.ns_per_op;
  const [wasm, js, leveldb, bloom] = [ns("wasm"), ns("js"), ns("leveldb"), ns("leveldb-bloom")];
  return rows.map((r) => ({
    ...r,
    ...(r.impl === "wasm" && js !== undefined ? { js_over_wasm: js / r.ns_per_op } : {}),
    ...(r.kind === "peer" && wasm !== undefined ? { peer_over_wasm: r.ns_per_op / wasm } : {}),
    ...(leveldb !== undefined && r.impl !== "leveldb-bloom" ? { over_leveldb: r.ns_per_op / leveldb } : {}),
    ...(bloom !== undefined && r.impl !== "leveldb-bloom" ? { over_leveldb_bloom: r.ns_per_op / bloom } : {}),
  }));
}

// ---- running ----

/** Makes sure the named table of n entries exists for a get workload (one untimed build). */
async function ensureBuilt(s: Setting, n: number, table: string, built: Set<string>): Promise<void> {
  if (table === "" || built.has(table)) return;
  const c = cases("table-build").find((x) => x.table === table)!;
  s.o.write(` (building the ${table} table)`);
  const p = await CaseProcess.start(`build ${table}`, c.command(s, n, 1));
  await p.done();
  built.add(table);
}

/** Starts every case (one at a time), times them in rounds of one run each, then collects their facts. */
async function runWorkload(s: Setting, w: TableWorkload, n: number, built: Set<string>): Promise<TableRow[]> {
  const selected = cases(w).filter((c) => s.o.include(c.impl, c.kind) && usable(c, s.native));
  const procs: CaseProcess[] = [];
  try {
    s.o.write(`${w} n=${n}: warm-up`);
    for (const c of selected) {
      if (w !== "table-build") await ensureBuilt(s, n, c.table, built);
      s.o.write(` ${c.impl}`);
      procs.push(await CaseProcess.start(`${w} n=${n} / ${c.impl}`, c.command(s, n, 1)));
    }
    s.o.write(", run");
    const times: number[][] = procs.map(() => []);
    const sums: number[] = [];
    for (let i = 0; i < s.o.runs; i++) {
      s.o.write(` ${i + 1}`);
      for (const [j, p] of procs.entries()) {
        const r = await p.run();
        times[j].push(r.ns);
        sums[j] = r.checksum;
      }
    }
    s.o.write("\n");
    const rows: TableRow[] = [];
    for (const [j, c] of selected.entries()) {
      const facts = await procs[j].done();
      const ns = times[j].map((t) => t / facts.ops);
      rows.push(row(w, c, n, { ...facts, ns_per_op: median(ns), min_ns_per_op: Math.min(...ns), runs: ns.length, checksum: sums[j] }));
    }
    if (w === "table-build") for (const c of selected) built.add(c.table);
    for (const x of rows) s.o.write(`  ${x.impl}: ${x.ns_per_op.toFixed(1)} ns/op over ${x.ops} ops\n`);
    verify(w, n, s.o.lookups, rows);
    if (w === "table-build") verifySameFiles(s, n, rows);
    return withRatios(rows);
  } finally {
    for (const p of procs) p.kill();
  }
}

/**
 * Runs the named table workloads at every size; tables are written to a temp dir, removed after.
 * `skipped` says why native cases are missing, if they are.
 */
export async function runTableWorkloads(names: readonly TableWorkload[], o: TableOptions): Promise<{ rows: TableRow[]; skipped: string }> {
  if (names.length === 0) return { rows: [], skipped: "" };
  const status = nativeProgram(o.write);
  if (status.message !== "") o.write(`${status.message}\n`);
  const s: Setting = { dir: mkdtempSync(join(tmpdir(), "wasm-lsm-tables-")), native: status.program, o };
  try {
    const rows: TableRow[] = [];
    for (const n of o.sizes) {
      const built = new Set<string>();
      for (const w of TABLE_WORKLOADS.filter((x) => names.includes(x))) rows.push(...(await runWorkload(s, w, n, built)));
    }
    return { rows, skipped: status.message };
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
}

// ---- the targets ----

function verdict(ratio: number, limit: number, higherIsBetter: boolean): string {
  return (higherIsBetter ? ratio >= limit : ratio <= limit) ? "met" : "MISSED";
}

/** One line per size and implementation: the three targets, as ratios from this run. */
export function targetLines(rows: readonly TableRow[]): string[] {
  const out: string[] = [];
  const sizes = [...new Set(rows.map((r) => r.n))];
  for (const n of sizes) {
    const at = (w: TableWorkload, impl: string) => rows.find((r) => r.n === n && r.workload === w && r.impl === impl);
    for (const impl of ["wasm", "js"]) {
      const parts: string[] = [];
      const build = at("table-build", impl), lb = at("table-build", "leveldb");
      if (build && lb) {
        const x = lb.ns_per_op / build.ns_per_op;
        parts.push(`build ${x.toFixed(2)}x LevelDB's MB/s (>= 1.0: ${verdict(x, 1, true)})`);
      }
      const hit = at("table-get-present", impl), lh = at("table-get-present", "leveldb");
      if (hit && lh) {
        const x = hit.ns_per_op / lh.ns_per_op;
        parts.push(`hit ${x.toFixed(2)}x LevelDB's time (<= 1.0: ${verdict(x, 1, false)})`);
      }
      const miss = at("table-get-absent", impl), bloom = at("table-get-absent", "leveldb-bloom");
      if (miss && bloom) {
        const x = miss.ns_per_op / bloom.ns_per_op;
        parts.push(`absent ${x.toFixed(2)}x LevelDB's Bloom probe (<= 1.5: ${verdict(x, 1.5, false)})`);
      }
      if (parts.length > 0) out.push(`# targets, n=${n}, ${impl}: ${parts.join("; ")}`);
    }
  }
  return out;
}
