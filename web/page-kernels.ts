// The kernels the page runs on: the wasm module, streamed from its own file (build/kernels.wasm,
// served as application/wasm) and compiled as it arrives, or the TypeScript twins. The module is the
// same file Node loads, not a copy embedded in a bundle: one artifact, cached by the browser apart
// from the page's code, and no base64 to decode before compiling.

import { jsKernels } from "../src/kernels/js.js";
import type { Kernels } from "../src/kernels/types.js";
import { streamWasmKernels } from "../src/kernels/wasm.js";

/** build/kernels.wasm, relative to this bundle (dist/web/*.js), so the page works under any path. */
export const WASM_URL = new URL("../../build/kernels.wasm", import.meta.url);

export type KernelsName = "wasm" | "js";

export async function loadPageKernels(): Promise<Record<KernelsName, Kernels>> {
  const wasm = await streamWasmKernels(fetch(WASM_URL));
  return { wasm, js: jsKernels };
}
