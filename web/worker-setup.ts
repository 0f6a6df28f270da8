// What every worker of the browser pages needs before it opens a store (web/store-worker.ts,
// web/bench-worker.ts, test/browser/level-suite-worker.ts): the wasm kernels, from the same
// build/kernels.wasm Node loads; an OPFS directory; an OpfsEnv on it.

import { OpfsEnv } from "../src/io/opfs-env.js";
import type { OpfsDirectory } from "../src/io/opfs-types.js";
import { createWasmKernels, type WasmKernels } from "../src/kernels/wasm.js";

/** The kernels from build/kernels.wasm (web/server.mjs serves it at /build/). */
export async function fetchKernels(url = "/build/kernels.wasm"): Promise<WasmKernels> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return createWasmKernels(await response.arrayBuffer()); // compiling synchronously is allowed in a worker
}

/** The directory `name` at the root of this origin's OPFS, made if missing; `fresh`: emptied first. */
export async function opfsDirectory(name: string, options: { readonly fresh?: boolean } = {}): Promise<OpfsDirectory> {
  const root = (await navigator.storage.getDirectory()) as unknown as OpfsDirectory;
  if (options.fresh === true) await root.removeEntry(name, { recursive: true }).catch(() => {});
  return root.getDirectoryHandle(name, { create: true });
}

/**
 * An OpfsEnv on dir. While the worker of a page being reloaded still holds its handles (the browser
 * lets go of them once that worker is gone), the open fails with EBUSY: it is tried again, for up
 * to `waitMs`.
 */
export async function openOpfsEnv(dir: OpfsDirectory, waitMs = 10_000): Promise<OpfsEnv> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await OpfsEnv.open(dir);
    } catch (err) {
      if ((err as { code?: string }).code !== "EBUSY" || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
