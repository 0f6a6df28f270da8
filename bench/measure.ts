// Timing: each case is set up once (untimed) and warmed up; then the cases of a workload are timed
// in rounds with performance.now(), and the result is the median ns per op. Every run must
// leave the same checksum, and the JS twin and the peers that compute the kernels' function must
// leave the wasm case's checksum; any difference throws, so a wrong or skipped computation cannot
// pass as fast.

import type { Case, ImplKind, Runner, Workload } from "./workloads.js";

export interface Measurement {
  readonly workload: string;
  readonly impl: string;
  readonly kind: ImplKind;
  /** The median over the timed runs. */
  readonly ns_per_op: number;
  readonly min_ns_per_op: number;
  readonly ops: number;
  readonly runs: number;
  readonly checksum: number;
  readonly note: string;
  readonly gb_per_s?: number;
  /** The workload's ops, when a slow peer ran on fewer. */
  readonly reduced_from?: number;
}

export interface TimingOptions {
  readonly runs: number;
  /** Warm-up runs: at least `warmups`, and more until warmupMs have passed. */
  readonly warmups: number;
  readonly warmupMs: number;
  /** A peer whose run would take longer than this runs on fewer ops. */
  readonly maxRunMs: number;
  /** Progress text (stderr). */
  readonly write: (text: string) => void;
}

/** Ops a peer is timed on to decide whether it needs fewer ops. */
const CALIBRATION_OPS = 20_000;

/** A run's ns. performance.now(), which Node and browsers both have: the page runs these workloads too. */
function timeRun(r: Runner): number {
  const t0 = performance.now();
  r.run();
  return (performance.now() - t0) * 1e6;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** x rounded down to one significant digit (1, 2, .., 9 times a power of ten). */
function roundDown(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return Math.floor(x / p) * p;
}

/** The workload's ops, or fewer for a peer so slow that one run would exceed maxRunMs. */
export function opsFor(c: Case, ops: number, maxRunMs: number): number {
  if (c.kind !== "peer") return ops;
  const probe = Math.min(ops, CALIBRATION_OPS);
  const r = c.setup(probe);
  let nsPerOp: number;
  try {
    r.run();
    nsPerOp = timeRun(r) / probe;
  } finally {
    r.release?.();
  }
  if (nsPerOp * ops <= maxRunMs * 1e6) return ops;
  return Math.min(ops, Math.max(probe, roundDown((maxRunMs * 1e6) / nsPerOp)));
}

/** One case of a workload being measured: its runner and the times of its runs so far. */
class Trial {
  readonly times: number[] = [];
  private sum: number | undefined;

  constructor(
    readonly w: Workload,
    readonly c: Case,
    readonly ops: number,
    readonly runner: Runner,
  ) {}

  /** One run, in ns per op; its checksum must equal the first run's. */
  run(): number {
    const ns = timeRun(this.runner);
    const sum = this.runner.checksum();
    if (this.sum !== undefined && sum !== this.sum) {
      throw new Error(`${this.w.name} / ${this.c.impl}: checksum ${sum} differs from the first run's ${this.sum}`);
    }
    this.sum = sum;
    return ns / this.ops;
  }

  warmUp(t: TimingOptions): void {
    const start = Date.now();
    for (let i = 0; i < t.warmups || Date.now() - start < t.warmupMs; i++) this.run();
  }

  result(): Measurement {
    const { w, c, ops, times } = this;
    const nsPerOp = median(times);
    const m = { workload: w.name, impl: c.impl, kind: c.kind, ns_per_op: nsPerOp, min_ns_per_op: Math.min(...times), ops, runs: times.length };
    const gb = w.bytesPerOp === undefined ? {} : { gb_per_s: w.bytesPerOp / nsPerOp };
    const reduced = ops === w.ops ? {} : { reduced_from: w.ops };
    return { ...m, ...gb, ...reduced, checksum: this.sum ?? 0, note: this.runner.note?.() ?? "" };
  }
}

/**
 * Sets up every case, warms each up, then times them in rounds (one run of each case per round),
 * so a slow spell of a shared machine lands on all cases alike instead of on one.
 */
function measureAll(w: Workload, cases: readonly Case[], t: TimingOptions): Measurement[] {
  const trials: Trial[] = [];
  try {
    for (const c of cases) {
      const ops = opsFor(c, w.ops, t.maxRunMs);
      trials.push(new Trial(w, c, ops, c.setup(ops)));
    }
    t.write(`${w.name}: warm-up`);
    for (const trial of trials) {
      t.write(` ${trial.c.impl}`);
      trial.warmUp(t);
    }
    t.write(", run");
    for (let i = 0; i < t.runs; i++) {
      t.write(` ${i + 1}`);
      for (const trial of trials) trial.times.push(trial.run());
    }
    t.write("\n");
    return trials.map((trial) => trial.result());
  } finally {
    for (const trial of trials) trial.runner.release?.();
  }
}

/** The checksum a case leaves after one run on `ops` ops (untimed). */
function checksumOf(c: Case, ops: number): number {
  const r = c.setup(ops);
  try {
    r.run();
    return r.checksum();
  } finally {
    r.release?.();
  }
}

/** Throws unless m agrees with the wasm case where it computes the same thing. */
function verify(w: Workload, c: Case, m: Measurement, wasm: Measurement | undefined): void {
  if (c.kind === "wasm" || !c.sameAsWasm) return;
  const expected = wasm !== undefined && m.ops === wasm.ops ? wasm.checksum : checksumOf(w.cases[0], m.ops);
  if (m.checksum !== expected) {
    throw new Error(`${w.name}: ${c.impl} checksum ${m.checksum} differs from wasm's ${expected} over ${m.ops} ops`);
  }
}

/**
 * Measures the cases of a workload that pass `include`, then checks them against the wasm case
 * (running it untimed if it was left out, after the others, so it cannot change their timings).
 */
export function runWorkload(w: Workload, t: TimingOptions, include: (c: Case) => boolean): Measurement[] {
  if (w.cases[0]?.kind !== "wasm") throw new Error(`${w.name}: the first case must be wasm`);
  const cases = w.cases.filter(include);
  const results = measureAll(w, cases, t);
  for (const m of results) t.write(`  ${m.impl}: ${m.ns_per_op.toFixed(2)} ns/op over ${m.ops} ops\n`);
  const wasm = results.find((m) => m.kind === "wasm");
  cases.forEach((c, i) => verify(w, c, results[i], wasm));
  return results;
}
