// abstract-level's compliance suite (abstract-level/test) in a dedicated worker in Chromium, over
// WasmLevel on OpfsEnv: the browser twin of scripts/test-level.mjs (the same tape harness, the same
// counting of the suite's two passes, database then sublevel). Bundled by
// scripts/build-store-web.mjs; test/browser/opfs-level-suite.test.ts starts it and reads its
// report. Every database the suite makes gets an OPFS directory of its own (removed at the start of
// the next run), an OpfsEnv opened by its open() and closed by its close(), and the wasm kernels
// from build/kernels.wasm, given at the open (the suite checks that a postopen hook sees exactly the
// options it gave).

import tape from "tape";
import suite from "abstract-level/test/index.js";
import { OpfsEnv } from "../../src/io/opfs-env.js";
import type { OpfsDirectory } from "../../src/io/opfs-types.js";
import { WasmLevel, type WasmLevelOptions } from "../../src/level/wasm-level.js";
import { fetchKernels, opfsDirectory } from "../../web/worker-setup.js";

/** A test of the suite that has not ended by then fails (tape's own timeout option). */
const TEST_TIMEOUT_MS = 60_000;
/** Free pool files per database: the suite's databases are small. */
const RESERVE = 6;

export interface SuiteRun {
  readonly name: string;
  passed: number;
  failed: number;
  skipped: number;
}

/** What the worker posts at the end. */
export interface SuiteReport {
  readonly runs: SuiteRun[];
  readonly failures: string[];
  readonly databases: number;
}

const scope = self as unknown as { postMessage(message: SuiteReport | { readonly error: string }): void };

async function main(): Promise<void> {
  const kernels = await fetchKernels();
  const root = await opfsDirectory("wasm-lsm-level-suite", { fresh: true });

  class SuiteLevel extends WasmLevel {
    readonly #dir: Promise<OpfsDirectory>;
    #env: OpfsEnv | null = null;

    constructor(location: string, options?: WasmLevelOptions) {
      super(location, options);
      this.#dir = root.getDirectoryHandle(location, { create: true });
    }

    override async _open(options: Parameters<WasmLevel["_open"]>[0]): Promise<void> {
      const env = await OpfsEnv.open(await this.#dir, { reserve: RESERVE });
      try {
        await super._open({ ...options, env, kernels });
      } catch (err) {
        await env.close();
        throw err;
      }
      this.#env = env;
    }

    override async _close(): Promise<void> {
      await super._close();
      await this.#env?.close();
      this.#env = null;
    }
  }

  let made = 0;
  const factory = (options?: WasmLevelOptions) => new SuiteLevel(`db-${made++}`, options);
  const harness = tape.createHarness();
  const test = (name: string, options: unknown, fn?: unknown) =>
    typeof options === "function" ? harness(name, { timeout: TEST_TIMEOUT_MS }, options as never) : harness(name, { timeout: TEST_TIMEOUT_MS, ...(options as object) }, fn as never);

  const runs: SuiteRun[] = [];
  const failures: string[] = [];
  const names = new Map<number, string>();
  let firstTest: string | null = null;
  harness.createStream({ objectMode: true }).on("data", (row: TapeRow) => {
    if (row.type === "test") {
      // the suite's second pass, over a sublevel, begins with its first test again
      firstTest ??= row.name;
      if (row.name === firstTest) runs.push({ name: runs.length === 0 ? "database" : "sublevel", passed: 0, failed: 0, skipped: 0 });
      names.set(row.id, row.name);
      return;
    }
    if (row.type !== "assert") return;
    const run = runs.at(-1)!;
    if (row.skip || row.todo) run.skipped++;
    else if (row.ok) run.passed++;
    else {
      run.failed++;
      failures.push(`${run.name}: "${names.get(row.test)}": ${row.name} (${row.operator}${"expected" in row ? `, expected ${show(row.expected)}, got ${show(row.actual)}` : ""})`);
    }
  });
  harness.onFinish(() => scope.postMessage({ runs, failures, databases: made }));
  suite({ test, factory });
}

interface TapeRow {
  readonly type: string;
  readonly id: number;
  readonly test: number;
  readonly name: string;
  readonly ok: boolean;
  readonly skip?: unknown;
  readonly todo?: unknown;
  readonly operator?: string;
  readonly expected?: unknown;
  readonly actual?: unknown;
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

main().catch((err: Error) => scope.postMessage({ error: String(err.stack ?? err) }));
