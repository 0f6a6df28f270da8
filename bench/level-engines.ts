// The databases of the level workloads (bench/level.ts), each opened as its users open it, through
// the abstract-level API: ours (WasmLevel, src/level/wasm-level.ts) on the wasm or the JS kernels,
// classic-level (LevelDB through a native binding) and memory-level (a red-black tree in the heap).
// Keys and values are bytes ('view' encodings) everywhere. The two on disk have the same settings
// as in the database workloads (bench/db.ts): an 8 MiB block cache, a 10 bits/key Bloom filter,
// no compression; memory-level has none of these.

import type { AbstractLevel } from "abstract-level";
import { ClassicLevel } from "classic-level";
import { MemoryLevel } from "memory-level";
import { WasmLevel } from "../src/level/wasm-level.js";

export const LEVEL_ENGINES = ["wasm", "js", "classic-level", "memory-level"] as const;
export type LevelEngineName = (typeof LEVEL_ENGINES)[number];

/** What the workloads call: abstract-level's public API over bytes. */
export type BytesLevel = AbstractLevel<unknown, Uint8Array, Uint8Array>;

const CACHE_BYTES = 8 << 20;
const BYTES = { keyEncoding: "view", valueEncoding: "view" } as const;

/** The engine's database in dir (a fresh directory; memory-level ignores it), opened. */
export async function openLevel(engine: LevelEngineName, dir: string): Promise<BytesLevel> {
  const db = makeLevel(engine, dir);
  await db.open();
  return db;
}

function makeLevel(engine: LevelEngineName, dir: string): BytesLevel {
  switch (engine) {
    case "wasm":
    case "js":
      // bitsPerKey 10 and no compression are WasmLevel's defaults
      return new WasmLevel<Uint8Array, Uint8Array>(dir, { ...BYTES, kernels: engine, cacheSize: CACHE_BYTES }) as unknown as BytesLevel;
    case "classic-level":
      // a 10 bits/key Bloom filter is classic-level's default
      return new ClassicLevel<Uint8Array, Uint8Array>(dir, { ...BYTES, compression: false, cacheSize: CACHE_BYTES }) as unknown as BytesLevel;
    case "memory-level":
      return new MemoryLevel<Uint8Array, Uint8Array>(BYTES) as unknown as BytesLevel;
  }
}
