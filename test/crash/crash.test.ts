// Crash safety of a durable node (PROTOCOL.md section 1 --data-dir, ARCHITECTURE.md "Durability"): the built
// node takes pipelined puts and flushes in a fresh directory with a small MemTable (so background
// flushes come often), is killed with SIGKILL at a random moment, and is started again on the same
// directory. It must come up, hold every acknowledged write (its last acknowledged value or a later
// one sent), nothing never written, no *.tmp, and only complete tables, exactly the manifest's.
//
// Kills are aimed at different moments: after a random number of acks, after a random delay, when a
// table's .tmp appears (inside a flush) and when a table is renamed to its final name (between the
// rename and the manifest write). Where each kill landed is read off the directory before the
// restart (harness.ts inspectDir) and counted.
//
// CRASH_TRIALS and CRASH_SEED (default: the clock; printed) tune a run. By default `npm test` runs
// 8 trials (each kill plan twice) and 2 directories (one put at a time, and 32 in flight) of 2
// crash cycles each, the second on a restarted node; SOAK=1 (`npm run soak`) runs 40 trials and 4
// directories of 3 cycles (test/support/soak.ts).

import { existsSync, rmSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import {
  describePlan, drive, History, inspectDir, type KillPlan, type KillWindow, NodeProc, pick, randInt, restart, rng, type Rng,
  sleep, stderrTail, verifyRecovered, withTimeout, CLI,
} from "./harness.js";
import { soakSize } from "../support/soak.js";
import { tempDirs } from "../support/temp-dirs.js";

const TRIALS = Number(process.env.CRASH_TRIALS ?? soakSize(8, 40));
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

const freshDir = tempDirs("wasm-lsm-crash");

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build:ts\` first`);
});

const WINDOWS: KillWindow[] = ["puts", "table-write", "renamed-before-manifest", "manifest-write", "manifest-before-log-delete"];
const hits = new Map<KillWindow, number>(WINDOWS.map((w) => [w, 0]));
let selfCrashes = 0;
const recoveryKills = new Map<string, number>();
function resetCounts(): void {
  for (const w of WINDOWS) hits.set(w, 0);
  selfCrashes = 0;
  recoveryKills.clear();
}

function planFor(i: number, r: Rng, window: number): KillPlan {
  switch (i % 4) {
    case 0: // one put at a time costs an fsync each: fewer of them
      return { kind: "acks", acks: randInt(r, 20, window === 1 ? 600 : 2500) };
    case 1:
      return { kind: "time", ms: randInt(r, 20, 800) };
    case 2:
      return { kind: "tmp", nth: randInt(r, 1, 4), delayMs: pick(r, [0, 0, 1, 2, 4]) };
    default:
      return { kind: "renamed", nth: randInt(r, 1, 5) };
  }
}

interface Cycle {
  readonly line: string;
  readonly problems: string[];
}

/**
 * One crash: start (or reuse) a node on dir, drive puts until the kill, inspect the directory,
 * restart, verify. Returns the restarted node, still serving, for another cycle.
 */
async function crashCycle(label: string, dir: string, hist: History, r: Rng, running: NodeProc | null, window: number, memtableBytes: number, kind?: number): Promise<Cycle & { node: NodeProc | null }> {
  const args = ["--memtable-bytes", String(memtableBytes)];
  const problems: string[] = [];
  let node = running;
  if (node === null) {
    node = new NodeProc(dir, args);
    if (!(await node.init())) return { line: `${label}: the node did not start: ${stderrTail(node.stderr)}`, problems: [`${label}: first start failed: ${stderrTail(node.stderr)}`], node: null };
  }
  const plan = planFor(kind ?? randInt(r, 0, 3), r, window);
  const flushEvery = pick(r, [0, 40, 150, 600]);
  const d = await drive(node, hist, r, { window, flushEvery, overwrite: 0.25, plan, maxMs: 4000 });
  if (d.diedOnItsOwn) {
    selfCrashes++;
    problems.push(`${label}: the node died on its own before the kill (${d.trigger}) after ${d.acks} acks, ${d.putsOutstanding} puts in flight: ${stderrTail(node.stderr, 8)}`);
  }
  const state = inspectDir(dir);
  if (!d.diedOnItsOwn) hits.set(state.window, hits.get(state.window)! + 1);
  const rs = await restart(dir, args);
  problems.push(...rs.problems.map((p) => `${label}: ${p}`));
  let verified = "";
  if (rs.problems.length === 0 || rs.node.alive) {
    const v = await verifyRecovered(rs.node, hist, 0.05, r);
    problems.push(...v.problems.map((p) => `${label}: ${p}`));
    if (v.recovered !== null) verified = `; recovered ${v.recovered.memtable.size} keys in the MemTable, ${v.recovered.tableNames.length} tables (${v.recovered.entries} entries)`;
  }
  if (hist.putErrors.length > 0) {
    problems.push(`${label}: ${hist.putErrors.length} requests got an error reply, e.g. ${hist.putErrors.slice(0, 3).join(" | ")}`);
    hist.putErrors.length = 0;
  }
  const line =
    `${label}: window ${window}, memtable ${memtableBytes / 1024} KiB, flush ~1/${flushEvery || "never"}; killed ${describePlan(plan)} -> ${d.trigger} at ${d.ms} ms: ` +
    `${d.putsSent} puts sent, ${d.acks} acked, ${d.putsOutstanding} puts + ${d.flushesOutstanding} flushes in flight, ${d.flushesAcked}/${d.flushesSent} flushes done; ` +
    `landed in "${state.window}" (${summarizeFiles(state.files)}); restart ${rs.ms} ms${verified}` +
    (problems.length > 0 ? `\n  PROBLEMS:\n  ${problems.map((p) => p.split("\n")[0].slice(0, 400)).join("\n  ")}` : "");
  return { line, problems, node: rs.node.alive ? rs.node : null };
}

/** The directory in brief: its logs, how many tables, and anything else but the lock. */
function summarizeFiles(files: readonly string[]): string {
  const logs = files.filter((f) => f.endsWith(".log"));
  const tables = files.filter((f) => /^L\d+_\d+\.sst$/.test(f));
  const other = files.filter((f) => !logs.includes(f) && !tables.includes(f) && f !== "LOCK" && f !== "MANIFEST");
  const last = tables.length > 0 ? ` up to ${tables[tables.length - 1]}` : "";
  return `logs ${logs.join(" ") || "none"}; ${tables.length} tables${last}; ${files.includes("MANIFEST") ? "MANIFEST" : "no MANIFEST"}${other.length > 0 ? `; ${other.join(" ")}` : ""}`;
}

describe("a durable node killed with SIGKILL at random moments", () => {
  test("recovers every acknowledged write, over many trials", async () => {
    resetCounts();
    console.log(`crash trials: ${TRIALS}, seed ${SEED} (CRASH_TRIALS, CRASH_SEED)`);
    const failures: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < TRIALS; i++) {
      const r = rng(SEED * 1000 + i);
      const dir = freshDir();
      const hist = new History();
      // pipelining depth varies: 1 (one put at a time) up to 256 in flight
      const window = pick(r, [1, 1, 8, 64, 256]);
      const memtableBytes = pick(r, [16 * 1024, 32 * 1024, 64 * 1024]);
      const c = await crashCycle(`trial ${i + 1}/${TRIALS}`, dir, hist, r, null, window, memtableBytes, i % 4);
      console.log(c.line);
      failures.push(...c.problems);
      if (c.node !== null) {
        const exit = await c.node.end();
        if (exit.code !== 0) failures.push(`trial ${i + 1}: clean stop after the check exited ${exit.code}: ${stderrTail(c.node.stderr)}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      `crash trials: ${TRIALS} in ${Math.round(performance.now() - t0)} ms; kills landed: ${WINDOWS.map((w) => `${w} ${hits.get(w)}`).join(", ")}; ` +
        `node died on its own: ${selfCrashes}`,
    );
    expect(failures).toEqual([]);
  }, 300_000);

  test("repeated crash and restart on one directory: killed again during recovery and just after it", async () => {
    resetCounts();
    const failures: string[] = [];
    const DIRS = soakSize(2, 4);
    const CYCLES = soakSize(2, 3);
    for (let d = 0; d < DIRS; d++) {
      const r = rng(SEED * 1000 + 500 + d);
      const dir = freshDir();
      const hist = new History();
      const window = d % 2 === 0 ? 1 : 32;
      const memtableBytes = pick(r, [16 * 1024, 32 * 1024]);
      const args = ["--memtable-bytes", String(memtableBytes)];
      let node: NodeProc | null = null;
      for (let c = 0; c < CYCLES; c++) {
        const label = `dir ${d + 1}/${DIRS} cycle ${c + 1}/${CYCLES}`;
        // the node restarted by the previous cycle, its MemTable full of replayed writes, takes
        // more puts at once: its first background flush covers the replayed logs
        const cycle: Cycle & { node: NodeProc | null } = await crashCycle(label, dir, hist, r, node, window, memtableBytes);
        console.log(cycle.line);
        failures.push(...cycle.problems);
        node = cycle.node;
        if (node === null) break;
        // a kill in the middle of recovery itself (Store.open removing leftovers, replaying logs,
        // starting a log), then a restart that must still find everything
        node.kill();
        await node.exited;
        const early = new NodeProc(dir, args);
        const mode = pick(r, ["delay", "recovery-log", "store-open"] as const);
        const delay = randInt(r, 0, 80);
        let when: string;
        if (mode === "delay") {
          await sleep(delay);
          when = `${delay} ms into a restart`;
        } else {
          // stderr is a pipe, written synchronously: the node goes on while we read the line
          const marker = mode === "recovery-log" ? "recovery:" : "durable store in";
          await withTimeout(new Promise<void>((resolve) => early.onStderr((all) => all.includes(marker) && resolve())), 5000, undefined);
          when = mode === "recovery-log" ? "a restart as it logged its first recovery step" : "a restart as it logged the store open";
        }
        const stage = !early.alive ? "it had exited" : early.stderr.includes("durable store in") ? "store open" : early.stderr.includes("recovery:") ? "mid-recovery" : "before recovery";
        early.kill();
        await early.exited;
        const rs = await restart(dir, args);
        failures.push(...rs.problems.map((p) => `${label} (after killing ${when}): ${p}`));
        if (!rs.node.alive) break;
        const v = await verifyRecovered(rs.node, hist, 0.05, r);
        failures.push(...v.problems.map((p) => `${label} (after killing ${when}): ${p}`));
        recoveryKills.set(stage, (recoveryKills.get(stage) ?? 0) + 1);
        console.log(`${label}: killed ${when} (${stage}); next restart ${rs.ms} ms, ${v.problems.length} problems`);
        node = rs.node;
      }
      if (node !== null) {
        const exit = await node.end();
        if (exit.code !== 0) failures.push(`dir ${d + 1}: clean stop exited ${exit.code}: ${stderrTail(node.stderr)}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      `repeated cycles (seed ${SEED}): kills landed: ${WINDOWS.map((w) => `${w} ${hits.get(w)}`).join(", ")}; restarts killed: ${[...recoveryKills].map(([k, n]) => `${k} ${n}`).join(", ")}; ` +
        `node died on its own: ${selfCrashes}`,
    );
    expect(failures).toEqual([]);
  }, 300_000);
});
