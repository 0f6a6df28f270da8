// The named workloads. Each one is a job (hash these keys, build this filter, ...) with one case per
// implementation: the wasm kernels, their JS twin, and the npm peers that do the same job. A case's
// setup() prepares everything untimed and returns a Runner whose run() is the timed part; every
// run leaves a checksum, so the work cannot be optimised away and the paths can be compared
// (run.ts checks that the JS twin, and every peer computing the same function, agrees with wasm).

import { bloomShape, DEFAULT_BITS_PER_KEY } from "../src/kernels/bloom-layout.js";
import { BLOCK_TRAILER_SIZE, KeyOrder } from "../src/kernels/types.js";
import type { Kernels, LoadedBlock, LoadedFilter, PackedBytes } from "../src/kernels/types.js";
import { mergeRunsWorkload } from "./merge-runs.js";
import { CRC_BLOCK_BYTES, once, rng, SEED, sumWords } from "./data.js";
import type { Dataset, KeySet } from "./data.js";
import type { BloomPeer, CrcPeer, HashPeer, PeerFilter } from "./peers.js";

export type ImplKind = "wasm" | "js" | "peer";

/** The timed part of a case: run() does the case's ops; checksum() reads what the last run made. */
export interface Runner {
  run(): void;
  checksum(): number;
  /** Facts about the result worth printing (a false-positive rate, a block count). */
  note?(): string;
  release?(): void;
}

export interface Case {
  readonly impl: string;
  readonly kind: ImplKind;
  /** Computes exactly what the kernels compute: its checksum must equal the wasm case's. */
  readonly sameAsWasm: boolean;
  setup(ops: number): Runner;
}

export interface Workload {
  readonly name: string;
  readonly ops: number;
  /** Bytes one op processes, for a GB/s figure. */
  readonly bytesPerOp?: number;
  /** The wasm case comes first: the others are checked and compared against it. */
  readonly cases: readonly Case[];
}

export const HASH_SEED = 0x2a5eed;
export const RESTART_INTERVAL = 16;
export const BLOCK_TARGET_SIZE = 4096;
/** block-seek seeks within this many blocks (about 1 MiB), spread evenly over the table. */
export const SEEK_BLOCKS = 256;

export interface WorkloadOptions {
  /** How many 4 KiB blocks crc32c-4k checksums per run (cycling through a 4 MiB buffer). */
  readonly crcOps: number;
  /**
   * The wasm kernels, then their JS twin. Given, not loaded here, so that these same workloads
   * run in a browser (web/bench-worker.ts) as in Node (run.ts).
   */
  readonly kernels: readonly [Kernels, Kernels];
  /** The npm packages doing the same jobs (peers.ts); the browser runs none. */
  readonly peers?: Peers;
}

export interface Peers {
  readonly hash: readonly HashPeer[];
  readonly bloom: readonly BloomPeer[];
  readonly crc: readonly CrcPeer[];
}

const NO_PEERS: Peers = { hash: [], bloom: [], crc: [] };

/** Every workload, in the order they run. */
export function workloads(d: Dataset, o: WorkloadOptions): Workload[] {
  const { kernels } = o;
  const { hash: hashPeers, bloom: bloomPeers, crc: crcPeers } = o.peers ?? NO_PEERS;
  const filter = once(() => buildFilter(kernels[0], d.present().packed));
  const table = once(() => buildTable(kernels[0], d.sorted().packed, d.values()));
  const n = d.n;
  return [
    { name: "murmur3", ops: n, cases: [...kernels.map((k) => murmurBatch(k, d)), ...hashPeers.map((p) => murmurPeer(p, d))] },
    { name: "murmur3-per-key", ops: n, cases: kernels.map((k) => murmurPerKey(k, d)) },
    { name: "bloom-build", ops: n, cases: [...kernels.map((k) => bloomBuild(k, d)), ...bloomPeers.map((p) => peerBuild(p, d))] },
    ...probeWorkloads(d, filter, kernels, bloomPeers),
    {
      name: "crc32c-4k",
      ops: o.crcOps,
      bytesPerOp: CRC_BLOCK_BYTES,
      cases: [...kernels.map((k) => crc(k, d)), ...crcPeers.map((p) => crcPeer(p, d))],
    },
    { name: "block-build", ops: n, cases: kernels.map((k) => blockBuild(k, d)) },
    { name: "block-seek", ops: n, cases: kernels.map((k) => blockSeek(k, table)) },
    mergeRunsWorkload(d, kernels),
  ];
}

// ---- helpers ----

/** The first n entries of a packed batch, without copying. */
export function firstEntries(p: PackedBytes, n: number): PackedBytes {
  return { bytes: p.bytes.subarray(0, p.offsets[n]), offsets: p.offsets.subarray(0, n + 1) };
}

/**
 * A copy of a loop with its own type feedback. V8 shares feedback among all closures of one
 * function literal, so one loop run over the wasm objects and then over the JS ones would time
 * the second through a polymorphic call site; a program uses one path, so each case gets its own
 * copy. The loop is recompiled from its source, so it must not use free variables.
 */
function fresh<A extends unknown[], R>(loop: (...args: A) => R): (...args: A) => R {
  return new Function(`return (${loop.toString()});`)() as (...args: A) => R;
}

function kernelCase(k: Kernels, setup: (ops: number) => Runner): Case {
  return { impl: k.name, kind: k.name, sameAsWasm: true, setup };
}

/** A runner for a job that leaves its checksum in a variable. */
function simpleRunner(job: () => number): Runner {
  let sum = 0;
  return { run: () => void (sum = job()), checksum: () => sum };
}

// ---- murmur3 ----

function murmurBatch(k: Kernels, d: Dataset): Case {
  return kernelCase(k, (ops) => {
    const keys = firstEntries(d.present().packed, ops);
    const out = new Uint32Array(ops);
    return { run: () => void k.murmur3Batch(keys, HASH_SEED, out), checksum: () => sumWords(out) };
  });
}

function murmurEach(k: Kernels, keys: readonly Uint8Array[], ops: number, seed: number): number {
  let sum = 0;
  for (let i = 0; i < ops; i++) sum = (sum + k.murmur3(keys[i], seed)) >>> 0;
  return sum;
}

function murmurPerKey(k: Kernels, d: Dataset): Case {
  return kernelCase(k, (ops) => {
    const v = d.present().views;
    const loop = fresh(murmurEach);
    return simpleRunner(() => loop(k, v, ops, HASH_SEED));
  });
}

function murmurPeer(p: HashPeer, d: Dataset): Case {
  const setup = (ops: number) => simpleRunner(() => p.sum(d.present(), ops, HASH_SEED));
  return { impl: p.name, kind: "peer", sameAsWasm: p.isMurmur3, setup };
}

// ---- Bloom filter ----

interface Filter {
  readonly lines: Uint8Array;
  readonly numLines: number;
  readonly k: number;
}

/** The filter every probe workload probes: all present keys at 10 bits per key, built by wasm. */
function buildFilter(wasm: Kernels, keys: PackedBytes): Filter {
  const { numLines, k } = bloomShape(keys.offsets.length - 1, DEFAULT_BITS_PER_KEY);
  return { lines: wasm.bloomBuild(keys, numLines, k), numLines, k };
}

function bloomBuild(k: Kernels, d: Dataset): Case {
  return kernelCase(k, (ops) => {
    const keys = firstEntries(d.present().packed, ops);
    const shape = bloomShape(ops, DEFAULT_BITS_PER_KEY);
    let lines: Uint8Array = new Uint8Array(0);
    return {
      run: () => void (lines = k.bloomBuild(keys, shape.numLines, shape.k)),
      checksum: () => sumWords(new Uint32Array(lines.buffer, lines.byteOffset, lines.length >>> 2)),
    };
  });
}

/** A peer's filter gets the same bits (10 per key) and the same number of probes as ours. */
function peerFilter(p: BloomPeer, keys: readonly string[], n: number): PeerFilter {
  const f = p.create(n * DEFAULT_BITS_PER_KEY, bloomShape(n, DEFAULT_BITS_PER_KEY).k);
  f.addAll(keys, n);
  return f;
}

function peerBuild(p: BloomPeer, d: Dataset): Case {
  const setup = (ops: number): Runner => {
    let f: PeerFilter | undefined;
    return { run: () => void (f = peerFilter(p, d.present().strings, ops)), checksum: () => f?.checksum() ?? 0 };
  };
  return { impl: p.name, kind: "peer", sameAsWasm: false, setup };
}

/** Present keys must all hit; absent keys hit only as false positives, whose rate is the note. */
function probeResult(present: boolean, ops: number): { check(hits: number): number; note(hits: number): string } {
  return {
    check(hits) {
      if (present && hits !== ops) throw new Error(`false negatives: ${ops - hits} of ${ops} present keys missed`);
      return hits;
    },
    note: (hits) => (present ? "" : `fpr ${((100 * hits) / ops).toFixed(2)}%`),
  };
}

function probeWorkloads(d: Dataset, filter: () => Filter, kernels: readonly Kernels[], bloomPeers: readonly BloomPeer[]): Workload[] {
  const peerFilters = new Map<BloomPeer, PeerFilter>();
  const peerFilterOf = (p: BloomPeer) => {
    let f = peerFilters.get(p);
    if (f === undefined) peerFilters.set(p, (f = peerFilter(p, d.present().strings, d.n)));
    return f;
  };
  return [true, false].flatMap((present) => {
    const keys = () => (present ? d.present() : d.absent());
    const name = `bloom-probe-${present ? "present" : "absent"}`;
    const perKey = kernels.map((k) => probePerKey(k, filter, keys, present));
    const peers = bloomPeers.map((p) => peerProbe(p, peerFilterOf, keys, present));
    return [
      { name, ops: d.n, cases: [...perKey, ...peers] },
      { name: `${name}-batch`, ops: d.n, cases: kernels.map((k) => probeBatch(k, filter, keys, present)) },
    ];
  });
}

function loadedFilter(k: Kernels, filter: () => Filter): LoadedFilter {
  const { lines, numLines, k: probes } = filter();
  return k.loadFilter(lines, numLines, probes);
}

function probeEach(f: LoadedFilter, keys: readonly Uint8Array[], ops: number): number {
  let hits = 0;
  for (let i = 0; i < ops; i++) if (f.mayContain(keys[i])) hits++;
  return hits;
}

function probePerKey(k: Kernels, filter: () => Filter, keys: () => KeySet, present: boolean): Case {
  return kernelCase(k, (ops) => {
    const f = loadedFilter(k, filter);
    const v = keys().views;
    const loop = fresh(probeEach);
    const result = probeResult(present, ops);
    let hits = 0;
    const run = () => void (hits = result.check(loop(f, v, ops)));
    return { run, checksum: () => hits, note: () => result.note(hits), release: () => f.release() };
  });
}

function probeBatch(k: Kernels, filter: () => Filter, keys: () => KeySet, present: boolean): Case {
  return kernelCase(k, (ops) => {
    const f = loadedFilter(k, filter);
    const batch = firstEntries(keys().packed, ops);
    const out = new Uint8Array(ops);
    const result = probeResult(present, ops);
    let hits = 0;
    const run = () => void (hits = result.check(f.mayContainBatch(batch, out)));
    return { run, checksum: () => hits, note: () => result.note(hits), release: () => f.release() };
  });
}

function peerProbe(p: BloomPeer, filterOf: (p: BloomPeer) => PeerFilter, keys: () => KeySet, present: boolean): Case {
  const setup = (ops: number): Runner => {
    const f = filterOf(p);
    const s = keys().strings;
    const result = probeResult(present, ops);
    let hits = 0;
    return { run: () => void (hits = result.check(f.hits(s, ops))), checksum: () => hits, note: () => result.note(hits) };
  };
  return { impl: p.name, kind: "peer", sameAsWasm: false, setup };
}

// ---- CRC32C ----

function crcEach(k: Kernels, blocks: readonly Uint8Array[], ops: number): number {
  const m = blocks.length;
  let sum = 0;
  for (let i = 0; i < ops; i++) sum = (sum + k.crc32c(blocks[i % m])) >>> 0;
  return sum;
}

function crc(k: Kernels, d: Dataset): Case {
  return kernelCase(k, (ops) => {
    const blocks = d.crcBlocks();
    const loop = fresh(crcEach);
    return simpleRunner(() => loop(k, blocks, ops));
  });
}

function crcPeer(p: CrcPeer, d: Dataset): Case {
  return { impl: p.name, kind: "peer", sameAsWasm: true, setup: (ops) => simpleRunner(() => p.sum(d.crcBlocks(), ops)) };
}

// ---- Blocks ----

const BLOCK_OPTIONS = { restartInterval: RESTART_INTERVAL, targetSize: BLOCK_TARGET_SIZE };

function blockBuild(k: Kernels, d: Dataset): Case {
  return kernelCase(k, (ops) => {
    const keys = firstEntries(d.sorted().packed, ops);
    const values = firstEntries(d.values(), ops);
    let blocks = 0, bytes = 0, crcs = 0;
    const sink = (block: Uint8Array) => {
      bytes += block.length;
      crcs = (crcs + readU32(block, block.length - 4)) >>> 0; // the masked CRC32C of the block
    };
    const run = () => {
      bytes = crcs = 0;
      blocks = k.buildBlocks(keys, values, BLOCK_OPTIONS, sink);
    };
    const note = () => `${blocks} blocks, ${(ops / blocks).toFixed(1)} entries/block`;
    return { run, checksum: () => (crcs ^ bytes) >>> 0, note };
  });
}

function readU32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

interface BuiltBlock {
  readonly contents: Uint8Array; // without the trailer
  readonly first: number;
  readonly count: number;
}

/** Seek targets: random present keys, each with the block (of `blocks`) that holds it. */
interface SeekTable {
  readonly blocks: readonly BuiltBlock[];
  readonly targetBlock: Int32Array;
  readonly targets: readonly Uint8Array[];
}

function buildTable(wasm: Kernels, keys: PackedBytes, values: PackedBytes): SeekTable {
  const all: BuiltBlock[] = [];
  wasm.buildBlocks(keys, values, BLOCK_OPTIONS, (block, first, count) => {
    all.push({ contents: block.subarray(0, block.length - BLOCK_TRAILER_SIZE), first, count });
  });
  const step = Math.max(1, Math.floor(all.length / SEEK_BLOCKS));
  const blocks = all.filter((_, i) => i % step === 0).slice(0, SEEK_BLOCKS);
  const n = keys.offsets.length - 1;
  const next = rng(SEED + 3);
  const targetBlock = new Int32Array(n);
  const targets: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const b = blocks[(targetBlock[i] = next() % blocks.length)];
    const key = b.first + (next() % b.count);
    targets.push(keys.bytes.subarray(keys.offsets[key], keys.offsets[key + 1]));
  }
  return { blocks, targetBlock, targets };
}

/** Seeks targets[i] in blocks[targetBlock[i]]; the sum of the found entries' value offsets. */
function seekEach(
  blocks: readonly LoadedBlock[], targetBlock: Int32Array, targets: readonly Uint8Array[], ops: number, order: KeyOrder,
): number {
  let sum = 0;
  for (let i = 0; i < ops; i++) {
    const e = blocks[targetBlock[i]].seek(targets[i], order);
    if (e === null || e.key.length !== targets[i].length) throw new Error(`seek ${i} did not find its key`);
    sum = (sum + e.valueOffset) >>> 0;
  }
  return sum;
}

function blockSeek(k: Kernels, table: () => SeekTable): Case {
  return kernelCase(k, (ops) => {
    const t = table();
    const loaded = t.blocks.map((b) => k.loadBlock(b.contents));
    const loop = fresh(seekEach);
    const r = simpleRunner(() => loop(loaded, t.targetBlock, t.targets, ops, KeyOrder.BYTEWISE));
    return { ...r, note: () => `${t.blocks.length} blocks`, release: () => loaded.forEach((b) => b.release()) };
  });
}
