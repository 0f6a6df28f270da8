// Ephemeral stores left behind by killed nodes (issue 7, item 8): the next ephemeral start removes
// them, and nothing else. Every node here runs with TMPDIR set to a private directory, so the
// sweep sees only what this test puts there.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI, NodeProc, ROOT, withTimeout } from "./harness.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-ephemeral-test");
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build:ts\` first`);
});

const hasProc = existsSync("/proc/self/stat");

interface EphemeralNode {
  readonly child: ChildProcessWithoutNullStreams;
  /** The store's directory, as the node logs it. */
  readonly dir: string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `node dist/src/cli.js` (an ephemeral store) with TMPDIR=tmp; resolves once its store is open. */
async function startEphemeral(tmp: string): Promise<EphemeralNode> {
  const child = spawn(process.execPath, [CLI], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => {});
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const opened = new Promise<string | null>((resolve) => {
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
      const m = /ephemeral store in (\S+) /.exec(stderr);
      if (m !== null) resolve(m[1]);
    });
    void exited.then(() => resolve(null));
  });
  const dir = await withTimeout(opened, 20_000, null);
  if (dir === null) throw new Error(`the ephemeral node did not open its store: ${stderr}`);
  return { child, dir, stderr: () => stderr, exited };
}

async function killed(node: EphemeralNode): Promise<void> {
  node.child.kill("SIGKILL");
  await node.exited;
}

const running: EphemeralNode[] = [];
const sleepers: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const n of running.splice(0)) n.child.kill("SIGKILL");
  for (const s of sleepers.splice(0)) s.kill("SIGKILL");
});

const lockOf = (dir: string) => readFileSync(join(dir, "LOCK"), "utf8");

describe("ephemeral stores left by killed nodes (issue 7, item 8)", () => {
  test("a killed ephemeral node's directory is gone after the next ephemeral start; a live one's, a durable store's and unmarked look-alikes are kept", async () => {
    const tmp = freshDir();

    // a live ephemeral node, and two killed with kill -9 (every start sweeps, so all three start
    // before the kills): the killed ones' directories stay behind, marked ephemeral
    const live = await startEphemeral(tmp);
    running.push(live);
    const victim = await startEphemeral(tmp);
    const reusedVictim = await startEphemeral(tmp);
    await killed(victim);
    await killed(reusedVictim);
    expect(readdirSync(victim.dir)).toContain("LOCK");
    const victimLock = lockOf(victim.dir);
    expect(victimLock).toContain("ephemeral");
    let reusedPid = 0;
    if (hasProc) {
      // ... and the second one's pid now runs an unrelated process: its holder is still gone
      const sleeper = spawn("sleep", ["600"]);
      sleepers.push(sleeper);
      reusedPid = sleeper.pid!;
      const text = lockOf(reusedVictim.dir);
      writeFileSync(join(reusedVictim.dir, "LOCK"), text.replace(String(reusedVictim.child.pid), String(reusedPid)));
    }

    // look-alikes a user may keep in the temp dir: a durable store whose node was killed (its LOCK
    // names a dead process but is not an ephemeral store's), a LOCK of the previous version naming a
    // dead pid, no LOCK at all, and a link to a marked directory elsewhere
    const durableDir = join(tmp, "wasm-lsm-my-durable-store");
    const durable = new NodeProc(durableDir);
    expect(await durable.init(), durable.stderr).toBe(true);
    durable.kill();
    await durable.exited;
    const legacy = join(tmp, "wasm-lsm-legacy");
    mkdirSync(legacy);
    writeFileSync(join(legacy, "LOCK"), `${victim.child.pid}\n`);
    writeFileSync(join(legacy, "MANIFEST"), "keep me");
    const unlocked = join(tmp, "wasm-lsm-unlocked");
    mkdirSync(unlocked);
    writeFileSync(join(unlocked, "000001.log"), "keep me");
    const target = join(freshDir(), "elsewhere");
    mkdirSync(target);
    writeFileSync(join(target, "LOCK"), victimLock);
    writeFileSync(join(target, "data"), "keep me");
    symlinkSync(target, join(tmp, "wasm-lsm-link"));
    const durableFiles = readdirSync(durableDir).sort();

    // the next ephemeral start removes the killed nodes' directories, and only those
    const next = await startEphemeral(tmp);
    running.push(next);
    expect(existsSync(victim.dir), next.stderr()).toBe(false);
    expect(next.stderr()).toContain(`removed ${victim.dir}: an ephemeral store whose node is gone`);
    if (hasProc) expect(existsSync(reusedVictim.dir), `pid ${reusedPid} reused: ${next.stderr()}`).toBe(false);
    expect(readdirSync(live.dir)).toContain("LOCK");
    expect(readdirSync(durableDir).sort()).toEqual(durableFiles);
    expect(readFileSync(join(legacy, "MANIFEST"), "utf8")).toBe("keep me");
    expect(readFileSync(join(unlocked, "000001.log"), "utf8")).toBe("keep me");
    expect(readFileSync(join(target, "data"), "utf8")).toBe("keep me");
    expect(existsSync(join(tmp, "wasm-lsm-link"))).toBe(true);
    expect(existsSync(next.dir)).toBe(true);

    // the live nodes end cleanly and remove their own directories
    for (const n of [live, next]) {
      n.child.stdin.end();
      expect(await n.exited, n.stderr()).toBe(0);
      expect(existsSync(n.dir)).toBe(false);
    }
    expect(readdirSync(tmp).sort()).toEqual(["wasm-lsm-legacy", "wasm-lsm-link", "wasm-lsm-my-durable-store", "wasm-lsm-unlocked"]);
  });

  test("a durable node opened on a killed ephemeral node's directory makes it durable: the sweep keeps it after that node is killed too", async () => {
    const tmp = freshDir();
    const victim = await startEphemeral(tmp);
    await killed(victim);
    const adopted = new NodeProc(victim.dir);
    expect(await adopted.init(), adopted.stderr).toBe(true);
    expect(lockOf(victim.dir)).not.toContain("ephemeral");
    adopted.kill();
    await adopted.exited;
    const next = await startEphemeral(tmp);
    running.push(next);
    expect(readdirSync(victim.dir)).toContain("LOCK");
    next.child.stdin.end();
    expect(await next.exited).toBe(0);
  });
});
