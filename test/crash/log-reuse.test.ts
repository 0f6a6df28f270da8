// Restarts do not pile up logs (issue 7 item 9): each start of a durable node used to add an empty
// NNNNNN.log (6 after 6 starts). A restart now appends to the last log when it was read whole (or
// but for a torn tail), through the built CLI.
import { appendFileSync, readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { tempDirs } from "../support/temp-dirs.js";
import { NodeProc } from "./harness.js";

const freshDir = tempDirs("wasm-lsm-log-reuse");
const logsOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".log")).sort();

async function session(dir: string, puts: [string, string][]): Promise<NodeProc> {
  const node = new NodeProc(dir);
  expect(await node.init()).toBe(true);
  for (const [key, value] of puts) expect((await node.send({ type: "memtable_put", key, value }))?.type).toBe("memtable_put_ok");
  return node;
}

describe("a durable node's restarts", () => {
  test("six starts, with and without writes, leave one log, and every write is there", async () => {
    const dir = freshDir();
    for (let start = 0; start < 6; start++) {
      const node = await session(dir, start % 2 === 0 ? [[`k${start}`, `v${start}`]] : []);
      expect((await node.end()).code).toBe(0);
    }
    expect(logsOf(dir)).toEqual(["000001.log"]);
    const node = await session(dir, []);
    for (const start of [0, 2, 4]) expect((await node.send({ type: "memtable_get", key: `k${start}` }))?.value).toBe(`v${start}`);
    expect((await node.end()).code).toBe(0);
  });

  test("a torn tail is cut off before new writes are appended after it", async () => {
    const dir = freshDir();
    let node = await session(dir, [["a", "1"]]);
    expect((await node.end()).code).toBe(0);
    const [log] = logsOf(dir);
    appendFileSync(`${dir}/${log}`, Buffer.from([0x12, 0x34, 0x56])); // a header cut short
    node = await session(dir, [["b", "2"]]);
    expect(node.stderr).toMatch(/torn|incomplete/);
    expect((await node.end()).code).toBe(0);
    node = await session(dir, []);
    expect(node.stderr).not.toMatch(/torn|incomplete|dropped/);
    expect([(await node.send({ type: "memtable_get", key: "a" }))?.value, (await node.send({ type: "memtable_get", key: "b" }))?.value]).toEqual(["1", "2"]);
    expect((await node.end()).code).toBe(0);
    expect(logsOf(dir)).toEqual([log]);
  });
});
