// The entry for browsers (ARCHITECTURE.md "Layers"): the kernels and the table code, with nothing that
// needs Node. A page fetches build/kernels.wasm itself and passes the bytes to createWasmKernels;
// tables are read from and written to MemoryFile (bytes in memory), and a LevelDB directory is read
// from a MemoryEnv the page fills with the folder's files. test/browser-bundle.test.ts
// bundles this file for the browser with esbuild, so a Node-only import here fails the tests.

export type { Kernels, PackedBytes, LoadedBlock, LoadedFilter, BlockEntry, IndexEntry, BlockOptions } from "./kernels/types.js";
export { KeyOrder, BlockFormatError } from "./kernels/types.js";
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
export { MemoryEnv } from "./io/memory-env.js";
export type { Env } from "./lsm/env.js";
export {
  openLevelDbDirectory, LevelDbDirectory, NotLevelDbDirectoryError, BYTEWISE_COMPARATOR,
  type LevelDbDirectoryOptions, type LevelDbTable, type LevelDbLevel, type LevelDbLog, type LevelDbGet, type LevelDbRange,
} from "./lsm/leveldb-directory.js";
export { isLevelDbDirectory } from "./lsm/leveldb-files.js";
export type { DbIterator, DbEntry } from "./lsm/db-iterator.js";
