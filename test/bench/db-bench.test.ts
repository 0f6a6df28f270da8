// The database workloads of `npm run bench` (bench/db.ts) read back what they wrote: on every engine
// that runs here, readrandom finds every key with its overwritten value, readmissing finds none and
// seekrandom reads the entries after each key. The bench itself throws on a wrong read; this runs
// the built bench (dist/bench/run.js) at a tiny size and checks its JSON as well. No timings.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectedReads, expectedSeeks } from "../../bench/db-data.js";
import { runProcess } from "../support/built-cli.js";

const N = 3000;
const dir = mkdtempSync(join(tmpdir(), "db-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  workload: string;
  impl: string;
  ops: number;
  found?: number;
  checksum: number;
}
interface Report {
  results: Result[];
  db_skipped?: { workload: string; impl: string; reason: string }[];
}

describe("bench database workloads", () => {
  it("every engine's reads find exactly the entries written", async () => {
    const json = join(dir, "db.json");
    const r = await runProcess(process.execPath, ["dist/bench/run.js", "--only", "readrandom,readmissing,seekrandom", "--db-n", String(N), "--json", json]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, "utf8")) as Report;
    const skipped = report.db_skipped ?? [];
    // an engine may be skipped only for a missing library (natives) or a missing Store method (ours), never for failing
    for (const s of skipped) expect(s.reason).not.toMatch(/^failed/);
    for (const s of skipped.filter((x) => x.impl === "wasm" || x.impl === "js")) expect(s.reason).toMatch(/has no/);
    const impls = new Set(report.results.map((x) => x.impl));
    expect(impls.has("classic-level")).toBe(true);
    for (const impl of ["leveldb", "rocksdb", "wasm", "js"]) expect(impls.has(impl) || skipped.some((s) => s.impl === impl)).toBe(true);

    const want = { readrandom: expectedReads(N, N), readmissing: { found: 0, sum: 0 }, seekrandom: expectedSeeks(N, N) };
    expect(want.readrandom.found).toBe(N);
    for (const x of report.results) {
      const w = want[x.workload as keyof typeof want];
      expect(w, x.workload).toBeDefined();
      expect({ impl: x.impl, found: x.found, sum: x.checksum }).toEqual({ impl: x.impl, found: w.found, sum: w.sum });
    }
  }, 120_000);
});
