// The kernel microbenchmarks (ARCHITECTURE.md "The WebAssembly boundary"): named workloads run on the
// wasm kernels, their JS twin and the npm peers, all on the same data. Progress goes to stderr, the
// table to stdout, and --json FILE writes the results with a description of the machine. The
// table workloads (tables.ts) build and read whole tables, ours and native LevelDB's and RocksDB's;
// the database workloads (db.ts) run db_bench-style fills and reads on whole databases; the level
// workloads (level.ts) call the abstract-level API of ours, classic-level and memory-level.
//
//   npm run build && npm run bench -- [--quick] [--json FILE] [--only NAME,..|db] [--impls IMPL,..]
//                                     [--runs N] [--keys N] [--table-n N,..] [--db-n N] [--db-window N] [--db-sync]
//                                     [--level-n N] [--level-rounds N]

import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { Dataset } from "./data.js";
import { DB_WORKLOADS, dbTables, dbTargetLines, runDbWorkloads, type DbRow, type DbSkip } from "./db.js";
import { loadKernels } from "../src/kernels/node.js";
import { runWorkload } from "./measure.js";
import type { Measurement, TimingOptions } from "./measure.js";
import { bloomPeers, crcPeers, hashPeers } from "./peers.js";
import { LEVEL_WORKLOADS, levelReport, runLevelWorkloads, type LevelRow, type LevelSkip } from "./level.js";
import { LINE_LOOP_IMPL, NODE_WORKLOADS, nodeTargetLines, runNodeWorkloads, type NodeRow } from "./node.js";
import { runTableWorkloads, TABLE_WORKLOADS, targetLines } from "./tables.js";
import type { TableWorkload } from "./tables.js";
import { workloads } from "./workloads.js";
import type { Case, Workload } from "./workloads.js";

const USAGE = `usage: npm run bench -- [options]
  --quick            100k keys, 3 runs, tables of 50k entries only (under a minute)
  --json FILE        write the results as JSON
  --only NAME,..     run only these workloads
  --impls IMPL,..    run only these implementations (wasm, js, peers, or a peer's name)
  --runs N           timed runs per case (default 7, quick 3)
  --keys N           keys in the data set (default 1000000, quick 100000)
  --table-n N,..     entries in the table workloads' tables (default 50000,1000000, quick 50000)
  --db-n N           entries in the database workloads (default 1000000, quick 100000); --only db runs them alone
  --db-window N      puts and deletes in flight at once on the Node engines (default 256)
  --db-sync          sync=true writes on every engine (each write fsynced before it counts; ours share fsyncs)
  --level-n N        keys in the level workloads (default 100000, quick 10000); --only level runs them alone
  --level-rounds N   every level engine N times in turn, each figure from the median round (default 1)`;

interface Config {
  readonly keys: number;
  readonly runs: number;
  readonly warmups: number;
  readonly warmupMs: number;
  readonly crcOps: number;
  readonly maxRunMs: number;
  /** Node workloads: puts and lookups sent through stdio, and whether to flush a 64 MiB MemTable. */
  readonly nodePuts: number;
  /** Alternating rounds of ephemeral puts and the minimal line loop. */
  readonly nodePutRounds: number;
  readonly nodeLookups: number;
  readonly nodeBigFlush: boolean;
  /** Entries in the table workloads' tables, and point lookups per run of theirs. */
  readonly tableSizes: readonly number[];
  readonly tableLookups: number;
  /** Entries in the database workloads (gets and seeks per read workload too), and writes in flight on the Node engines. */
  readonly dbN: number;
  readonly dbWindow: number;
  /** Keys in the level workloads (also the gets of each get workload); sync puts are 1/100 of them, 20 to 1000. */
  readonly levelN: number;
}

const FULL: Config = {
  keys: 1_000_000, runs: 7, warmups: 1, warmupMs: 1000, crcOps: 16_384, maxRunMs: 2000, tableSizes: [50_000, 1_000_000], tableLookups: 200_000,
  nodePuts: 200_000, nodePutRounds: 3, nodeLookups: 100_000, nodeBigFlush: true, dbN: 1_000_000, dbWindow: 256, levelN: 100_000,
};
const QUICK: Config = {
  keys: 100_000, runs: 3, warmups: 1, warmupMs: 300, crcOps: 2048, maxRunMs: 1000, tableSizes: [50_000], tableLookups: 200_000,
  nodePuts: 20_000, nodePutRounds: 1, nodeLookups: 20_000, nodeBigFlush: false, dbN: 100_000, dbWindow: 256, levelN: 10_000,
};

interface Row extends Measurement {
  readonly js_over_wasm?: number;
  readonly peer_over_wasm?: number;
  /** Table workloads: the table's entries, and this case's time over LevelDB's. */
  readonly n?: number;
  readonly over_leveldb?: number;
}

function parse() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "string" },
      only: { type: "string" },
      impls: { type: "string" },
      runs: { type: "string" },
      keys: { type: "string" },
      "table-n": { type: "string" },
      "db-n": { type: "string" },
      "db-window": { type: "string" },
      "db-sync": { type: "boolean", default: false },
      "level-n": { type: "string" },
      "level-rounds": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  return values;
}

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1, got ${text}`);
  return n;
}

function list(text: string | undefined): string[] | undefined {
  return text?.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

interface Selected {
  kernels: Workload[];
  tables: TableWorkload[];
  node: string[];
  db: string[];
  level: string[];
}

/** The workloads --only names; "db" stands for every database workload, "level" for every level workload. */
function selectWorkloads(all: Workload[], only: string[] | undefined): Selected {
  if (only === undefined) return { kernels: all, tables: [...TABLE_WORKLOADS], node: [...NODE_WORKLOADS], db: [...DB_WORKLOADS], level: [...LEVEL_WORKLOADS] };
  const known: string[] = [...all.map((w) => w.name), ...TABLE_WORKLOADS, ...NODE_WORKLOADS, ...DB_WORKLOADS, "db", ...LEVEL_WORKLOADS, "level"];
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(", ")}; known: ${known.join(", ")}`);
  return {
    kernels: all.filter((w) => only.includes(w.name)),
    tables: TABLE_WORKLOADS.filter((w) => only.includes(w)),
    node: NODE_WORKLOADS.filter((w) => only.includes(w)),
    db: DB_WORKLOADS.filter((w) => only.includes(w) || only.includes("db")),
    level: LEVEL_WORKLOADS.filter((w) => only.includes(w) || only.includes("level")),
  };
}

/** A node workload's figures as a table row; the line loop's is a peer's, its peer/wasm our rate over its. */
function nodeRow(r: NodeRow, all: readonly NodeRow[]): Row {
  const rate = r.ops > 1 ? `${Math.round(r.per_second).toLocaleString("en-US")}/s; ` : "";
  const note = `${rate}peak RSS ${r.peak_rss_mib.toFixed(0)} MiB, idle ${r.idle_rss_mib.toFixed(0)} MiB${r.note === "" ? "" : `; ${r.note}`}`;
  const kind = r.impl === LINE_LOOP_IMPL ? "peer" : r.impl === "js" ? "js" : "wasm";
  const ours = r.impl === LINE_LOOP_IMPL ? all[all.indexOf(r) - 1] : undefined; // the node row just before it
  const ratio = ours?.over_line_loop === undefined ? {} : { peer_over_wasm: ours.over_line_loop };
  return { workload: r.workload, impl: r.impl, kind, ns_per_op: r.ns_per_op, min_ns_per_op: r.ns_per_op, ops: r.ops, runs: r.runs, checksum: 0, note, ...ratio };
}

function implFilter(impls: string[] | undefined): (c: Pick<Case, "impl" | "kind">) => boolean {
  if (impls === undefined) return () => true;
  return (c) => impls.includes(c.impl) || (c.kind === "peer" && impls.includes("peers"));
}

/** Adds js/wasm to the wasm row and peer/wasm to each peer row: how many times slower than wasm. */
function withRatios(ms: readonly Measurement[]): Row[] {
  const wasm = ms.find((m) => m.kind === "wasm");
  const js = ms.find((m) => m.kind === "js");
  return ms.map((m): Row => {
    if (wasm === undefined) return m;
    if (m.kind === "wasm" && js !== undefined) return { ...m, js_over_wasm: js.ns_per_op / m.ns_per_op };
    if (m.kind === "peer") return { ...m, peer_over_wasm: m.ns_per_op / wasm.ns_per_op };
    return m;
  });
}

const fmtNs = (ns: number) => (ns < 10 ? ns.toFixed(2) : ns < 1000 ? ns.toFixed(1) : ns.toFixed(0));
const fmtRatio = (r: number | undefined) => (r === undefined ? "" : `${r.toFixed(2)}x`);

function notes(r: Row): string {
  const parts = [];
  if (r.gb_per_s !== undefined) parts.push(`${r.gb_per_s.toFixed(2)} GB/s`);
  if (r.reduced_from !== undefined) parts.push(`slow: ops cut from ${r.reduced_from}`);
  if (r.note !== "") parts.push(r.note);
  return parts.join("; ");
}

const fmtN = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n % 1000 === 0 ? `${n / 1000}k` : String(n));

/** `vs leveldb` (table workloads) is the row's ns/op over LevelDB's: below 1 is faster than LevelDB. */
function table(rows: readonly Row[]): string {
  const head = ["workload", "impl", "ns/op", "ops", "runs", "js/wasm", "peer/wasm", "vs leveldb", "notes"];
  const cells = rows.map((r) => [
    r.n === undefined ? r.workload : `${r.workload} ${fmtN(r.n)}`, r.impl, fmtNs(r.ns_per_op), String(r.ops), String(r.runs),
    fmtRatio(r.js_over_wasm), fmtRatio(r.peer_over_wasm), fmtRatio(r.over_leveldb), notes(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const right = new Set([2, 3, 4, 5, 6, 7]);
  const line = (c: string[]) => c.map((s, i) => (right.has(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

function machine() {
  const cpu = cpus();
  return {
    node: process.version,
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

async function main(): Promise<void> {
  const args = parse();
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const base = args.quick ? QUICK : FULL;
  const tableSizes = list(args["table-n"])?.map((t) => positiveInt(t, "table-n", 0)) ?? base.tableSizes;
  const config: Config = {
    ...base, keys: positiveInt(args.keys, "keys", base.keys), runs: positiveInt(args.runs, "runs", base.runs), tableSizes,
    dbN: positiveInt(args["db-n"], "db-n", base.dbN), dbWindow: positiveInt(args["db-window"], "db-window", base.dbWindow),
    levelN: positiveInt(args["level-n"], "level-n", base.levelN),
  };
  const write = (text: string) => void process.stderr.write(text);
  const timing: TimingOptions = { ...config, write };
  const data = new Dataset(config.keys);
  const kernels = [loadKernels("wasm"), loadKernels("js")] as const;
  const peers = { hash: hashPeers, bloom: bloomPeers, crc: crcPeers };
  const selected = selectWorkloads(workloads(data, { crcOps: config.crcOps, kernels, peers }), list(args.only));
  const include = implFilter(list(args.impls));
  const started = Date.now();
  const rows: Row[] = selected.kernels.flatMap((w) => withRatios(runWorkload(w, timing, include)));
  const tableOptions = { ...timing, sizes: config.tableSizes, lookups: config.tableLookups, include: (impl: string, kind: Case["kind"]) => include({ impl, kind }) };
  const { rows: tableRows, skipped } = await runTableWorkloads(selected.tables, tableOptions);
  rows.push(...tableRows);
  const nodeRows = await runNodeWorkloads({
    puts: config.nodePuts, putRounds: config.nodePutRounds, lookups: config.nodeLookups, big: config.nodeBigFlush, write,
    include: (w) => selected.node.includes(w),
    kernels: ["wasm", "js"].filter((impl) => include({ impl, kind: impl as Case["kind"] })),
  });
  rows.push(...nodeRows.map((r) => nodeRow(r, nodeRows)));
  const dbOptions = { n: config.dbN, reads: config.dbN, window: config.dbWindow, sync: args["db-sync"] };
  const db = await runDbWorkloads(selected.db, { ...dbOptions, write, include: (impl, kind) => include({ impl, kind }) });
  const levelOptions = { n: config.levelN, syncOps: Math.min(1000, Math.max(20, Math.floor(config.levelN / 100))), reads: config.levelN, passes: 3, rounds: positiveInt(args["level-rounds"], "level-rounds", 1) };
  const level = await runLevelWorkloads(selected.level, { ...levelOptions, write, include: (impl, kind) => include({ impl, kind }) });
  write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const m = machine();
  // the kernel workloads' key count and runs, only when they ran: the other groups print their own
  const kernelRun = selected.kernels.length > 0 ? `; ${config.keys} keys, median of ${config.runs} runs` : "";
  console.log(`# ${m.cpu} x${m.cores}, ${m.platform}, node ${m.node}${kernelRun}`);
  if (rows.length > 0) console.log(table(rows));
  if (rows.some((r) => r.reduced_from !== undefined)) {
    console.log(`# "ops cut": a peer so slow that one run of all ops would take over ${config.maxRunMs} ms ran on fewer`);
  }
  if (tableRows.length > 0) {
    console.log(`# table workloads: one process per case (peak RSS is its own); ${config.tableLookups} lookups per run; every reader has an 8 MiB block cache`);
    if (skipped !== "") console.log(`# ${skipped}`);
    for (const line of targetLines(tableRows)) console.log(line);
  }
  if (nodeRows.length > 0) {
    console.log("# node workloads: the built CLI in a child process, requests pipelined over stdio; RSS from /proc (VmHWM)");
    for (const line of nodeTargetLines(nodeRows)) console.log(line);
  }
  if (db.rows.length > 0 || db.skipped.length > 0) printDb(db.rows, db.skipped, db.message, dbOptions);
  if (level.rows.length > 0 || level.skipped.length > 0) for (const line of levelReport(level.rows, level.skipped, levelOptions)) console.log(line);
  if (args.json !== undefined) {
    const results: (Row | DbRow | LevelRow)[] = [...rows, ...db.rows, ...level.rows];
    const dbSkipped = db.skipped.length === 0 ? {} : { db_skipped: db.skipped };
    const levelSkipped: { level_skipped?: LevelSkip[] } = level.skipped.length === 0 ? {} : { level_skipped: level.skipped };
    writeFileSync(args.json, JSON.stringify({ machine: m, config: { ...config, quick: args.quick, dbSync: args["db-sync"] }, results, ...dbSkipped, ...levelSkipped }, null, 2) + "\n");
    write(`wrote ${args.json}\n`);
  }
}

function printDb(rows: readonly DbRow[], skipped: readonly DbSkip[], message: string, o: { n: number; reads: number; window: number; sync: boolean }): void {
  console.log(`\n# database workloads (db_bench style): every engine in a process of its own, one after the other; ${DB_CACHE_NOTE}`);
  console.log(`# writes: ${o.sync ? "sync=true" : "sync=false"} everywhere; natives one at a time, classic-level and ours with ${o.window} in flight, so their put latency includes waiting behind the others`);
  if (message !== "") console.log(`# ${message}`);
  console.log(dbTables(rows, skipped, o));
  for (const line of dbTargetLines(rows)) console.log(line);
}

const DB_CACHE_NOTE = "8 MiB block cache, 10 bits/key Bloom filter, no compression everywhere; write amp = disk bytes written (/proc/PID/io write_bytes, until they settle) / key+value bytes put; space amp = bytes in the directory after a full compaction / live key+value bytes";

main().catch((e: unknown) => {
  process.stderr.write(`\nbench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
