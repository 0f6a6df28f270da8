// A memory.grow that fails must leave the wasm heap as it was (issue 7 item 18). The heap used to
// release its scratch region and record the new size before allocating; when the grow threw, the
// next filter was loaded at the released address and every probe wrote its key over the filter.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { bloomShape } from "../../src/kernels/bloom-layout.js";
import { wasmFile } from "../../src/kernels/node.js";
import { packStrings } from "../../src/kernels/packed.js";
import { WasmKernels, type KernelExports } from "../../src/kernels/wasm.js";
import { utf8 } from "./kernels.js";

/** Fresh wasm kernels whose memory refuses to grow while `refuse` is set, as a browser may. */
function kernelsWithStubbornMemory(): { kernels: WasmKernels; refuse: (on: boolean) => void } {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile())), {});
  const exports = instance.exports as unknown as KernelExports;
  const real = exports.memory;
  let refusing = false;
  const memory = {
    get buffer() {
      return real.buffer;
    },
    grow(pages: number): number {
      if (refusing) throw new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded");
      return real.grow(pages);
    },
  } as unknown as WebAssembly.Memory;
  const kernels = new WasmKernels({ ...exports, memory });
  return { kernels, refuse: (on) => { refusing = on; } };
}

const KEYS = Array.from({ length: 1000 }, (_, i) => `user:${String(i).padStart(6, "0")}`);

test("after a refused grow, a filter loaded next still finds every present key", () => {
  const { kernels, refuse } = kernelsWithStubbornMemory();
  const packed = packStrings(KEYS);
  const { numLines, k } = bloomShape(KEYS.length, 10);
  const lines = kernels.bloomBuild(packed, numLines, k); // takes a scratch region of its own size
  kernels.murmur3(utf8("x"), 0);

  refuse(true);
  // A call needing more scratch than memory can give: the grow throws.
  const huge = new Uint8Array(4 * kernels.heap.memoryBytes);
  expect(() => kernels.crc32c(huge)).toThrow(RangeError);

  const filter = kernels.loadFilter(lines, numLines, k);
  const missed = KEYS.filter((key) => !filter.mayContain(utf8(key)));
  expect(missed).toEqual([]);
  // the batch probe too, and the filter's lines are what was built
  expect(filter.mayContainBatch(packed, new Uint8Array(KEYS.length))).toBe(KEYS.length);
  filter.release();
});

test("a refused grow leaves every region as it was: scratch and resident regions never overlap", () => {
  const { kernels, refuse } = kernelsWithStubbornMemory();
  const heap = kernels.heap;
  const scratch = heap.scratch(1000);
  const resident = heap.alloc(4096);
  const bytes = heap.memoryBytes;

  refuse(true);
  expect(() => heap.scratch(4 * bytes)).toThrow(RangeError);
  expect(() => heap.alloc(4 * bytes)).toThrow(RangeError);
  expect(heap.memoryBytes).toBe(bytes);

  // the old scratch region is still the scratch region, and still allocated
  expect(heap.scratch(1000)).toBe(scratch);
  const again = heap.alloc(4096);
  expect(again).not.toBe(scratch);
  const scratchEnd = scratch + 65536; // the smallest scratch region is one page
  expect(again >= scratchEnd || again + 4096 <= scratch).toBe(true);
  expect(again >= resident + 4096 || again + 4096 <= resident).toBe(true);

  // once memory may grow again, a bigger scratch region replaces the old one
  refuse(false);
  const bigger = heap.scratch(4 * bytes);
  expect(heap.memoryBytes).toBeGreaterThan(bytes);
  heap.u8().fill(0xab, bigger, bigger + 4 * bytes);
  heap.release(again);
  heap.release(resident);
});
