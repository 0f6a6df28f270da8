// The benchmark panel: starts the worker (kernel-bench-worker.ts), shows its progress, then the results as
// a table (wasm and JS ns per op, their ratio) and an SVG bar chart, each workload's two bars drawn
// against the slower of the two.

import type { Measurement } from "../bench/measure.js";
import type { BenchMessage, BenchRequest } from "./kernel-bench-protocol.js";
import { byId, el, hideError, showError, svg } from "./dom.js";

interface Row {
  readonly workload: string;
  readonly wasm: Measurement | undefined;
  readonly js: Measurement | undefined;
}

const fmtNs = (ns: number) => (ns < 10 ? ns.toFixed(2) : ns < 1000 ? ns.toFixed(1) : ns.toFixed(0));

export class BenchPanel {
  private worker: Worker | null = null;
  private rows: Row[] = [];

  constructor() {
    byId("bench-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.start({ keys: Number(byId<HTMLSelectElement>("bench-keys").value), runs: Math.max(1, Number(byId<HTMLInputElement>("bench-runs").value) || 1) });
    });
  }

  start(req: BenchRequest): void {
    this.worker?.terminate();
    this.rows = [];
    const panel = byId("bench-panel");
    const progress = byId<HTMLProgressElement>("bench-progress");
    const status = byId("bench-status");
    const button = byId<HTMLButtonElement>("bench-run");
    hideError(byId("bench-error"));
    byId("bench-table").hidden = true;
    byId("bench-chart").replaceChildren();
    panel.dataset.state = "running";
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = "loading the kernels and making the data set…";
    let names: readonly string[] = [];
    const worker = (this.worker = new Worker(new URL("./kernel-bench-worker.js", import.meta.url), { type: "module" }));
    const finish = (state: string) => {
      panel.dataset.state = state;
      button.disabled = false;
      progress.hidden = state === "done";
      worker.terminate();
    };
    worker.onmessage = (ev: MessageEvent<BenchMessage>) => {
      const m = ev.data;
      if (m.type === "start") {
        names = m.workloads;
        progress.max = names.length;
      } else if (m.type === "progress") {
        status.textContent = `${m.workload + 1} of ${names.length}: ${m.text}`;
      } else if (m.type === "result") {
        progress.value = m.workload + 1;
        this.rows.push({ workload: names[m.workload], wasm: m.measurements.find((x) => x.kind === "wasm"), js: m.measurements.find((x) => x.kind === "js") });
        this.render();
      } else if (m.type === "done") {
        const browser = /(?:Chrome|Chromium|Firefox|Version)\/[\d.]+/.exec(navigator.userAgent)?.[0] ?? "this browser";
        status.textContent = `done: ${names.length} workloads, ${req.keys.toLocaleString("en-US")} keys, median of ${req.runs} runs, in ${(m.ms / 1000).toFixed(1)} s (${browser}, ${navigator.hardwareConcurrency} cores)`;
        finish("done");
      } else {
        showError(byId("bench-error"), new Error(m.message));
        finish("error");
      }
    };
    worker.onerror = (ev) => {
      showError(byId("bench-error"), new Error(`the benchmark worker failed: ${ev.message}`));
      finish("error");
    };
    worker.postMessage(req);
  }

  private render(): void {
    const body = byId("bench-table").querySelector("tbody")!;
    body.replaceChildren(...this.rows.map((r) => el("tr", { "data-workload": r.workload },
      el("td", {}, r.workload),
      el("td", { class: "num", "data-impl": "wasm" }, r.wasm === undefined ? "" : fmtNs(r.wasm.ns_per_op)),
      el("td", { class: "num", "data-impl": "js" }, r.js === undefined ? "" : fmtNs(r.js.ns_per_op)),
      el("td", { class: "num", "data-field": "ratio" }, r.wasm !== undefined && r.js !== undefined ? `${(r.js.ns_per_op / r.wasm.ns_per_op).toFixed(2)}x` : ""),
      el("td", {}, [r.wasm?.gb_per_s === undefined ? "" : `wasm ${r.wasm.gb_per_s.toFixed(2)} GB/s`, r.wasm?.note ?? ""].filter((s) => s !== "").join("; ")),
    )));
    byId("bench-table").hidden = false;
    byId("bench-chart").replaceChildren(chart(this.rows));
  }
}

/** Two bars per workload, wasm and JS, each as long as its ns/op over the slower one's. */
function chart(rows: readonly Row[]): SVGSVGElement {
  const LABEL = 190, BAR_W = 700, BAR_H = 11, ROW = 32, TOP = 24;
  const height = TOP + rows.length * ROW + 8;
  const out = svg("svg", { viewBox: `0 0 ${LABEL + BAR_W + 110} ${height}`, role: "img", "aria-label": "ns per op, wasm and JS, per workload (shorter is faster)" });
  out.append(
    svg("rect", { x: LABEL, y: 4, width: 10, height: 10, class: "bar-wasm" }), svg("text", { x: LABEL + 14, y: 13, "font-size": 11 }, "wasm"),
    svg("rect", { x: LABEL + 60, y: 4, width: 10, height: 10, class: "bar-js" }), svg("text", { x: LABEL + 74, y: 13, "font-size": 11 }, "JS"),
    svg("text", { x: LABEL + 110, y: 13, "font-size": 11, fill: "#5b6475" }, "ns per op, each workload against its slower path (shorter is faster)"),
  );
  rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    const max = Math.max(r.wasm?.ns_per_op ?? 0, r.js?.ns_per_op ?? 0) || 1;
    out.append(svg("text", { x: LABEL - 8, y: y + BAR_H + 4, "font-size": 12, "text-anchor": "end" }, r.workload));
    ([["wasm", r.wasm], ["js", r.js]] as const).forEach(([impl, m], j) => {
      if (m === undefined) return;
      const w = (m.ns_per_op / max) * BAR_W;
      const by = y + j * (BAR_H + 2);
      out.append(
        svg("rect", { x: LABEL, y: by, width: w.toFixed(2), height: BAR_H, class: `bar-${impl}`, "data-workload": r.workload, "data-impl": impl, "data-ns": m.ns_per_op },
          svg("title", {}, `${r.workload}, ${impl}: ${fmtNs(m.ns_per_op)} ns/op`)),
        svg("text", { x: LABEL + w + 4, y: by + BAR_H - 2, "font-size": 10 }, `${fmtNs(m.ns_per_op)} ns`),
      );
    });
  });
  return out;
}
