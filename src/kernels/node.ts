// Loading the kernels in Node: reads build/kernels.wasm (built by `npm install`) from the package
// root, found by walking up from this file, which sits at src/kernels/ in a checkout and at
// dist/src/kernels/ once compiled.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsKernels } from "./js.js";
import type { Kernels } from "./types.js";
import { createWasmKernels, type WasmKernels } from "./wasm.js";

export type KernelsName = "wasm" | "js";

export function wasmFile(name = "kernels.wasm"): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "build", name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`build/${name} not found above ${fileURLToPath(import.meta.url)}: run \`npm install\` (it builds the wasm)`);
}

let wasm: WasmKernels | undefined;

/** A fresh wasm instance with its own memory (tests and benchmarks that watch memory use this). */
export function newWasmKernels(file = wasmFile()): WasmKernels {
  return createWasmKernels(readFileSync(file));
}

/** The process-wide kernels of that name; the wasm module is instantiated on first use. */
export function loadKernels(name: KernelsName = "wasm"): Kernels {
  if (name === "js") return jsKernels;
  wasm ??= newWasmKernels();
  return wasm;
}
