// Both kernel paths, for tests that run the same assertions over each.
import { loadKernels } from "../../src/kernels/node.js";
import type { Kernels } from "../../src/kernels/types.js";

export const wasm = loadKernels("wasm");
export const js = loadKernels("js");
export const bothPaths: [string, Kernels][] = [
  ["wasm", wasm],
  ["js", js],
];

export const utf8 = (s: string) => new TextEncoder().encode(s);
export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
export const fromHex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
