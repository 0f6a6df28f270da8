// The library's public exports: the kernels (wasm and their TypeScript twins) and the table
// format. The store and the protocol node build on these (DESIGN.md section 2).

export type { Kernels, PackedBytes, LoadedBlock, LoadedFilter, BlockEntry, IndexEntry, BlockOptions } from "./kernels/types.js";
export { KeyOrder, BlockFormatError } from "./kernels/types.js";
export { loadKernels, newWasmKernels, type KernelsName } from "./kernels/node.js";
export { createWasmKernels, WasmKernels } from "./kernels/wasm.js";
export { jsKernels } from "./kernels/js.js";
export { packBytes, packStrings, PackedBuilder } from "./kernels/packed.js";
export { bloomShape, DEFAULT_BITS_PER_KEY } from "./kernels/bloom-layout.js";
export { SnappyFormatError } from "./kernels/snappy.js";

export { TableBuilder, type TableBuilderOptions, type TableSummary } from "./sstable/writer.js";
export { Table, TableIterator, type TableReaderOptions, type GetResult, type TableEntry } from "./sstable/reader.js";
export { MemoryFile, type RandomAccessFile, type WritableFile } from "./sstable/file.js";
export { CorruptionError, UnsupportedError } from "./sstable/errors.js";
export { internalKey, parseInternalKey, ValueKind } from "./sstable/format.js";
export { describeTable, formatLayout, type LayoutRange } from "./sstable/layout.js";
export { NodeRandomAccessFile, NodeWritableFile } from "./io/node-file.js";
