// Times TableBuilder over N entries at several block sizes, on both kernel paths, and counts the
// key and value bytes handed to buildBlocks (issue 7 item 20: above 256 KiB per block every add
// rebuilt the open block). Run by hand after `npm run build`:
//   node scripts/measure-block-build.mjs [entries=20000] [valueBytes=100]
import { MemoryFile } from "../dist/src/sstable/file.js";
import { TableBuilder } from "../dist/src/sstable/writer.js";
import { loadKernels } from "../dist/src/kernels/node.js";

const entries = Number(process.argv[2] ?? 20000);
const valueBytes = Number(process.argv[3] ?? 100);

function internalKey(i) {
  const user = new TextEncoder().encode(`key${String(i).padStart(8, "0")}`);
  const key = new Uint8Array(user.length + 8);
  key.set(user);
  key[user.length] = 1; // a value, sequence 0
  return key;
}

function counting(kernels) {
  const counted = { bytes: 0, calls: 0 };
  const wrapped = Object.create(kernels);
  wrapped.buildBlocks = (keys, values, options, sink) => {
    counted.calls++;
    counted.bytes += keys.bytes.length + values.bytes.length;
    return kernels.buildBlocks(keys, values, options, sink);
  };
  return [wrapped, counted];
}

const value = new Uint8Array(valueBytes).fill(0x61);
const keys = Array.from({ length: entries }, (_, i) => internalKey(i));
const input = keys.reduce((n, k) => n + k.length + value.length, 0);
for (const name of ["wasm", "js"]) {
  for (const blockSize of [4096, 64 * 1024, 256 * 1024, 1024 * 1024]) {
    const [kernels, counted] = counting(loadKernels(name));
    const file = new MemoryFile("measure.sst");
    const t0 = performance.now();
    const builder = new TableBuilder(file, { kernels, blockSize });
    for (const k of keys) builder.add(k, value);
    const summary = builder.finish();
    const ms = performance.now() - t0;
    console.log(`${name} blockSize ${blockSize}: ${ms.toFixed(0)} ms, ${summary.dataBlocks} data blocks, ` +
      `${counted.calls} buildBlocks calls, ${(counted.bytes / input).toFixed(2)}x the ${input} input bytes handed to the kernel`);
  }
}
