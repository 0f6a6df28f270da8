// `npm run test:level`: abstract-level's own compliance suite (abstract-level/test) over the built
// WasmLevel (dist/src/index.js), run with tape as classic-level and memory-level run it: a fresh
// temporary directory for every database the suite makes, all removed at the end. The suite runs
// itself twice, on the database and then on a sublevel of it (its index.js); this runs it once per
// kernel set, wasm and js, each in a child process of its own: four runs in all. It prints every
// failed assertion, each run's counts, and last one line, "Tests: N passed, N failed, N skipped"
// (N: tape assertions over the four runs); it exits non-zero if any assertion failed or a run
// ended without its counts.
//
//   node scripts/test-level.mjs                  the four runs (build first: scripts/build-for-tests.sh)
//   node scripts/test-level.mjs --kernels js     one kernel set's two runs, in this process

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const KERNELS = ["wasm", "js"];
const RESULT = "test-level-result ";
/** A test of the suite that has not ended by then fails (tape's own timeout option). */
const TEST_TIMEOUT_MS = 60_000;
/** A kernel set's run that has not ended by then is killed, and counts as failed. */
const RUN_TIMEOUT_MS = 10 * 60_000;

const args = process.argv.slice(2);
if (args.length === 0) await runAll();
else if (args.length === 2 && args[0] === "--kernels" && KERNELS.includes(args[1])) await runSuite(args[1]);
else {
  console.error(`usage: node scripts/test-level.mjs [--kernels ${KERNELS.join("|")}]`);
  process.exit(2);
}

/** Each kernel set in a child process of its own, one after the other; the closing summary. */
async function runAll() {
  const runs = [];
  let failedChildren = 0;
  for (const kernels of KERNELS) {
    const result = await runChild(kernels);
    if (result === null) failedChildren++;
    else runs.push(...result);
  }
  const total = { passed: 0, failed: failedChildren, skipped: 0 };
  console.log("");
  for (const r of runs) {
    console.log(`test:level: ${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${r.passed + r.failed + r.skipped} assertions)`);
    total.passed += r.passed;
    total.failed += r.failed;
    total.skipped += r.skipped;
  }
  console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exit(total.failed === 0 && runs.length === 2 * KERNELS.length ? 0 : 1);
}

/** The runs' counts a child reported, or null when it reported none (it crashed, hung or was killed). */
function runChild(kernels) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--kernels", kernels], { stdio: ["ignore", "pipe", "inherit"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    let result = null;
    let pending = "";
    child.stdout.setEncoding("utf8").on("data", (text) => {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop();
      for (const line of lines) {
        if (line.startsWith(RESULT)) result = JSON.parse(line.slice(RESULT.length));
        else console.log(line);
      }
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (result === null || code !== 0) console.log(`test:level: the ${kernels} run ended (exit ${code}${signal ? `, ${signal}` : ""}) ${result === null ? "without its counts" : "with failures"}`);
      resolve(result);
    });
  });
}

/** abstract-level's suite over WasmLevel with these kernels, in this process; prints its result line. */
async function runSuite(kernels) {
  const [{ default: tape }, { default: suite }, { WasmLevel }] = await Promise.all([
    import("tape"),
    import("abstract-level/test/index.js"),
    import("../dist/src/index.js"),
  ]);
  const root = mkdtempSync(join(tmpdir(), `wasm-lsm-level-suite-${kernels}-`));
  process.on("exit", () => rmSync(root, { recursive: true, force: true }));
  // The kernels are given to the open, not to the constructor: the suite checks that the options a
  // postopen hook sees are exactly its own (hooks/postopen.js).
  class SuiteLevel extends WasmLevel {
    _open(options) {
      return super._open({ ...options, kernels });
    }
  }
  let made = 0;
  const factory = (options) => new SuiteLevel(join(root, String(made++)), options);

  const harness = tape.createHarness();
  const test = (name, options, fn) => (typeof options === "function" ? harness(name, { timeout: TEST_TIMEOUT_MS }, options) : harness(name, { timeout: TEST_TIMEOUT_MS, ...options }, fn));
  const runs = [];
  const names = new Map();
  let firstTest = null;
  harness.createStream({ objectMode: true }).on("data", (row) => {
    if (row.type === "test") {
      // the suite's second pass, over a sublevel, begins with its first test again
      if (firstTest === null) firstTest = row.name;
      if (row.name === firstTest) runs.push({ name: `${kernels} kernels, ${runs.length === 0 ? "database" : "sublevel"}`, passed: 0, failed: 0, skipped: 0 });
      names.set(row.id, row.name);
      return;
    }
    if (row.type !== "assert") return;
    const run = runs.at(-1);
    if (row.skip || row.todo) run.skipped++;
    else if (row.ok) run.passed++;
    else {
      run.failed++;
      console.log(`not ok: ${run.name}: "${names.get(row.test)}": ${row.name} (${row.operator}${"expected" in row ? `, expected ${show(row.expected)}, got ${show(row.actual)}` : ""})${row.at ? ` at ${row.at}` : ""}`);
    }
  });
  harness.onFinish(() => {
    for (const r of runs) console.log(`${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
    if (runs.length !== 2) console.log(`expected the suite's two passes (database, sublevel), saw ${runs.length}`);
    console.log(RESULT + JSON.stringify(runs));
    process.exitCode = runs.length === 2 && runs.every((r) => r.failed === 0) ? 0 : 1;
  });
  suite({ test, factory });
}

function show(value) {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
