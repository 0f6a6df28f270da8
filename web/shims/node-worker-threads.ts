// node:worker_threads for the browser bundles (unavailable.ts): a store on any env but node:fs
// compacts on its own thread (src/lsm/store.ts compactionWorkerFor), so no Worker is made.
import { unavailable } from "./unavailable.js";

export const Worker = unavailable("node:worker_threads Worker");
export const parentPort = null;
export const workerData = undefined;
