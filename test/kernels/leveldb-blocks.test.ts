// Our block builder against block bytes that real LevelDB 1.23 wrote for the same entries
// (test/fixtures/leveldb/blocks.json, made by scripts/regen-leveldb-fixtures.sh).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { putVarint64 } from "../../src/kernels/coding.js";
import { packBytes } from "../../src/kernels/packed.js";
import { BLOCK_TRAILER_SIZE, KeyOrder, type Kernels } from "../../src/kernels/types.js";
import { bothPaths, fromHex, hex } from "./kernels.js";

interface Case {
  name: string;
  restart_interval: number;
  entries: [string, string][];
  data_block_hex: string;
  index_key_hex: string;
  index_block_hex: string;
}
const FIXTURE = "test/fixtures/leveldb/blocks.json";
const fixture = JSON.parse(readFileSync(FIXTURE, "utf8")) as { cases: Case[] };

function buildOne(k: Kernels, keys: Uint8Array[], values: Uint8Array[], restartInterval: number): Uint8Array {
  const blocks: Uint8Array[] = [];
  k.buildBlocks(packBytes(keys), packBytes(values), { restartInterval }, (b) => blocks.push(b));
  expect(blocks).toHaveLength(1);
  return blocks[0];
}

function handleBytes(offset: number, size: number): Uint8Array {
  const b = new Uint8Array(20);
  const n = putVarint64(b, 0, offset);
  return b.slice(0, n + putVarint64(b, n, size));
}

describe.each(bothPaths)("LevelDB block bytes (%s)", (_name, k) => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))("%s: data block", (_n, c) => {
    const block = buildOne(k, c.entries.map(([key]) => fromHex(key)), c.entries.map(([, v]) => fromHex(v)), c.restart_interval);
    expect(hex(block)).toBe(c.data_block_hex);
  });

  test.each(fixture.cases.map((c) => [c.name, c] as const))("%s: index block", (_n, c) => {
    const dataSize = c.data_block_hex.length / 2 - BLOCK_TRAILER_SIZE;
    const block = buildOne(k, [fromHex(c.index_key_hex)], [handleBytes(0, dataSize)], 1);
    expect(hex(block)).toBe(c.index_block_hex);
  });

  test.each(fixture.cases.map((c) => [c.name, c] as const))("%s: every key found by seek in LevelDB's block", (_n, c) => {
    const bytes = fromHex(c.data_block_hex);
    const block = k.loadBlock(bytes.subarray(0, bytes.length - BLOCK_TRAILER_SIZE));
    try {
      for (const [key, value] of c.entries) {
        const e = block.seek(fromHex(key), KeyOrder.BYTEWISE);
        expect(e && hex(e.key)).toBe(key);
        expect(hex(block.contents.subarray(e!.valueOffset, e!.valueOffset + e!.valueLength))).toBe(value);
      }
      const index = k.loadBlock(fromHex(c.index_block_hex).subarray(0, -BLOCK_TRAILER_SIZE));
      expect(index.seekIndex(fromHex(c.entries[0][0]), KeyOrder.BYTEWISE)?.handle).toEqual({ offset: 0, size: bytes.length - 5 });
      index.release();
    } finally {
      block.release();
    }
  });
});

const haveLevelDB = existsSync("/usr/include/leveldb/table_builder.h") && existsSync("/usr/bin/g++");

// CI installs LevelDB (.ci/run), so there a missing library fails the test instead of skipping it.
test.skipIf(!haveLevelDB && process.env.CI !== "true")("the committed fixture is what LevelDB writes today (regenerated with g++ -lleveldb)", () => {
  const dir = mkdtempSync(join(tmpdir(), "wasm-lsm-fixture-"));
  try {
    const out = join(dir, "blocks.json");
    execFileSync("bash", ["scripts/regen-leveldb-fixtures.sh", out], { stdio: "pipe" });
    expect(readFileSync(out, "utf8")).toBe(readFileSync(FIXTURE, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
