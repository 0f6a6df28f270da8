// The library's public exports: everything of the browser entry (the kernels and the table code),
// plus what needs Node: loading build/kernels.wasm from disk, and files over node:fs. The store and
// the protocol node build on these (ARCHITECTURE.md "Layers").

export * from "./browser.js";
export { loadKernels, newWasmKernels, type KernelsName } from "./kernels/node.js";
export { NodeRandomAccessFile, NodeWritableFile } from "./io/node-file.js";
export { Store, StoreIterator, type StoreOptions, type WriteOp, type WriteOptions, type Snapshot, type IteratorOptions, type LevelInfo, type CompactionStats, type CompactionStatus, type TracedGet } from "./lsm/store.js";
export { DEFAULT_LEVEL_SHAPE, type LevelShape } from "./lsm/compaction.js";

// The store as an abstract-level database (README "The database (abstract-level)").
export { WasmLevel, type WasmLevelOptions } from "./level/wasm-level.js";
export type { WasmLevelStoreOptions } from "./level/options.js";
