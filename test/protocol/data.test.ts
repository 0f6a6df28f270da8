// Real data through the built CLI: thousands of puts in random order with overwrites, non-ASCII keys
// and values, MemTable reads and scans (UTF-8 byte order), then a flush and lookups of every key
// with the disk_reads figures of PROTOCOL.md section 3; and background flushes with a small
// --memtable-bytes. The last runs 1,000 keys through a 16 KiB MemTable in `npm
// test`, 4,000 through 64 KiB under SOAK=1 (test/support/soak.ts): the same number of tables and
// of background flushes, and a cross-product of lookups four times as large.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  CLI,
  compareUtf8,
  ephemeralDir,
  expectError,
  expectMsgIds,
  expectReply,
  INIT,
  INIT_OK,
  NodeProcess,
  replyLine,
  req,
  reqUtf8,
  rng,
  shuffle,
} from "./harness.js";
import { soakSize } from "../support/soak.js";

const BIG_MEMTABLE = ["--memtable-bytes", String(256 * 1024 * 1024)];

/** Characters for keys and values: ASCII, 2-, 3- and 4-byte UTF-8, and what JSON must escape. */
const ALPHABET = ["a", "b", "z", "0", "9", ":", " ", "é", "ß", "Ω", "日", "本", "\ue000", "\ufffd", "\uffff", "😀", "\u{10000}", "\u{10fffd}", '"', "\\", "\n", "\t", "\u0000", "\u007f", "/"];

function randomText(random: () => number, min: number, max: number): string {
  const n = min + Math.floor(random() * (max - min + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return s;
}

/** Distinct keys: templated ones, random ones, and single characters whose UTF-16 and UTF-8 orders differ. */
function keyPool(random: () => number, n: number): string[] {
  const keys = new Set<string>(["\uffff", "\ud83d\ude00", "\ue000", "\u{10000}", "é", "e\u0301", "日本", "a", "a\u0000", "Z", "user:42"]);
  const prefixes = ["user:", "é-", "日本-", "😀-", "\uffff-", "\ue000", "k\u0000", "q\"\\"];
  while (keys.size < n) {
    keys.add(random() < 0.5 ? `${prefixes[Math.floor(random() * prefixes.length)]}${Math.floor(random() * 100000)}` : randomText(random, 1, 12));
  }
  return [...keys];
}

/** Data blocks of a table file and the user keys of each (from `wasm-lsm sst layout`; ASCII keys), and its filter's bits. */
function dataBlocks(file: string): { blocks: string[][]; filterBits: number } {
  const out = spawnSync(process.execPath, [CLI, "sst", "layout", file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  expect(out.status, out.stderr).toBe(0);
  const blocks: string[][] = [];
  let current: string[] | null = null;
  for (const line of out.stdout.split("\n")) {
    if (/^\s*\d+-\s*\d+\s+data block #\d+/.test(line)) blocks.push((current = []));
    else if (/^\s*\d+-\s*\d+\s+(meta block|index block|metaindex block|footer)/.test(line)) current = null;
    else if (current !== null) {
      const m = /entry #\d+: shared \d+, unshared \d+, value \d+: "([^"\\]*)"#\d+,value/.exec(line);
      if (m) current.push(m[1]!);
    }
  }
  const filterBits = Number(/bloom lines: \d+ x 64 bytes \((\d+) bits\)/.exec(out.stdout)?.[1]);
  return { blocks, filterBits };
}

describe("real data through the node", () => {
  test("5,000 random puts with overwrites and non-ASCII data: get, scan, flush, lookup every key", async () => {
    const random = rng(20240611);
    const pool = keyPool(random, 3000);
    const node = NodeProcess.start(BIG_MEMTABLE);
    expect(await node.request(INIT)).toBe(INIT_OK);
    let nextId = 10;
    let msgId = 1;

    // puts in random order, with overwrites
    const model = new Map<string, string>();
    const puts: string[] = [];
    const putIds: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const key = pool[Math.floor(random() * pool.length)]!;
      const value = random() < 0.02 ? "" : randomText(random, 0, 40);
      model.set(key, value);
      putIds.push(nextId);
      // half the requests carry non-ASCII as \uXXXX escapes, half as raw UTF-8
      puts.push((i % 2 === 0 ? req : reqUtf8)("c1", nextId++, "memtable_put", { key, value }));
    }
    // the special pairs are always present
    for (const key of ["\uffff", "\ud83d\ude00", "\ue000", "\u{10000}"]) {
      model.set(key, `v-${key}`);
      putIds.push(nextId);
      puts.push(req("c1", nextId++, "memtable_put", { key, value: `v-${key}` }));
    }
    const putReplies = await node.requestAll(puts);
    putReplies.forEach((line, i) => expect(line).toBe(replyLine("c1", putIds[i]!, "memtable_put_ok", {}, msgId + i)));
    msgId += putReplies.length;
    expect(model.size).toBeGreaterThan(2000);
    expect(node.stderr).not.toMatch(/flush/); // no background flush with this --memtable-bytes

    // memtable_get of every key of the pool (some never written) and of a few absent ones
    const getKeys = [...pool, "absent", "\ud83d\ude01", "\uffff\uffff", "user:42 "];
    const getReplies = await node.requestAll(getKeys.map((key, i) => req("c2", 100000 + i, "memtable_get", { key })));
    getReplies.forEach((line, i) => {
      expect(line).toBe(replyLine("c2", 100000 + i, "memtable_get_ok", { value: model.get(getKeys[i]!) ?? null, source: "memtable" }, msgId + i));
    });
    msgId += getReplies.length;
    // non-ASCII comes out as \uXXXX escapes, astral characters as surrogate pairs
    const emoji = await node.request(req("c2", 200000, "memtable_get", { key: "\ud83d\ude00" }));
    expect(emoji).toBe(`{"src": "n1", "dest": "c2", "body": {"type": "memtable_get_ok", "in_reply_to": 200000, "value": "v-\\ud83d\\ude00", "source": "memtable", "msg_id": ${msgId++}}}`);

    // memtable_scan: both ends included, UTF-8 byte order
    const sorted = [...model.keys()].sort(compareUtf8);
    const scanOf = (start: string, end: string) => sorted.filter((k) => compareUtf8(start, k) <= 0 && compareUtf8(k, end) <= 0).map((key) => ({ key, value: model.get(key)! }));
    const ranges: [string, string][] = [
      ["", "\u{10ffff}\u{10ffff}"], // everything
      ["\uffff", "\ud83d\ude00"], // U+FFFF < U+1F600 in UTF-8, though not in UTF-16
      ["\ud83d\ude00", "\uffff"], // reversed: empty
      ["\ue000", "\u{10000}"],
      ["a", "a"], // one key, both ends
      ["a", "a\u0000"],
      ["user:", "user:~"],
      ["zzzz", "zzzz"], // absent: empty
    ];
    for (let i = 0; i < 40; i++) ranges.push([pool[Math.floor(random() * pool.length)]!, pool[Math.floor(random() * pool.length)]!]);
    const scanReplies = await node.requestAll(ranges.map(([start, end], i) => req("c3", 300000 + i, "memtable_scan", { start, end })));
    scanReplies.forEach((line, i) => {
      const [start, end] = ranges[i]!;
      expect(line, `scan ${JSON.stringify(ranges[i])}`).toBe(replyLine("c3", 300000 + i, "memtable_scan_ok", { entries: scanOf(start, end) }, msgId + i));
    });
    msgId += scanReplies.length;
    const across = expectReply(scanReplies[1]!, "memtable_scan_ok", 300001).body.entries as { key: string }[];
    expect(across[0]!.key).toBe("\uffff");
    expect(across[across.length - 1]!.key).toBe("\ud83d\ude00");
    expect((expectReply(scanReplies[2]!, "memtable_scan_ok", 300002).body.entries as unknown[]).length).toBe(0);
    expect((expectReply(scanReplies[0]!, "memtable_scan_ok", 300000).body.entries as unknown[]).length).toBe(model.size);

    // flush: exactly the distinct keys
    const dir = await ephemeralDir(node);
    const flush = expectReply(await node.request(req("c1", 400000, "sstable_flush", {})), "sstable_flush_ok", 400000);
    expect(flush.body.msg_id).toBe(msgId++);
    expect(flush.body.sstable_file).toBe("L0_001.sst");
    expect(flush.body.entries).toBe(model.size);
    expect(node.stderr).not.toMatch(/reference workload/);

    // lookups in key order: 2 for the first (open + block), then 1 at each new block, else 0
    let id = 500000;
    const lookup = (key: string) => req("c4", id++, "sstable_lookup", { sstable: "L0_001.sst", key });
    const sortedReplies = await node.requestAll(sorted.map(lookup));
    const reads = sortedReplies.map((line, i) => {
      const r = expectReply(line, "sstable_lookup_ok", 500000 + i);
      expect(r.body.msg_id).toBe(msgId + i);
      expect({ key: sorted[i], found: r.body.found, value: r.body.value, bloom_checked: r.body.bloom_checked }).toEqual({ key: sorted[i], found: true, value: model.get(sorted[i]!), bloom_checked: true });
      return r.body.disk_reads as number;
    });
    msgId += sortedReplies.length;
    expect(reads[0]).toBe(2);
    expect(reads.slice(1).every((n) => n === 0 || n === 1)).toBe(true);
    const layoutBlocks = spawnSync(process.execPath, [CLI, "sst", "layout", join(dir, "L0_001.sst"), "--entries", "0"], { encoding: "utf8" }).stdout.match(/data block #\d+/g) ?? [];
    expect(layoutBlocks.length).toBeGreaterThan(3);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(1 + layoutBlocks.length); // the open, then each block once

    // again in random order: every block is cached now
    const again = shuffle([...sorted], random);
    const startId = id;
    const againReplies = await node.requestAll(again.map(lookup));
    againReplies.forEach((line, i) => {
      expect(line).toBe(replyLine("c4", startId + i, "sstable_lookup_ok", { found: true, value: model.get(again[i]!)!, bloom_checked: true, disk_reads: 0 }, msgId + i));
    });
    msgId += againReplies.length;

    // absent keys: not found, value null, filter consulted, nothing read (all cached)
    const absent = [...pool.filter((k) => !model.has(k)), "absent", "\ud83d\ude01", "user:420000000", "\u{10ffff}"];
    expect(absent.length).toBeGreaterThan(100);
    const absentStart = id;
    const absentReplies = await node.requestAll(absent.map(lookup));
    absentReplies.forEach((line, i) => {
      expect(line).toBe(replyLine("c4", absentStart + i, "sstable_lookup_ok", { found: false, value: null, bloom_checked: true, disk_reads: 0 }, msgId + i));
    });
    msgId += absentReplies.length;

    // the flush emptied the MemTable: get and scan see nothing now
    expect(await node.request(req("c2", 900000, "memtable_get", { key: "\uffff" }))).toBe(replyLine("c2", 900000, "memtable_get_ok", { value: null, source: "memtable" }, msgId++));
    expect(await node.request(req("c3", 900001, "memtable_scan", { start: "", end: "\u{10ffff}" }))).toBe(replyLine("c3", 900001, "memtable_scan_ok", { entries: [] }, msgId++));

    const exit = await node.end();
    expect(exit.code).toBe(0);
    expectMsgIds(exit.lines);
  });

  test("pipelined and interleaved in a durable store: each request sees every earlier one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasm-lsm-protocol-data-"));
    try {
      const node = NodeProcess.start(["--data-dir", dir, "--no-compaction"]); // tables stay where flushes put them
      const input = [INIT];
      const expected = [INIT_OK];
      const latest = new Map<string, string>();
      let table = 0;
      for (let i = 0; i < 600; i++) {
        const key = `k${i % 37}-é`;
        const value = `v${i}-😀`;
        latest.set(key, value);
        input.push(req("clé😀", 2 * i + 2, "memtable_put", { key, value }), req("c1", 2 * i + 3, "memtable_get", { key }));
        expected.push(
          `{"src": "n1", "dest": "cl\\u00e9\\ud83d\\ude00", "body": {"type": "memtable_put_ok", "in_reply_to": ${2 * i + 2}, "msg_id": ${expected.length}}}`,
          replyLine("c1", 2 * i + 3, "memtable_get_ok", { value, source: "memtable" }, expected.length + 1),
        );
        if (i % 100 === 99) {
          const name = `L0_${String(++table).padStart(3, "0")}.sst`;
          input.push(req("c1", 10000 + i, "sstable_flush", {}), req("c1", 20000 + i, "sstable_lookup", { sstable: name, key }));
          expected.push("FLUSH", replyLine("c1", 20000 + i, "sstable_lookup_ok", { found: true, value, bloom_checked: true, disk_reads: 2 }, expected.length + 1));
          input.push(req("c1", 30000 + i, "memtable_scan", { start: "", end: "\u{10ffff}" }));
          expected.push(replyLine("c1", 30000 + i, "memtable_scan_ok", { entries: [] }, expected.length));
        }
      }
      const replies = await node.requestAll(input);
      replies.forEach((line, i) => {
        if (expected[i] === "FLUSH") expect(expectReply(line, "sstable_flush_ok", JSON.parse(input[i]!).body.msg_id).body.entries).toBe(37);
        else expect(line).toBe(expected[i]);
      });
      expect((await node.end()).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("disk_reads per lookup against the table's own layout: 2, then 1 per block not yet read, 0 cached or filter negative", async () => {
    const random = rng(7);
    const node = NodeProcess.start(BIG_MEMTABLE);
    expect(await node.request(INIT)).toBe(INIT_OK);
    const key = (n: number) => `b:${String(n).padStart(6, "0")}`;
    const present = Array.from({ length: 2000 }, (_, i) => key(2 * i));
    const value = (k: string) => `value of ${k} `.padEnd(40, "-");
    const puts = await node.requestAll(shuffle([...present], random).map((k, i) => req("c1", 10 + i, "memtable_put", { key: k, value: value(k) })));
    expect(puts.every((line) => JSON.parse(line).body.type === "memtable_put_ok")).toBe(true);
    const dir = await ephemeralDir(node);
    const flush = expectReply(await node.request(req("c1", 5000, "sstable_flush", {})), "sstable_flush_ok", 5000);
    expect(flush.body).toMatchObject({ sstable_file: "L0_001.sst", entries: 2000 });

    const { blocks, filterBits } = dataBlocks(join(dir, "L0_001.sst"));
    expect(flush.body.bloom_filter_bits).toBe(filterBits); // read off the file
    expect(filterBits).toBeGreaterThanOrEqual(2000 * 10);
    expect(blocks.flat()).toEqual(present);
    expect(blocks.length).toBeGreaterThan(10);
    const blockOf = new Map<string, number>();
    blocks.forEach((keys, b) => keys.forEach((k) => blockOf.set(k, b)));
    // absent keys strictly inside a block's key range: their data block is known
    const absentInside = new Map<string, number>();
    blocks.forEach((keys, b) => {
      for (let i = 0; i + 1 < keys.length; i++) absentInside.set(key(Number(keys[i]!.slice(2)) + 1), b);
    });

    // the first lookup in the fresh table hits: open + one block = 2
    const first = present[Math.floor(present.length / 2)]!;
    expect(await node.request(req("c1", 6000, "sstable_lookup", { sstable: "L0_001.sst", key: first }))).toBe(
      replyLine("c1", 6000, "sstable_lookup_ok", { found: true, value: value(first), bloom_checked: true, disk_reads: 2 }, 2002),
    );
    const cached = new Set<number>([blockOf.get(first)!]);

    // then absent keys in random order (their blocks mostly not read yet: a filter negative reads
    // nothing), then present and absent keys mixed
    const absentKeys = shuffle([...absentInside.keys()], random);
    const order = [...absentKeys.slice(0, 600), ...shuffle([...present.filter((k) => k !== first), ...absentKeys.slice(600)], random)];
    const replies = await node.requestAll(order.map((k, i) => req("c1", 7000 + i, "sstable_lookup", { sstable: "L0_001.sst", key: k })));
    let negativesUncached = 0;
    let falsePositiveReads = 0;
    replies.forEach((line, i) => {
      const k = order[i]!;
      const reply = expectReply(line, "sstable_lookup_ok", 7000 + i);
      const reads = reply.body.disk_reads as number;
      if (blockOf.has(k)) {
        const b = blockOf.get(k)!;
        expect(line, `present ${k} in block ${b}`).toBe(replyLine("c1", 7000 + i, "sstable_lookup_ok", { found: true, value: value(k), bloom_checked: true, disk_reads: cached.has(b) ? 0 : 1 }, 2003 + i));
        cached.add(b);
      } else {
        const b = absentInside.get(k)!;
        expect(reply.body).toMatchObject({ found: false, value: null, bloom_checked: true });
        if (cached.has(b)) {
          expect(reads, `absent ${k}, block ${b} cached`).toBe(0);
        } else {
          // a filter negative reads nothing; a false positive reads the block (once)
          negativesUncached++;
          expect([0, 1], `absent ${k}, block ${b} not read yet`).toContain(reads);
          if (reads === 1) {
            falsePositiveReads++;
            cached.add(b);
          }
        }
      }
    });
    expect(negativesUncached).toBeGreaterThan(100);
    expect(falsePositiveReads / negativesUncached).toBeLessThan(0.05); // 10 bits per key: about 1% false positives
    expect(cached.size).toBe(blocks.length);

    // a filter negative as the very first lookup of a fresh table costs the open only
    const more = await node.requestAll(Array.from({ length: 500 }, (_, i) => req("c1", 8000 + i, "memtable_put", { key: `c:${i}`, value: "x" })));
    expect(more.every((line) => JSON.parse(line).body.type === "memtable_put_ok")).toBe(true);
    const flush2 = expectReply(await node.request(req("c1", 9000, "sstable_flush", {})), "sstable_flush_ok", 9000);
    expect(flush2.body).toMatchObject({ sstable_file: "L0_002.sst", entries: 500 });
    const coldAbsent = await node.request(req("c1", 9001, "sstable_lookup", { sstable: "L0_002.sst", key: "\u00e9\u00e9 not there" }));
    expect(expectReply(coldAbsent, "sstable_lookup_ok", 9001).body).toMatchObject({ found: false, value: null, bloom_checked: true });
    expect([1, 2]).toContain(JSON.parse(coldAbsent).body.disk_reads);
    expect((await node.end()).code).toBe(0);
  });

  test("small --memtable-bytes: background flushes; explicit flushes take the next number; every key in exactly one table", async () => {
    const random = rng(99);
    // keys per KiB of MemTable as in the full run, so as many tables fill up in the background
    const keyCount = soakSize(1000, 4000);
    const flushEvery = keyCount / 4;
    const node = NodeProcess.start(["--memtable-bytes", String(soakSize(16, 64) * 1024), "--no-compaction"]); // tables stay in level 0
    expect(await node.request(INIT)).toBe(INIT_OK);
    const keys = keyPool(random, keyCount);
    const value = (k: string, i: number) => `${i}:${k}:${"é日😀".repeat(1 + (i % 7))}`;
    const values = new Map(keys.map((k, i) => [k, value(k, i)]));
    // puts pipelined, with an explicit flush after every quarter of them (while background flushes run)
    const input: string[] = [];
    const flushIds: number[] = [];
    keys.forEach((k, i) => {
      input.push(req("c1", 10 + i, "memtable_put", { key: k, value: values.get(k)! }));
      if (i % flushEvery === flushEvery - 1) {
        flushIds.push(100000 + i);
        input.push(req("c1", 100000 + i, "sstable_flush", {}));
      }
    });
    input.push(req("c1", 200000, "memtable_put", { key: "last", value: "one" }));
    values.set("last", "one");
    flushIds.push(200001);
    input.push(req("c1", 200001, "sstable_flush", {}));
    const replies = await node.requestAll(input);
    expectMsgIds(replies, 1);
    const flushes = replies.filter((line) => JSON.parse(line).body.type === "sstable_flush_ok").map((line) => JSON.parse(line).body);
    expect(replies.filter((line) => JSON.parse(line).body.type === "memtable_put_ok")).toHaveLength(keys.length + 1);
    expect(flushes.map((b) => b.in_reply_to)).toEqual(flushIds);
    const numbers = flushes.map((b) => Number(/^L0_(\d{3,})\.sst$/.exec(b.sstable_file)![1]));
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]!).toBeGreaterThan(numbers[i - 1]!);
    const last = numbers[numbers.length - 1]!;
    expect(last - flushes.length).toBeGreaterThanOrEqual(2); // background flushes happened between them
    expect(node.stderr).not.toMatch(/reference workload|flush failed/);

    // tables L0_001 .. L0_<last>, no gaps; the next number does not exist (error 20)
    const names = Array.from({ length: last }, (_, i) => `L0_${String(i + 1).padStart(3, "0")}.sst`);
    const missing = await node.request(req("c1", 300000, "sstable_lookup", { sstable: `L0_${String(last + 1).padStart(3, "0")}.sst`, key: "last" }));
    expect(expectError(missing, 300000, 20)).toMatch(/L0_\d+\.sst/);

    // every key in exactly one table, with its value; each table's hits add up to its entries
    const allKeys = [...values.keys()];
    const lookups: string[] = [];
    for (const name of names) for (const k of allKeys) lookups.push(req("c5", lookups.length, "sstable_lookup", { sstable: name, key: k }));
    const found = await node.requestAll(lookups, 60_000);
    const where = new Map<string, string[]>();
    const hitsPerTable = new Map<string, number>();
    found.forEach((line, i) => {
      const name = names[Math.floor(i / allKeys.length)]!;
      const k = allKeys[i % allKeys.length]!;
      const body = expectReply(line, "sstable_lookup_ok", i).body;
      expect(body.bloom_checked).toBe(true);
      if (body.found === true) {
        expect(body.value, `${k} in ${name}`).toBe(values.get(k));
        where.set(k, [...(where.get(k) ?? []), name]);
        hitsPerTable.set(name, (hitsPerTable.get(name) ?? 0) + 1);
      } else {
        expect(body.value).toBe(null);
      }
    });
    const notOnce = allKeys.filter((k) => where.get(k)?.length !== 1);
    expect(notOnce.map((k) => [k, where.get(k) ?? []])).toEqual([]);
    for (const f of flushes) expect(f.entries, `${f.sstable_file} holds only our keys`).toBe(hitsPerTable.get(f.sstable_file) ?? 0);
    expect((await node.end()).code).toBe(0);
  });

  test("an explicit flush right after a put that started a background flush invents no data (ephemeral)", async () => {
    // 9 puts of 118 footprint bytes each (key 2 + value 100 + 16) pass --memtable-bytes 1000 at the
    // 9th: it freezes the MemTable and flushes it in the background. The explicit sstable_flush that
    // follows then finds the active MemTable empty, although the store holds writes (frozen, not yet
    // in a table).
    const node = NodeProcess.start(["--memtable-bytes", "1000"]);
    const input = [INIT];
    for (let i = 1; i <= 9; i++) input.push(req("c1", 1 + i, "memtable_put", { key: `a${i}`, value: "v".repeat(100) }));
    input.push(req("c1", 20, "sstable_flush", {}));
    const replies = await node.requestAll(input);
    const flush = expectReply(replies[10]!, "sstable_flush_ok", 20);
    const tables = Number(/L0_(\d+)/.exec(flush.body.sstable_file as string)![1]);
    const probes: { table: string; key: string }[] = [];
    for (let t = 1; t <= tables; t++) {
      for (const key of ["a1", "a9", "user:0", "user:42"]) probes.push({ table: `L0_${String(t).padStart(3, "0")}.sst`, key });
    }
    const found = (await node.requestAll(probes.map((p, i) => req("c1", 100 + i, "sstable_lookup", { sstable: p.table, key: p.key })))).map((line, i) => ({
      ...probes[i]!,
      found: JSON.parse(line).body.found as boolean,
    }));
    // the writes are in a table; the reference workload (user:0.., user:42 = Alice) is in none
    expect(found.filter((f) => f.found && f.key.startsWith("a")).length).toBe(2);
    expect(found.filter((f) => f.found && f.key.startsWith("user:"))).toEqual([]);
    expect(node.stderr).not.toMatch(/reference workload/);
    expect((await node.end()).code).toBe(0);
  });
});
