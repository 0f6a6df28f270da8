// The messages between the benchmark panel (inspector-bench.ts) and its worker (kernel-bench-worker.ts).

import type { Measurement } from "../bench/measure.js";

export interface BenchRequest {
  readonly keys: number;
  readonly runs: number;
}

export type BenchMessage =
  | { readonly type: "start"; readonly workloads: readonly string[] }
  /** Progress text of the workload under way (bench/measure.ts's write: "warm-up wasm js, run 1 2 ..."). */
  | { readonly type: "progress"; readonly workload: number; readonly text: string }
  | { readonly type: "result"; readonly workload: number; readonly measurements: readonly Measurement[] }
  | { readonly type: "done"; readonly ms: number }
  | { readonly type: "error"; readonly message: string };
