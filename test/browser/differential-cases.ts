// The wasm/JS differential check's cases, computed in Chromium (web/differential.ts, a test page)
// and in Node (test/browser/inspector.test.ts) from the same fixed inputs: murmur3 hashes, the Bloom
// filter's hash material, bits and probes, CRC32C, data blocks' bytes, and two whole tables (the
// TableBuilder's with deletions, and `sst write`'s). Every result is hex, so the two sides compare
// as strings: the kernels must give the same bytes in the browser as in Node, on both paths.

import { rng, randomBytes } from "../../bench/data.js";
import { entryFromText, InputEntries, writeExternalTable } from "../../src/cli/sst-input.js";
import { bloomShape } from "../../src/kernels/bloom-layout.js";
import { packBytes } from "../../src/kernels/packed.js";
import type { Kernels } from "../../src/kernels/types.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { TableBuilder } from "../../src/sstable/writer.js";

const enc = new TextEncoder();

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

const words = (w: Uint32Array) => hex(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));

/** Keys of every awkward shape: empty, short, unaligned lengths, non-ASCII, binary, long. */
function oddKeys(): Uint8Array[] {
  const next = rng(0xd1ff);
  const keys = [new Uint8Array(0), enc.encode("hello"), enc.encode("h\u00e9llo w\u00f6rld \u{1f600}"), randomBytes(1000, next)];
  for (let n = 1; n <= 33; n++) keys.push(randomBytes(n, next));
  return keys;
}

/** n distinct sorted keys "key:00000123" with values of 0..99 bytes. */
function sortedEntries(n: number): { keys: Uint8Array[]; values: Uint8Array[] } {
  const next = rng(0x7ab1e);
  const keys: Uint8Array[] = [], values: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    keys.push(enc.encode(`key:${String(i * 7).padStart(8, "0")}`));
    values.push(randomBytes(next() % 100, next));
  }
  return { keys, values };
}

export function differentialResults(k: Kernels): Record<string, string> {
  const out: Record<string, string> = {};
  const odd = oddKeys();
  const packed = packBytes(odd);
  for (const seed of [0, 0x9747b28c, 0xbc9f1d34]) {
    out[`murmur3Batch seed ${seed}`] = words(k.murmur3Batch(packed, seed));
    out[`murmur3 seed ${seed}`] = odd.map((key) => k.murmur3(key, seed).toString(16)).join(",");
  }
  out.bloomHashBatch = words(k.bloomHashBatch(packed));

  const { keys, values } = sortedEntries(3000);
  const present = packBytes(keys);
  const shape = bloomShape(keys.length, 10);
  const lines = k.bloomBuild(present, shape.numLines, shape.k);
  out.bloomBuild = hex(lines);
  const absent = packBytes(keys.map((key) => enc.encode(`absent:${hex(key)}`)));
  const filter = k.loadFilter(lines, shape.numLines, shape.k);
  const hits = new Uint8Array(keys.length);
  out.bloomProbeAbsent = `${filter.mayContainBatch(absent, hits)}:${hex(hits)}`;
  out.bloomProbePresent = String(filter.mayContainBatch(present, new Uint8Array(keys.length)));
  filter.release();

  const data = randomBytes(70_001, rng(0xc5c));
  out.crc32c = [0, 1, 3, 4096, 70_001].map((n) => k.crc32c(data.subarray(0, n)).toString(16)).join(",");
  out["crc32c extended"] = k.crc32c(data.subarray(4096), k.crc32c(data.subarray(0, 4096))).toString(16);

  const blocks: string[] = [];
  k.buildBlocks(present, packBytes(values), { restartInterval: 16, targetSize: 4096 }, (b) => void blocks.push(hex(b)));
  out.dataBlocks = blocks.join("|");

  const file = new MemoryFile("diff.sst");
  const builder = new TableBuilder(file, { kernels: k });
  keys.forEach((key, i) => builder.add(internalKey(key, i + 1, i % 5 === 4 ? ValueKind.DELETION : ValueKind.VALUE), i % 5 === 4 ? new Uint8Array(0) : values[i]));
  builder.finish();
  out.table = hex(file.contents());

  const input = new InputEntries();
  for (const line of ['{"key": "b", "value": "2"}', '{"key": {"hex": "00ff"}, "value": "bin"}', '{"key": "a", "value": "1"}', '{"key": "b", "value": "two"}']) {
    const e = entryFromText(line)!;
    input.set(e.key, e.value);
  }
  const written = new MemoryFile("write.sst");
  writeExternalTable(written, input, { kernels: k, bitsPerKey: 10 });
  out.sstWriteTable = hex(written.contents());
  return out;
}
