// Node workloads (issue: the protocol node's speed and memory), driven through stdio like a
// harness: the built CLI in a child process, requests written as fast as the pipe takes them,
// replies read back. Figures per workload: requests per second (from the first request written to
// the last reply read), and the child's peak RSS (VmHWM from /proc, Linux) against its idle RSS.
//
//   node-put-ephemeral   N memtable_put, ephemeral store, MemTable large enough not to flush
//   node-put-durable     the same with --data-dir: each put acknowledged after its fsync, pipelined
//                        so that puts share fsyncs (group commit)
//   node-flush-4mib      sstable_flush of a 4 MiB MemTable (filled by puts first, untimed)
//   node-flush-64mib     sstable_flush of a 64 MiB MemTable; peak RSS vs 3x the MemTable + idle
//   node-lookup          N sstable_lookup of present keys in the 4 MiB table, pipelined

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const NODE_WORKLOADS = ["node-put-ephemeral", "node-put-durable", "node-flush-4mib", "node-flush-64mib", "node-lookup"] as const;

export interface NodeRow {
  readonly workload: string;
  readonly impl: string;
  readonly ns_per_op: number;
  readonly ops: number;
  readonly runs: number;
  readonly per_second: number;
  readonly peak_rss_mib: number;
  readonly idle_rss_mib: number;
  readonly note: string;
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli.js");
const VALUE = "v".repeat(64);

/** A running node: send lines, await the reply to a msg_id, read its memory figures. */
class NodeProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = "";
  private readonly waiters = new Map<number, (line: string) => void>();
  private replies = 0;
  private countWaiter: { n: number; resolve: () => void } | null = null;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => this.onData(chunk));
    this.child.stderr.resume();
  }

  send(lines: string): Promise<void> {
    return new Promise((resolve) => (this.child.stdin.write(lines) ? resolve() : this.child.stdin.once("drain", resolve)));
  }

  /** Resolves when `n` replies have arrived in all. */
  repliesReach(n: number): Promise<void> {
    if (this.replies >= n) return Promise.resolve();
    return new Promise((resolve) => (this.countWaiter = { n, resolve }));
  }

  async request(body: Record<string, unknown>, msgId: number): Promise<string> {
    const reply = new Promise<string>((resolve) => this.waiters.set(msgId, resolve));
    await this.send(`${JSON.stringify({ src: "c0", dest: "n1", body: { ...body, msg_id: msgId } })}\n`);
    return reply;
  }

  /** Resident and peak resident memory, MiB (Linux /proc). */
  memory(): { rss: number; hwm: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
  }

  async end(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end();
    await exited;
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.replies++;
      const m = /"in_reply_to": (\d+)/.exec(line);
      const id = m === null ? -1 : Number(m[1]);
      const w = this.waiters.get(id);
      if (w !== undefined) {
        this.waiters.delete(id);
        w(line);
      }
    }
    if (this.countWaiter !== null && this.replies >= this.countWaiter.n) {
      const { resolve } = this.countWaiter;
      this.countWaiter = null;
      resolve();
    }
  }
}

const putLine = (i: number, msgId: number) =>
  `{"src": "c0", "dest": "n1", "body": {"type": "memtable_put", "msg_id": ${msgId}, "key": "user:${String(i).padStart(10, "0")}", "value": "${VALUE}"}}\n`;

/** Writes puts msg_id from..to-1 in chunks; resolves when all replies are in. */
async function pipelinedPuts(node: NodeProcess, first: number, count: number, repliesBefore: number): Promise<void> {
  const CHUNK = 1000;
  for (let i = 0; i < count; i += CHUNK) {
    let text = "";
    for (let j = i; j < Math.min(count, i + CHUNK); j++) text += putLine(j, first + j);
    await node.send(text);
  }
  await node.repliesReach(repliesBefore + count);
}

async function started(args: string[]): Promise<{ node: NodeProcess; idle: number }> {
  const node = new NodeProcess(args);
  await node.request({ type: "init", node_id: "n1", node_ids: ["n1"] }, 0);
  return { node, idle: node.memory().rss };
}

function row(workload: string, impl: string, ops: number, ns: number, idle: number, hwm: number, note: string): NodeRow {
  return { workload, impl, ns_per_op: ns / ops, ops, runs: 1, per_second: (ops / ns) * 1e9, peak_rss_mib: hwm, idle_rss_mib: idle, note };
}

/** Entries of 64-byte values whose MemTable footprint (key + value + 16) fills `bytes`. */
const entriesFor = (bytes: number) => Math.ceil(bytes / (15 + 64 + 16));

async function putWorkload(name: string, kernels: string, n: number, durable: boolean): Promise<NodeRow> {
  const dir = durable ? mkdtempSync(join(tmpdir(), "wasm-lsm-bench-")) : null;
  const args = ["--kernels", kernels, "--memtable-bytes", String(1 << 30), ...(dir ? ["--data-dir", dir] : [])];
  const { node, idle } = await started(args);
  const t0 = process.hrtime.bigint();
  await pipelinedPuts(node, 1, n, 1);
  const ns = Number(process.hrtime.bigint() - t0);
  const { hwm } = node.memory();
  await node.end();
  if (dir) rmSync(dir, { recursive: true, force: true });
  return row(name, kernels, n, ns, idle, hwm, durable ? "fsync per group of pipelined puts" : "");
}

async function flushWorkload(name: string, kernels: string, bytes: number, lookups: number): Promise<NodeRow[]> {
  const { node, idle } = await started(["--kernels", kernels, "--memtable-bytes", String(1 << 30)]);
  const n = entriesFor(bytes);
  await pipelinedPuts(node, 1, n, 1);
  const t0 = process.hrtime.bigint();
  const reply = await node.request({ type: "sstable_flush" }, n + 1);
  const ns = Number(process.hrtime.bigint() - t0);
  const { hwm } = node.memory();
  const entries = Number(/"entries": (\d+)/.exec(reply)?.[1]);
  if (entries !== n) throw new Error(`${name}: flush reported ${entries} entries, expected ${n}: ${reply}`);
  const limit = 3 * (bytes / 2 ** 20) + idle;
  const vsLimit = bytes === 64 << 20 ? `; limit ${limit.toFixed(0)} MiB (3 x MemTable + idle)` : "";
  const rows = [row(name, kernels, 1, ns, idle, hwm, `${n} entries, ${(ns / 1e6).toFixed(0)} ms${vsLimit}`)];
  if (lookups > 0) {
    const name2 = "node-lookup";
    const table = /"sstable_file": "([^"]+)"/.exec(reply)![1];
    const t1 = process.hrtime.bigint();
    let text = "";
    for (let i = 0; i < lookups; i++) {
      const k = (i * 7919) % n;
      text += `{"src": "c0", "dest": "n1", "body": {"type": "sstable_lookup", "msg_id": ${n + 2 + i}, "sstable": "${table}", "key": "user:${String(k).padStart(10, "0")}"}}\n`;
      if (text.length > 1 << 20) {
        await node.send(text);
        text = "";
      }
    }
    await node.send(text);
    await node.repliesReach(n + 2 + lookups);
    const ns2 = Number(process.hrtime.bigint() - t1);
    rows.push(row(name2, kernels, lookups, ns2, idle, node.memory().hwm, "present keys, pipelined, warm after the first reads"));
  }
  await node.end();
  return rows;
}

export interface NodeBenchOptions {
  readonly puts: number;
  readonly lookups: number;
  readonly big: boolean;
  readonly include: (workload: string) => boolean;
  readonly kernels: readonly string[];
  readonly write: (text: string) => void;
}

export async function runNodeWorkloads(o: NodeBenchOptions): Promise<NodeRow[]> {
  const rows: NodeRow[] = [];
  for (const kernels of o.kernels) {
    if (o.include("node-put-ephemeral")) {
      o.write(`node-put-ephemeral ${kernels}\n`);
      rows.push(await putWorkload("node-put-ephemeral", kernels, o.puts, false));
    }
    if (o.include("node-put-durable")) {
      o.write(`node-put-durable ${kernels}\n`);
      rows.push(await putWorkload("node-put-durable", kernels, o.puts, true));
    }
    if (o.include("node-flush-4mib") || o.include("node-lookup")) {
      o.write(`node-flush-4mib ${kernels}\n`);
      const r = await flushWorkload("node-flush-4mib", kernels, 4 << 20, o.include("node-lookup") ? o.lookups : 0);
      rows.push(...r.filter((x) => o.include(x.workload)));
    }
    if (o.big && o.include("node-flush-64mib")) {
      o.write(`node-flush-64mib ${kernels}\n`);
      rows.push(...(await flushWorkload("node-flush-64mib", kernels, 64 << 20, 0)));
    }
  }
  return rows;
}

/** The targets for the node workloads, met or missed, one line each. */
export function nodeTargetLines(rows: readonly NodeRow[]): string[] {
  const lines: string[] = [];
  for (const impl of new Set(rows.map((r) => r.impl))) {
    const of = (w: string) => rows.find((r) => r.workload === w && r.impl === impl);
    const eph = of("node-put-ephemeral");
    const dur = of("node-put-durable");
    const big = of("node-flush-64mib");
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    if (eph) lines.push(`# targets, ${impl}: ephemeral puts ${Math.round(eph.per_second)}/s (>= 200000: ${verdict(eph.per_second >= 200_000)})`);
    if (eph && dur) {
      const share = dur.per_second / eph.per_second;
      lines.push(`# targets, ${impl}: durable pipelined puts ${(share * 100).toFixed(0)}% of ephemeral (>= 50%: ${verdict(share >= 0.5)})`);
    }
    if (big) {
      const limit = 3 * 64 + big.idle_rss_mib;
      lines.push(`# targets, ${impl}: 64 MiB flush peak RSS ${big.peak_rss_mib.toFixed(0)} MiB (< ${limit.toFixed(0)}: ${verdict(big.peak_rss_mib < limit)})`);
    }
  }
  return lines;
}
