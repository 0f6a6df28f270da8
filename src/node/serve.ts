// `wasm-lsm serve`: the protocol node over a store (PROTOCOL.md section 1). Opens the store (an
// ephemeral one by default, or --data-dir's, recovered and locked), serves until the input ends,
// then finishes background work and closes it.
//
// How it ends (README.md, "Exit codes"; PROTOCOL.md section 1):
// - a store that cannot be opened, for any reason (locked, a table missing or damaged, a damaged
//   log, a permission problem): one log line "cannot open the store: ..." and 1, never a stack;
// - the reader of stdout went away (EPIPE, `wasm-lsm < in.jsonl | head -1`): the node stops
//   reading, lets the requests already started finish, closes the store and returns 1, since
//   replies were lost;
// - SIGHUP, SIGINT, SIGQUIT, SIGTERM: the store is closed at once (acknowledged writes are already
//   durable; an ephemeral store's directory is removed) and the process exits 128 + the signal's
//   number, as a shell reports a process that a signal ended.
// Anything else thrown while serving is a bug: the store is still closed, and the bin prints the
// stack once and exits 1.

import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { loadKernels } from "../kernels/node.js";
import type { Kernels } from "../kernels/types.js";
import { Store } from "../lsm/store.js";
import { coreHandlers } from "./handlers.js";
import type { NodeOptions } from "./options.js";
import { OutputClosedError, runNode } from "./server.js";
import { lsmHandlers } from "./lsm-handlers.js";
import { CONCURRENT_TYPES, storeHandlers, type ClientWrites } from "./store-handlers.js";

export interface ServeIO {
  readonly input: Readable;
  readonly output: Writable;
  readonly log: (line: string) => void;
}

export const EXIT_SERVED = 0;
/** The store could not be opened, or the output or the input failed. */
export const EXIT_FAILURE = 1;

/** The signals that close the store and end the node. */
export const CLOSING_SIGNALS = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM"] as const;

/** Serves until end of input; returns the exit code (EXIT_SERVED or EXIT_FAILURE). */
export async function serveStore(options: NodeOptions, io: ServeIO): Promise<number> {
  const opened = openStore(options, io.log);
  if (opened === null) return EXIT_FAILURE;
  const { store, kernels } = opened;
  io.log(`${store.durable ? "durable" : "ephemeral"} store in ${store.dir} (${options.kernels} kernels, ${store.tables().length} tables)`);
  const stopOnSignals = closeOnSignals(store, io.log);
  try {
    const writes: ClientWrites = { count: 0, referenceLoaded: false };
    const handlers = { ...coreHandlers, ...storeHandlers(store, kernels, writes), ...lsmHandlers(store, writes) };
    await runNode({ input: io.input, output: io.output, log: io.log, handlers, concurrent: CONCURRENT_TYPES, options });
    return EXIT_SERVED;
  } catch (err) {
    const message = ioFailure(err);
    if (message === null) throw err;
    io.log(message);
    return EXIT_FAILURE;
  } finally {
    stopOnSignals();
    await store.close();
  }
}

/** The kernels and the opened store, or null once the reason it cannot open has been logged. */
function openStore(options: NodeOptions, log: (line: string) => void): { store: Store; kernels: Kernels } | null {
  let kernels: Kernels;
  try {
    kernels = loadKernels(options.kernels);
  } catch (err) {
    log(`cannot load the ${options.kernels} kernels: ${oneLine(err)}`);
    return null;
  }
  try {
    const store = Store.open({
      kernels,
      dir: options.dataDir,
      memtableBytes: options.memtableBytes,
      bitsPerKey: options.bitsPerKey,
      walRecoveryMode: options.walRecoveryMode,
      blockCacheBytes: options.blockCacheBytes,
      maxOpenFiles: options.maxOpenFiles,
      levels: { l0Trigger: options.l0Trigger, levelBaseBytes: options.levelBaseBytes, tableBytes: options.tableBytes },
      backgroundCompaction: options.compaction,
      compactionThread: options.compactionThread,
      log,
    });
    return { store, kernels };
  } catch (err) {
    // Every failure here is a refusal to start, not a bug to show a stack for: the store's
    // messages name the file and the problem (a lock, a table, a log, an fs error with its path).
    log(`cannot open the store: ${oneLine(err)}`);
    return null;
  }
}

/** Installs the closing signals' handlers; returns their removal. */
function closeOnSignals(store: Store, log: (line: string) => void): () => void {
  const handlers = CLOSING_SIGNALS.map((signal) => {
    const handler = () => {
      log(`${signal}: closing the store`);
      store.closeNow();
      process.exit(128 + constants.signals[signal]);
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/** The log line of a failure of stdout or stdin while serving, or null for anything else. */
function ioFailure(err: unknown): string | null {
  if (err instanceof OutputClosedError) return `stdout failed (${oneLine(err.reason)}): the reader went away; stopped reading, store closed`;
  if (isSystemError(err)) return `reading stdin failed: ${oneLine(err)}`;
  return null;
}

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string" && typeof (err as NodeJS.ErrnoException).syscall === "string";
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, " ");
}
