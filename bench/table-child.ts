// One case of a table workload on our side, in a process of its own so that its peak RSS is its own
// (bench/tables.ts starts it; the native cases run in bench/native/table_bench.cc the same way).
//
//   node dist/bench/table-child.js '{"mode":"build"|"get","impl":"wasm"|"js","n":..,"path":..,...}'
//
// It sets up and warms up, then times one run per "run" line on stdin (serve() below), so that the
// runner can time the cases of a workload in rounds, as run.ts does in-process.

import { existsSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { createInterface } from "node:readline";
import { NodeRandomAccessFile, NodeWritableFile } from "../src/io/node-file.js";
import { loadKernels, type KernelsName } from "../src/kernels/node.js";
import type { Kernels } from "../src/kernels/types.js";
import { Table } from "../src/sstable/reader.js";
import { TableBuilder } from "../src/sstable/writer.js";
import { VALUE_BYTES } from "./data.js";
import { INTERNAL_KEY_BYTES, internalKeys, KEY_BYTES, lookupKeys, slices, values } from "./table-data.js";

export interface ChildArgs {
  readonly mode: "build" | "get";
  readonly impl: KernelsName;
  readonly n: number;
  readonly path: string;
  /** Untimed runs first: at least `warmups`, and more until warmupMs have passed. */
  readonly warmups: number;
  readonly warmupMs: number;
  /** get: present or absent keys, how many lookups per run, the reader's block cache. */
  readonly present?: boolean;
  readonly lookups?: number;
  readonly cacheBytes?: number;
}

/** What a case reports when it is done (the native cases add fields of their own). */
export interface ChildFacts {
  readonly ops: number;
  readonly peak_rss_bytes: number;
  /** RSS before the first run: the runtime, the input, the open table. */
  readonly base_rss_bytes: number;
  readonly file_bytes: number;
}

interface Case {
  readonly ops: number;
  /** Untimed, before every run (warm-ups included). */
  before?(): void;
  run(): number;
}

/** Builds the table from views made beforehand: the sorted in-memory input. Includes the fsync. */
function buildCase(a: ChildArgs, kernels: Kernels): Case {
  const keys = slices(internalKeys(a.n), INTERNAL_KEY_BYTES);
  const vals = slices(values(a.n), VALUE_BYTES);
  return {
    ops: a.n,
    before: () => existsSync(a.path) && unlinkSync(a.path),
    run() {
      const b = new TableBuilder(new NodeWritableFile(a.path), { kernels, externalFile: true });
      for (let i = 0; i < keys.length; i++) b.add(keys[i], vals[i]);
      return b.finish().fileSize;
    },
  };
}

/** Point lookups in a table opened once; the checksum is found * 2^32 + the sum of each value's first word. */
function getCase(a: ChildArgs, kernels: Kernels): Case {
  const keys = slices(lookupKeys(a.n, a.lookups ?? a.n, a.present ?? true), KEY_BYTES);
  const table = Table.open(new NodeRandomAccessFile(a.path), { kernels, blockCacheBytes: a.cacheBytes });
  return {
    ops: keys.length,
    run() {
      let found = 0;
      let sum = 0;
      for (let j = 0; j < keys.length; j++) {
        const r = table.get(keys[j]);
        if (!r.found) continue;
        const v = r.value!;
        found++;
        sum = (sum + (v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24))) >>> 0;
      }
      return found * 2 ** 32 + sum;
    },
  };
}

/**
 * VmHWM, the peak RSS of this process image. Not resourceUsage().maxRSS: Linux carries that over
 * exec from the parent that forked us, so it would report the bench runner's peak when larger.
 */
function peakRss(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * The protocol tables.ts speaks (the same as native/table_bench.cc): warm up, print {"ready":true};
 * then for each line on stdin, "run" times one run and prints {"ns":..,"checksum":..}, and "done"
 * prints the case's facts (ChildFacts) and ends.
 */
async function serve(a: ChildArgs, c: Case): Promise<void> {
  const baseRss = process.memoryUsage.rss();
  let checksum: number | undefined;
  const once = (): number => {
    c.before?.();
    const t0 = process.hrtime.bigint();
    const sum = c.run();
    const ns = Number(process.hrtime.bigint() - t0);
    if (checksum !== undefined && sum !== checksum) throw new Error(`checksum ${sum} differs from the first run's ${checksum}`);
    checksum = sum;
    return ns;
  };
  const start = Date.now();
  for (let i = 0; i < a.warmups || Date.now() - start < a.warmupMs; i++) once();
  const say = (o: object) => process.stdout.write(JSON.stringify(o) + "\n");
  say({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "run") {
      say({ ns: once(), checksum });
      continue;
    }
    const facts: ChildFacts = { ops: c.ops, peak_rss_bytes: peakRss(), base_rss_bytes: baseRss, file_bytes: statSync(a.path).size };
    say(facts);
    return;
  }
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? "{}") as ChildArgs;
  const kernels = loadKernels(a.impl);
  await serve(a, a.mode === "build" ? buildCase(a, kernels) : getCase(a, kernels));
}

main().catch((e: unknown) => {
  process.stderr.write(`table-child: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
