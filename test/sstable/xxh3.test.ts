// XXH3-64 (src/sstable/xxh3.ts) against the reference implementation, and RocksDB's kXXH3 block
// checksum against every block of a table written by real RocksDB 7.8.
//  - test/fixtures/xxh3/vectors.json: golden values from xxhsum (scripts/regen-xxh3-vectors.sh).
//  - where xxhsum is installed (always in CI, see .ci/run), the fixture is regenerated and compared,
//    and random inputs are hashed by both.
//  - test/fixtures/foreign/rocksdb-v5.sst (format_version 5, footer checksum type 4 = kXXH3).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { rocksdbXxh3BlockChecksum, xxh3_64, xxh3_64Halves } from "../../src/sstable/xxh3.js";
import { snappyDecompressJs } from "../../src/kernels/snappy.js";

const VECTORS = "test/fixtures/xxh3/vectors.json";
const vectors = JSON.parse(readFileSync(VECTORS, "utf8")) as { vectors: [number, string][] };

const hex64 = (h: bigint) => h.toString(16).padStart(16, "0");

/** The fixture's input stream (its "input" field; the same code as in the regen script). */
function patternStream(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x >>> 24;
  }
  return out;
}
const stream = patternStream(Math.max(...vectors.vectors.map(([n]) => n)));

// CI installs xxhash (.ci/run), so there a missing xxhsum fails these tests instead of skipping them.
const haveXxhsum = !spawnSync("xxhsum", ["--version"], { stdio: "ignore" }).error;
const skipWithoutXxhsum = !haveXxhsum && process.env.CI !== "true";

function withTempDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "wasm-lsm-xxh3-"));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** XXH3-64 of each input, by xxhsum, in one call. */
function xxhsumAll(inputs: Uint8Array[]): string[] {
  return withTempDir((dir) => {
    const names = inputs.map((b, i) => {
      writeFileSync(join(dir, String(i)), b);
      return String(i);
    });
    const lines = execFileSync("xxhsum", ["-H3", "--tag", ...names], { cwd: dir, encoding: "utf8" }).trim().split("\n");
    expect(lines).toHaveLength(inputs.length);
    return lines.map((line, i) => {
      const m = /^XXH3 \((\d+)\) = ([0-9a-f]{16})$/.exec(line);
      expect(m?.[1], line).toBe(names[i]);
      return m![2];
    });
  });
}

describe("xxh3_64", () => {
  test("golden vectors (xxhsum): every length 0..300 and long inputs up to 100000 bytes", () => {
    expect(vectors.vectors.length).toBeGreaterThan(301);
    for (const [n, expected] of vectors.vectors) expect([n, hex64(xxh3_64(stream.subarray(0, n)))]).toEqual([n, expected]);
  });

  test("a view at an odd byteOffset hashes like a copy", () => {
    const shifted = new Uint8Array(stream.length + 3);
    shifted.set(stream, 3);
    for (const [n, expected] of vectors.vectors) expect([n, hex64(xxh3_64(shifted.subarray(3, 3 + n)))]).toEqual([n, expected]);
  });

  test("xxh3_64Halves is xxh3_64 split into u32 halves", () => {
    for (const [n] of vectors.vectors) {
      const h = xxh3_64(stream.subarray(0, n));
      expect(xxh3_64Halves(stream.subarray(0, n))).toEqual({ hi: Number(h >> 32n), lo: Number(h & 0xffffffffn) });
    }
  });

  test.skipIf(skipWithoutXxhsum)("the committed vectors are what xxhsum computes today (scripts/regen-xxh3-vectors.sh)", () => {
    withTempDir((dir) => {
      const out = join(dir, "vectors.json");
      execFileSync("bash", ["scripts/regen-xxh3-vectors.sh", out], { stdio: "pipe" });
      expect(readFileSync(out, "utf8")).toBe(readFileSync(VECTORS, "utf8"));
    });
  });

  test.skipIf(skipWithoutXxhsum)("random inputs: equal to xxhsum (one xxhsum call per batch)", () => {
    // Sizes spread over every length class, with extra weight near the class and block edges.
    const edge = fc.constantFrom(0, 1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1024, 1025, 2048, 2049);
    const len = fc.oneof(fc.nat({ max: 260 }), fc.nat({ max: 5000 }), edge.chain((e) => fc.integer({ min: Math.max(0, e - 2), max: e + 2 })));
    const input = len.chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 64 }), (inputs) => {
        expect(inputs.map((b) => hex64(xxh3_64(b)))).toEqual(xxhsumAll(inputs));
      }),
      { numRuns: 15 },
    );
  });
});

// ---- RocksDB's block checksum ----------------------------------------------------------------

interface Handle {
  offset: number;
  size: number;
}

function varint(b: Uint8Array, p: { at: number }): number {
  let v = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = b[p.at++];
    if (byte === undefined) throw new Error("truncated varint");
    v += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return v;
  }
}
const handleAt = (b: Uint8Array, p: { at: number }): Handle => ({ offset: varint(b, p), size: varint(b, p) });
const u32le = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

/**
 * A block's entries as [key, handle], for blocks with restart interval 1 (every key whole). Plain
 * blocks store each value's length before the key; format_version 5 index blocks store none.
 */
function handleEntries(block: Uint8Array, hasValueLength: boolean): [string, Handle][] {
  const restarts = u32le(block, block.length - 4) & 0x7fffffff; // top bit: data block hash index
  const limit = block.length - 4 * (restarts + 1);
  const out: [string, Handle][] = [];
  for (const p = { at: 0 }; p.at < limit; ) {
    expect(u32le(block, limit + 4 * out.length)).toBe(p.at); // each entry is a restart point
    expect(varint(block, p)).toBe(0); // shared key bytes
    const keyLen = varint(block, p);
    const valueLen = hasValueLength ? varint(block, p) : -1;
    const key = Buffer.from(block.subarray(p.at, p.at + keyLen)).toString("latin1");
    p.at += keyLen;
    const start = p.at;
    out.push([key, handleAt(block, p)]);
    if (hasValueLength) expect(p.at - start).toBe(valueLen);
  }
  expect(out).toHaveLength(restarts);
  return out;
}

describe("rocksdbXxh3BlockChecksum", () => {
  test("definition: XXH3 of all but the last byte, low 32 bits, xor last byte * 0x6b9083d9", () => {
    expect(rocksdbXxh3BlockChecksum(new Uint8Array(0))).toBe(0);
    for (const n of [0, 1, 16, 17, 240, 241, 4096]) {
      const low32 = Number(xxh3_64(stream.subarray(0, n)) & 0xffffffffn);
      const block = new Uint8Array(n + 1);
      block.set(stream.subarray(0, n));
      expect(rocksdbXxh3BlockChecksum(block)).toBe(low32); // type byte 0: no change
      block[n] = 1;
      expect(rocksdbXxh3BlockChecksum(block)).toBe((low32 ^ 0x6b9083d9) >>> 0);
      block[n] = 0xff;
      expect(rocksdbXxh3BlockChecksum(block)).toBe((low32 ^ Math.imul(0xff, 0x6b9083d9)) >>> 0);
    }
  });

  describe("every block of a table written by RocksDB 7.8 (format_version 5, kXXH3)", () => {
    const manifest = JSON.parse(readFileSync("test/fixtures/foreign/tables.json", "utf8")) as {
      tables: { file: string; checksum: string; metaindex_handle: [number, number]; index_handle: [number, number]; properties_hex: Record<string, string> }[];
    };
    const table = manifest.tables.find((t) => t.file === "rocksdb-v5.sst")!;
    const file = new Uint8Array(readFileSync("test/fixtures/foreign/rocksdb-v5.sst"));
    /** Block contents + type byte, and the u32 stored after them. */
    const blockAt = (h: Handle) => ({ withType: file.subarray(h.offset, h.offset + h.size + 1), stored: u32le(file, h.offset + h.size + 1) });
    const contents = (h: Handle) => file.subarray(h.offset, h.offset + h.size);
    const metaindex = { offset: table.metaindex_handle[0], size: table.metaindex_handle[1] };
    const index = { offset: table.index_handle[0], size: table.index_handle[1] };

    test("the footer says kXXH3 (4) and holds the manifest's handles", () => {
      expect(table.checksum).toBe("xxh3");
      const footer = file.subarray(file.length - 53);
      expect(footer[0]).toBe(4);
      const p = { at: 1 };
      expect([handleAt(footer, p), handleAt(footer, p)]).toEqual([metaindex, index]);
    });

    test("metaindex block (uncompressed) and index block (snappy)", () => {
      for (const h of [metaindex, index]) {
        const { withType, stored } = blockAt(h);
        expect(rocksdbXxh3BlockChecksum(withType)).toBe(stored);
      }
      expect(file[index.offset + index.size]).toBe(1); // a non-zero type byte: the last-byte step matters
    });

    test("the meta blocks the metaindex names (filter, properties)", () => {
      const metas = handleEntries(contents(metaindex), true);
      expect(metas.map(([k]) => k)).toEqual(["fullfilter.rocksdb.BuiltinBloomFilter", "rocksdb.properties"]);
      for (const [, h] of metas) {
        const { withType, stored } = blockAt(h);
        expect(rocksdbXxh3BlockChecksum(withType)).toBe(stored);
      }
    });

    test("every data block the index names, the first at offset 0", () => {
      expect(file[index.offset + index.size]).toBe(1);
      // format_version 5 index: no value length; with restart interval 1 every value is a whole handle.
      const handles = handleEntries(snappyDecompressJs(contents(index)), false).map(([, h]) => h);
      expect(handles.length).toBe(parseInt(table.properties_hex["rocksdb.num.data.blocks"], 16)); // 58: one varint byte
      expect(handles[0].offset).toBe(0);
      let next = 0;
      for (const h of handles) {
        expect(h.offset).toBe(next); // contiguous, each followed by its 5-byte trailer
        next = h.offset + h.size + 5;
        const { withType, stored } = blockAt(h);
        expect(rocksdbXxh3BlockChecksum(withType)).toBe(stored);
      }
    });

    test("a flipped bit in a block or its type byte is caught", () => {
      const { withType, stored } = blockAt(index);
      for (const at of [0, withType.length >> 1, withType.length - 1]) {
        const copy = withType.slice();
        copy[at] ^= 0x10;
        expect(rocksdbXxh3BlockChecksum(copy)).not.toBe(stored);
      }
    });
  });
});
