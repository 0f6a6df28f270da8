// One compaction end to end, for profiling (`node --cpu-prof dist/bench/compaction-run.js`) and for
// the merge-runs comparison: K level-0 tables of sorted pseudo-random entries (16-byte keys, 100-byte
// values, some user keys in several tables at different sequences, as overwrites leave them),
// written into a MemoryEnv, then merged by runCompactionJob into 2 MiB outputs.
//
//   node dist/bench/compaction-run.js [--kernels wasm|js] [--tables 4] [--entries 100000] [--runs 5]
//     [--merge iterator,kernel,kernel-raw]   the merges to time, in rounds: compaction-job.ts,
//     bench/batched-merge.ts over the internal iterators, and over the table iterators' internal keys

import { MemoryEnv } from "../src/io/memory-env.js";
import { loadKernels, type KernelsName } from "../src/kernels/node.js";
import type { Kernels } from "../src/kernels/types.js";
import { runCompactionJob } from "../src/lsm/compaction-job.js";
import { tableInternalIterator } from "../src/lsm/internal-iterator.js";
import { TableFile } from "../src/lsm/table-file.js";
import { internalKey, ValueKind } from "../src/sstable/format.js";
import { Table } from "../src/sstable/reader.js";
import { TableBuilder } from "../src/sstable/writer.js";
import { pullInternal, pullTable, runBatchedCompaction } from "./batched-merge.js";
import { rng } from "./data.js";

export interface CompactionInput {
  readonly env: MemoryEnv;
  readonly names: readonly string[];
  readonly entries: number;
  /** The newest sequence in the inputs: the compaction's oldest snapshot. */
  readonly lastSequence: number;
}

const KEY_BYTES = 16;
const VALUE_BYTES = 100;

/** tables x perTable entries; every table draws its keys from one space of 2 x perTable keys, so tables overlap. */
export function buildInputs(kernels: Kernels, tables: number, perTable: number, seed = 0x5eed): CompactionInput {
  const env = new MemoryEnv();
  env.mkdir("/db");
  const u32 = rng(seed);
  const next = () => u32() / 0x100000000;
  const names: string[] = [];
  let sequence = 1;
  for (let t = 0; t < tables; t++) {
    const keys = new Set<string>();
    while (keys.size < perTable) keys.add(String(Math.floor(next() * perTable * 2)).padStart(KEY_BYTES, "0"));
    const sorted = [...keys].sort();
    const name = `/db/in-${t}.sst`;
    const builder = new TableBuilder(env.create(name), { kernels });
    const enc = new TextEncoder();
    const value = new Uint8Array(VALUE_BYTES);
    for (const k of sorted) {
      for (let i = 0; i < VALUE_BYTES; i++) value[i] = u32() & 0xff;
      const kind = next() < 0.05 ? ValueKind.DELETION : ValueKind.VALUE;
      builder.add(internalKey(enc.encode(k), sequence, kind), kind === ValueKind.DELETION ? new Uint8Array(0) : value);
    }
    builder.finish();
    sequence += 1; // every entry of table t at sequence t+1: newer tables shadow older ones
    names.push(name);
  }
  return { env, names, entries: tables * perTable, lastSequence: sequence - 1 };
}

let outputNumber = 0;

/** One compaction of the inputs (newest table first) into fresh outputs; returns [entries read, bytes written, CRC32C of the outputs]. */
export type Merge = "iterator" | "kernel" | "kernel-raw";

export async function compactOnce(kernels: Kernels, input: CompactionInput, merge: Merge = "iterator"): Promise<[number, number, number]> {
  const { env } = input;
  const tables = [...input.names].reverse().map((n) => Table.open(env.openRead(n), { kernels }));
  const iterators = tables.map((t) => tableInternalIterator(t.iterator()));
  // kernel-raw: the inputs' internal keys as the table iterators return them, not re-encoded
  const pulls = merge === "kernel-raw" ? tables.map((t) => pullTable(t.iterator())) : iterators.map(pullInternal);
  const newOutput = () => {
    const n = ++outputNumber;
    return new TableFile(env, "/db", 1, n, `L1_${n}.sst`, { kernels });
  };
  const job = merge !== "iterator"
    ? runBatchedCompaction({
      kernels, inputs: pulls, smallestSnapshot: input.lastSequence, isBaseLevelForKey: () => true, tableBytes: 2 * 1024 * 1024, newOutput,
    })
    : null;
  const result = job ?? await runCompactionJob({
    inputs: iterators,
    smallestSnapshot: input.lastSequence,
    isBaseLevelForKey: () => true,
    grandparents: [],
    maxGrandparentOverlap: Number.MAX_SAFE_INTEGER,
    tableBytes: 2 * 1024 * 1024,
    newOutput,
  });
  for (const it of iterators) it.close();
  for (const t of tables) t.close();
  let bytes = 0;
  let crc = 0;
  for (const o of result.outputs) {
    bytes += o.fileSize;
    crc = kernels.crc32c(env.readFile(`/db/${o.name}`), crc);
    env.remove(`/db/${o.name}`);
  }
  return [result.entriesRead, bytes, crc];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

async function main(): Promise<void> {
  const kernels = loadKernels(arg("kernels", "wasm") as KernelsName);
  const input = buildInputs(kernels, Number(arg("tables", "4")), Number(arg("entries", "100000")));
  const runs = Number(arg("runs", "5"));
  const merges = arg("merge", "iterator,kernel,kernel-raw").split(",");
  const times = new Map<string, number[]>(merges.map((m) => [m, []]));
  const crcs = new Set<number>();
  for (let r = 0; r < runs; r++) {
    for (const merge of merges) {
      // CPU time, not wall time: on a shared machine it is what varies least between rounds
      const t0 = process.cpuUsage();
      const [entries, bytes, crc] = await compactOnce(kernels, input, merge as Merge);
      const used = process.cpuUsage(t0);
      const ns = (used.user + used.system) * 1000;
      crcs.add(crc);
      times.get(merge)!.push(ns / entries);
      process.stderr.write(`${kernels.name} ${merge} run ${r}: ${entries} entries, ${bytes} bytes out, crc ${crc.toString(16)}, ${(ns / 1e6).toFixed(1)} ms\n`);
    }
  }
  if (crcs.size !== 1) throw new Error(`the merges wrote different tables: ${[...crcs].map((c) => c.toString(16)).join(", ")}`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const base = median(times.get(merges[0])!);
  for (const [m, xs] of times) {
    // the ratio within each round (its cases ran back to back), then the median of those
    const ratios = xs.map((x, i) => times.get(merges[0])![i] / x);
    process.stdout.write(
      `${kernels.name} ${m}: median ${median(xs).toFixed(0)} ns CPU/entry, min ${Math.min(...xs).toFixed(0)}, ` +
        `${merges[0]}/${m} ${(base / median(xs)).toFixed(2)}x (median of per-round ratios ${median(ratios).toFixed(2)}x)\n`,
    );
  }
}

if (process.argv[1]?.endsWith("compaction-run.js")) await main();
