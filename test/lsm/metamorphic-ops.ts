// The metamorphic test's sequences (Pebble's internal/metamorphic, RocksDB's db_stress): a seeded
// generator of store operations as plain data, so that one sequence can run under several option
// sets, and an in-memory model of what every read must return (a sorted map now, and a copy per
// snapshot). Keys come from a small alphabet so that overwrites, deletes and range bounds collide.

import type { Fault, FaultOp } from "../../src/io/fault-env.js";

import { rng } from "../support/random.js"; // mulberry32: the same seed gives the same sequence everywhere


export type WriteStep = { readonly t: "put"; readonly k: string; readonly v: string } | { readonly t: "del"; readonly k: string };
export type Move = readonly ["first" | "last" | "next" | "prev"] | readonly ["seekGE" | "seekLT", string];

export type Op =
  | WriteStep
  | { readonly t: "batch"; readonly ops: readonly WriteStep[] }
  | { readonly t: "get"; readonly k: string; readonly snap?: number }
  | { readonly t: "scan"; readonly gte?: string; readonly lt?: string; readonly reverse: boolean; readonly snap?: number }
  | { readonly t: "moves"; readonly gte?: string; readonly lt?: string; readonly moves: readonly Move[]; readonly snap?: number }
  | { readonly t: "snapshot"; readonly id: number }
  | { readonly t: "release"; readonly id: number }
  | { readonly t: "flush" }
  | { readonly t: "compactRange"; readonly start?: string; readonly end?: string }
  | { readonly t: "compactLevel"; readonly level: number }
  | { readonly t: "idle" }
  | { readonly t: "reopen" }
  | { readonly t: "crash" }
  /** Batches issued without waiting, the first `awaited` of them awaited, then a power loss. */
  | { readonly t: "crashInFlight"; readonly batches: readonly (readonly WriteStep[])[]; readonly awaited: number }
  /** A fault armed for a window of steps, then healed; `crashAfter`: a power loss right after the heal. */
  | { readonly t: "faulty"; readonly fault: Fault; readonly steps: readonly Op[]; readonly crashAfter: boolean };

const LETTERS = "abcdefg";
/** 7 one-letter keys, 49 two-letter ones: short and long keys interleave in byte order. */
const KEYS = [...LETTERS].flatMap((a) => [a, ...[...LETTERS].map((b) => a + b)]);

/** The files a fault can hit, and the operations each one sees (src/lsm/store.ts). */
const FAULT_TARGETS: readonly { readonly path: string; readonly ops: readonly FaultOp[] }[] = [
  { path: ".log", ops: ["write", "sync", "create"] },
  { path: ".sst.tmp", ops: ["write", "sync", "rename"] },
  { path: ".sst", ops: ["remove", "rename"] },
  { path: "MANIFEST-", ops: ["write", "sync", "create"] },
  { path: "CURRENT.tmp", ops: ["write", "sync", "rename"] },
  { path: "/db", ops: ["syncDir"] },
];

export interface GenerateOptions {
  readonly ops: number;
  /** Include fault windows (the run needs a FaultEnv). */
  readonly faults: boolean;
}

/** The sequence of seed: `ops` top-level operations. */
export function generate(seed: number, options: GenerateOptions): Op[] {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  let counter = 0;
  let snapshots: number[] = [];
  let nextSnapshot = 1;

  const key = () => pick(KEYS);
  const bound = () => (r() < 0.3 ? undefined : r() < 0.05 ? "" : r() < 0.05 ? "h" : key());
  const value = () => {
    const size = r() < 0.5 ? int(16) : r() < 0.8 ? int(400) : int(3072);
    const fill = String.fromCharCode(97 + int(26));
    const tag = `${++counter}:`;
    return (tag + fill.repeat(size)).slice(0, Math.max(size, tag.length));
  };
  const write = (): WriteStep => (r() < 0.75 ? { t: "put", k: key(), v: value() } : { t: "del", k: key() });
  const batch = (): WriteStep[] => Array.from({ length: 1 + int(8) }, write);
  const snap = () => (snapshots.length > 0 && r() < 0.3 ? pick(snapshots) : undefined);
  const moves = (): Move[] =>
    Array.from({ length: 1 + int(12) }, (): Move => {
      const m = int(6);
      return m === 0 ? ["first"] : m === 1 ? ["last"] : m === 2 ? ["seekGE", key()] : m === 3 ? ["seekLT", key()] : r() < 0.5 ? ["next"] : ["prev"];
    });

  const writeOrRead = (): Op => {
    const x = r();
    if (x < 0.35) return write();
    if (x < 0.5) return { t: "batch", ops: batch() };
    if (x < 0.7) return { t: "get", k: key(), snap: snap() };
    if (x < 0.85) return { t: "scan", gte: bound(), lt: bound(), reverse: r() < 0.5, snap: snap() };
    return { t: "moves", gte: bound(), lt: bound(), moves: moves(), snap: snap() };
  };

  const one = (): Op => {
    const x = r();
    if (x < 0.8) return writeOrRead();
    if (x < 0.83) {
      const id = nextSnapshot++;
      snapshots.push(id);
      return { t: "snapshot", id };
    }
    if (x < 0.85 && snapshots.length > 0) {
      const id = snapshots.splice(int(snapshots.length), 1)[0];
      return { t: "release", id };
    }
    if (x < 0.88) return { t: "flush" };
    if (x < 0.9) {
      const [a, b] = [bound(), bound()];
      return { t: "compactRange", start: a, end: b };
    }
    if (x < 0.915) return { t: "compactLevel", level: int(4) };
    if (x < 0.93) return { t: "idle" };
    if (x < 0.94) {
      snapshots = [];
      return { t: "reopen" };
    }
    if (x < 0.95) {
      snapshots = [];
      return { t: "crash" };
    }
    if (x < 0.96) {
      snapshots = [];
      const batches = Array.from({ length: 1 + int(5) }, batch);
      return { t: "crashInFlight", batches, awaited: int(batches.length + 1) };
    }
    if (options.faults && x < 0.99) return faulty();
    return writeOrRead();
  };

  const faulty = (): Op => {
    const target = pick(FAULT_TARGETS);
    const fault: Fault = { op: pick(target.ops), path: target.path, code: r() < 0.5 ? "ENOSPC" : "EIO", after: int(3), times: r() < 0.3 ? Infinity : 1 + int(2) };
    const steps: Op[] = Array.from({ length: 3 + int(10) }, (): Op => {
      const y = r();
      if (y < 0.15) return { t: "flush" };
      if (y < 0.2) return { t: "compactRange", start: bound(), end: bound() };
      if (y < 0.25) return { t: "compactLevel", level: int(3) };
      return writeOrRead();
    });
    const crashAfter = r() < 0.3;
    if (crashAfter) snapshots = [];
    return { t: "faulty", fault, steps, crashAfter };
  };

  return Array.from({ length: options.ops }, one);
}

/** What the store must hold: user key -> value, read in byte order (the keys are ASCII). */
export class Model {
  now = new Map<string, string>();
  private readonly snapshots = new Map<number, Map<string, string>>();

  apply(ops: readonly WriteStep[]): void {
    for (const op of ops) {
      if (op.t === "put") this.now.set(op.k, op.v);
      else this.now.delete(op.k);
    }
  }

  snapshot(id: number): void {
    this.snapshots.set(id, new Map(this.now));
  }

  release(id: number): void {
    this.snapshots.delete(id);
  }

  dropSnapshots(): void {
    this.snapshots.clear();
  }

  at(snap: number | undefined): Map<string, string> {
    if (snap === undefined) return this.now;
    const m = this.snapshots.get(snap);
    if (m === undefined) throw new Error(`the sequence reads at snapshot ${snap}, which the model does not hold`);
    return m;
  }

  /** The entries of state within [gte, lt), in byte order. */
  static range(state: Map<string, string>, gte?: string, lt?: string): [string, string][] {
    return [...state]
      .filter(([k]) => (gte === undefined || k >= gte) && (lt === undefined || k < lt))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** What each move of a database iterator over entries (already bounded) returns (src/lsm/db-iterator.ts). */
  static moves(entries: [string, string][], moves: readonly Move[], gte?: string, lt?: string): (string | null)[] {
    let pos = -1; // -1: not valid
    const show = () => (pos >= 0 && pos < entries.length ? `${entries[pos][0]}=${entries[pos][1]}` : ((pos = -1), null));
    return moves.map((m) => {
      switch (m[0]) {
        case "first":
          pos = entries.length > 0 ? 0 : -1;
          return show();
        case "last":
          pos = entries.length - 1;
          return show();
        case "seekGE": {
          const target = gte !== undefined && m[1] < gte ? gte : m[1];
          pos = entries.findIndex(([k]) => k >= target);
          return show();
        }
        case "seekLT": {
          const target = lt !== undefined && m[1] > lt ? lt : m[1];
          pos = -1;
          for (let j = entries.length - 1; j >= 0 && pos < 0; j--) if (entries[j][0] < target) pos = j;
          return show();
        }
        case "next":
          if (pos < 0) return null;
          pos++;
          return show();
        case "prev":
          if (pos < 0) return null;
          pos--;
          return show();
      }
    });
  }
}

/** Short text of an op for failure messages. */
export function describeOp(op: Op): string {
  return JSON.stringify(op, (k, v) => (k === "v" && typeof v === "string" && v.length > 12 ? `${v.slice(0, 8)}..(${v.length})` : v === Infinity ? "Infinity" : v));
}
