// The test page of the differential check (web/differential.html): computes the cases of
// test/browser/differential-cases.ts on the wasm kernels (streamed from build/kernels.wasm) and on
// the JS twins, in the browser, and leaves them on window.differential for the test to compare
// with Node's.

import { differentialResults } from "../test/browser/differential-cases.js";
import { loadPageKernels } from "./page-kernels.js";

declare global {
  interface Window {
    differential?: { wasm: Record<string, string>; js: Record<string, string> } | { error: string };
  }
}

async function main(): Promise<void> {
  const status = document.getElementById("status")!;
  try {
    const { wasm, js } = await loadPageKernels();
    window.differential = { wasm: differentialResults(wasm), js: differentialResults(js) };
    status.textContent = `computed ${Object.keys(window.differential.wasm).length} cases on both kernel sets`;
  } catch (err) {
    window.differential = { error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) };
    status.textContent = `failed: ${window.differential.error}`;
  }
  document.body.dataset.ready = "true";
}

void main();
