// The entry of the compaction worker thread (compaction-worker.ts starts it): its own kernels
// instance (loadKernels of the store's kernels' name), node:fs, and one task at a time
// (compaction-task.ts). An output's number is asked of the store per output, synchronously: the
// merge opens an output in the middle of its loop, and the store's numbering (pending outputs) is
// the store's. The answer comes through the shared `numbers` buffer (NumberChannel).

import { parentPort, workerData } from "node:worker_threads";
import { nodeEnv } from "../io/node-env.js";
import { loadKernels } from "../kernels/node.js";
import { runCompactionTask } from "./compaction-task.js";
import { NumberChannel, serializeError, type FromWorker, type ToWorker, type WorkerData } from "./compaction-worker.js";

const data = workerData as WorkerData;
const kernels = loadKernels(data.kernels);
const numbers = new NumberChannel(data.numbers);
const port = parentPort!;

const post = (m: FromWorker) => port.postMessage(m);

port.on("message", (m: ToWorker) => {
  const newNumber = () => {
    numbers.reset();
    post({ type: "number", id: m.id });
    return numbers.await();
  };
  runCompactionTask(m.task, nodeEnv, kernels, newNumber).then(
    (result) => post({ type: "done", id: m.id, result }),
    (err: unknown) => post({ type: "failed", id: m.id, error: serializeError(err) }),
  );
});
