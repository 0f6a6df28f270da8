// The inspector page's entry (web/index.html; bundled by scripts/build-web.mjs into
// dist/web/inspector.js): loads the kernels, then wires the panels. body[data-ready] is set once the
// page can be used, for people and for the Chromium tests (test/browser/).

import type { Kernels } from "../src/kernels/types.js";
import { BenchPanel } from "./inspector-bench.js";
import { BuildPanel } from "./inspector-build.js";
import { DirectoryPanel } from "./inspector-directory.js";
import { TablePanel } from "./inspector-table.js";
import { byId } from "./dom.js";
import { loadPageKernels, type KernelsName } from "./page-kernels.js";

async function main(): Promise<void> {
  const status = byId("kernels-status");
  const select = byId<HTMLSelectElement>("kernels");
  let sets: Record<KernelsName, Kernels>;
  try {
    sets = await loadPageKernels();
    status.textContent = "wasm kernels compiled from build/kernels.wasm";
    status.dataset.state = "wasm";
  } catch (err) {
    // the page still works on the TypeScript twins; say why the wasm path is missing
    const { jsKernels } = await import("../src/kernels/js.js");
    sets = { wasm: jsKernels, js: jsKernels };
    select.value = "js";
    select.disabled = true;
    status.textContent = `the wasm kernels did not load (${(err as Error).message}); running on the JS twins`;
    status.dataset.state = "js-only";
  }
  const kernels = () => sets[select.value as KernelsName];
  const tables = new TablePanel(kernels);
  const directory = new DirectoryPanel(kernels);
  new BuildPanel(kernels, (name, bytes) => tables.open(name, bytes));
  new BenchPanel();
  select.addEventListener("change", () => {
    tables.reopen();
    directory.reopen();
  });
  document.body.dataset.ready = "true";
}

void main();
