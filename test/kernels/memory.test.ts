// The stub runtime has no collector, so the host's allocator must not leak: a batch loop over 10M
// keys (2M in `npm test`; 10M under SOAK=1, test/support/soak.ts) leaves wasm memory at a fixed
// size after the first batches. Keys have a fixed width, so every batch asks for the same memory.
import { expect, test } from "vitest";
import { newWasmKernels } from "../../src/kernels/node.js";
import { packStrings } from "../../src/kernels/packed.js";
import { KeyOrder } from "../../src/kernels/types.js";
import { soakSize } from "../support/soak.js";

const BATCH = 100_000;
const BATCHES = soakSize(20, 100);

test(`${(BATCHES * BATCH) / 1e6}M keys in batches of 100k: memory stops growing after the first batches`, () => {
  const k = newWasmKernels();
  const sizes: number[] = [];
  let checksum = 0;
  for (let batch = 0; batch < BATCHES; batch++) {
    const keys = packStrings(Array.from({ length: BATCH }, (_, i) => `user:${String(batch * BATCH + i).padStart(8, "0")}`));
    const hashes = k.murmur3Batch(keys, 0);
    checksum = (checksum + hashes[batch]) >>> 0;
    const lines = k.bloomBuild(keys, 2000, 6);
    const filter = k.loadFilter(lines, 2000, 6);
    expect(filter.mayContainBatch(keys, new Uint8Array(BATCH))).toBe(BATCH);
    filter.release();
    let blocks = 0;
    k.buildBlocks(keys, keys, { targetSize: 4096 }, (b) => {
      if (blocks++ === 0) {
        const block = k.loadBlock(b.subarray(0, -5));
        expect(block.seek(keys.bytes.subarray(0, 6), KeyOrder.BYTEWISE)).not.toBeNull();
        block.release();
      }
    });
    k.crc32c(keys.bytes);
    sizes.push(k.heap.memoryBytes);
  }
  expect(checksum).not.toBe(0);
  const settled = sizes[4];
  expect(sizes.slice(4).every((s) => s === settled)).toBe(true);
  console.log(`wasm memory: ${sizes[0]} bytes after the first batch, ${settled} from the fifth to batch ${BATCHES}`);
});
