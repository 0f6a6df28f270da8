// kill -9 during compaction (issue 8): the built node runs with a small MemTable and a tiny level
// shape (--l0-trigger 2, --table-bytes 8192, --level-base-bytes 32768), so background compactions
// run all the time under the puts, and is killed with SIGKILL at random moments: after a random
// delay or number of acks, while a compaction's output L<n>_*.sst.tmp (n >= 1) is being written, or
// as an output (or a trivially moved table) appears under its L1+ name; and during a manual
// `lsm_compact` 0 -> 1 (PROTOCOL.md section 3b) before its reply. After each kill the node is
// started again (harness.ts restart: --no-compaction, so the checks see a still directory) and must
// come up, hold every acknowledged write, leave no *.tmp, load no leftover as a table (the tables on
// disk are exactly the manifest's), and set nothing aside in lost/ (recovery.ts: a compaction cut
// short leaves only provable garbage: outputs numbered past the recorded next file number, or
// inputs an edit deleted).
//
// CRASH_TRIALS and CRASH_SEED (default: the clock; printed) tune a run; SOAK=1 runs more.

import { existsSync, mkdtempSync, readdirSync, rmSync, watch, type FSWatcher } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { readStoreManifest } from "../../src/lsm/manifest.js";
import { soakSize } from "../support/soak.js";
import { tempDirs } from "../support/temp-dirs.js";
import { CLI, drive, History, NodeProc, pick, randInt, restart, rng, type Rng, stderrTail, verifyRecovered, withTimeout } from "./harness.js";

const TRIALS = Number(process.env.CRASH_TRIALS ?? soakSize(8, 48));
const MANUAL_TRIALS = Number(process.env.CRASH_TRIALS ?? soakSize(4, 24));
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const ARGS = ["--memtable-bytes", "16384", "--l0-trigger", "2", "--table-bytes", "8192", "--level-base-bytes", "32768"];
const DEEP_TMP = /^L[1-9]\d*_\d+\.sst\.tmp$/;
const DEEP_TABLE = /^L[1-9]\d*_\d+\.sst$/;
const TABLE = /^L\d+_\d+\.sst$/;

const freshDir = tempDirs("wasm-lsm-compaction-crash");

/**
 * Whether the built node answers lsm_compact (the handler is added on main separately): asked
 * once, on a fresh durable directory, where 0 -> 1 merges nothing and replies lsm_compact_ok; a
 * node without the handler answers error 10 (not supported).
 */
async function probeLsmCompact(): Promise<boolean> {
  if (!existsSync(CLI)) return false;
  const dir = mkdtempSync(join(tmpdir(), "wasm-lsm-probe-"));
  const node = new NodeProc(dir, ["--no-compaction"]);
  try {
    if (!(await node.init())) return false;
    const reply = await withTimeout(node.send({ type: "lsm_compact", source_level: 0, target_level: 1 }), 10_000, null);
    if (reply !== null && reply.type === "error" && reply.code !== 10) throw new Error(`lsm_compact on a fresh node: unexpected ${JSON.stringify(reply)}`);
    return reply !== null && reply.type === "lsm_compact_ok";
  } finally {
    await node.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
const nodeSupportsLsmCompact = await probeLsmCompact();

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
});

/** Where a kill landed, read off the directory before the restart. */
type Landed = "compaction-output-write" | "output-renamed-before-manifest" | "inputs-not-yet-removed" | "flush-or-puts";

function landedIn(dir: string): { landed: Landed; files: string[]; deepTables: number } {
  const files = readdirSync(dir).sort();
  const manifest = readStoreManifest(dir);
  const listed = new Set(manifest?.tables.map((t) => t.name) ?? []);
  const next = manifest?.state.nextFileNumber ?? 0;
  const unlisted = files.filter((f) => TABLE.test(f) && !listed.has(f));
  const num = (f: string) => Number(/_(\d+)\.sst$/.exec(f)![1]);
  const landed: Landed =
    files.some((f) => DEEP_TMP.test(f)) ? "compaction-output-write"
    : unlisted.some((f) => DEEP_TABLE.test(f) && num(f) >= next) ? "output-renamed-before-manifest"
    : unlisted.some((f) => num(f) < next) ? "inputs-not-yet-removed"
    : "flush-or-puts";
  return { landed, files, deepTables: files.filter((f) => DEEP_TABLE.test(f)).length };
}

type Plan =
  | { readonly kind: "time"; readonly ms: number }
  | { readonly kind: "deep-tmp"; readonly nth: number; readonly delayMs: number }
  | { readonly kind: "deep-table"; readonly nth: number }
  | { readonly kind: "manual"; readonly afterAcks: number; readonly delayMs: number };

const describePlan = (p: Plan) =>
  p.kind === "time" ? `${p.ms} ms into the puts`
  : p.kind === "deep-tmp" ? `${p.delayMs} ms after L1+ .sst.tmp #${p.nth} appeared`
  : p.kind === "deep-table" ? `as L1+ table #${p.nth} appeared`
  : `${p.delayMs} ms after lsm_compact 0 -> 1, sent after ${p.afterAcks} acks`;

function planFor(i: number, r: Rng): Plan {
  switch (i % 3) {
    case 0:
      return { kind: "time", ms: randInt(r, 300, 2500) };
    case 1:
      return { kind: "deep-tmp", nth: randInt(r, 1, 8), delayMs: pick(r, [0, 0, 1, 3, 8]) };
    default:
      return { kind: "deep-table", nth: randInt(r, 1, 8) };
  }
}

/** Arms the plan's trigger on a running node; returns a disposer and what fired. */
function arm(node: NodeProc, plan: Plan): { stop: () => void; fired: () => string } {
  let fired = "";
  const kill = (why: string) => {
    if (!node.alive || node.killedAt !== null) return;
    fired = why;
    node.kill();
  };
  let watcher: FSWatcher | null = null;
  const timers: NodeJS.Timeout[] = [];
  if (plan.kind === "time") timers.push(setTimeout(() => kill(`${plan.ms} ms`), plan.ms));
  if (plan.kind === "deep-tmp" || plan.kind === "deep-table") {
    const want = plan.kind === "deep-tmp" ? DEEP_TMP : DEEP_TABLE;
    const seen = new Set<string>();
    watcher = watch(node.dir, (_event, name) => {
      if (name === null || !want.test(name) || seen.has(name) || !existsSync(join(node.dir, name))) return;
      seen.add(name);
      if (seen.size !== plan.nth) return;
      if (plan.kind === "deep-table" || plan.delayMs === 0) kill(`${name} appeared`);
      else timers.push(setTimeout(() => kill(`${plan.delayMs} ms after ${name} appeared`), plan.delayMs));
    });
  }
  if (plan.kind === "manual") {
    let acks = 0;
    let sent = false;
    node.onReply((body) => {
      if (body.type !== "memtable_put_ok" || sent || ++acks < plan.afterAcks) return;
      sent = true;
      const t0 = performance.now();
      node.send({ type: "lsm_compact", source_level: 0, target_level: 1 }).then((reply) => {
        // answered before the kill: the kill still lands on whatever runs next
        if (reply !== null) kill(`lsm_compact answered ${reply.type} after ${Math.round(performance.now() - t0)} ms, before the kill`);
      });
      timers.push(setTimeout(() => kill(`${plan.delayMs} ms after lsm_compact was sent`), plan.delayMs));
    });
  }
  return {
    stop: () => {
      watcher?.close();
      for (const t of timers) clearTimeout(t);
    },
    fired: () => fired,
  };
}

const counts = new Map<string, number>();
const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);

/** One trial: a fresh directory, puts until the kill, a restart, the checks; the problems found. */
async function trial(label: string, plan: Plan, r: Rng): Promise<string[]> {
  const dir = freshDir();
  const hist = new History();
  const problems: string[] = [];
  const node = new NodeProc(dir, ARGS);
  if (!(await node.init())) return [`${label}: the node did not start: ${stderrTail(node.stderr)}`];
  const trigger = arm(node, plan);
  const window = pick(r, [8, 32, 64, 128]);
  // maxMs: a trigger that never fires (fewer L1+ tables than nth) ends the trial here
  const d = await drive(node, hist, r, { window, flushEvery: 0, overwrite: 0.3, plan: { kind: "none" }, maxMs: 6000, maxPuts: 1_000_000 });
  await node.exited; // drive does not wait for the exit under plan "none"
  trigger.stop();
  const why = trigger.fired() || d.trigger;
  if (d.diedOnItsOwn) problems.push(`${label}: the node died on its own (${d.trigger}) after ${d.acks} acks: ${stderrTail(node.stderr, 8)}`);
  const state = landedIn(dir);
  count(state.landed);
  const rs = await restart(dir, ARGS);
  problems.push(...rs.problems.map((p) => `${label}: ${p}`));
  let verified = "";
  if (rs.node.alive) {
    // sampleLookups 0: a compaction's output may be numbered after a newer flush and still hold an
    // older version of a key, so "a miss in every newer table" does not hold under compaction
    const v = await verifyRecovered(rs.node, hist, 0, r);
    problems.push(...v.problems.map((p) => `${label}: ${p}`));
    if (v.recovered !== null) verified = `; recovered ${v.recovered.tableNames.length} tables (${v.recovered.entries} entries), ${v.recovered.memtable.size} keys in the MemTable`;
    const lost = join(dir, "lost");
    if (existsSync(lost) && readdirSync(lost).length > 0) problems.push(`${label}: recovery set files aside in lost/: ${readdirSync(lost).join(", ")}: ${stderrTail(rs.node.stderr, 6)}`);
    const exit = await rs.node.end();
    if (exit.code !== 0) problems.push(`${label}: clean stop after the checks exited ${exit.code}: ${stderrTail(rs.node.stderr)}`);
  }
  if (hist.putErrors.length > 0) problems.push(`${label}: ${hist.putErrors.length} requests got an error reply, e.g. ${hist.putErrors.slice(0, 3).join(" | ")}`);
  const removed = (rs.node.stderr.match(/recovery: removing /g) ?? []).length;
  console.log(
    `${label}: window ${window}; killed ${describePlan(plan)} -> ${why} at ${d.ms} ms: ${d.putsSent} puts sent, ${d.acks} acked; ` +
      `landed in "${state.landed}" (${state.files.filter((f) => TABLE.test(f)).length} tables, ${state.deepTables} on L1+, ${state.files.filter((f) => f.endsWith(".tmp")).join(" ") || "no .tmp"}); ` +
      `restart ${rs.ms} ms removed ${removed} files${verified}` +
      (problems.length > 0 ? `\n  PROBLEMS:\n  ${problems.map((p) => p.split("\n")[0].slice(0, 400)).join("\n  ")}` : ""),
  );
  rmSync(dir, { recursive: true, force: true });
  return problems;
}

describe("a durable node killed with SIGKILL while it compacts", () => {
  test("during background compaction: every acknowledged write survives, no leftover is loaded, recovery never fails", async () => {
    counts.clear();
    console.log(`compaction crash trials: ${TRIALS}, seed ${SEED} (CRASH_TRIALS, CRASH_SEED); node ${ARGS.join(" ")}`);
    const failures: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < TRIALS; i++) {
      const r = rng(SEED * 1000 + i);
      failures.push(...(await trial(`trial ${i + 1}/${TRIALS} (seed ${SEED}, #${i})`, planFor(i, r), r)));
    }
    console.log(`compaction crash trials: ${TRIALS} in ${Math.round(performance.now() - t0)} ms; kills landed: ${[...counts].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    expect(failures).toEqual([]);
    // the kills reached compactions at all: some landed with an output being written or an input not yet removed
    expect((counts.get("compaction-output-write") ?? 0) + (counts.get("output-renamed-before-manifest") ?? 0) + (counts.get("inputs-not-yet-removed") ?? 0)).toBeGreaterThan(0);
  }, 300_000);

  test.skipIf(!nodeSupportsLsmCompact)("during a manual lsm_compact 0 -> 1, before its reply", async () => {
    counts.clear();
    const failures: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < MANUAL_TRIALS; i++) {
      const r = rng(SEED * 1000 + 700 + i);
      const plan: Plan = { kind: "manual", afterAcks: randInt(r, 100, 1200), delayMs: pick(r, [0, 1, 2, 5, 10, 20, 50]) };
      failures.push(...(await trial(`manual ${i + 1}/${MANUAL_TRIALS} (seed ${SEED}, #${700 + i})`, plan, r)));
    }
    console.log(`manual compaction crash trials: ${MANUAL_TRIALS} in ${Math.round(performance.now() - t0)} ms; kills landed: ${[...counts].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    expect(failures).toEqual([]);
  }, 300_000);
});
