// A compaction's merge off the main thread (issue 8 item 5; README "Database workloads"): one
// worker_threads Worker per store, kept across compactions, running compaction-task.ts with its own
// kernels instance over node:fs (compaction-thread.ts). The store keeps everything else: it picks
// the compaction, numbers the outputs (the worker asks per output), fsyncs the directory, records
// the version edit and deletes the inputs; on a failure it removes every output it numbered.
//
// The worker is unref'd while idle (an idle store keeps no process alive, as on the main thread)
// and ref'd while it runs a task. close() terminates it and waits for its exit; closeNow() does not
// wait. A worker that dies (an uncaught error, terminated) fails its task; the next task starts a
// fresh one.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { KernelsName } from "../kernels/node.js";
import { CorruptionError } from "../sstable/errors.js";
import type { CompactionJobResult } from "./compaction-job.js";
import type { CompactionTask } from "./compaction-task.js";

export interface WorkerData {
  readonly kernels: KernelsName;
  readonly numbers: SharedArrayBuffer;
}

export type ToWorker = { readonly type: "run"; readonly id: number; readonly task: CompactionTask };
export type FromWorker =
  | { readonly type: "number"; readonly id: number }
  | { readonly type: "done"; readonly id: number; readonly result: CompactionJobResult }
  | { readonly type: "failed"; readonly id: number; readonly error: SerializedError };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
  readonly corruption?: { readonly file: string; readonly offset: number; readonly check: string };
}

const WAITING = 0;
const READY = 1;
const CLOSED = 2;
const REFUSED = 3;

/**
 * An output number handed from the store to a worker blocked on it: the worker resets, asks by
 * message and waits; the store writes the number and wakes it. Closed (the store is closing) or
 * refused (no number this time): the wait throws, and the task fails as any failing merge does.
 */
export class NumberChannel {
  private readonly state: Int32Array;
  private readonly value: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(16)) {
    this.state = new Int32Array(buffer, 0, 1);
    this.value = new Float64Array(buffer, 8, 1);
  }

  reset(): void {
    if (Atomics.compareExchange(this.state, 0, READY, WAITING) === REFUSED) Atomics.compareExchange(this.state, 0, REFUSED, WAITING);
  }

  /** The worker's side: blocks until the store answers. */
  await(): number {
    Atomics.wait(this.state, 0, WAITING);
    const state = Atomics.load(this.state, 0);
    if (state === REFUSED) throw new Error("the store gave no number for an output");
    if (state !== READY) throw new Error("the store closed during a compaction");
    return this.value[0];
  }

  refuse(): void {
    Atomics.store(this.state, 0, REFUSED);
    Atomics.notify(this.state, 0);
  }

  answer(n: number): void {
    this.value[0] = n;
    Atomics.store(this.state, 0, READY);
    Atomics.notify(this.state, 0);
  }

  close(): void {
    Atomics.store(this.state, 0, CLOSED);
    Atomics.notify(this.state, 0);
  }
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const code = (err as NodeJS.ErrnoException).code;
  const corruption = err instanceof CorruptionError ? { file: err.file, offset: err.offset, check: err.check } : undefined;
  return { name: err.name, message: err.message, code: typeof code === "string" ? code : undefined, stack: err.stack, corruption };
}

/** The worker's error as the store would have seen it on its own thread: the same class, message and code. */
export function deserializeError(e: SerializedError): Error {
  if (e.corruption !== undefined) return new CorruptionError(e.corruption.file, e.corruption.offset, e.corruption.check);
  const err: Error & { code?: string } = new Error(e.message);
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}

/** Compaction worker threads of this process: started, and not yet exited (for tests and diagnostics). */
const threads = { started: 0, live: 0 };

export function compactionWorkerThreads(): { readonly started: number; readonly live: number } {
  return { ...threads };
}

interface Running {
  readonly id: number;
  readonly newNumber: () => number;
  /** Why newNumber threw: the task's error once the worker has cleaned up after it. */
  refusal?: Error;
  readonly resolve: (r: CompactionJobResult) => void;
  readonly reject: (err: Error) => void;
}

export class CompactionWorker {
  private worker: Worker | null = null;
  private channel = new NumberChannel();
  private running: Running | null = null;
  private lastId = 0;
  private closed = false;
  /** Settles once the worker closeNow() terminated has exited. */
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly kernels: KernelsName) {}

  /**
   * Runs a task in the worker; newNumber gives each output its number (the store's). Rejects with
   * the worker's error (its outputs removed by the worker), or when the worker dies or is closed.
   */
  run(task: CompactionTask, newNumber: () => number): Promise<CompactionJobResult> {
    if (this.closed) return Promise.reject(new Error("the compaction worker is closed"));
    if (this.running !== null) return Promise.reject(new Error("a compaction is already running in the worker"));
    const worker = this.worker ?? this.start();
    const id = ++this.lastId;
    return new Promise<CompactionJobResult>((resolve, reject) => {
      this.running = { id, newNumber, resolve, reject };
      worker.ref();
      worker.postMessage({ type: "run", id, task } satisfies ToWorker);
    });
  }

  /** Ends the worker and resolves once its thread has exited; a task running is failed. */
  async close(): Promise<void> {
    this.closeNow();
    await this.exited;
  }

  /** Ends the worker without waiting for it; a task running is failed. */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close(); // a worker blocked on a number wakes, and throws
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) this.exited = worker.terminate().then(() => {});
    this.fail(new Error("the store closed during a compaction"));
  }

  private start(): Worker {
    this.channel = new NumberChannel();
    const data: WorkerData = { kernels: this.kernels, numbers: this.channel.buffer };
    const worker = new Worker(threadEntry(), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    threads.started++;
    threads.live++;
    worker.once("exit", () => threads.live--);
    worker.unref();
    worker.on("message", (m: FromWorker) => this.onMessage(m));
    worker.on("error", (err) => this.died(worker, err));
    worker.on("exit", (code) => this.died(worker, new Error(`the compaction worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private onMessage(m: FromWorker): void {
    const r = this.running;
    if (r === null || r.id !== m.id) return;
    if (m.type === "number") {
      let n: number;
      try {
        n = r.newNumber();
      } catch (err) {
        // the worker's wait throws: its task fails, removing its outputs, and then rejects with this
        r.refusal = err as Error;
        this.channel.refuse();
        return;
      }
      this.channel.answer(n);
      return;
    }
    this.running = null;
    this.worker?.unref();
    if (m.type === "done") r.resolve(m.result);
    else r.reject(r.refusal ?? deserializeError(m.error));
  }

  /** The current worker's task fails when it dies; one already replaced (or closed) fails nothing. */
  private died(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.fail(err);
  }

  private fail(err: Error): void {
    const r = this.running;
    this.running = null;
    r?.reject(err);
  }
}

const ENTRY = "compaction-thread.js";
/**
 * The worker's young generation: a merge's garbage (entries, keys) dies young, and V8's default
 * lets it grow to tens of MiB before a scavenge, each MiB of it resident (bench/README.md
 * "Compaction thread": peak RSS of a 400k fillrandom, 260 MB at the default, 227 MB at 8).
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/**
 * The worker's entry: compaction-thread.js beside this file once compiled; from a checkout's
 * sources (the tests run them, and Node runs no TypeScript) the compiled one under dist/.
 */
function threadEntry(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".js")) return new URL(`./${ENTRY}`, import.meta.url);
  let dir = dirname(here);
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "dist", "src", "lsm", ENTRY);
    if (existsSync(candidate)) return pathToFileURL(candidate);
    dir = dirname(dir);
  }
  throw new Error(`dist/src/lsm/${ENTRY} not found above ${here}: run \`npm run build\` (the compaction worker runs the compiled code)`);
}
