// Runs one metamorphic sequence (metamorphic-ops.ts) on a Store over FaultEnv(MemoryEnv), checking
// every read against the model as it goes, and returns the reads' results: the same sequence under
// other options must give the same list. Power loss is MemoryEnv.crashClone() (only synced bytes,
// under only synced names), the old store abandoned with closeNow(), a new one opened on the clone.

import { FaultEnv } from "../../src/io/fault-env.js";
import { MemoryEnv } from "../../src/io/memory-env.js";
import type { Kernels } from "../../src/kernels/types.js";
import type { LevelShape } from "../../src/lsm/compaction.js";
import { Store, type Snapshot, type StoreIterator, type WriteOp } from "../../src/lsm/store.js";
import { describeOp, Model, type Op, type WriteStep } from "./metamorphic-ops.js";

export interface RunConfig {
  readonly name: string;
  readonly kernels: Kernels;
  readonly memtableBytes?: number;
  readonly blockSize?: number;
  readonly blockCacheBytes?: number;
  readonly maxOpenFiles?: number;
  readonly levels?: Partial<LevelShape>;
  readonly backgroundCompaction?: boolean;
  readonly manifestRollBytes?: number;
}

const DIR = "/db";
const enc = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const dec = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const opt = (s: string | undefined) => (s === undefined ? undefined : enc(s));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const toWriteOps = (ops: readonly WriteStep[]): WriteOp[] => ops.map((o) => (o.t === "put" ? { type: "put", key: enc(o.k), value: enc(o.v) } : { type: "del", key: enc(o.k) }));
const outcome = (p: Promise<unknown>): Promise<Error | null> => p.then(() => null, (err: Error) => err);

export class SequenceFailure extends Error {}

export async function runSequence(seed: number, ops: readonly Op[], config: RunConfig): Promise<string[]> {
  return new Run(seed, config).run(ops);
}

class Run {
  private mem = new MemoryEnv();
  private env: FaultEnv;
  private store: Store;
  private readonly model = new Model();
  private readonly snapshots = new Map<number, Snapshot>();
  private readonly trace: string[] = [];
  /** Reads in a fault window are checked against the model but left out of the trace. */
  private tracing = true;
  private where = "";
  private readonly logged: string[] = [];

  constructor(
    private readonly seed: number,
    private readonly config: RunConfig,
  ) {
    this.mem.mkdir(DIR);
    this.env = new FaultEnv(this.mem);
    this.store = this.open();
  }

  async run(ops: readonly Op[]): Promise<string[]> {
    try {
      for (let i = 0; i < ops.length; i++) {
        this.where = `op #${i} ${describeOp(ops[i])}`;
        await this.step(ops[i]);
      }
      this.where = "end: close and reopen";
      this.checkAll();
      await this.store.close();
      this.store = this.open();
      this.checkAll();
      await this.store.close();
      return this.trace;
    } catch (err) {
      this.store.closeNow();
      if (err instanceof SequenceFailure) throw err;
      throw this.failure(`threw ${(err as Error).stack ?? String(err)}`);
    }
  }

  private open(): Store {
    const c = this.config;
    return Store.open({
      kernels: c.kernels,
      dir: DIR,
      env: this.env,
      memtableBytes: c.memtableBytes,
      blockSize: c.blockSize,
      blockCacheBytes: c.blockCacheBytes,
      maxOpenFiles: c.maxOpenFiles,
      levels: c.levels,
      backgroundCompaction: c.backgroundCompaction,
      manifestRollBytes: c.manifestRollBytes,
      log: (m) => this.logged.push(m),
    });
  }

  private failure(message: string): SequenceFailure {
    const log = this.logged.slice(-5).join(" | ");
    return new SequenceFailure(`METAMORPHIC_SEED=${this.seed} [${this.config.name}] ${this.where}: ${message}${log === "" ? "" : `\n  store log: ${log}`}`);
  }

  private expectEqual<T>(actual: T, expected: T, what: string): void {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e) throw this.failure(`${what}\n  store: ${abbreviate(actual)}\n  model: ${abbreviate(expected)}`);
    if (this.tracing) this.trace.push(a);
  }

  private async step(op: Op, inFaultWindow = false): Promise<void> {
    switch (op.t) {
      case "put":
      case "del":
        return this.write([op], inFaultWindow);
      case "batch":
        return this.write(op.ops, inFaultWindow);
      case "get": {
        const v = this.store.get(enc(op.k), { snapshot: this.snapshotOf(op.snap) });
        return this.expectEqual(v === null ? null : dec(v), this.model.at(op.snap).get(op.k) ?? null, `get ${op.k}`);
      }
      case "scan": {
        const expected = Model.range(this.model.at(op.snap), op.gte, op.lt).map(([k, v]) => `${k}=${v}`);
        if (op.reverse) expected.reverse();
        const it = this.store.iterator({ gte: opt(op.gte), lt: opt(op.lt), reverse: op.reverse, snapshot: this.snapshotOf(op.snap) });
        return this.expectEqual([...it].map((e) => `${dec(e.key)}=${dec(e.value)}`), expected, "scan");
      }
      case "moves": {
        const expected = Model.moves(Model.range(this.model.at(op.snap), op.gte, op.lt), op.moves, op.gte, op.lt);
        const it = this.store.iterator({ gte: opt(op.gte), lt: opt(op.lt), snapshot: this.snapshotOf(op.snap) });
        try {
          return this.expectEqual(op.moves.map((m) => shown(it, m)), expected, "iterator moves");
        } finally {
          it.close();
        }
      }
      case "snapshot":
        this.snapshots.set(op.id, this.store.snapshot());
        return this.model.snapshot(op.id);
      case "release":
        this.store.release(this.snapshots.get(op.id)!);
        this.snapshots.delete(op.id);
        return this.model.release(op.id);
      case "flush":
        return this.maintenance(this.store.flush(), inFaultWindow);
      case "compactRange":
        return this.maintenance(this.store.compactRange(opt(op.start), opt(op.end)), inFaultWindow);
      case "compactLevel":
        return this.maintenance(this.store.compactLevel(op.level), inFaultWindow);
      case "idle":
        return this.store.waitForIdle();
      case "reopen":
        await this.store.close();
        this.forgetSnapshots();
        this.store = this.open();
        return this.checkAll();
      case "crash":
        return this.powerLoss();
      case "crashInFlight":
        return this.crashInFlight(op.batches, op.awaited);
      case "faulty":
        return this.faultWindow(op);
    }
  }

  private snapshotOf(id: number | undefined): Snapshot | undefined {
    if (id === undefined) return undefined;
    const s = this.snapshots.get(id);
    if (s === undefined) throw this.failure(`snapshot ${id} is not held`);
    return s;
  }

  /** A write, awaited: acknowledged, it is in the model; rejected (only under a fault), it changed nothing. */
  private async write(ops: readonly WriteStep[], mayFail: boolean): Promise<void> {
    const err = await outcome(ops.length === 1 ? single(this.store, ops[0]) : this.store.write(toWriteOps(ops)));
    if (err === null) return this.model.apply(ops);
    if (!mayFail) throw this.failure(`the write was rejected: ${err.message}`);
  }

  private async maintenance(p: Promise<unknown>, mayFail: boolean): Promise<void> {
    const err = await outcome(p);
    if (err !== null && !mayFail) throw this.failure(`rejected: ${err.message}`);
  }

  /** Every live entry, forward and back, equals the model's current state. */
  private checkAll(): void {
    const expected = Model.range(this.model.now).map(([k, v]) => `${k}=${v}`);
    this.expectEqual([...this.store.iterator()].map((e) => `${dec(e.key)}=${dec(e.value)}`), expected, "full scan");
    this.expectEqual([...this.store.iterator({ reverse: true })].map((e) => `${dec(e.key)}=${dec(e.value)}`), [...expected].reverse(), "full reverse scan");
  }

  private forgetSnapshots(): void {
    this.snapshots.clear();
    this.model.dropSnapshots();
  }

  /** The power goes: a new store on what was durable, the old one abandoned. */
  private crashNow(): void {
    const clone = this.mem.crashClone();
    this.store.closeNow();
    this.forgetSnapshots();
    this.mem = clone;
    this.env = new FaultEnv(clone);
    this.store = this.open();
  }

  private async powerLoss(): Promise<void> {
    this.crashNow();
    this.checkAll(); // every write was awaited: every one is acknowledged, so every one is there
  }

  /**
   * Batches issued at once, the first `awaited` awaited, then a power loss. Each batch
   * acknowledged is there; the others are wholly there or wholly absent, and (one log, group commit)
   * those there are a prefix. The lost ones are then written again, so that every option set goes
   * on from the same state.
   */
  private async crashInFlight(batches: readonly (readonly WriteStep[])[], awaited: number): Promise<void> {
    const acked = batches.map(() => false);
    const promises = batches.map((b, i) => this.store.write(toWriteOps(b)).then(() => void (acked[i] = true)));
    for (const p of promises) p.catch(() => {}); // the abandoned store may reject the rest
    for (let i = 0; i < awaited; i++) {
      const err = await outcome(promises[i]);
      if (err !== null) throw this.failure(`in-flight batch ${i} rejected: ${err.message}`);
    }
    const mustHave = acked.lastIndexOf(true) + 1;
    this.crashNow();
    const found = [...this.store.iterator()].map((e) => `${dec(e.key)}=${dec(e.value)}`);
    const prefix = new Model();
    prefix.now = new Map(this.model.now);
    const candidates: string[] = [];
    let applied = -1;
    for (let k = 0; k <= batches.length; k++) {
      if (k > 0) prefix.apply(batches[k - 1]);
      const state = JSON.stringify(Model.range(prefix.now).map(([key, v]) => `${key}=${v}`));
      candidates.push(state);
      if (k >= mustHave && state === JSON.stringify(found)) {
        applied = k;
        break;
      }
    }
    if (applied < 0) {
      throw this.failure(`after the power loss the store holds no prefix of the in-flight batches with the ${mustHave} acknowledged\n  store: ${abbreviate(found)}\n  before the batches: ${abbreviate(JSON.parse(candidates[0]))}`);
    }
    for (let k = 0; k < batches.length; k++) this.model.apply(batches[k]);
    for (const b of batches.slice(applied)) {
      const err = await outcome(this.store.write(toWriteOps(b)));
      if (err !== null) throw this.failure(`rewriting a lost batch was rejected: ${err.message}`);
    }
    this.checkAll();
  }

  /**
   * A fault armed over a window of steps: writes and maintenance may be rejected (a rejected write
   * must have changed nothing: the model takes only the acknowledged ones), reads must still equal
   * the model. After heal(), with no restart, the same store takes a batch that brings every key the
   * window touched to what it would hold had every write succeeded, so that every option set goes
   * on from the same state; then, if asked, a power loss keeps every acknowledged write.
   */
  private async faultWindow(op: Extract<Op, { t: "faulty" }>): Promise<void> {
    const intended = new Map(this.model.now);
    const touched = new Set<string>();
    this.tracing = false;
    this.env.fail(op.fault);
    try {
      for (const s of op.steps) {
        await this.step(s, true);
        const writes = s.t === "put" || s.t === "del" ? [s] : s.t === "batch" ? s.ops : [];
        for (const w of writes) {
          touched.add(w.k);
          if (w.t === "put") intended.set(w.k, w.v);
          else intended.delete(w.k);
        }
      }
    } finally {
      this.env.heal();
    }
    this.checkAll();
    this.tracing = true;
    const converge: WriteStep[] = [...touched].sort().map((k) => (intended.has(k) ? { t: "put", k, v: intended.get(k)! } : { t: "del", k }));
    if (converge.length > 0) {
      // a background compaction that failed in the window is retried by its timer (store.ts
      // compactionFailed): until then a write at level 0's stop trigger is refused
      let err = await outcome(this.store.write(toWriteOps(converge)));
      for (let tries = 0; err !== null && tries < 20; tries++) {
        await sleep(100);
        err = await outcome(this.store.write(toWriteOps(converge)));
      }
      if (err !== null) throw this.failure(`after heal() the store still refuses writes: ${err.message}`);
      this.model.apply(converge);
    }
    if (op.crashAfter) this.crashNow();
    this.checkAll();
  }
}

/** A read's result for a message: long values cut to their tag and length. */
function abbreviate(result: unknown): string {
  return JSON.stringify(result, (_, v) => (typeof v === "string" && v.length > 24 ? `${v.slice(0, 12)}..(${v.length})` : v)).slice(0, 1500);
}

function single(store: Store, op: WriteStep): Promise<void> {
  return op.t === "put" ? store.put(enc(op.k), enc(op.v)) : store.delete(enc(op.k));
}

function shown(it: StoreIterator, m: readonly [string, string?]): string | null {
  const e =
    m[0] === "first" ? it.first() : m[0] === "last" ? it.last() : m[0] === "next" ? it.next() : m[0] === "prev" ? it.prev() : m[0] === "seekGE" ? it.seekGE(enc(m[1]!)) : it.seekLT(enc(m[1]!));
  return e === null ? null : `${dec(e.key)}=${dec(e.value)}`; // copied at once: the view goes with the next move
}
