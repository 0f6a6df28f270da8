// The iterator contract over the block iterator and the table iterator, on both kernel paths,
// with restart intervals 1, 16 and 1024, and tables with tiny (64-byte) and normal blocks.
import { describe } from "vitest";
import { packBytes } from "../../src/kernels/packed.js";
import { KeyOrder } from "../../src/kernels/types.js";
import { BlockIterator } from "../../src/sstable/block.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { Table } from "../../src/sstable/reader.js";
import { TableBuilder } from "../../src/sstable/writer.js";
import { bothPaths } from "../kernels/kernels.js";
import { iteratorContract, type ContractIterator, type KV } from "./iterator-contract.js";

const kv = (e: { key: Uint8Array; value: Uint8Array } | null): KV | null => (e === null ? null : [e.key, e.value]);

describe.each(bothPaths)("iterators (%s kernels)", (_name, kernels) => {
  for (const restartInterval of [1, 16, 1024]) {
    iteratorContract(`block iterator, restart interval ${restartInterval}`, {
      open(entries) {
        let block: Uint8Array | null = null;
        kernels.buildBlocks(packBytes(entries.map(([k]) => k)), packBytes(entries.map(([, v]) => v)), { restartInterval }, (b) => (block = b));
        const it = new BlockIterator(kernels.loadBlock(block!.subarray(0, -5)), KeyOrder.BYTEWISE, "test", 0);
        return { first: () => kv(it.first()), seekGE: (k) => kv(it.seekGE(k)), next: () => kv(it.next()) };
      },
    });

    for (const blockSize of [64, 4096]) {
      iteratorContract(`table iterator, ${blockSize}-byte blocks, restart interval ${restartInterval}`, {
        open(entries): ContractIterator {
          const file = new MemoryFile("test.sst");
          const builder = new TableBuilder(file, { kernels, blockSize, restartInterval });
          entries.forEach(([k, v], i) => builder.add(internalKey(k, i + 1, ValueKind.VALUE), v));
          builder.finish();
          const it = Table.open(file, { kernels }).iterator();
          const user = (e: { userKey: Uint8Array; value: Uint8Array } | null): KV | null => (e === null ? null : [e.userKey, e.value]);
          return { first: () => user(it.first()), seekGE: (k) => user(it.seekGE(k)), next: () => user(it.next()) };
        },
      });
    }
  }
});
