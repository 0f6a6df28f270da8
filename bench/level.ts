// The level workloads: the database as a Node program uses it, through the abstract-level API
// (await db.put, db.get, db.getSync, db.batch, iterator nextv), on ours (WasmLevel on the wasm and
// the JS kernels), classic-level and memory-level in one run, each engine in a process of its own
// (bench/level-child.ts, whose header lists the steps) on the same data (16-byte keys, 100-byte
// values: db-data.ts): the writes one engine after the other, then each read workload on every
// engine in turn (runRound). Figures: ops/s, p50/p99 latency per call, and the
// ratios to classic-level's and memory-level's ops/s in this run; under the table, the targets.
// Every read is checked against db-data.ts: a wrong count or sum stops the bench. With rounds > 1
// all of it runs that many times, each time on fresh databases, and each workload's figures are
// those of its median round by ops/s: on a shared machine the load moves between one engine's
// process and the next, and rounds spread that over every engine.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { expectedReads, valueWord, type Found } from "./db-data.js";
import { BATCH_SIZE, NEXTV_SIZE, type LevelChildArgs } from "./level-args.js";
import type { LevelEngineName } from "./level-engines.js";
import type { Measurement } from "./measure.js";
import type { ImplKind } from "./workloads.js";

/** The workloads, in the order the table shows them; each is a step of level-child.ts. */
export const LEVEL_WORKLOADS = ["level-put", "level-put-sync", "level-batch", "level-get", "level-get-missing", "level-get-sync", "level-nextv"] as const;
export type LevelWorkload = (typeof LEVEL_WORKLOADS)[number];
const stepOf = (w: string) => w.slice("level-".length);

export interface LevelOptions {
  readonly n: number;
  readonly syncOps: number;
  readonly reads: number;
  readonly passes: number;
  /** Times every engine runs, in turn (the figures: each workload's median round). */
  readonly rounds: number;
  readonly include: (impl: string, kind: ImplKind) => boolean;
  readonly write: (text: string) => void;
}

export interface LevelRow extends Measurement {
  readonly n: number;
  /** Calls per second (batch: batches; nextv: entries). */
  readonly ops_per_s: number;
  /** Latency of one call (batch: a batch of 100; nextv: a nextv(1000) call), µs. */
  readonly p50_us: number;
  readonly p99_us: number;
  /** CPU time of the engine's process per op (every thread), µs: the step's, over its ops. */
  readonly cpu_us_per_op: number;
  /** This engine's ops/s over classic-level's and over memory-level's in this run (above 1: faster). */
  readonly over_classic_level?: number;
  readonly over_memory_level?: number;
  /** Reads: entries found and the sum of their values' first words (checked). */
  readonly found?: number;
  /** nextv: calls that returned entries. */
  readonly calls?: number;
  /** ops/s of every round, in order (the row is the median one's). */
  readonly ops_per_s_rounds: readonly number[];
}

/** A workload an engine cannot run (getSync without db.supports.getSync), or an engine that failed. */
export interface LevelSkip {
  readonly workload: string;
  readonly impl: string;
  readonly reason: string;
}

const KIND: Record<LevelEngineName, ImplKind> = { wasm: "wasm", js: "js", "classic-level": "peer", "memory-level": "peer" };
/** The order the engines run in: the peers first, as in the database workloads. */
const ORDER: readonly LevelEngineName[] = ["classic-level", "memory-level", "wasm", "js"];

type Line = Record<string, number | string>;

/** What a read step must find: the counts and sums of db-data.ts (batch wrote version 1 of every key). */
function expected(w: string, o: LevelOptions): Found | null {
  if (w === "level-get" || w === "level-get-sync") return expectedReads(o.n, o.reads);
  if (w === "level-get-missing") return { found: 0, sum: 0 };
  if (w === "level-nextv") {
    let sum = 0;
    for (let i = 0; i < o.n; i++) sum = (sum + valueWord(i, 0, 1)) >>> 0;
    return { found: o.passes * o.n, sum: Math.imul(sum, o.passes) >>> 0 };
  }
  return null;
}

/** A read that found other than db-data.ts says: fatal, unlike an engine that fails to run. */
class WrongReadError extends Error {}

function verify(impl: string, w: string, line: Line, o: LevelOptions): void {
  const want = expected(w, o);
  if (want !== null && (line.found !== want.found || line.sum !== want.sum)) {
    throw new WrongReadError(`${w} / ${impl}: found ${line.found} entries (sum ${line.sum}), expected ${want.found} (sum ${want.sum})`);
  }
}

/**
 * One engine's child process (level-child.ts): its write steps' lines as they come, then the read
 * steps asked of it, one at a time. A child that ends early throws with its stderr.
 */
class EngineChild {
  private readonly proc: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly lines: AsyncIterator<string>;
  private readonly exit: Promise<string>;
  private stderr = "";

  constructor(a: LevelChildArgs) {
    const child = join(dirname(fileURLToPath(import.meta.url)), "level-child.js");
    this.proc = spawn(process.execPath, [child, JSON.stringify(a)], { stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stderr.setEncoding("utf8").on("data", (d: string) => void (this.stderr += d));
    this.proc.stdin.on("error", () => {}); // a child that died: its exit says why
    this.exit = new Promise<string>((resolve) => {
      this.proc.on("error", (e) => resolve(e.message));
      this.proc.on("close", (code, signal) => resolve(code === 0 ? "" : `exit ${code ?? signal}`));
    });
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  /** The next line the child prints. */
  async next(): Promise<Line> {
    const r = await this.lines.next();
    if (r.done === true) throw new Error(`${(await this.exit) || "ended early"}: ${this.stderrTail()}`);
    return JSON.parse(r.value) as Line;
  }

  read(step: string): Promise<Line> {
    this.proc.stdin.write(`${step}\n`);
    return this.next();
  }

  /** Ends the child's reads; it closes its database and removes its directory. */
  async close(): Promise<void> {
    this.proc.stdin.end();
    const status = await this.exit;
    if (status !== "") throw new Error(`${status}: ${this.stderrTail()}`);
  }

  kill(): void {
    this.proc.kill();
  }

  private stderrTail(): string {
    return this.stderr.trim().split("\n").slice(-3).join(" / ");
  }
}

const WRITES: readonly string[] = ["level-put", "level-put-sync", "level-batch"];

/** One round's figures and failures, gathered as the steps report. */
class Round {
  readonly rows: LevelRow[] = [];
  readonly skips: LevelSkip[] = [];
  readonly failed = new Set<LevelEngineName>();

  constructor(private readonly selected: readonly string[], private readonly o: LevelOptions) {}

  /** Records a step's line (a step not asked for, run to set up the reads, is left out). */
  take(impl: LevelEngineName, line: Line, label: string): void {
    const w = `level-${String(line.step)}`;
    if (!this.selected.includes(w)) return;
    if (line.skipped !== undefined) {
      this.skips.push({ workload: w, impl, reason: String(line.skipped) });
      this.o.write(` ${label} n/a`);
      return;
    }
    verify(impl, w, line, this.o);
    this.rows.push(row(impl, w, line, this.o));
    this.o.write(` ${label} ${Math.round(this.rows[this.rows.length - 1].ops_per_s).toLocaleString("en-US")}/s`);
  }

  fail(impl: LevelEngineName, err: unknown): void {
    if (err instanceof WrongReadError) throw err;
    const reason = `failed: ${err instanceof Error ? err.message : String(err)}`;
    this.o.write(` ${impl} ${reason}`);
    this.failed.add(impl);
    const done = (w: string) => this.rows.some((r) => r.impl === impl && r.workload === w) || this.skips.some((s) => s.impl === impl && s.workload === w);
    for (const w of this.selected.filter((x) => !done(x))) this.skips.push({ workload: w, impl, reason });
  }
}

/**
 * One round: each engine's child makes its database and runs the writes, one engine after the
 * other (each settles before the next starts); then each read workload runs on every engine in
 * turn, so that the engines' reads of a workload run close together in time, with every database
 * ready. The engines' order turns by one each round, for the writes too: the first engine's puts
 * met the previous round's writeback.
 */
async function runRound(round: number, engines: readonly LevelEngineName[], root: string, selected: readonly string[], o: LevelOptions): Promise<Round> {
  const r = new Round(selected, o);
  const children = new Map<LevelEngineName, EngineChild>();
  const steps = selected.map(stepOf);
  const turn = round % engines.length;
  const order = [...engines.slice(turn), ...engines.slice(0, turn)];
  try {
    for (const impl of order) {
      o.write(`level ${impl} writes:`);
      const child = new EngineChild({ engine: impl, dir: join(root, `${impl}-${round}`), n: o.n, syncOps: o.syncOps, reads: o.reads, passes: o.passes, steps });
      children.set(impl, child);
      try {
        for (let line = await child.next(); ; line = await child.next()) {
          if (line.step === "settle") break;
          r.take(impl, line, String(line.step));
        }
      } catch (err) {
        r.fail(impl, err);
      }
      o.write("\n");
    }
    for (const w of selected.filter((x) => !WRITES.includes(x))) {
      o.write(`level ${stepOf(w)}:`);
      for (const impl of order.filter((e) => !r.failed.has(e))) {
        try {
          r.take(impl, await children.get(impl)!.read(stepOf(w)), impl);
        } catch (err) {
          r.fail(impl, err);
        }
      }
      o.write("\n");
    }
    for (const [impl, child] of children) {
      if (r.failed.has(impl)) continue;
      await child.close().catch((err: unknown) => r.fail(impl, err));
    }
  } finally {
    for (const child of children.values()) child.kill(); // no-op for a child that has exited
  }
  return r;
}

function row(impl: LevelEngineName, w: string, line: Line, o: LevelOptions): LevelRow {
  const ops = Number(line.ops);
  const ns = Number(line.ns);
  return {
    workload: w, impl, kind: KIND[impl], n: o.n,
    ns_per_op: ns / ops, min_ns_per_op: ns / ops, ops, runs: 1, checksum: Number(line.sum ?? 0), note: "",
    ops_per_s: ops / (ns / 1e9), ops_per_s_rounds: [ops / (ns / 1e9)], p50_us: Number(line.lat_p50_ns) / 1e3, p99_us: Number(line.lat_p99_ns) / 1e3,
    cpu_us_per_op: Number(line.cpu_ns) / 1e3 / ops,
    ...(line.found === undefined ? {} : { found: Number(line.found) }),
    ...(line.calls === undefined ? {} : { calls: Number(line.calls) }),
  };
}

function withRatios(rows: readonly LevelRow[]): LevelRow[] {
  const rate = (w: string, impl: string) => rows.find((r) => r.workload === w && r.impl === impl)?.ops_per_s;
  return rows.map((r) => {
    const [classic, memory] = [rate(r.workload, "classic-level"), rate(r.workload, "memory-level")];
    return {
      ...r,
      ...(classic === undefined ? {} : { over_classic_level: r.ops_per_s / classic }),
      ...(memory === undefined ? {} : { over_memory_level: r.ops_per_s / memory }),
    };
  });
}

/** Runs the named workloads on every engine `include` lets in; the databases live in a temp dir, removed after. */
export async function runLevelWorkloads(names: readonly string[], o: LevelOptions): Promise<{ rows: LevelRow[]; skipped: LevelSkip[] }> {
  if (names.length === 0) return { rows: [], skipped: [] };
  const root = mkdtempSync(join(tmpdir(), "wasm-lsm-level-"));
  const rows: LevelRow[] = [];
  const skipped: LevelSkip[] = [];
  try {
    const engines = ORDER.filter((e) => o.include(e, KIND[e]));
    for (let round = 1; round <= o.rounds; round++) {
      if (o.rounds > 1) o.write(`level round ${round} of ${o.rounds}\n`);
      const r = await runRound(round, engines, root, names, o);
      rows.push(...r.rows);
      for (const s of r.skips) if (!skipped.some((x) => x.workload === s.workload && x.impl === s.impl)) skipped.push(s);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const place = (r: { workload: string; impl: string }) => LEVEL_WORKLOADS.indexOf(r.workload as LevelWorkload) * ORDER.length + ORDER.indexOf(r.impl as LevelEngineName);
  return { rows: withRatios(medianRounds(rows)).sort((a, b) => place(a) - place(b)), skipped: skipped.sort((a, b) => place(a) - place(b)) };
}

/** One row per workload and engine: its median round by ops/s (of an even count, the lower middle), with every round's ops/s. */
function medianRounds(rows: readonly LevelRow[]): LevelRow[] {
  const out: LevelRow[] = [];
  for (const r of rows) {
    if (out.some((x) => x.workload === r.workload && x.impl === r.impl)) continue;
    const all = rows.filter((x) => x.workload === r.workload && x.impl === r.impl);
    const sorted = [...all].sort((a, b) => a.ops_per_s - b.ops_per_s);
    const median = sorted[(sorted.length - 1) >> 1];
    out.push({ ...median, runs: all.length, ops_per_s_rounds: all.map((x) => x.ops_per_s) });
  }
  return out;
}

// ---- output ----

const fmtN = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n % 1000 === 0 ? `${n / 1000}k` : String(n));
const fmtUs = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const fmtRatio = (x: number | undefined) => (x === undefined ? "" : `${x.toFixed(2)}x`);

/** What one op of a workload is, for the table's headings. */
function unitOf(w: string, o: Pick<LevelOptions, "n" | "syncOps" | "reads" | "passes">): string {
  switch (w) {
    case "level-put":
      return `${fmtN(o.n)} x await db.put(k, v, { sync: false })`;
    case "level-put-sync":
      return `${fmtN(Math.min(o.syncOps, o.n))} x await db.put(k, v, { sync: true })`;
    case "level-batch":
      return `${fmtN(Math.ceil(o.n / BATCH_SIZE))} x await db.batch(${BATCH_SIZE} puts, { sync: false }); ops/s = batches/s`;
    case "level-get":
      return `${fmtN(o.reads)} x await db.get(present key)`;
    case "level-get-missing":
      return `${fmtN(o.reads)} x await db.get(missing key)`;
    case "level-get-sync":
      return `${fmtN(o.reads)} x db.getSync(present key)`;
    default:
      return `${o.passes} x db.iterator() over all ${fmtN(o.n)} entries by await nextv(${NEXTV_SIZE}); ops/s = entries/s, latency per nextv call`;
  }
}

/** One block per workload: engine, ops/s, p50/p99 µs, the ratios to classic-level and memory-level; n/a and failures as notes. */
export function levelTable(rows: readonly LevelRow[], skipped: readonly LevelSkip[], o: Pick<LevelOptions, "n" | "syncOps" | "reads" | "passes">): string {
  const head = ["engine", "ops/s", "p50 µs", "p99 µs", "cpu µs/op", "x classic-level", "x memory-level", "notes"];
  const out: string[] = [];
  for (const w of LEVEL_WORKLOADS.filter((x) => rows.some((r) => r.workload === x) || skipped.some((s) => s.workload === x))) {
    const cells = rows.filter((r) => r.workload === w).map((r) => [
      r.impl, Math.round(r.ops_per_s).toLocaleString("en-US"), fmtUs(r.p50_us), fmtUs(r.p99_us), fmtUs(r.cpu_us_per_op), fmtRatio(r.over_classic_level), fmtRatio(r.over_memory_level),
      rowNote(r),
    ]);
    for (const s of skipped.filter((x) => x.workload === w)) cells.push([s.impl, "n/a", "", "", "", "", "", s.reason]);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c: string[]) => c.map((s, i) => (i === 0 || i === c.length - 1 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join("  ").trimEnd();
    out.push(`## ${w}: ${unitOf(w, o)}`, line(head), line(widths.map((x) => "-".repeat(x))), ...cells.map(line), "");
  }
  return out.join("\n");
}

function rowNote(r: LevelRow): string {
  const parts: string[] = [];
  const rate = (x: number) => Math.round(x).toLocaleString("en-US");
  if (r.workload === "level-batch") parts.push(`${rate(r.ops_per_s * BATCH_SIZE)} puts/s`);
  const rounds = r.ops_per_s_rounds;
  if (rounds.length > 1) parts.push(`${rounds.length} rounds: ${rate(Math.min(...rounds))} to ${rate(Math.max(...rounds))}/s`);
  return parts.join("; ");
}

/** The targets, each ratio from this run: [workload, vs engine, at least]. */
const TARGETS: readonly (readonly [LevelWorkload, "classic-level" | "memory-level", number])[] = [
  ["level-put", "classic-level", 5],
  ["level-get", "classic-level", 5],
  ["level-get-missing", "classic-level", 5],
  ["level-nextv", "classic-level", 2],
  ["level-get", "memory-level", 1],
  ["level-get-missing", "memory-level", 1],
  ["level-get-sync", "memory-level", 1],
  ["level-nextv", "memory-level", 1],
];

/** One line per engine of ours: each target's ratio and whether it is met; a ratio this run lacks is left out. */
export function levelTargetLines(rows: readonly LevelRow[]): string[] {
  const out: string[] = [];
  for (const impl of ["wasm", "js"]) {
    const parts: string[] = [];
    for (const [w, peer, least] of TARGETS) {
      const r = rows.find((x) => x.workload === w && x.impl === impl);
      const ratio = peer === "classic-level" ? r?.over_classic_level : r?.over_memory_level;
      if (ratio !== undefined) parts.push(`${stepOf(w)} ${ratio.toFixed(2)}x ${peer} (>= ${least}: ${ratio >= least ? "met" : "MISSED"})`);
    }
    if (parts.length > 0) out.push(`# level targets, ${impl}: ${parts.join("; ")}`);
  }
  return out;
}

/** Everything the level group prints under the other groups' tables. */
export function levelReport(rows: readonly LevelRow[], skipped: readonly LevelSkip[], o: Pick<LevelOptions, "n" | "syncOps" | "reads" | "passes" | "rounds">): string[] {
  const rounds = o.rounds === 1 ? "" : `; ${o.rounds} rounds on fresh databases, each figure from its workload's median round by ops/s`;
  return [
    `\n# level workloads (the abstract-level API): ${fmtN(o.n)} keys of 16 bytes, values of 100 bytes; every engine in a process of its own, its writes one engine after the other, each read workload on every engine in turn; each call awaited before the next${rounds}`,
    "# wasm, js: WasmLevel on those kernels; classic-level and ours with an 8 MiB block cache, a 10 bits/key Bloom filter, no compression; reads after the writes' disk traffic settled (at most 10 s)",
    levelTable(rows, skipped, o),
    ...levelTargetLines(rows),
  ];
}
