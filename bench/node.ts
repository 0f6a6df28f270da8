// Node workloads (issue: the protocol node's speed and memory), driven through stdio like a
// harness: the built CLI in a child process, requests written as fast as the pipe takes them,
// replies read back. Figures per workload: requests per second (from the first request written to
// the last reply read), and the child's peak RSS (VmHWM from /proc, Linux) against its idle RSS.
//
//   node-put-ephemeral   N memtable_put, ephemeral store, MemTable large enough not to flush;
//                        run in alternating rounds with the minimal line loop (line-loop.ts) on
//                        the same input, and reported as a ratio of its rate (issue 7 item 13)
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
  /** node-put-ephemeral: the minimal line loop's rate measured alongside, and ours over it. */
  readonly line_loop_per_second?: number;
  readonly over_line_loop?: number;
  /** The same by CPU time per put (the loop's over ours). */
  readonly over_line_loop_cpu?: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, "..", "src", "cli.js");
const LINE_LOOP = join(HERE, "line-loop.js");
/** The impl name of the minimal line loop's rows. */
export const LINE_LOOP_IMPL = "line-loop";
const VALUE = "v".repeat(64);

/** A running node (or the line loop): send lines, await the reply to a msg_id, read its memory figures. */
class NodeProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private tail: Buffer = Buffer.alloc(0);
  private readonly waiters = new Map<number, (line: string) => void>();
  private replies = 0;
  private countWaiter: { n: number; resolve: () => void } | null = null;

  constructor(args: string[], script = CLI) {
    this.child = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.resume();
  }

  send(lines: string | Buffer): Promise<void> {
    return new Promise((resolve) => (this.child.stdin.write(lines) ? resolve() : this.child.stdin.once("drain", resolve)));
  }

  /** Writes `input` in 1 MiB pieces, each after the pipe has taken the last. */
  async sendAll(input: Buffer): Promise<void> {
    for (let p = 0; p < input.length; p += 1 << 20) await this.send(input.subarray(p, p + (1 << 20)));
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

  /** CPU seconds (user + system) the process has used so far (Linux /proc, clock ticks of 10 ms). */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from the 3rd on
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (14th, 15th)
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

  /**
   * Counts reply lines; decodes one only while a request() waits for a reply. The bench shares
   * the machine's cores with the child, so reading N pipelined replies costs a newline scan.
   */
  private onData(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      this.replies++;
      if (this.waiters.size > 0) this.answer(Buffer.concat([this.tail, chunk.subarray(start, nl)]).toString("utf8"));
      this.tail = Buffer.alloc(0);
      start = nl + 1;
    }
    if (start < chunk.length) this.tail = Buffer.concat([this.tail, chunk.subarray(start)]);
    if (this.countWaiter !== null && this.replies >= this.countWaiter.n) {
      const { resolve } = this.countWaiter;
      this.countWaiter = null;
      resolve();
    }
  }

  private answer(line: string): void {
    const m = /"in_reply_to": (\d+)/.exec(line);
    const w = this.waiters.get(m === null ? -1 : Number(m[1]));
    if (w !== undefined) {
      this.waiters.delete(Number(m![1]));
      w(line);
    }
  }
}

const putLine = (i: number, msgId: number) =>
  `{"src": "c0", "dest": "n1", "body": {"type": "memtable_put", "msg_id": ${msgId}, "key": "user:${String(i).padStart(10, "0")}", "value": "${VALUE}"}}\n`;

/** The lines of `count` puts of keys firstKey.. with msg_ids firstMsgId.. */
function putInput(firstMsgId: number, count: number, firstKey = 0): Buffer {
  const parts: string[] = [];
  for (let j = 0; j < count; j++) parts.push(putLine(firstKey + j, firstMsgId + j));
  return Buffer.from(parts.join(""));
}

/** Writes puts msg_id first..first+count-1 (generated 50k at a time); resolves when all replies are in. */
async function pipelinedPuts(node: NodeProcess, first: number, count: number, repliesBefore: number): Promise<void> {
  const STEP = 50_000;
  for (let i = 0; i < count; i += STEP) await node.sendAll(putInput(first + i, Math.min(STEP, count - i), i));
  await node.repliesReach(repliesBefore + count);
}

async function started(args: string[], script = CLI): Promise<{ node: NodeProcess; idle: number }> {
  const node = new NodeProcess(args, script);
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
  const r = await timedPuts(args, CLI, putInput(1, n));
  if (dir) rmSync(dir, { recursive: true, force: true });
  return row(name, kernels, n, r.ns, r.idle, r.hwm, durable ? "fsync per group of pipelined puts" : "");
}

interface TimedPuts {
  readonly ns: number;
  /** CPU time of the child over the same span, ns: less disturbed by other load than `ns`. */
  readonly cpuNs: number;
  readonly idle: number;
  readonly hwm: number;
}

/** One process started, init answered, then `input` (puts) written and every reply read: timed. */
async function timedPuts(args: string[], script: string, input: Buffer): Promise<TimedPuts> {
  const n = countLines(input);
  const { node, idle } = await started(args, script);
  const cpu0 = node.cpuSeconds();
  const t0 = process.hrtime.bigint();
  await node.sendAll(input);
  await node.repliesReach(1 + n);
  const ns = Number(process.hrtime.bigint() - t0);
  const cpuNs = (node.cpuSeconds() - cpu0) * 1e9;
  const { hwm } = node.memory();
  await node.end();
  return { ns, cpuNs, idle, hwm };
}

function countLines(input: Buffer): number {
  let n = 0;
  for (let p = input.indexOf(0x0a); p >= 0; p = input.indexOf(0x0a, p + 1)) n++;
  return n;
}

/**
 * Ephemeral puts beside the minimal line loop, on the same input bytes, in alternating rounds
 * (loop, node, loop, node, ...): each figure is its median, so a burst of other load on the
 * machine touches both. Rows: the node's, with its rate over the loop's, and the loop's.
 */
async function putsBesideLineLoop(kernels: string, n: number, rounds: number): Promise<NodeRow[]> {
  const input = putInput(1, n);
  const args = ["--kernels", kernels, "--memtable-bytes", String(1 << 30)];
  const loop: TimedPuts[] = [];
  const ours: TimedPuts[] = [];
  for (let i = 0; i < rounds; i++) {
    loop.push(await timedPuts([], LINE_LOOP, input));
    ours.push(await timedPuts(args, CLI, input));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const mid = (xs: TimedPuts[]) => [...xs].sort((a, b) => a.ns - b.ns)[xs.length >> 1]!;
  const [l, o] = [mid(loop), mid(ours)];
  const ratio = l.ns / o.ns;
  const cpuRatio = median(loop.map((r) => r.cpuNs)) / median(ours.map((r) => r.cpuNs));
  const cpuNote = (xs: TimedPuts[]) => `CPU ${(median(xs.map((r) => r.cpuNs)) / n / 1000).toFixed(2)} us/put`;
  const runs = `median of ${rounds} alternating rounds`;
  const node = { ...row("node-put-ephemeral", kernels, n, o.ns, o.idle, o.hwm, `${runs}; ${cpuNote(ours)}; ${ratio.toFixed(2)}x the line loop's rate, ${cpuRatio.toFixed(2)}x its CPU per put`), runs: rounds };
  const base = { ...row("node-put-ephemeral", LINE_LOOP_IMPL, n, l.ns, l.idle, l.hwm, `${cpuNote(loop)}; readline + JSON.parse + one reply line, beside the ${kernels} node`), runs: rounds };
  return [{ ...node, line_loop_per_second: base.per_second, over_line_loop: ratio, over_line_loop_cpu: cpuRatio }, base];
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
  /** Alternating rounds of node-put-ephemeral and the line loop. */
  readonly putRounds: number;
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
      o.write(`node-put-ephemeral ${kernels}, beside the line loop\n`);
      rows.push(...(await putsBesideLineLoop(kernels, o.puts, o.putRounds)));
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
  for (const impl of new Set(rows.map((r) => r.impl).filter((impl) => impl !== LINE_LOOP_IMPL))) {
    const of = (w: string) => rows.find((r) => r.workload === w && r.impl === impl);
    const eph = of("node-put-ephemeral");
    const dur = of("node-put-durable");
    const big = of("node-flush-64mib");
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    if (eph) lines.push(`# targets, ${impl}: ephemeral puts ${Math.round(eph.per_second)}/s (>= 200000: ${verdict(eph.per_second >= 200_000)})`);
    if (eph?.over_line_loop !== undefined) {
      const loop = Math.round(eph.line_loop_per_second!);
      lines.push(`# targets, ${impl}: ephemeral puts ${eph.over_line_loop.toFixed(2)}x the minimal line loop's ${loop}/s, same input (>= 0.5x: ${verdict(eph.over_line_loop >= 0.5)}); by CPU per put ${eph.over_line_loop_cpu!.toFixed(2)}x`);
    }
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
