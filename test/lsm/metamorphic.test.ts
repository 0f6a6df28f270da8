// The model-based metamorphic test of the store (issue 8; Pebble's metamorphic test, RocksDB's
// db_stress): seeded random sequences of puts, deletes, batches, gets, bounded scans both ways,
// iterator seeks and steps, snapshots, flushes, manual and background compactions, close/reopen,
// power loss (MemoryEnv.crashClone) with and without writes in flight, and windows of injected
// ENOSPC/EIO (FaultEnv) on the logs, tables, manifest, CURRENT and directory syncs. Every read
// must equal the in-memory model (metamorphic-ops.ts), and the same sequence under every option
// set (table and MemTable sizes, L0 trigger, block size, wasm or js kernels, tiny caches,
// background compaction on or off) must give the same list of read results.
//
// METAMORPHIC_SEED=N replays one sequence (a failure prints it); METAMORPHIC_SEQUENCES=N runs N
// sequences of each kind; METAMORPHIC_OPS=N sets their length; METAMORPHIC_BASE=N starts the seeds
// elsewhere. `npm run soak` (SOAK=1, scripts/soak.sh) runs 1000 + 500 sequences.
import { describe, expect, test } from "vitest";
import { js, wasm } from "../kernels/kernels.js";
import { soakSize } from "../support/soak.js";
import { generate } from "./metamorphic-ops.js";
import { runSequence, type RunConfig } from "./metamorphic-run.js";

const KiB = 1024;

/** The option sets every sequence runs under; their reads must agree with each other. */
const CONFIGS: readonly RunConfig[] = [
  {
    name: "wasm, tiny tables, 256-byte blocks, L0 trigger 2, background compaction",
    kernels: wasm,
    memtableBytes: 4 * KiB,
    blockSize: 256,
    levels: { l0Trigger: 2, levelBaseBytes: 8 * KiB, levelMultiplier: 2, tableBytes: 4 * KiB },
  },
  {
    name: "js, 16 KiB MemTable, 8 KiB tables, 4 KiB blocks, no caches, no background compaction",
    kernels: js,
    memtableBytes: 16 * KiB,
    blockSize: 4096,
    blockCacheBytes: 0,
    maxOpenFiles: 11,
    levels: { l0Trigger: 2, levelBaseBytes: 16 * KiB, levelMultiplier: 2, tableBytes: 8 * KiB },
    backgroundCompaction: false,
  },
  {
    name: "wasm, 2 KiB MemTable and tables, 1 KiB blocks, no caches, L0 trigger 3, 2 KiB manifests",
    kernels: wasm,
    memtableBytes: 2 * KiB,
    blockSize: 1024,
    blockCacheBytes: 0,
    maxOpenFiles: 11,
    levels: { l0Trigger: 3, levelBaseBytes: 4 * KiB, levelMultiplier: 3, tableBytes: 2 * KiB },
    manifestRollBytes: 2 * KiB,
  },
  {
    name: "js, default shape (MemTable flushed only by hand)",
    kernels: js,
  },
];

const envInt = (name: string): number | undefined => {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : Number.parseInt(v, 10);
};

const REPLAY = envInt("METAMORPHIC_SEED");
/** Default: about 25 s of one core (faulty sequences also wait on retry timers); soak: 1000 + 500. */
const SEQUENCES = envInt("METAMORPHIC_SEQUENCES") ?? soakSize(30, 1000);
const FAULT_SEQUENCES = envInt("METAMORPHIC_SEQUENCES") ?? soakSize(20, 500);
const OPS = envInt("METAMORPHIC_OPS") ?? 120;
/** Seeds differ run to run only when asked (METAMORPHIC_BASE): CI replays the same ones. */
const BASE = envInt("METAMORPHIC_BASE") ?? 1;

/** Seeds from FAULT_SEEDS on have fault windows; a replayed seed runs in the test it came from. */
const FAULT_SEEDS = 1_000_000;
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const plainSeeds = REPLAY !== undefined ? [REPLAY].filter((s) => s < FAULT_SEEDS) : range(BASE, SEQUENCES);
const faultSeeds = REPLAY !== undefined ? [REPLAY].filter((s) => s >= FAULT_SEEDS) : range(FAULT_SEEDS + BASE, FAULT_SEQUENCES);

/** Runs seed under every option set; each checks itself against the model, and all must agree. */
async function check(seed: number): Promise<void> {
  const ops = generate(seed, { ops: OPS, faults: seed >= FAULT_SEEDS });
  const traces: string[][] = [];
  for (const config of CONFIGS) traces.push(await runSequence(seed, ops, config));
  for (let c = 1; c < CONFIGS.length; c++) {
    const i = traces[c].findIndex((r, j) => r !== traces[0][j]);
    const differs = i >= 0 || traces[c].length !== traces[0].length;
    expect(differs, `METAMORPHIC_SEED=${seed}: "${CONFIGS[c].name}" read ${i >= 0 ? `${traces[c][i]} where "${CONFIGS[0].name}" read ${traces[0][i]} (read #${i})` : "a different number of results"}`).toBe(false);
  }
  expect(traces[0].length).toBeGreaterThan(0);
}

/** Seeds in groups of CHUNK, one test each: a soak's thousands stay within the test timeout. */
const CHUNK = 10;
const chunks = (xs: number[]) => Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK));

describe(`metamorphic: ${OPS}-op random sequences against a model, the same under ${CONFIGS.length} option sets`, () => {
  for (const group of chunks(plainSeeds)) {
    test(`with power losses: seeds ${group[0]}..${group.at(-1)}`, async () => {
      for (const seed of group) await check(seed);
    });
  }
  for (const group of chunks(faultSeeds)) {
    test(`with injected ENOSPC/EIO windows: seeds ${group[0]}..${group.at(-1)}`, async () => {
      for (const seed of group) await check(seed);
    });
  }
});
