// PROTOCOL.md section 3: the course task's own test inputs and expected lines, through the built
// CLI over real pipes. Inputs are pipelined (written at once, before any reply), as a harness does.
import { describe, expect, test } from "vitest";
import { expectMsgIds, expectReply, INIT, INIT_OK, NodeProcess, parseReply, replyLine, req, runBatch } from "./harness.js";

describe("the course task's test cases (PROTOCOL.md section 3)", () => {
  test("case 1: after init, sstable_flush of 4194304 bytes on a fresh node", async () => {
    const run = await runBatch([], [INIT, req("c1", 2, "sstable_flush", { memtable_size_bytes: 4194304 })]);
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(2);
    expect(run.lines[0]).toBe(INIT_OK);
    const reply = expectReply(run.lines[1]!, "sstable_flush_ok", 2);
    // exact key order: type, in_reply_to, sstable_file, entries, bloom_filter_bits, size_bytes, msg_id
    expect(Object.keys(reply.body)).toEqual(["type", "in_reply_to", "sstable_file", "entries", "bloom_filter_bits", "size_bytes", "msg_id"]);
    const { sstable_file, entries, bloom_filter_bits, size_bytes, msg_id } = reply.body;
    expect(sstable_file).toBe("L0_001.sst");
    expect(Number.isSafeInteger(entries)).toBe(true);
    expect(entries as number).toBeGreaterThan(45_000); // "about 50,000" (the sample says 50000)
    expect(entries as number).toBeLessThan(55_000);
    expect(Number.isSafeInteger(bloom_filter_bits)).toBe(true);
    expect(bloom_filter_bits as number).toBeGreaterThan(0);
    expect((bloom_filter_bits as number) % 512).toBe(0); // whole 512-bit filter lines
    expect(bloom_filter_bits as number).toBeGreaterThanOrEqual((entries as number) * 10); // --bits-per-key 10
    expect(Number.isSafeInteger(size_bytes)).toBe(true);
    expect(size_bytes as number).toBeGreaterThan(1_000_000);
    expect(msg_id).toBe(1);
    expect(run.stdout.toString("latin1")).toBe(`${INIT_OK}\n${run.lines[1]}\n`);
    expect(run.stderr).toMatch(/loaded the reference workload of 4194304 bytes/);
  });

  test("case 2: sstable_flush of 1024 bytes, then sstable_lookup of user:42 in L0_001.sst", async () => {
    const run = await runBatch([], [INIT, req("c1", 2, "sstable_flush", { memtable_size_bytes: 1024 }), req("c1", 3, "sstable_lookup", { sstable: "L0_001.sst", key: "user:42" })]);
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(3);
    expect(run.lines[0]).toBe(INIT_OK);
    const flush = expectReply(run.lines[1]!, "sstable_flush_ok", 2);
    expect(flush.body.sstable_file).toBe("L0_001.sst");
    expect(flush.body.entries as number).toBeGreaterThan(0);
    expect(flush.body.bloom_filter_bits as number).toBeGreaterThan(0);
    // "sstable_lookup_ok should show bloom_checked: true"; the sample's figures
    expect(run.lines[2]).toBe(replyLine("c1", 3, "sstable_lookup_ok", { found: true, value: "Alice", bloom_checked: true, disk_reads: 2 }, 2));
    expect(run.stdout.toString("latin1")).toBe(`${run.lines.join("\n")}\n`);
  });

  test("the two cases' checks also hold on one node, case 2's request sent before case 1's reply", async () => {
    const node = NodeProcess.start();
    const lines = await node.requestAll([
      INIT,
      req("c1", 2, "sstable_flush", { memtable_size_bytes: 4194304 }),
      req("c1", 3, "sstable_flush", { memtable_size_bytes: 1024 }),
      req("c1", 4, "sstable_lookup", { sstable: "L0_001.sst", key: "user:42" }),
      req("c1", 5, "sstable_lookup", { sstable: "L0_002.sst", key: "user:42" }),
    ]);
    expectMsgIds(lines);
    expect(expectReply(lines[1]!, "sstable_flush_ok", 2).body.sstable_file).toBe("L0_001.sst");
    expect(expectReply(lines[2]!, "sstable_flush_ok", 3).body.sstable_file).toBe("L0_002.sst");
    expect(lines[3]).toBe(replyLine("c1", 4, "sstable_lookup_ok", { found: true, value: "Alice", bloom_checked: true, disk_reads: 2 }, 3));
    expect(lines[4]).toBe(replyLine("c1", 5, "sstable_lookup_ok", { found: true, value: "Alice", bloom_checked: true, disk_reads: 2 }, 4));
    expect((await node.end()).code).toBe(0);
  });

  test("the task's expected lines, byte for byte: init_ok, memtable_put_ok, memtable_get_ok", async () => {
    // init_ok has in_reply_to 1 and dest c0: init is msg_id 1 from c0, and its reply is msg_id 0.
    // memtable_put_ok goes to c1 with in_reply_to 2 and msg_id 1: the second request, msg_id 2 from c1.
    // memtable_get_ok: the third, msg_id 3 from c1, reading the value v1 just put.
    const input = [
      '{"src": "c0", "dest": "n1", "body": {"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1"]}}',
      '{"src": "c1", "dest": "n1", "body": {"type": "memtable_put", "msg_id": 2, "key": "k1", "value": "v1"}}',
      '{"src": "c1", "dest": "n1", "body": {"type": "memtable_get", "msg_id": 3, "key": "k1"}}',
    ];
    const expected = [
      '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}',
      '{"src": "n1", "dest": "c1", "body": {"type": "memtable_put_ok", "in_reply_to": 2, "msg_id": 1}}',
      '{"src": "n1", "dest": "c1", "body": {"type": "memtable_get_ok", "in_reply_to": 3, "value": "v1", "source": "memtable", "msg_id": 2}}',
    ];
    // pipelined
    const run = await runBatch([], input);
    expect(run.code).toBe(0);
    expect(run.stdout.toString("latin1")).toBe(`${expected.join("\n")}\n`);
    // interactive: one at a time, each reply awaited before the next request
    const node = NodeProcess.start();
    for (let i = 0; i < input.length; i++) expect(await node.request(input[i]!)).toBe(expected[i]);
    const exit = await node.end();
    expect(exit.code).toBe(0);
    expect(exit.stdout.toString("latin1")).toBe(`${expected.join("\n")}\n`);
    // the input in JSON.stringify's compact format gives the same bytes out
    const compact = await runBatch([], input.map((line) => JSON.stringify(JSON.parse(line))));
    expect(compact.stdout.toString("latin1")).toBe(`${expected.join("\n")}\n`);
  });

  test("ids are echoed exactly: non-ASCII node and client ids escaped, the largest msg_id", async () => {
    const run = await runBatch([], [
      req("c0", 1, "init", { node_id: "nœud-1 😀", node_ids: ["nœud-1 😀"] }),
      req("clé", 9007199254740991, "memtable_get", { key: "k" }),
    ]);
    expect(run.lines).toEqual([
      '{"src": "n\\u0153ud-1 \\ud83d\\ude00", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}',
      '{"src": "n\\u0153ud-1 \\ud83d\\ude00", "dest": "cl\\u00e9", "body": {"type": "memtable_get_ok", "in_reply_to": 9007199254740991, "value": null, "source": "memtable", "msg_id": 1}}',
    ]);
  });

  test("before init, a reply comes from the request's dest; the counter starts at the first reply", async () => {
    const run = await runBatch([], [req("c1", 7, "memtable_get", { key: "k" }, "n9"), INIT, req("c1", 8, "memtable_get", { key: "k" })]);
    expect(run.lines).toEqual([
      replyLine("c1", 7, "memtable_get_ok", { value: null, source: "memtable" }, 0, "n9"),
      '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 1}}',
      replyLine("c1", 8, "memtable_get_ok", { value: null, source: "memtable" }, 2),
    ]);
    for (const line of run.lines) parseReply(line);
  });
});
