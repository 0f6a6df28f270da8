// The library's public exports: everything of the browser entry (the kernels and the table code),
// plus what needs Node: loading build/kernels.wasm from disk, and files over node:fs. The store and
// the protocol node build on these (ARCHITECTURE.md "Layers").

export * from "./browser.js";
export { loadKernels, newWasmKernels, type KernelsName } from "./kernels/node.js";
export { NodeRandomAccessFile, NodeWritableFile } from "./io/node-file.js";
