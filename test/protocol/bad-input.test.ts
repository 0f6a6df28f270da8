// Every bad input of PROTOCOL.md section 4 (and the envelope rules of section 2) through the built
// CLI: each gets error 12 / 10 / 20 or, when it carries no usable src and body.msg_id, no reply and
// a log line; after each the node still answers, and at the end the store holds exactly the good
// writes.
import { describe, expect, test } from "vitest";
import { describeText, expectError, expectMsgIds, expectReply, expectSameText, INIT, INIT_OK, NodeProcess, py, replyLine, req, reqUtf8 } from "./harness.js";

const KiB = 1024;
const MiB = 1024 * KiB;

type Expect =
  | { readonly code: number; readonly text: RegExp }
  /** No reply; the log names the line and this reason, and says there is no reply. */
  | { readonly none: RegExp };

interface Case {
  readonly name: string;
  readonly line: string | Buffer;
  readonly msgId?: number;
  readonly expect: Expect;
  /** A key this request tried to write: it must not be in the store. */
  readonly badKey?: string;
}

const FIELD_TYPE_CASES: [type: string, fields: Record<string, unknown>, names: RegExp][] = [];
const put = (key: unknown, value: unknown) => ({ key, value });
{
  const wrong = { number: 42, float: 1.5, null: null, bool: true, array: ["a"], object: { a: 1 } };
  for (const [what, v] of Object.entries(wrong)) {
    FIELD_TYPE_CASES.push(["memtable_put", put(v, "x"), /key/]);
    FIELD_TYPE_CASES.push(["memtable_put", put(`bad-value-${what}`, v), /value/]);
    FIELD_TYPE_CASES.push(["memtable_get", { key: v }, /key/]);
    FIELD_TYPE_CASES.push(["memtable_scan", { start: v, end: "z" }, /start/]);
    FIELD_TYPE_CASES.push(["memtable_scan", { start: "a", end: v }, /end/]);
    FIELD_TYPE_CASES.push(["sstable_lookup", { sstable: v, key: "anchor" }, /sstable/]);
    FIELD_TYPE_CASES.push(["sstable_lookup", { sstable: "L0_001.sst", key: v }, /key/]);
    FIELD_TYPE_CASES.push(["init", { node_id: v, node_ids: ["n1"] }, /node_id/]);
    if (what !== "array") FIELD_TYPE_CASES.push(["init", { node_id: "n1", node_ids: v }, /node_ids/]);
  }
  FIELD_TYPE_CASES.push(
    ["memtable_put", { value: "x" }, /key/],
    ["memtable_put", { key: "bad-value-missing" }, /value/],
    ["memtable_get", {}, /key/],
    ["memtable_scan", { end: "z" }, /start/],
    ["memtable_scan", { start: "a" }, /end/],
    ["sstable_lookup", { key: "anchor" }, /sstable/],
    ["sstable_lookup", { sstable: "L0_001.sst" }, /key/],
    ["init", { node_ids: ["n1"] }, /node_id/],
    ["init", { node_id: "" , node_ids: ["n1"]}, /node_id/],
    ["init", { node_id: "n1" }, /node_ids/],
    ["init", { node_id: "n1", node_ids: [1] }, /node_ids/],
  );
  for (const size of [-1, 1.5, "3", null, true, [], {}, "4194304", 1024 * MiB + 1, 2 ** 53, -0.5, 1e21]) {
    FIELD_TYPE_CASES.push(["sstable_flush", { memtable_size_bytes: size }, /memtable_size_bytes/]);
  }
}

describe("bad input: error replies, log lines, and a store left intact", () => {
  test("every bad input of PROTOCOL.md section 4, then the good writes and nothing else", async () => {
    // a MemTable big enough that nothing is flushed in the background: every good write stays readable
    const node = NodeProcess.start(["--memtable-bytes", String(256 * MiB)], { timeoutMs: 60_000 });
    expect(await node.request(INIT)).toBe(INIT_OK);
    let id = 1000;
    const good = new Map<string, string>();
    const bad = new Set<string>();

    const ok = async (type: string, fields: Record<string, unknown>, replyType: string) => {
      const msgId = id++;
      const line = await node.request(reqUtf8("c1", msgId, type, fields));
      return expectReply(line, replyType, msgId);
    };
    const putGood = async (key: string, value: string) => {
      await ok("memtable_put", { key, value }, "memtable_put_ok");
      good.set(key, value);
    };
    const getValue = async (key: string) => (await ok("memtable_get", { key }, "memtable_get_ok")).body.value;

    // a first table (so table names can point at a real one), then the anchor the probes read
    await putGood("first", "table");
    expect((await ok("sstable_flush", {}, "sstable_flush_ok")).body).toMatchObject({ sstable_file: "L0_001.sst", entries: 1 });
    good.clear();
    await putGood("anchor", "still here é😀");

    /** Sends a bad line, then a probe; checks the bad line's reply (or its absence) and the probe's. */
    const check = async (c: Case) => {
      const lineNumber = node.send(c.line);
      const probeId = id++;
      node.send(req("c9", probeId, "memtable_get", { key: "anchor" }));
      const probe = replyLine("c9", probeId, "memtable_get_ok", { value: "still here é😀", source: "memtable" }, 0).replace(/"msg_id": 0}}$/, "");
      const first = await node.nextReply();
      if ("none" in c.expect) {
        expect(first.startsWith(probe), `${c.name}: no reply expected, got ${first.slice(0, 300)}`).toBe(true);
        const logged = await node.waitForStderr(new RegExp(`wasm-lsm: line ${lineNumber}: [^\\n]*`));
        expect(logged, c.name).toMatch(c.expect.none);
        expect(logged, c.name).toMatch(/no reply/);
      } else {
        const text = expectError(first, c.msgId!, c.expect.code);
        expect(text, c.name).toMatch(c.expect.text);
        expect(first).toBe(replyLine("c1", c.msgId!, "error", { code: c.expect.code, text }, JSON.parse(first).body.msg_id));
        const second = await node.nextReply();
        expect(second.startsWith(probe), `${c.name}: probe after the error`).toBe(true);
      }
      if (c.badKey !== undefined) bad.add(c.badKey);
    };
    const err = (name: string, type: string, fields: Record<string, unknown>, code: number, text: RegExp, badKey?: string): Case => {
      const msgId = id++;
      return { name, line: reqUtf8("c1", msgId, type, fields), msgId, expect: { code, text }, ...(badKey === undefined ? {} : { badKey }) };
    };
    const envelope = (name: string, line: string | Buffer, msgId: number, text: RegExp): Case => ({ name, line, msgId, expect: { code: 12, text } });
    const none = (name: string, line: string | Buffer, reason: RegExp): Case => ({ name, line, expect: { none: reason } });

    // --- lines that are not JSON
    await check(none("not JSON", "not json", /line is not JSON/));
    await check(none("Python repr", "{'src': 'c1', 'dest': 'n1', 'body': {'type': 'memtable_get', 'msg_id': 5}}", /line is not JSON/));
    await check(none("NaN", "NaN", /line is not JSON/));
    await check(envelope("not JSON, src and msg_id readable", '{"src": "c1", "dest": "n1", "body": {"type": "memtable_put", "msg_id": 501, "key": "bad-json", "value": }}', 501, /^line is not JSON$/));
    await check(envelope("cut short", '{"src": "c1", "dest": "n1", "body": {"type": "memtable_put", "msg_id": 502, "key": "bad-cut"', 502, /^line is not JSON$/));
    await check(envelope("trailing garbage", '{"src": "c1", "dest": "n1", "body": {"type": "memtable_put", "msg_id": 503, "key": "bad-trailing", "value": "x"}} x', 503, /^line is not JSON$/));
    await check(
      envelope(
        "not valid UTF-8",
        Buffer.concat([Buffer.from('{"src": "c1", "dest": "n1", "body": {"type": "memtable_put", "msg_id": 504, "key": "bad-utf8", "value": "'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}')]),
        504,
        /UTF-8/,
      ),
    );
    for (const w of ["bad-json", "bad-cut", "bad-trailing", "bad-utf8"]) bad.add(w);

    // --- JSON that is not a message
    for (const text of ["[]", "42", '"text"', "null", "true", "[1, 2]"]) await check(none(`JSON ${text}`, text, /message is not a JSON object/));
    await check(none("{}", "{}", /src is missing/));
    await check(none("no body", '{"src": "c1", "dest": "n1"}', /body is missing or not an object/));
    await check(none("body a string", '{"src": "c1", "dest": "n1", "body": "memtable_get"}', /body is missing or not an object/));
    await check(none("body an array", '{"src": "c1", "dest": "n1", "body": [{"type": "init", "msg_id": 5}]}', /body is missing or not an object/));
    await check(none("src a number", '{"src": 5, "dest": "n1", "body": {"type": "memtable_get", "msg_id": 5, "key": "anchor"}}', /src is missing or not a string/));
    await check(none("src missing", '{"dest": "n1", "body": {"type": "memtable_get", "msg_id": 5, "key": "anchor"}}', /src is missing or not a string/));
    for (const msgId of ["-1", "1.5", '"7"', "null", "9007199254740992", "[7]", "true"]) {
      await check(none(`msg_id ${msgId}`, `{"src": "c1", "dest": "n1", "body": {"type": "memtable_put", "msg_id": ${msgId}, "key": "bad-msg-id", "value": "x"}}`, /body\.msg_id is missing or not an integer/));
    }
    await check(none("msg_id missing", '{"src": "c1", "dest": "n1", "body": {"type": "memtable_put", "key": "bad-msg-id", "value": "x"}}', /body\.msg_id is missing/));
    bad.add("bad-msg-id");
    await check(envelope("dest missing", '{"src": "c1", "body": {"type": "memtable_put", "msg_id": 510, "key": "bad-dest", "value": "x"}}', 510, /dest is missing or not a string/));
    await check(envelope("dest a number", '{"src": "c1", "dest": 1, "body": {"type": "memtable_put", "msg_id": 511, "key": "bad-dest", "value": "x"}}', 511, /dest is missing or not a string/));
    await check(envelope("type missing", '{"src": "c1", "dest": "n1", "body": {"msg_id": 512, "key": "bad-type", "value": "x"}}', 512, /body\.type is missing or not a string/));
    await check(envelope("type a number", '{"src": "c1", "dest": "n1", "body": {"type": 3, "msg_id": 513, "key": "bad-type", "value": "x"}}', 513, /body\.type is missing or not a string/));
    await check(envelope("type null", '{"src": "c1", "dest": "n1", "body": {"type": null, "msg_id": 514, "key": "bad-type", "value": "x"}}', 514, /body\.type is missing or not a string/));
    bad.add("bad-dest").add("bad-type");

    // --- blank lines: ignored (no reply)
    for (const blank of ["", "   ", "\t \t", "\r"]) {
      node.send(blank);
      const probeId = id++;
      expect(await node.request(req("c9", probeId, "memtable_get", { key: "anchor" }))).toMatch(new RegExp(`"in_reply_to": ${probeId},`));
    }

    // --- wrong field types of each message
    for (const [type, fields, names] of FIELD_TYPE_CASES) {
      const key = type === "memtable_put" && typeof fields["key"] === "string" ? (fields["key"] as string) : undefined;
      await check(err(`${type} ${py(fields)}`, type, fields, 12, names, key));
    }
    for (const raw of ["1e400", "1.0e1000", "4194304.5", "0x10"]) {
      const msgId = id++;
      const line = `{"src": "c1", "dest": "n1", "body": {"type": "sstable_flush", "msg_id": ${msgId}, "memtable_size_bytes": ${raw}}}`;
      if (raw === "0x10") await check(envelope(`memtable_size_bytes ${raw}`, line, msgId, /^line is not JSON$/));
      else await check({ name: `memtable_size_bytes ${raw}`, line, msgId, expect: { code: 12, text: /memtable_size_bytes/ } });
    }
    // fields come from the body's own members only, never through __proto__
    {
      const msgId = id++;
      const line = `{"src": "c1", "dest": "n1", "body": {"type": "memtable_put", "msg_id": ${msgId}, "__proto__": {"key": "bad-proto", "value": "x"}}}`;
      await check({ name: "__proto__ member", line, msgId, expect: { code: 12, text: /key/ }, badKey: "bad-proto" });
    }
    // a failed init changed nothing: replies still come from n1
    expect(await node.request(req("c1", 600, "memtable_get", { key: "anchor" }))).toMatch(/^\{"src": "n1", "dest": "c1"/);

    // --- unknown types: error 10 naming the type
    for (const type of ["nope", "__proto__", "constructor", "toString", "hasOwnProperty", "MEMTABLE_PUT", "memtable_put ", "", "init_ok", "error", "sstable_flush_ok"]) {
      await check(err(`type ${JSON.stringify(type)}`, type, { key: "bad-unknown", value: "x" }, 10, new RegExp(`^unsupported message type: ${type.replace(/[$()*+.?[\\\]^{|}]/g, "\\$&")}$`)));
    }
    bad.add("bad-unknown");

    // --- key limits: 1 byte to 16 KiB of UTF-8
    const keyLimit = /16384 bytes \(16 KiB\)/;
    for (const key of ["é".repeat(8192), "k".repeat(16 * KiB), "😀".repeat(4096), "日".repeat(5461) + "a"]) {
      expect(Buffer.byteLength(key)).toBe(16 * KiB);
      await putGood(key, `edge ${key.length}`);
      expectSameText(await getValue(key), `edge ${key.length}`, "16 KiB key");
    }
    for (const key of ["é".repeat(8192) + "a", "k".repeat(16 * KiB + 1), "😀".repeat(4096) + "a", "日".repeat(5462)]) {
      expect(Buffer.byteLength(key)).toBeGreaterThan(16 * KiB);
      await check(err(`put key of ${Buffer.byteLength(key)} bytes`, "memtable_put", { key, value: "x" }, 12, keyLimit));
      await check(err(`get key of ${Buffer.byteLength(key)} bytes`, "memtable_get", { key }, 12, keyLimit));
      await check(err(`lookup key of ${Buffer.byteLength(key)} bytes`, "sstable_lookup", { sstable: "L0_001.sst", key }, 12, keyLimit));
      await check(err(`scan start of ${Buffer.byteLength(key)} bytes`, "memtable_scan", { start: key, end: "z" }, 12, keyLimit));
      await check(err(`scan end of ${Buffer.byteLength(key)} bytes`, "memtable_scan", { start: "a", end: key }, 12, keyLimit));
    }
    await check(err("put empty key", "memtable_put", { key: "", value: "x" }, 12, keyLimit));
    await check(err("get empty key", "memtable_get", { key: "" }, 12, keyLimit));
    await check(err("lookup empty key", "sstable_lookup", { sstable: "L0_001.sst", key: "" }, 12, keyLimit));

    // --- value limit: up to 4 MiB of UTF-8
    const valueLimit = /4194304 bytes \(4 MiB\)/;
    const fourMiB = "v".repeat(4 * MiB);
    const fourMiBWide = "日".repeat((4 * MiB - 1) / 3) + "a"; // 1398101 three-byte characters and one byte
    expect(Buffer.byteLength(fourMiBWide)).toBe(4 * MiB);
    await putGood("value-4MiB", fourMiB);
    await putGood("value-4MiB-wide", fourMiBWide);
    expectSameText(await getValue("value-4MiB"), fourMiB, "4 MiB value");
    expectSameText(await getValue("value-4MiB-wide"), fourMiBWide, "4 MiB value of 3-byte characters");
    await check(err("value of 4 MiB + 1", "memtable_put", { key: "bad-value-4MiB+1", value: `${fourMiB}v` }, 12, valueLimit, "bad-value-4MiB+1"));
    await check(err("wide value of 4 MiB + 2", "memtable_put", { key: "bad-value-wide", value: `${fourMiBWide.slice(0, -1)}é` }, 12, valueLimit, "bad-value-wide"));

    // --- line limit: 8 MiB without the terminator
    const lineLimit = /8388608 bytes \(8 MiB\)/;
    const sized = (msgId: number, key: string, bytes: number) => {
      const base = req("c1", msgId, "memtable_put", { key, value: "w".repeat(4 * MiB), pad: "" });
      return req("c1", msgId, "memtable_put", { key, value: "w".repeat(4 * MiB), pad: "p".repeat(bytes - base.length) });
    };
    const exact = sized(id++, "line-8MiB", 8 * MiB);
    expect(exact.length).toBe(8 * MiB);
    expectReply(await node.request(exact), "memtable_put_ok", id - 1);
    good.set("line-8MiB", "w".repeat(4 * MiB));
    const exactCrlf = sized(id++, "line-8MiB-crlf", 8 * MiB);
    expectReply(await node.request(`${exactCrlf}\r`), "memtable_put_ok", id - 1);
    good.set("line-8MiB-crlf", "w".repeat(4 * MiB));
    const overId = id++;
    await check(envelope("line of 8 MiB + 1", sized(overId, "bad-line-8MiB+1", 8 * MiB + 1), overId, lineLimit));
    const overId2 = id++;
    await check(envelope("line of 9 MiB", sized(overId2, "bad-line-9MiB", 9 * MiB), overId2, lineLimit));
    const tailMsgId = `{"src": "c1", "dest": "n1", "body": {"type": "memtable_put", "key": "bad-line-tail", "value": "${"x".repeat(8 * MiB)}", "msg_id": 700}}`;
    await check(none("line over 8 MiB, msg_id after the head", tailMsgId, /over the line limit of 8388608 bytes \(8 MiB\)/));
    const noJson = `${"y".repeat(8 * MiB + 10)}`;
    await check(none("line over 8 MiB, not JSON", noJson, /over the line limit/));
    for (const k of ["bad-line-8MiB+1", "bad-line-9MiB", "bad-line-tail"]) bad.add(k);

    // --- table names: L<level>_<n>.sst only (12); a well-formed name this store lacks (20)
    const tableForm = /is not a table name: the form is L<level>_<n>\.sst with n of three digits or more/;
    for (const name of ["../L0_001.sst", "/etc/passwd", "L0_001.sst/..", "L0_1.sst", "./L0_001.sst", "L0_001.sst/../L0_001.sst", "..", "", "L0_001.sst.tmp", "L0_001.SST", "l0_001.sst", "L0_001.sst\n", "L0_001.sst ", "L0_001.sst\u0000", "MANIFEST", "LOCK", "000002.log", "L0_-01.sst", "L\uff10_001.sst", "L0_001\\.sst", "L0_001sst", "C:\\L0_001.sst"]) {
      await check(err(`table ${JSON.stringify(name)}`, "sstable_lookup", { sstable: name, key: "first" }, 12, tableForm));
    }
    for (const name of ["L0_999.sst", "L1_001.sst", "L0_000.sst", "L0_0001.sst", "L0_002.sst", "L99_123456.sst"]) {
      await check(err(`table ${name}`, "sstable_lookup", { sstable: name, key: "first" }, 20, new RegExp(name.replace(/\./g, "\\."))));
    }
    // the real table still answers
    expect(await node.request(req("c1", id++, "sstable_lookup", { sstable: "L0_001.sst", key: "first" }))).toMatch(/"found": true, "value": "table", "bloom_checked": true/);

    // --- keys and values must be valid Unicode: a lone surrogate, written as a JSON escape
    const surrogate = /lone surrogate/;
    for (const key of ["\ud800", "\udc00", "a\ud800b", "\ude00\ud83d", "\ud83d\ud83d", "ok\udfff"]) {
      const line = req("c1", id, "memtable_put", { key, value: "x" });
      expect(line).toMatch(/\\ud[89a-f][0-9a-f]{2}/); // the escape is in the line, not raw bytes
      await check(err(`put key ${py(key)}`, "memtable_put", { key, value: "x" }, 12, surrogate));
      await check(err(`get key ${py(key)}`, "memtable_get", { key }, 12, surrogate));
      await check(err(`lookup key ${py(key)}`, "sstable_lookup", { sstable: "L0_001.sst", key }, 12, surrogate));
      await check(err(`scan start ${py(key)}`, "memtable_scan", { start: key, end: "z" }, 12, surrogate));
      await check(err(`scan end ${py(key)}`, "memtable_scan", { start: "a", end: key }, 12, surrogate));
      await check(err(`put value ${py(key)}`, "memtable_put", { key: "bad-surrogate-value", value: key }, 12, surrogate, "bad-surrogate-value"));
    }
    await putGood("\ud83d\ude00 pair", "\ud83d\ude00"); // a valid pair is fine

    // --- the store is intact: good writes readable, bad ones absent, a flush holds exactly the good
    for (const [key, value] of good) expectSameText(await getValue(key), value, `get ${describeText(key)}`);
    for (const key of bad) expectSameText(await getValue(key), null, `get ${describeText(key)}`);
    const scan = await ok("memtable_scan", { start: "", end: "\u{10ffff}" }, "memtable_scan_ok");
    expect((scan.body.entries as { key: string }[]).map((e) => describeText(e.key)).sort()).toEqual([...good.keys()].map(describeText).sort());
    const flush = await ok("sstable_flush", {}, "sstable_flush_ok");
    expect(flush.body).toMatchObject({ sstable_file: "L0_002.sst", entries: good.size });
    for (const [key, value] of good) {
      const r = await ok("sstable_lookup", { sstable: "L0_002.sst", key }, "sstable_lookup_ok");
      expect(r.body.found, describeText(key)).toBe(true);
      expect(r.body.bloom_checked).toBe(true);
      expectSameText(r.body.value, value, `lookup ${describeText(key)}`);
    }
    for (const key of bad) {
      const r = await ok("sstable_lookup", { sstable: "L0_002.sst", key }, "sstable_lookup_ok");
      expect({ key: describeText(key), found: r.body.found, value: r.body.value, bloom_checked: r.body.bloom_checked }).toEqual({ key: describeText(key), found: false, value: null, bloom_checked: true });
    }
    const exit = await node.end();
    expect(exit.code).toBe(0);
    expectMsgIds(exit.lines);
    expect(exit.stderr).not.toMatch(/crash|error 13|fatal/);
  });
});
