// A helper process for lock.test.ts: takes the locks of many directories, one per round, each at
// an agreed moment (busy-waiting for it, so that several racers call acquireLock within the same
// fraction of a millisecond), and prints which it got. It keeps every lock it takes (and stays
// alive) until its stdin ends, so a loser always sees a live owner.
//
//   node lock-racer.mjs LOCK_JS PLAN_JSON     PLAN_JSON: {"dirs": [...], "start": ms, "period": ms}

import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";

const [lockJs, planJson] = process.argv.slice(2);
const { acquireLock } = await import(pathToFileURL(lockJs).href);
const plan = JSON.parse(planJson);
const results = [];
for (const [i, dir] of plan.dirs.entries()) {
  const at = plan.start + i * plan.period;
  const wait = at - Date.now() - 3;
  if (wait > 0) await sleep(wait);
  while (Date.now() < at) {
    // spin: the racers start together
  }
  try {
    acquireLock(dir);
    results.push({ ok: true });
  } catch (err) {
    results.push({ ok: false, message: err.message });
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
