// The level workloads of `npm run bench` (bench/level.ts) at a tiny size: every engine runs every
// workload (getSync may only be n/a, never failed), the table and the target lines print, and each
// engine read back what it wrote: the gets find every present key with the value the batches wrote
// (version 1) and no missing key, and the iterators read every entry. The bench throws on a wrong
// read itself; this checks the JSON against db-data.ts as well. No timings.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectedReads, valueWord } from "../../bench/db-data.js";
import { LEVEL_WORKLOADS, levelTargetLines, type LevelRow } from "../../bench/level.js";
import { runProcess } from "../support/built-cli.js";

const N = 300;
const ENGINES = ["classic-level", "memory-level", "wasm", "js"];
const dir = mkdtempSync(join(tmpdir(), "level-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  results: LevelRow[];
  level_skipped?: { workload: string; impl: string; reason: string }[];
}

/** Every entry's first word, each of the 3 passes of level-nextv. */
function expectedScan(): { found: number; sum: number } {
  let sum = 0;
  for (let i = 0; i < N; i++) sum = (sum + valueWord(i, 0, 1)) >>> 0;
  return { found: 3 * N, sum: (sum * 3) % 2 ** 32 };
}

describe("bench level workloads", () => {
  it("runs every workload on every engine, twice, and each engine reads back what it wrote", async () => {
    const json = join(dir, "level.json");
    const r = await runProcess(process.execPath, ["dist/bench/run.js", "--only", "level", "--level-n", String(N), "--level-rounds", "2", "--json", json]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, "utf8")) as Report;
    const skipped = report.level_skipped ?? [];
    for (const s of skipped) expect(s).toMatchObject({ workload: "level-get-sync", reason: expect.stringMatching(/no getSync/) });

    const ops: Record<string, number> = { "level-put": N, "level-put-sync": 20, "level-batch": 3, "level-get": N, "level-get-missing": N, "level-get-sync": N, "level-nextv": 3 * N };
    const reads: Record<string, { found: number; sum: number }> = {
      "level-get": expectedReads(N, N), "level-get-missing": { found: 0, sum: 0 }, "level-get-sync": expectedReads(N, N), "level-nextv": expectedScan(),
    };
    expect(reads["level-get"].found).toBe(N);
    for (const impl of ENGINES) {
      for (const w of LEVEL_WORKLOADS) {
        const row = report.results.find((x) => x.impl === impl && x.workload === w);
        if (row === undefined) {
          expect(skipped.some((s) => s.impl === impl && s.workload === w), `${w} / ${impl}`).toBe(true);
          continue;
        }
        expect(row.ops, `${w} / ${impl}`).toBe(ops[w]);
        expect(row.ops_per_s).toBeGreaterThan(0);
        // the row is the slower of the two rounds (the lower middle of an even count)
        expect(row.runs).toBe(2);
        expect(row.ops_per_s_rounds).toHaveLength(2);
        expect(row.ops_per_s).toBe(Math.min(...row.ops_per_s_rounds));
        expect(row.p50_us).toBeLessThanOrEqual(row.p99_us);
        expect(row.cpu_us_per_op).toBeGreaterThan(0);
        if (reads[w] !== undefined) expect({ w, impl, found: row.found, sum: row.checksum }).toEqual({ w, impl, ...reads[w] });
        if (impl === "classic-level") expect(row.over_classic_level).toBe(1);
        if (impl === "memory-level") expect(row.over_memory_level).toBe(1);
      }
    }
    for (const w of LEVEL_WORKLOADS) expect(r.stdout).toContain(`## ${w}: `);
    expect(r.stdout).toMatch(/^engine +ops\/s +p50 µs +p99 µs +cpu µs\/op +x classic-level +x memory-level +notes$/m);
    expect(r.stdout).toMatch(/^# level targets, wasm: put [\d.]+x classic-level \(>= 5: (met|MISSED)\)/m);
    expect(r.stdout).toMatch(/^# level targets, js: /m);
  }, 120_000);

  it("says met at or above a target's ratio and MISSED below it", () => {
    const row = (workload: string, over_classic_level: number, over_memory_level: number) => ({ workload, impl: "wasm", over_classic_level, over_memory_level }) as unknown as LevelRow;
    const [line] = levelTargetLines([row("level-put", 5, 9), row("level-get", 4.99, 1), row("level-nextv", 2.5, 0.5)]);
    expect(line).toBe(
      "# level targets, wasm: put 5.00x classic-level (>= 5: met); get 4.99x classic-level (>= 5: MISSED); nextv 2.50x classic-level (>= 2: met); " +
        "get 1.00x memory-level (>= 1: met); nextv 0.50x memory-level (>= 1: MISSED)",
    );
  });
});
