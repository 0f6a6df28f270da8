// `npm run soak` (scripts/soak.sh) and CI (.ci/run), each run in a scratch copy with stand-ins for
// the tools they call (vitest, npm, dpkg-query, the pretest build), so the test sees what they ran,
// what they printed last and how they exited: both end with "Tests: N passed, N failed, N skipped",
// print their wall times, and fail when anything they ran failed or printed no summary.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ROOT } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-soak-ci");

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

interface Run {
  readonly status: number | null;
  readonly lines: string[];
  readonly calls: string[];
}

function run(root: string, command: string, env: Record<string, string>): Run {
  const calls = join(root, "calls.txt");
  writeFileSync(calls, "");
  const r = spawnSync("bash", [join(root, command)], { cwd: root, encoding: "utf8", env: { ...process.env, ...env, CALLS: calls, PATH: `${join(root, "fakebin")}:${process.env.PATH}` } });
  return { status: r.status, lines: (r.stdout + r.stderr).split("\n").filter((l) => l !== ""), calls: readFileSync(calls, "utf8").split("\n").filter((l) => l !== "") };
}

/** A scratch copy of scripts/soak.sh whose vitest prints $VITEST_OUT and exits $VITEST_EXIT. */
function soakProject(): string {
  const root = freshDir();
  for (const d of ["scripts", "node_modules/.bin", "fakebin"]) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(join(ROOT, "scripts", "soak.sh"), join(root, "scripts", "soak.sh"));
  script(join(root, "scripts", "build-for-tests.sh"), 'echo "build" >> "$CALLS"; exit "${BUILD_EXIT:-0}"');
  script(join(root, "node_modules", ".bin", "vitest"), 'echo "SOAK=$SOAK vitest $*" >> "$CALLS"; printf "%b" "$VITEST_OUT"; exit "${VITEST_EXIT:-0}"');
  return root;
}

const SOAK_FILES = "test/crash/crash.test.ts test/kernels/memory.test.ts test/kernels/differential.test.ts test/protocol/data.test.ts test/lsm/metamorphic.test.ts test/crash/compaction-crash.test.ts";

describe("npm run soak", () => {
  test("builds, runs the soak files with SOAK=1, prints its wall time, and ends with vitest's summary", () => {
    const root = soakProject();
    const r = run(root, "scripts/soak.sh", { VITEST_OUT: " ✓ test/crash/crash.test.ts\\n\\nTests: 17 passed, 0 failed, 0 skipped\\n" });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["build", `SOAK=1 vitest run ${SOAK_FILES}`]);
    expect(r.lines.slice(-2)).toEqual([expect.stringMatching(/^soak: 6 files at full size in \d+ s \(vitest exit status 0\)$/), "Tests: 17 passed, 0 failed, 0 skipped"]);
  });

  test("failing tests: the same summary last, and a failing exit status", () => {
    const root = soakProject();
    const r = run(root, "scripts/soak.sh", { VITEST_OUT: "Tests: 15 passed, 2 failed, 0 skipped\\n", VITEST_EXIT: "1" });
    expect(r.status).toBe(1);
    expect(r.lines.at(-1)).toBe("Tests: 15 passed, 2 failed, 0 skipped");
  });

  test("vitest dying without a summary, or a failed build, ends with one failure counted", () => {
    const died = run(soakProject(), "scripts/soak.sh", { VITEST_OUT: "Segmentation fault\\n", VITEST_EXIT: "0" });
    expect(died.status).not.toBe(0);
    expect(died.lines.at(-1)).toBe("Tests: 0 passed, 1 failed, 0 skipped");
    const root = soakProject();
    const unbuilt = run(root, "scripts/soak.sh", { BUILD_EXIT: "2" });
    expect(unbuilt.status).not.toBe(0);
    expect(unbuilt.calls).toEqual(["build"]);
    expect(unbuilt.lines.at(-1)).toBe("Tests: 0 passed, 1 failed, 0 skipped");
  });
});

/** A scratch copy of .ci/run with dpkg-query reporting every package installed, and an npm whose
 * `test`, `run soak`, `run test:level` and `run test:browser` print $TEST_OUT / $SOAK_OUT /
 * $LEVEL_OUT / $BROWSER_OUT and exit $TEST_EXIT / $SOAK_EXIT / $LEVEL_EXIT / $BROWSER_EXIT. */
function ciProject(): string {
  const root = freshDir();
  for (const d of [".ci", "fakebin"]) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(join(ROOT, ".ci", "run"), join(root, ".ci", "run"));
  script(join(root, "fakebin", "dpkg-query"), 'printf "install ok installed"');
  script(
    join(root, "fakebin", "npm"),
    [
      'echo "npm $*" >> "$CALLS"',
      'case "$*" in',
      '  --version) echo 11.0.0 ;;',
      '  test) printf "%b" "$TEST_OUT"; exit "${TEST_EXIT:-0}" ;;',
      '  "run soak") printf "%b" "$SOAK_OUT"; exit "${SOAK_EXIT:-0}" ;;',
      '  "run test:level") printf "%b" "$LEVEL_OUT"; exit "${LEVEL_EXIT:-0}" ;;',
      '  "run test:browser") printf "%b" "${BROWSER_OUT-Tests: 14 passed, 0 failed, 0 skipped\\n}"; exit "${BROWSER_EXIT:-0}" ;;',
      "esac",
    ].join("\n"),
  );
  return root;
}

describe(".ci/run", () => {
  test("runs npm test, the soak, test:level, then test:browser; prints each one's time; the last line adds up the four summaries", () => {
    const r = run(ciProject(), ".ci/run", {
      TEST_OUT: "Tests: 540 passed, 0 failed, 2 skipped\\n",
      SOAK_OUT: "soak: 6 files at full size in 80 s (vitest exit status 0)\\nTests: 17 passed, 0 failed, 0 skipped\\n",
      LEVEL_OUT: "test:level: wasm kernels, database: 2569 passed, 0 failed, 0 skipped\\nTests: 10264 passed, 0 failed, 1 skipped\\n",
      BROWSER_OUT: "Tests: 14 passed, 0 failed, 0 skipped\\n",
    });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["npm --version", "npm ci", "npm test", "npm run soak", "npm run test:level", "npm run test:browser"]);
    expect(r.lines.slice(-5)).toEqual([
      expect.stringMatching(/^ci: test \d+ s \(exit status 0\)$/),
      expect.stringMatching(/^ci: soak \d+ s \(exit status 0\)$/),
      expect.stringMatching(/^ci: test-level \d+ s \(exit status 0\)$/),
      expect.stringMatching(/^ci: test-browser \d+ s \(exit status 0\)$/),
      "Tests: 10835 passed, 0 failed, 3 skipped",
    ]);
  });

  test("a failing npm test still runs the soak and test:level, and CI fails", () => {
    const r = run(ciProject(), ".ci/run", { TEST_OUT: "Tests: 539 passed, 1 failed, 0 skipped\\n", TEST_EXIT: "1", SOAK_OUT: "Tests: 17 passed, 0 failed, 0 skipped\\n", LEVEL_OUT: "Tests: 100 passed, 0 failed, 0 skipped\\n" });
    expect(r.status).not.toBe(0);
    expect(r.calls.slice(-4)).toEqual(["npm test", "npm run soak", "npm run test:level", "npm run test:browser"]);
    expect(r.lines.at(-1)).toBe("Tests: 670 passed, 1 failed, 0 skipped");
    expect(r.lines).toContainEqual(expect.stringMatching(/^ci: test \d+ s \(exit status 1\)$/));
  });

  test("a failing test:level fails CI, its counts in the sum", () => {
    const r = run(ciProject(), ".ci/run", { TEST_OUT: "Tests: 540 passed, 0 failed, 0 skipped\\n", SOAK_OUT: "Tests: 17 passed, 0 failed, 0 skipped\\n", LEVEL_OUT: "Tests: 98 passed, 2 failed, 0 skipped\\n", LEVEL_EXIT: "1" });
    expect(r.status).not.toBe(0);
    expect(r.lines.at(-1)).toBe("Tests: 669 passed, 2 failed, 0 skipped");
    expect(r.lines).toContainEqual(expect.stringMatching(/^ci: test-level \d+ s \(exit status 1\)$/));
  });

  test("a failing test:browser fails CI, its counts in the sum; one that prints no summary counts as one failure", () => {
    const quiet = { TEST_OUT: "Tests: 540 passed, 0 failed, 0 skipped\\n", SOAK_OUT: "Tests: 17 passed, 0 failed, 0 skipped\\n", LEVEL_OUT: "Tests: 98 passed, 0 failed, 0 skipped\\n" };
    const failing = run(ciProject(), ".ci/run", { ...quiet, BROWSER_OUT: "Tests: 12 passed, 2 failed, 0 skipped\\n", BROWSER_EXIT: "1" });
    expect(failing.status).not.toBe(0);
    expect(failing.lines.at(-1)).toBe("Tests: 667 passed, 2 failed, 0 skipped");
    expect(failing.lines).toContainEqual(expect.stringMatching(/^ci: test-browser \d+ s \(exit status 1\)$/));
    const died = run(ciProject(), ".ci/run", { ...quiet, BROWSER_OUT: "no Chromium\\n", BROWSER_EXIT: "0" });
    expect(died.status).not.toBe(0);
    expect(died.lines.at(-1)).toBe("Tests: 655 passed, 1 failed, 0 skipped");
  });

  test("a run that prints no summary (its build failed) counts as one failure", () => {
    const r = run(ciProject(), ".ci/run", { TEST_OUT: "error TS2322\\n", TEST_EXIT: "2", SOAK_OUT: "Tests: 17 passed, 0 failed, 0 skipped\\n", LEVEL_OUT: "Tests: 100 passed, 0 failed, 0 skipped\\n" });
    expect(r.status).not.toBe(0);
    expect(r.lines.at(-1)).toBe("Tests: 131 passed, 1 failed, 0 skipped");
  });
});
