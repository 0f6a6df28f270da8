// The worker of the inspector's benchmark panel (web/bench-worker.ts is another: the OPFS store's
// bench): the kernel workloads of `npm run bench` (bench/workloads.ts, timed by bench/measure.ts:
// the same code, not a copy) on the wasm kernels and their JS twin, run off the page's thread so the
// page stays live and shows progress. It posts BenchMessages (kernel-bench-protocol.ts).

import { Dataset } from "../bench/data.js";
import { runWorkload, type TimingOptions } from "../bench/measure.js";
import { workloads } from "../bench/workloads.js";
import type { BenchMessage, BenchRequest } from "./kernel-bench-protocol.js";
import { loadPageKernels } from "./page-kernels.js";

function post(m: BenchMessage): void {
  self.postMessage(m);
}

async function run(req: BenchRequest): Promise<void> {
  const started = performance.now();
  const { wasm, js } = await loadPageKernels();
  const all = workloads(new Dataset(req.keys), { crcOps: Math.max(256, Math.round(req.keys / 50)), kernels: [wasm, js] });
  post({ type: "start", workloads: all.map((w) => w.name) });
  for (const [i, w] of all.entries()) {
    let text = "";
    const timing: TimingOptions = {
      // the warm-up of `npm run bench -- --quick`: time for V8 to optimise the JS twin's loops
      runs: req.runs, warmups: 1, warmupMs: 300, maxRunMs: 1000,
      write: (t) => {
        text = (text + t).split("\n").filter((l) => l !== "").pop() ?? "";
        post({ type: "progress", workload: i, text });
      },
    };
    // a turn of the event loop between workloads, so each progress message goes out as it is made
    await new Promise((r) => setTimeout(r, 0));
    post({ type: "result", workload: i, measurements: runWorkload(w, timing, () => true) });
  }
  post({ type: "done", ms: performance.now() - started });
}

self.onmessage = (ev: MessageEvent<BenchRequest>) => {
  run(ev.data).catch((err: unknown) => post({ type: "error", message: err instanceof Error ? err.message : String(err) }));
};
