// The build `npm test` runs first (scripts/build-for-tests.sh, package.json "pretest"): the release
// wasm only, one tsc that emits and type-checks, each skipped while its output is newer than its
// inputs. Run in a scratch copy of the script whose asc and tsc are stand-ins that log their
// arguments and write an output, so the test sees which steps ran. And the release target's own
// options: no `converge`, whose last pass printed "Last converge was suboptimal" on every build.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ROOT } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-pretest");

/** A stand-in for a tool: logs "NAME ARGS" to $CALLS, writes OUTPUT, exits $FAIL_NAME or 0. */
function fakeTool(root: string, name: string, output: string): void {
  const path = join(root, "node_modules", ".bin", name);
  writeFileSync(path, `#!/bin/sh\necho "${name} $*" >> "$CALLS"\nmkdir -p "$(dirname ${output})"\necho built > ${output}\nexit "\${FAIL_${name}:-0}"\n`);
  chmodSync(path, 0o755);
}

/** A scratch project: the real script, stand-in tools, one input file of each kind, all in the past. */
function scratchProject(): string {
  const root = freshDir();
  for (const d of ["scripts", "node_modules/.bin", "assembly", "src", "bench", "test"]) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(join(ROOT, "scripts", "build-for-tests.sh"), join(root, "scripts", "build-for-tests.sh"));
  fakeTool(root, "asc", "build/kernels.wasm");
  fakeTool(root, "tsc", "dist/src/cli.js");
  for (const f of INPUTS) if (f.includes(".")) writeFileSync(join(root, f), "");
  settle(root);
  return root;
}

const INPUTS = ["assembly/index.ts", "asconfig.json", "package-lock.json", "src/cli.ts", "bench/run.ts", "test/a.test.ts", "tsconfig.json", "assembly", "src", "bench", "test"];
const OUTPUTS = ["build/kernels.wasm", "dist/.built-for-tests"];
const HOUR = 3600;
const now = () => Date.now() / 1000;

/** Every input (its directory too) an hour old, every output half an hour: an edit then falls between. */
function settle(root: string): void {
  for (const f of INPUTS) utimesSync(join(root, f), now() - HOUR, now() - HOUR);
  for (const f of OUTPUTS) if (existsSync(join(root, f))) utimesSync(join(root, f), now() - HOUR / 2, now() - HOUR / 2);
}

/** Marks a file as edited since the last build (and before now, so the next build is newer). */
function edit(root: string, file: string): void {
  settle(root);
  utimesSync(join(root, file), now() - HOUR / 4, now() - HOUR / 4);
}

interface Run {
  readonly status: number | null;
  readonly calls: string[];
  readonly output: string;
}

function pretest(root: string, env: Record<string, string> = {}): Run {
  const calls = join(root, "calls.txt");
  writeFileSync(calls, "");
  const r = spawnSync("sh", [join(root, "scripts", "build-for-tests.sh")], { encoding: "utf8", env: { ...process.env, ...env, CALLS: calls } });
  return { status: r.status, calls: readFileSync(calls, "utf8").split("\n").filter((l) => l !== ""), output: r.stdout + r.stderr };
}

const ASC = "asc assembly/index.ts --target release";
const TSC = "tsc -p tsconfig.json";

describe("the build before npm test", () => {
  test("a fresh tree: the release wasm and one tsc over tsconfig.json, nothing else", () => {
    const root = scratchProject();
    const r = pretest(root);
    expect(r.status, r.output).toBe(0);
    expect(r.calls).toEqual([ASC, TSC]);
    expect(existsSync(join(root, "build", "kernels.wasm"))).toBe(true);
    expect(existsSync(join(root, "dist", "src", "cli.js"))).toBe(true);
  });

  test("run again with nothing changed: neither tool runs, and each step says it is up to date", () => {
    const root = scratchProject();
    expect(pretest(root).status).toBe(0);
    const wasmTime = statSync(join(root, "build", "kernels.wasm")).mtimeMs;
    const again = pretest(root);
    expect(again.status, again.output).toBe(0);
    expect(again.calls).toEqual([]);
    expect(again.output).toMatch(/build\/kernels\.wasm is up to date/);
    expect(again.output).toMatch(/dist\/ is up to date and type-checked/);
    expect(statSync(join(root, "build", "kernels.wasm")).mtimeMs).toBe(wasmTime);
  });

  test("an edited input rebuilds only what is made from it", () => {
    const root = scratchProject();
    expect(pretest(root).status).toBe(0);
    for (const file of ["src/cli.ts", "bench/run.ts", "test/a.test.ts", "tsconfig.json"]) {
      edit(root, file);
      expect(pretest(root).calls, file).toEqual([TSC]);
    }
    for (const file of ["assembly/index.ts", "asconfig.json"]) {
      edit(root, file);
      expect(pretest(root).calls, file).toEqual([ASC]);
    }
    edit(root, "package-lock.json"); // other tool versions: both again
    expect(pretest(root).calls).toEqual([ASC, TSC]);
  });

  test("a rebuild of dist/ starts from an empty dist/src: a removed source's output does not stay", () => {
    const root = scratchProject();
    expect(pretest(root).status).toBe(0);
    writeFileSync(join(root, "dist", "src", "removed.js"), "");
    edit(root, "src/cli.ts");
    expect(pretest(root).calls).toEqual([TSC]);
    expect(existsSync(join(root, "dist", "src", "removed.js"))).toBe(false);
    expect(existsSync(join(root, "dist", "src", "cli.js"))).toBe(true);
  });

  test("a failed type-check fails the build and is run again next time", () => {
    const root = scratchProject();
    const failed = pretest(root, { FAIL_tsc: "2" });
    expect(failed.status).not.toBe(0);
    expect(failed.calls).toEqual([ASC, TSC]);
    const next = pretest(root);
    expect(next.status, next.output).toBe(0);
    expect(next.calls).toEqual([TSC]);
    expect(pretest(root).calls).toEqual([]);
  });

  test("a failed wasm build stops before tsc and is run again next time", () => {
    const root = scratchProject();
    const failed = pretest(root, { FAIL_asc: "1" });
    expect(failed.status).not.toBe(0);
    expect(failed.calls).toEqual([ASC]);
    expect(existsSync(join(root, "build", "kernels.wasm"))).toBe(false); // though asc wrote it before failing
    expect(pretest(root).calls).toEqual([ASC, TSC]);
  });
});

test("the release wasm target does not converge (asconfig.json, as asc reads it)", () => {
  const asc = join(ROOT, "node_modules", ".bin", "asc");
  const r = spawnSync(asc, ["assembly/index.ts", "--target", "release", "--showConfig"], { cwd: ROOT, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const { options } = JSON.parse(r.stderr + r.stdout) as { options: Record<string, unknown> };
  expect(options).toMatchObject({ target: "release", outFile: "build/kernels.wasm", optimizeLevel: 3, converge: false });
});
