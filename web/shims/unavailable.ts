// The Node built-ins the engine's Node-only paths call, for the browser bundles
// (scripts/build-store-web.mjs): the lock file and process checks of node:fs stores
// (src/lsm/lock.ts), ephemeral stores' temporary directories (src/lsm/ephemeral.ts), the compaction
// worker thread (src/lsm/compaction-worker.ts), build/kernels.wasm read from disk
// (src/kernels/node.ts). A store on OpfsEnv with kernels given takes none of those paths; should
// one be taken, the call throws, naming itself, instead of doing something else.

export function unavailable(name: string): (...args: unknown[]) => never {
  return () => {
    throw Object.assign(new Error(`${name} is not available in a browser (a Node-only path of the engine was taken)`), { code: "ENOSYS" });
  };
}
