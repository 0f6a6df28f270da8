// Shared by the crash and lock suites: the built node (dist/src/cli.js) as a child process spoken
// to over pipes, a write history that knows which puts were acknowledged, a pipelined put driver
// with kill triggers, and the checks run on a data directory after a crash and a restart.
//
// Values encode their key and a version (a global write counter, increasing in request order), so
// a value read back tells which write it came from: after recovery every acknowledged key must show
// its last acknowledged version or a later one that was sent (an unacknowledged write may survive),
// and nothing may show up that was never sent.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readdirSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkTable } from "../../src/cli/sst-check.js";
import { NodeRandomAccessFile } from "../../src/io/node-file.js";
import { loadKernels } from "../../src/kernels/node.js";
import { readStoreManifest, type ManifestSummary } from "../../src/lsm/manifest.js";
import { ValueKind } from "../../src/sstable/format.js";
import { Table } from "../../src/sstable/reader.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(ROOT, "dist", "src", "cli.js");

const kernels = loadKernels("wasm");
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Randomness: seeded, so a failing trial's parameters can be replayed (its timing cannot).

import { type Rng } from "../support/random.js";
export { rng, type Rng } from "../support/random.js";

export const randInt = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

// ---------------------------------------------------------------------------------------------
// The node as a child process.

export type Body = Record<string, unknown> & { type: string };

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class NodeProc {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  stderr = "";
  /** Set just before this harness sends SIGKILL; an exit without it is the node's own doing. */
  killedAt: number | null = null;
  private stdoutRest = "";
  private draining: Promise<void> | null = null;
  private nextMsgId = 1;
  private readonly pending = new Map<number, (body: Body | null) => void>();
  private readonly listeners: ((body: Body) => void)[] = [];
  private readonly stderrListeners: ((all: string) => void)[] = [];

  constructor(readonly dir: string, readonly args: readonly string[] = []) {
    this.child = spawn(process.execPath, [CLI, "--data-dir", dir, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8").on("data", (text: string) => this.onStdout(text));
    this.child.stderr.setEncoding("utf8").on("data", (text: string) => {
      this.stderr += text;
      for (const l of this.stderrListeners) l(this.stderr);
    });
    this.child.stdin.on("error", () => {}); // EPIPE once the node is gone
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        this.exit = { code, signal };
        for (const settle of this.pending.values()) settle(null);
        this.pending.clear();
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** Called with every reply body, before its request's promise settles. */
  onReply(listener: (body: Body) => void): void {
    this.listeners.push(listener);
  }

  /** Called with all of stderr so far whenever more arrives. */
  onStderr(listener: (all: string) => void): void {
    this.stderrListeners.push(listener);
  }

  /**
   * Sends one request; resolves with its reply body, or null when the node exits first. `sent`
   * resolves once the line is handed to the pipe (after "drain" when the pipe is full).
   */
  request(body: Record<string, unknown>): { reply: Promise<Body | null>; msgId: number; sent: Promise<void> } {
    const msgId = this.nextMsgId++;
    const reply = new Promise<Body | null>((resolve) => {
      if (!this.alive) return resolve(null);
      this.pending.set(msgId, resolve);
    });
    let sent: Promise<void> = Promise.resolve();
    if (this.alive && this.child.stdin.writable) {
      const line = `${JSON.stringify({ src: "c0", dest: "n1", body: { ...body, msg_id: msgId } })}\n`;
      if (!this.child.stdin.write(line)) sent = this.drained();
    }
    return { reply, msgId, sent };
  }

  /** One promise for all the writers waiting on a full pipe: settles on "drain" or the exit. */
  private drained(): Promise<void> {
    this.draining ??= new Promise<void>((resolve) => {
      const done = () => {
        this.child.stdin.off("drain", done);
        this.child.off("close", done);
        this.draining = null;
        resolve();
      };
      this.child.stdin.on("drain", done);
      this.child.on("close", done);
    });
    return this.draining;
  }

  send(body: Record<string, unknown>): Promise<Body | null> {
    return this.request(body).reply;
  }

  async init(timeoutMs = 20_000): Promise<boolean> {
    const reply = this.send({ type: "init", node_id: "n1", node_ids: ["n1"] });
    const r = await withTimeout(reply, timeoutMs, null);
    return r !== null && r.type === "init_ok";
  }

  kill(): void {
    if (!this.alive || this.killedAt !== null) return;
    this.killedAt = performance.now();
    this.child.kill("SIGKILL");
  }

  /** Ends the input (a clean stop) and waits for the exit. */
  async end(timeoutMs = 30_000): Promise<Exit> {
    this.child.stdin.end();
    const exit = await withTimeout(this.exited, timeoutMs, null);
    if (exit === null) {
      this.kill();
      return this.exited;
    }
    return exit;
  }

  private onStdout(text: string): void {
    const lines = (this.stdoutRest + text).split("\n");
    this.stdoutRest = lines.pop()!;
    for (const line of lines) {
      if (line === "") continue;
      const body = (JSON.parse(line) as { body: Body }).body;
      for (const l of this.listeners) l(body);
      const id = body.in_reply_to as number;
      const settle = this.pending.get(id);
      this.pending.delete(id);
      settle?.(body);
    }
  }
}

export function withTimeout<T, D>(p: Promise<T>, ms: number, fallback: D): Promise<T | D> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<D>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const stderrTail = (text: string, lines = 12) => text.trimEnd().split("\n").slice(-lines).join("\n");

// ---------------------------------------------------------------------------------------------
// The write history.

const KEY_PREFIX = "key:";
/** Scan bounds that cover every key this history writes (";" follows ":" in ASCII). */
export const SCAN_ALL = { start: KEY_PREFIX, end: "key;" };

export class History {
  /** key -> versions sent, in request order (increasing). */
  readonly sent = new Map<string, number[]>();
  /** key -> the last (highest) acknowledged version. */
  readonly acked = new Map<string, number>();
  readonly keys: string[] = [];
  /** Put requests that got an error reply instead of memtable_put_ok. */
  readonly putErrors: string[] = [];
  ackCount = 0;
  private version = 0;
  private keyCounter = 0;

  /** The next put: a new key, or (with probability `overwrite`) an earlier one. */
  nextPut(r: Rng, overwrite: number): { key: string; value: string; version: number } {
    let key: string;
    if (this.keys.length > 0 && r() < overwrite) {
      // recent keys more often, so overwrites land in the MemTable as well as across tables
      key = r() < 0.5 ? this.keys[this.keys.length - 1 - Math.floor(r() * Math.min(50, this.keys.length))] : pick(r, this.keys);
    } else {
      key = `${KEY_PREFIX}${String(this.keyCounter++).padStart(7, "0")}`;
      this.keys.push(key);
      this.sent.set(key, []);
    }
    const version = ++this.version;
    this.sent.get(key)!.push(version);
    const roll = r();
    const pad = roll < 0.01 ? randInt(r, 33_000, 70_000) : roll < 0.05 ? randInt(r, 1000, 5000) : randInt(r, 10, 300);
    return { key, value: encodeValue(key, version, pad), version };
  }

  ack(key: string, version: number): void {
    this.ackCount++;
    if ((this.acked.get(key) ?? 0) < version) this.acked.set(key, version);
  }

  wasSent(key: string, version: number): boolean {
    return this.sent.get(key)?.includes(version) ?? false;
  }
}

/** `key|version|` and `pad` filler characters derived from both. */
export function encodeValue(key: string, version: number, pad: number): string {
  const fill = "abcdefghijklmnopqrstuvwxyz0123456789"[version % 36];
  return `${key}|${version}|${fill.repeat(pad)}`;
}

/** The version a value read back encodes, or null when it is not a value written for `key`. */
export function decodeValue(key: string, value: string): number | null {
  const m = /^(.*)\|(\d+)\|([a-z0-9]*)$/s.exec(value);
  if (m === null || m[1] !== key) return null;
  const version = Number(m[2]);
  const fill = "abcdefghijklmnopqrstuvwxyz0123456789"[version % 36];
  return m[3].split("").every((c) => c === fill) ? version : null;
}

// ---------------------------------------------------------------------------------------------
// Driving pipelined puts (and occasional flushes) until a kill trigger fires.

export type KillPlan =
  | { readonly kind: "acks"; readonly acks: number }
  | { readonly kind: "time"; readonly ms: number }
  | { readonly kind: "tmp"; readonly nth: number; readonly delayMs: number }
  | { readonly kind: "renamed"; readonly nth: number }
  | { readonly kind: "none" };

export const describePlan = (p: KillPlan) =>
  p.kind === "acks" ? `after ${p.acks} acks`
  : p.kind === "time" ? `${p.ms} ms into the puts`
  : p.kind === "tmp" ? `${p.delayMs} ms after .sst.tmp #${p.nth} appeared`
  : p.kind === "renamed" ? `as L0_*.sst #${p.nth} appeared (rename)`
  : "not killed";

export interface DriveOptions {
  /** Puts in flight at most (1: one at a time). */
  readonly window: number;
  /** A sstable_flush request about every this many puts (0: never). */
  readonly flushEvery: number;
  readonly overwrite: number;
  readonly plan: KillPlan;
  /** Stop (kill) anyway after this long, so a trial never hangs. */
  readonly maxMs: number;
  /** Stop after this many puts sent; with plan "none" the driver then waits for their replies. */
  readonly maxPuts?: number;
}

export interface DriveResult {
  readonly putsSent: number;
  readonly acks: number;
  readonly flushesSent: number;
  readonly flushesAcked: number;
  /** Puts and flushes sent but not answered when the node went down. */
  readonly putsOutstanding: number;
  readonly flushesOutstanding: number;
  /** The node exited before this driver killed it (it crashed on its own). */
  readonly diedOnItsOwn: boolean;
  readonly trigger: string;
  readonly ms: number;
}

/** Sends puts through `node` as the plan says; returns once the node is gone (or, plan none, done). */
export async function drive(node: NodeProc, hist: History, r: Rng, o: DriveOptions): Promise<DriveResult> {
  const t0 = performance.now();
  let outstanding = 0;
  let flushesOutstanding = 0;
  let putsSent = 0;
  let acks = 0;
  let flushesSent = 0;
  let flushesAcked = 0;
  let unansweredPuts = 0;
  let unansweredFlushes = 0;
  let trigger = "";
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const kill = (why: string) => {
    if (node.killedAt !== null || !node.alive) return;
    trigger = why;
    node.kill();
    poke();
  };
  node.exited.then(poke);

  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  const plan = o.plan;
  if (plan.kind === "tmp" || plan.kind === "renamed") {
    let seen = 0;
    const seenNames = new Set<string>();
    const want = plan.kind === "tmp" ? /^L0_\d+\.sst\.tmp$/ : /^L0_\d+\.sst$/;
    watcher = watch(node.dir, (_event, name) => {
      if (name === null || !want.test(name) || seenNames.has(name) || !existsSync(join(node.dir, name))) return;
      seenNames.add(name);
      if (++seen !== plan.nth) return;
      if (plan.kind === "renamed") kill(`${name} appeared`);
      else if (plan.delayMs === 0) kill(`${name} appeared`);
      else setTimeout(() => kill(`${plan.delayMs} ms after ${name} appeared`), plan.delayMs);
    });
  }
  const deadline = setTimeout(() => kill(`the ${o.maxMs} ms limit`), o.maxMs);

  while (node.alive && node.killedAt === null) {
    if (o.maxPuts !== undefined && putsSent >= o.maxPuts) break;
    if (outstanding >= o.window) {
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    const put = hist.nextPut(r, o.overwrite);
    const req = node.request({ type: "memtable_put", key: put.key, value: put.value });
    putsSent++;
    outstanding++;
    if (putsSent === 1 && plan.kind === "time") timer = setTimeout(() => kill(`${plan.ms} ms into the puts`), plan.ms);
    req.reply.then((body) => {
      outstanding--;
      if (body === null) unansweredPuts++;
      else {
        if (body.type === "memtable_put_ok") {
          hist.ack(put.key, put.version);
          acks++;
          if (plan.kind === "acks" && acks === plan.acks) kill(`ack #${acks}`);
        } else {
          hist.putErrors.push(`put ${put.key} v${put.version}: ${JSON.stringify(body)}`);
        }
      }
      poke();
    });
    if (o.flushEvery > 0 && r() < 1 / o.flushEvery) {
      flushesSent++;
      flushesOutstanding++;
      node.send({ type: "sstable_flush" }).then((body) => {
        flushesOutstanding--;
        if (body === null) unansweredFlushes++;
        else if (body.type === "sstable_flush_ok") flushesAcked++;
        else hist.putErrors.push(`flush: ${JSON.stringify(body)}`);
      });
    }
    await req.sent;
    // let replies in now and then even when the pipe never fills
    if (putsSent % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  if (plan.kind === "none") {
    while (node.alive && (outstanding > 0 || flushesOutstanding > 0)) await new Promise<void>((resolve) => (wake = resolve));
  } else {
    await node.exited;
  }
  clearTimeout(deadline);
  if (timer !== null) clearTimeout(timer);
  watcher?.close();
  await sleep(0); // the last replies' callbacks
  return {
    putsSent,
    acks,
    flushesSent,
    flushesAcked,
    putsOutstanding: unansweredPuts,
    flushesOutstanding: unansweredFlushes,
    diedOnItsOwn: node.exit !== null && node.killedAt === null,
    trigger: node.killedAt === null && node.exit !== null ? `the node exited by itself (code ${node.exit.code}, signal ${node.exit.signal})` : trigger,
    ms: Math.round(performance.now() - t0),
  };
}

// ---------------------------------------------------------------------------------------------
// The directory after a kill: where the kill landed.

export type KillWindow =
  | "puts" // no flush under way: only the log was being written
  | "table-write" // a L0_*.sst.tmp exists: the table was being written
  | "renamed-before-manifest" // a table renamed to its final name that the manifest does not list
  | "manifest-write" // CURRENT.tmp exists
  | "manifest-before-log-delete"; // the manifest covers a log that is still there

export interface DirState {
  readonly files: string[];
  readonly manifest: ManifestSummary | null;
  readonly window: KillWindow;
}

const logNumber = (f: string) => Number.parseInt(f, 10);

export function inspectDir(dir: string): DirState {
  const files = readdirSync(dir).sort();
  const manifest = readStoreManifest(dir);
  const known = new Set(manifest?.tables.map((t) => t.name) ?? []);
  const unrecorded = files.filter((f) => /^L\d+_\d+\.sst$/.test(f) && !known.has(f));
  const covered = files.filter((f) => f.endsWith(".log") && logNumber(f) < (manifest?.logNumber ?? 0));
  const window: KillWindow =
    files.includes("CURRENT.tmp") ? "manifest-write"
    : unrecorded.length > 0 ? "renamed-before-manifest"
    : covered.length > 0 ? "manifest-before-log-delete"
    : files.some((f) => f.endsWith(".sst.tmp")) ? "table-write"
    : "puts";
  return { files, manifest, window };
}

// ---------------------------------------------------------------------------------------------
// After a restart: the checks.

export interface Recovered {
  /** key -> version, read from the MemTable through memtable_scan. */
  readonly memtable: Map<string, number>;
  /** key -> [version, table] of the newest table holding it, read off the files. */
  readonly tables: Map<string, [number, string]>;
  readonly tableNames: string[];
  readonly entries: number;
}

/**
 * Checks a restarted node's directory and contents against the history; returns the problems
 * found (empty when all is well). `node` must be serving (after init).
 */
export async function verifyRecovered(node: NodeProc, hist: History, sampleLookups: number, r: Rng): Promise<{ problems: string[]; recovered: Recovered | null }> {
  const problems: string[] = [];
  const dir = node.dir;
  const files = readdirSync(dir).sort();

  // 1. no leftovers; the tables on disk are exactly the manifest's
  const tmps = files.filter((f) => f.endsWith(".tmp"));
  if (tmps.length > 0) problems.push(`leftover .tmp files after restart: ${tmps.join(", ")}`);
  let manifest: ManifestSummary | null;
  try {
    manifest = readStoreManifest(dir);
  } catch (err) {
    problems.push(`MANIFEST unreadable after restart: ${(err as Error).message}`);
    return { problems, recovered: null };
  }
  const listed = (manifest?.tables ?? []).map((t) => t.name);
  const onDisk = files.filter((f) => /^L\d+_\d+\.sst$/.test(f));
  const unlisted = onDisk.filter((f) => !listed.includes(f));
  const missing = listed.filter((f) => !onDisk.includes(f));
  if (unlisted.length > 0) problems.push(`tables on disk that the manifest does not list, after restart: ${unlisted.join(", ")}`);
  if (missing.length > 0) problems.push(`tables the manifest lists that are not on disk: ${missing.join(", ")}`);
  if (!files.includes("LOCK")) problems.push("no LOCK file while the node runs");

  // 2. every table is complete and sound; read every entry, oldest table first
  const tables = new Map<string, [number, string]>();
  let entries = 0;
  const ordered = [...onDisk].sort((a, b) => tableNumber(a) - tableNumber(b));
  for (const name of ordered) {
    let table: Table | null = null;
    try {
      table = Table.open(new NodeRandomAccessFile(join(dir, name)), { kernels });
      checkTable(table);
      const inThisTable = new Set<string>();
      const it = table.iterator();
      for (let e = it.first(); e !== null; e = it.next()) {
        entries++;
        const key = decoder.decode(e.userKey);
        if (e.kind !== ValueKind.VALUE) {
          problems.push(`${name}: ${key} has an entry of kind ${e.kind} (this workload never deletes)`);
          continue;
        }
        const version = decodeValue(key, decoder.decode(e.value));
        if (version === null || !hist.wasSent(key, version)) {
          problems.push(`${name}: ${key} holds a value never written to it: ${decoder.decode(e.value).slice(0, 80)}`);
          continue;
        }
        if (inThisTable.has(key)) continue; // older versions of the key in the same table
        inThisTable.add(key);
        // a compaction's output may be numbered after a newer flush: the newest version wins
        if ((tables.get(key)?.[0] ?? -1) < version) tables.set(key, [version, name]);
      }
    } catch (err) {
      problems.push(`${name} is not a complete table: ${(err as Error).message}`);
    } finally {
      table?.close();
    }
  }

  // 3. the MemTable, through the node
  const memtable = new Map<string, number>();
  const scan = await node.send({ type: "memtable_scan", ...SCAN_ALL });
  if (scan === null || scan.type !== "memtable_scan_ok") {
    problems.push(`memtable_scan failed: ${JSON.stringify(scan)}; stderr: ${stderrTail(node.stderr)}`);
    return { problems, recovered: null };
  }
  for (const { key, value } of scan.entries as { key: string; value: string }[]) {
    const version = decodeValue(key, value);
    if (version === null || !hist.wasSent(key, version)) problems.push(`MemTable: ${key} holds a value never written to it: ${value.slice(0, 80)}`);
    else memtable.set(key, version);
  }

  // 4. every acknowledged write is there: its last acknowledged version or a later one sent
  let lost = 0;
  for (const [key, ackedVersion] of hist.acked) {
    const v = memtable.get(key) ?? tables.get(key)?.[0];
    if (v === undefined || v < ackedVersion) {
      if (++lost <= 10) problems.push(`acknowledged write lost: ${key} was acknowledged at v${ackedVersion}, recovered ${v === undefined ? "nothing" : `v${v} (older)`}`);
    }
  }
  if (lost > 10) problems.push(`... ${lost} acknowledged writes lost in all`);

  // 5. the node's own reads agree: memtable_get for every acknowledged key; sstable_lookup in the
  // newest table holding it, and (for a sample) a miss in every newer table
  const names = ordered;
  const gets = [...hist.acked.keys()].map((key) => node.send({ type: "memtable_get", key }).then((b) => [key, b] as const));
  const lookups: Promise<string | null>[] = [];
  for (const [key, b] of await Promise.all(gets)) {
    if (b === null || b.type !== "memtable_get_ok") {
      problems.push(`memtable_get ${key} failed: ${JSON.stringify(b)}`);
      continue;
    }
    const expectMem = memtable.get(key);
    const got = b.value === null ? undefined : decodeValue(key, b.value as string) ?? -1;
    if (got !== expectMem) problems.push(`memtable_get ${key}: v${got}, memtable_scan said v${expectMem}`);
    if (expectMem !== undefined) continue;
    const inTable = tables.get(key);
    if (inTable === undefined) continue; // reported as lost above
    const [version, name] = inTable;
    lookups.push(
      node.send({ type: "sstable_lookup", sstable: name, key }).then((l) => {
        if (l === null || l.type !== "sstable_lookup_ok" || l.found !== true || decodeValue(key, l.value as string) !== version) {
          return `sstable_lookup ${key} in ${name}: expected v${version}, got ${JSON.stringify(l)?.slice(0, 200)}`;
        }
        return null;
      }),
    );
    if (r() < sampleLookups) {
      // the read path across levels (lsm_read) finds the newest version there is: a table numbered
      // after `name` may hold an older one (a compaction's output), never a newer one
      lookups.push(
        node.send({ type: "lsm_read", key }).then((l) =>
          l !== null && l.type === "lsm_read_ok" && decodeValue(key, l.value as string) === version ? null : `lsm_read ${key}: expected v${version} (in ${name}), got ${JSON.stringify(l)?.slice(0, 200)}`,
        ),
      );
    }
  }
  const lookupProblems = (await Promise.all(lookups)).filter((p): p is string => p !== null);
  problems.push(...lookupProblems.slice(0, 10));
  if (lookupProblems.length > 10) problems.push(`... ${lookupProblems.length} lookup disagreements in all`);

  return { problems, recovered: { memtable, tables, tableNames: names, entries } };
}

export const tableNumber = (name: string) => Number(/_(\d+)\.sst$/.exec(name)![1]);

/**
 * Starts a node on dir and waits for init_ok; the problems if it does not come up. It runs with
 * --no-compaction, so that the checks read a directory that holds still: recovery from a kill
 * during a compaction is what is tested, not a compaction running under the checks.
 */
export async function restart(dir: string, args: readonly string[]): Promise<{ node: NodeProc; problems: string[]; ms: number }> {
  const t0 = performance.now();
  const node = new NodeProc(dir, [...args, "--no-compaction"]);
  const ok = await node.init();
  const problems: string[] = [];
  if (!ok) {
    if (node.alive) node.kill();
    const exit = await node.exited;
    problems.push(`restart failed (exit code ${exit.code}, signal ${exit.signal}): ${stderrTail(node.stderr)}`);
  }
  if (/cannot open the store|fatal/.test(node.stderr)) problems.push(`restart logged a failure: ${stderrTail(node.stderr)}`);
  return { node, problems, ms: Math.round(performance.now() - t0) };
}
