// The built CLI under `ulimit -n 64` with more tables than that (issue 7 item 5): every table stayed
// open once looked up, so lookups failed with EMFILE and from then on every flush failed too. With
// the table cache capped by the process's open-file limit, every lookup answers right and flushes
// keep working.
import { describe, expect, test } from "vitest";
import { assertBuilt, CLI, type Exit, runProcess } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";
import { INIT, req } from "../protocol/harness.js";

const freshDir = tempDirs("wasm-lsm-ulimit-test");
const FD_LIMIT = 64;
const TABLES = 100;

/** Runs the built node under `ulimit -n limit` in a shell, the input given at once. */
function runUnderUlimit(limit: number, args: readonly string[], stdin: string): Promise<Exit> {
  return runProcess("sh", ["-c", `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, CLI, ...args], stdin);
}

const tableOf = (t: number) => `L0_${String(t).padStart(3, "0")}.sst`;

describe.skipIf(process.platform !== "linux")(`the built node under ulimit -n ${FD_LIMIT}`, () => {
  test(`${TABLES} tables: every sstable_lookup answers right, and flushes still work after`, async () => {
    assertBuilt();
    const lines = [INIT];
    const expected = new Map<number, Record<string, unknown>>();
    let id = 10;
    const put = (key: string, value: string) => {
      lines.push(req("c1", id, "memtable_put", { key, value }));
      expected.set(id++, { type: "memtable_put_ok" });
    };
    const flush = (t: number) => {
      lines.push(req("c1", id, "sstable_flush", {}));
      expected.set(id++, { type: "sstable_flush_ok", sstable_file: tableOf(t), entries: 1 });
    };
    const lookup = (t: number, found = true) => {
      const key = found ? `key ${t}` : `absent ${t}`;
      lines.push(req("c1", id, "sstable_lookup", { sstable: tableOf(t), key }));
      expected.set(id++, { type: "sstable_lookup_ok", found, value: found ? `value ${t}` : null, bloom_checked: true });
    };
    for (let t = 1; t <= TABLES; t++) {
      put(`key ${t}`, `value ${t}`);
      flush(t);
    }
    for (let t = 1; t <= TABLES; t++) lookup(t);
    for (let t = TABLES; t >= 1; t -= 3) lookup(t, t % 2 === 0);
    // flushes after every table has been looked up (they failed with EMFILE before)
    for (let t = TABLES + 1; t <= TABLES + 5; t++) {
      put(`key ${t}`, `value ${t}`);
      flush(t);
      lookup(t);
      lookup(1);
    }

    const dir = freshDir();
    const exit = await runUnderUlimit(FD_LIMIT, ["--data-dir", dir, "--no-compaction"], `${lines.join("\n")}\n`); // the 100 tables stay where the flushes put them
    expect(exit.stderr).not.toMatch(/EMFILE|too many open files/i);
    const replies = exit.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as { body: Record<string, unknown> });
    expect(replies).toHaveLength(lines.length);
    const wrong: string[] = [];
    for (const { body } of replies.slice(1)) {
      const want = expected.get(body.in_reply_to as number)!;
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, body[k]]));
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${JSON.stringify(want)} got ${JSON.stringify(body)}`);
    }
    expect(wrong.slice(0, 5), `${wrong.length} wrong replies`).toEqual([]);
    expect(exit.code).toBe(0);
  });
});
