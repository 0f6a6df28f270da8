// Finding and running the real engines' tools for the compat tests. A missing tool fails the test
// when CI=true (CI must prove our tables against them), and otherwise skips it with the reason.
import { spawnSync } from "node:child_process";

export const IN_CI = process.env.CI === "true";

/** Debian packages that provide each tool (named in failure and skip messages; .ci/run installs them). */
export const PACKAGES = {
  sst_dump: "rocksdb-tools",
  ldb: "rocksdb-tools",
  "g++": "g++",
  leveldb: "libleveldb-dev",
} as const;

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together (sst_dump reports corruption on stderr). */
  readonly output: string;
}

/** Runs a program to completion; throws if it cannot be started or is killed. */
export function run(program: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(program, args, { cwd: options.cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 30_000 });
  if (r.error) throw new Error(`${program} ${args.join(" ")}: ${r.error.message}`);
  if (r.signal !== null) throw new Error(`${program} ${args.join(" ")}: killed by ${r.signal}\n${r.stdout}${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}${r.stderr}` };
}

/** The first of these names that runs (spawns at all) from PATH, or null. */
export function findProgram(names: readonly string[], probeArgs: readonly string[] = ["--help"]): string | null {
  for (const name of names) {
    const r = spawnSync(name, probeArgs, { encoding: "utf8", timeout: 30_000 });
    if (r.error === undefined) return name;
  }
  return null;
}

/**
 * What a test does when something it needs is absent: in CI, fail with `reason`; elsewhere, skip
 * with it. `skip` is the test context's skip (it throws, so nothing after it runs).
 */
export function missing(skip: (note?: string) => never, reason: string): never {
  if (IN_CI) throw new Error(`CI=true and ${reason}`);
  return skip(`${reason} (CI=true makes this a failure)`);
}
