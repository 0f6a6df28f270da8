// `wasm-lsm serve`: the protocol node over a store (PROTOCOL.md section 1). Opens the store (an
// ephemeral one by default, or --data-dir's, recovered and locked), serves until the input ends,
// then finishes background work and closes it. SIGINT and SIGTERM close it at once (an ephemeral
// store's directory is removed) and exit 128 + the signal's number.

import type { Readable, Writable } from "node:stream";
import { loadKernels } from "../kernels/node.js";
import { LockedError } from "../lsm/lock.js";
import { Store } from "../lsm/store.js";
import { CorruptionError } from "../sstable/errors.js";
import { coreHandlers } from "./handlers.js";
import type { NodeOptions } from "./options.js";
import { runNode } from "./server.js";
import { CONCURRENT_TYPES, storeHandlers } from "./store-handlers.js";

export interface ServeIO {
  readonly input: Readable;
  readonly output: Writable;
  readonly log: (line: string) => void;
}

/** Serves until end of input; returns the exit code (0, or 1 when the store cannot be opened). */
export async function serveStore(options: NodeOptions, io: ServeIO): Promise<number> {
  const kernels = loadKernels(options.kernels);
  let store: Store;
  try {
    store = Store.open({
      kernels,
      dir: options.dataDir,
      memtableBytes: options.memtableBytes,
      bitsPerKey: options.bitsPerKey,
      walRecoveryMode: options.walRecoveryMode,
      blockCacheBytes: options.blockCacheBytes,
      maxOpenFiles: options.maxOpenFiles,
      log: io.log,
    });
  } catch (err) {
    if (err instanceof LockedError || err instanceof CorruptionError) {
      io.log(`cannot open the store: ${err.message}`);
      return 1;
    }
    throw err;
  }
  io.log(`${store.durable ? "durable" : "ephemeral"} store in ${store.dir} (${options.kernels} kernels, ${store.tables().length} tables)`);
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    io.log(`${signal}: closing the store`);
    store.closeNow();
    process.exit(128 + code);
  };
  const onInt = () => onSignal("SIGINT", 2);
  const onTerm = () => onSignal("SIGTERM", 15);
  process.once("SIGINT", onInt).once("SIGTERM", onTerm);
  try {
    const handlers = { ...coreHandlers, ...storeHandlers(store, kernels) };
    await runNode({ input: io.input, output: io.output, log: io.log, handlers, concurrent: CONCURRENT_TYPES, options });
  } finally {
    process.off("SIGINT", onInt).off("SIGTERM", onTerm);
    await store.close();
  }
  return 0;
}
