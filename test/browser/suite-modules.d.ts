// The parts of tape, of abstract-level's compliance suite and of the `process` shim that
// test/browser/level-suite-worker.ts and suite-globals.ts use (none ships declarations).

declare module "tape" {
  interface Harness {
    (name: string, options: object, fn: (t: unknown) => unknown): void;
    createStream(options: { objectMode: true }): { on(event: "data", listener: (row: never) => void): void };
    onFinish(fn: () => void): void;
  }
  const tape: { createHarness(): Harness };
  export default tape;
}

declare module "abstract-level/test/index.js" {
  export default function suite(options: { test: (...args: never[]) => unknown; factory: (options?: never) => unknown }): void;
}

declare module "process/browser.js" {
  const process: object;
  export default process;
}
