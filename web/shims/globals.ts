// The Node globals the engine uses, for the browser bundles (esbuild's `inject`, which puts these
// in place of the free names): Buffer (the `buffer` package, the same one abstract-level imports,
// so the two agree on what a Buffer is), and setImmediate, which the store's background work and
// its iterators yield with (src/lsm/time-slicer.ts). setTimeout(0) would not do: nested timeouts
// are clamped to 4 ms, so a flush in 2 ms slices would spend most of its time waiting.

export { Buffer } from "buffer";

const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();

/** Runs fn on a later turn of the event loop, after the events already queued, in call order. */
export function setImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): number {
  waiting.push(() => fn(...args));
  channel.port2.postMessage(0);
  return waiting.length;
}
