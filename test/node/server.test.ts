// The protocol node driven in-process: chunks in, reply lines and log lines out.
import { Readable, Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { type Handler, type HandlerTable, coreHandlers } from "../../src/node/handlers.js";
import { ErrorCode, MAX_LINE_BYTES, ProtocolError } from "../../src/node/protocol.js";
import { runNode } from "../../src/node/server.js";

const INIT = '{"src": "c0", "dest": "n1", "body": {"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1"]}}';
const INIT_OK = '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}';

const request = (msgId: number, type: string, fields: Record<string, unknown> = {}, src = "c0") =>
  JSON.stringify({ src, dest: "n1", body: { type, msg_id: msgId, ...fields } });

interface Run {
  readonly out: string;
  readonly lines: string[];
  readonly logs: string[];
}

/** Runs a node over `chunks` (each a string or Buffer, passed as one input chunk). */
async function drive(chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>, handlers?: HandlerTable, output?: Writable): Promise<Run> {
  const written: Buffer[] = [];
  const sink =
    output ??
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk);
        callback();
      },
    });
  const logs: string[] = [];
  await runNode({ input: Readable.from(chunks), output: sink, log: (line) => logs.push(line), ...(handlers ? { handlers } : {}) });
  const out = Buffer.concat(written).toString("utf8");
  return { out, lines: out.split("\n").slice(0, -1), logs };
}

/** Input of whole lines, one chunk each. */
const linesIn = (...lines: string[]) => lines.map((line) => `${line}\n`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("init and reply format", () => {
  test("init gets the exact init_ok line of PROTOCOL.md", async () => {
    const run = await drive(linesIn(INIT));
    expect(run.out).toBe(`${INIT_OK}\n`);
  });

  test("msg_id counts every reply, error replies included", async () => {
    const run = await drive(linesIn(INIT, request(2, "nope"), "not json", request(7, "init", { node_id: "n1", node_ids: [] }), request(8, "x")));
    expect(run.lines.map((line) => JSON.parse(line).body.msg_id)).toEqual([0, 1, 2, 3]);
    expect(run.lines.map((line) => JSON.parse(line).body.in_reply_to)).toEqual([1, 2, 7, 8]);
  });

  test("an unknown type gets error 10 naming the type", async () => {
    const run = await drive(linesIn(INIT, request(2, "sstable_frobnicate")));
    expect(run.lines).toEqual([
      INIT_OK,
      '{"src": "n1", "dest": "c0", "body": {"type": "error", "in_reply_to": 2, "code": 10, "text": "unsupported message type: sstable_frobnicate", "msg_id": 1}}',
    ]);
    expect(run.logs.join("\n")).toContain("sstable_frobnicate");
  });

  test("types that are Object.prototype members are just unknown types", async () => {
    const run = await drive(linesIn(request(1, "toString"), request(2, "__proto__"), request(3, "constructor")));
    expect(run.lines.map((line) => JSON.parse(line).body.code)).toEqual([10, 10, 10]);
  });

  test("before init the reply's src is the request's dest; init sets the node id", async () => {
    const run = await drive(
      linesIn('{"src": "c9", "dest": "n7", "body": {"type": "read", "msg_id": 5}}', INIT, '{"src": "c9", "dest": "zz", "body": {"type": "read", "msg_id": 6}}'),
    );
    expect(run.lines[0]).toBe('{"src": "n7", "dest": "c9", "body": {"type": "error", "in_reply_to": 5, "code": 10, "text": "unsupported message type: read", "msg_id": 0}}');
    expect(run.lines[1]).toBe('{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 1}}');
    expect(JSON.parse(run.lines[2]!).src).toBe("n1");
  });

  test("replies escape non-ASCII as Python does", async () => {
    const echo: Handler = (body) => ({ type: "echo_ok", echo: body["echo"] });
    const run = await drive(linesIn(INIT, request(2, "echo", { echo: "é😀/\u0001" })), { ...coreHandlers, echo });
    expect(run.lines[1]).toBe('{"src": "n1", "dest": "c0", "body": {"type": "echo_ok", "in_reply_to": 2, "echo": "\\u00e9\\ud83d\\ude00/\\u0001", "msg_id": 1}}');
  });
});

describe("init validation", () => {
  test.each([
    [{ node_id: 1, node_ids: ["n1"] }, "node_id is missing or not a string"],
    [{ node_ids: ["n1"] }, "node_id is missing or not a string"],
    [{ node_id: "", node_ids: ["n1"] }, "node_id is empty"],
    [{ node_id: "n1", node_ids: "n1" }, "node_ids is missing or not an array of strings"],
    [{ node_id: "n1", node_ids: ["n1", 2] }, "node_ids is missing or not an array of strings"],
    [{ node_id: "n1" }, "node_ids is missing or not an array of strings"],
  ])("init %j gets error 12", async (fields, text) => {
    const run = await drive(linesIn(request(1, "init", fields)));
    expect(run.lines).toEqual([`{"src": "n1", "dest": "c0", "body": {"type": "error", "in_reply_to": 1, "code": 12, "text": "${text}", "msg_id": 0}}`]);
  });

  test("a failed init leaves the node uninitialised", async () => {
    const run = await drive(linesIn(request(1, "init", { node_id: 5, node_ids: [] }), '{"src": "c0", "dest": "n9", "body": {"type": "x", "msg_id": 2}}'));
    expect(JSON.parse(run.lines[1]!).src).toBe("n9");
  });
});

describe("lines that are not messages", () => {
  const error12 = (inReplyTo: number, msgId: number, text: string, src = "n1") =>
    `{"src": "${src}", "dest": "c0", "body": {"type": "error", "in_reply_to": ${inReplyTo}, "code": 12, "text": "${text}", "msg_id": ${msgId}}}`;

  test("not JSON, no msg_id recoverable: logged, no reply", async () => {
    const run = await drive(linesIn(INIT, "this is not json", '{"src": "c0", "dest": "n1", "body": {"type": "x"', "[1, 2]", '"str"', "{}"));
    expect(run.lines).toEqual([INIT_OK]);
    expect(run.logs.filter((line) => line.includes("no reply"))).toHaveLength(5);
    expect(run.logs.find((line) => line.startsWith("line 2:"))).toMatch(/^line 2: line is not JSON \(.+\); no reply: no usable src and body.msg_id$/);
  });

  test("not JSON but src and msg_id recoverable: error 12", async () => {
    const run = await drive(linesIn(INIT, '{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": 2, "key": oops}}', '{"src": "c0", "dest": "n1", "body": {"msg_id": 3, "type": "x"'));
    expect(run.lines).toEqual([INIT_OK, error12(2, 1, "line is not JSON"), error12(3, 2, "line is not JSON")]);
    expect(run.logs.find((line) => line.startsWith("line 2:"))).toContain("error 12 to c0 msg_id 2");
  });

  test("salvage takes body.msg_id only, never a nested or top-level one", async () => {
    const run = await drive(
      linesIn('{"src": "c0", "msg_id": 4, "body": {"x": {"msg_id": 5}, "s": "\\"msg_id\\": 6"} oops', '{"src": "c0", "body": {"type": "x", "msg_id": 7}, "dest": }'),
    );
    expect(run.lines).toEqual([error12(7, 0, "line is not JSON", "")]);
  });

  test.each([
    ['{"src": 1, "dest": "n1", "body": {"type": "x", "msg_id": 2}}', null],
    ['{"dest": "n1", "body": {"type": "x", "msg_id": 2}}', null],
    ['{"src": "c0", "dest": "n1", "body": {"type": "x"}}', null],
    ['{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": -1}}', null],
    ['{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": 1.5}}', null],
    ['{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": "2"}}', null],
    ['{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": 9007199254740992}}', null],
    ['{"src": "c0", "dest": "n1", "body": [1]}', null],
    ['{"src": "c0", "dest": "n1", "body": {"msg_id": 2}}', "body.type is missing or not a string"],
    ['{"src": "c0", "dest": "n1", "body": {"type": 3, "msg_id": 2}}', "body.type is missing or not a string"],
    ['{"src": "c0", "dest": 5, "body": {"type": "x", "msg_id": 2}}', "dest is missing or not a string"],
  ])("%s -> %s", async (line, text) => {
    const run = await drive(linesIn(INIT, line));
    expect(run.lines).toEqual(text === null ? [INIT_OK] : [INIT_OK, error12(2, 1, text)]);
    expect(run.logs.some((log) => log.startsWith("line 2:"))).toBe(true);
  });

  test("before init, an error 12 to a line without a usable dest has src \"\"", async () => {
    const run = await drive(linesIn('{"src": "c0", "body": {"type": "x", "msg_id": 2}}'));
    expect(run.lines).toEqual([error12(2, 0, "dest is missing or not a string", "")]);
  });

  test("msg_id 0 and 2^53 - 1 are usable ids", async () => {
    const run = await drive(linesIn(request(0, "x"), request(Number.MAX_SAFE_INTEGER, "x")));
    expect(run.lines.map((line) => JSON.parse(line).body.in_reply_to)).toEqual([0, Number.MAX_SAFE_INTEGER]);
  });

  test("a line that is not valid UTF-8 is malformed, with error 12 when its address survives", async () => {
    const bad = Buffer.concat([Buffer.from('{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": 2, "k": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}\n')]);
    const run = await drive([`${INIT}\n`, bad]);
    expect(run.lines).toEqual([INIT_OK, error12(2, 1, "line is not valid UTF-8")]);
  });

  test("blank lines are ignored: empty, spaces, tabs, CR", async () => {
    const run = await drive(["\n", "   \n", "\t\r\n", "\r\n", `${INIT}\n`, "\n\n", " "]);
    expect(run.out).toBe(`${INIT_OK}\n`);
    expect(run.logs.filter((line) => line.startsWith("line"))).toEqual([]);
  });

  test("CRLF line endings, lines split across chunks, a last line without newline", async () => {
    const input = `${INIT}\r\n${request(2, "x")}\r\n${request(3, "y")}`;
    const chunks = input.match(/[\s\S]{1,7}/g)!;
    const run = await drive(chunks);
    expect(run.lines).toHaveLength(3);
    expect(run.lines[0]).toBe(INIT_OK);
    expect(run.lines.map((line) => JSON.parse(line).body.in_reply_to)).toEqual([1, 2, 3]);
  });

  test("a multi-byte character split across chunks", async () => {
    const echo: Handler = (body) => ({ type: "echo_ok", echo: body["echo"] });
    const line = Buffer.from(`${request(2, "echo", { echo: "é" })}\n`);
    const cut = line.indexOf(0xc3) + 1;
    const run = await drive([line.subarray(0, cut), line.subarray(cut)], { echo });
    expect(JSON.parse(run.lines[0]!).body.echo).toBe("é");
  });
});

describe("the line limit", () => {
  const lenHandler: Handler = (body) => ({ type: "len_ok", length: String(body["pad"]).length });

  /** A request whose line is exactly `bytes` long. */
  function lineOf(bytes: number, msgId: number): string {
    const empty = request(msgId, "len", { pad: "" });
    return request(msgId, "len", { pad: "x".repeat(bytes - empty.length) });
  }

  function* chunked(text: string, size = 64 * 1024): Generator<Buffer> {
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }

  test("a line of exactly 8 MiB is served, one byte more is dropped with error 12, the next line still answered", async () => {
    const input = [lineOf(MAX_LINE_BYTES, 1), `${lineOf(MAX_LINE_BYTES, 2)}\r`, lineOf(MAX_LINE_BYTES + 1, 3), request(4, "len", { pad: "ab" })].join("\n");
    const run = await drive(chunked(input), { len: lenHandler });
    expect(run.lines).toHaveLength(4);
    expect(run.lines[0]).toMatch(/"in_reply_to": 1, "length": \d+, "msg_id": 0/);
    expect(run.lines[1]).toMatch(/"in_reply_to": 2, "length": \d+, "msg_id": 1/);
    expect(run.lines[2]).toBe(
      `{"src": "n1", "dest": "c0", "body": {"type": "error", "in_reply_to": 3, "code": 12, "text": "line is over the line limit of ${MAX_LINE_BYTES} bytes (8 MiB)", "msg_id": 2}}`,
    );
    expect(run.lines[3]).toBe('{"src": "n1", "dest": "c0", "body": {"type": "len_ok", "in_reply_to": 4, "length": 2, "msg_id": 3}}');
    expect(run.logs.find((line) => line.startsWith("line 3:"))).toBe(
      `line 3: line is over the line limit of ${MAX_LINE_BYTES} bytes (8 MiB) (${MAX_LINE_BYTES + 1} bytes); error 12 to c0 msg_id 3`,
    );
  });

  test("an over-long line whose head does not show msg_id is dropped without a reply", async () => {
    const huge = JSON.stringify({ src: "c0", dest: "n1", body: { type: "len", pad: "y".repeat(MAX_LINE_BYTES), msg_id: 9 } });
    const run = await drive(chunked(`${huge}\n${request(2, "len", { pad: "" })}\n`), { len: lenHandler });
    expect(run.lines).toEqual(['{"src": "n1", "dest": "c0", "body": {"type": "len_ok", "in_reply_to": 2, "length": 0, "msg_id": 0}}']);
    expect(run.logs[0]).toMatch(/^line 1: line is over the line limit .*; no reply/);
  });

  test("a 64 MiB line arriving in one chunk, then more lines", async () => {
    const huge = Buffer.alloc(64 * 1024 * 1024, 0x61);
    huge.write('{"src": "c0", "dest": "n1", "body": {"msg_id": 5, "type": "len", "pad": "', 0);
    const run = await drive([huge, Buffer.from(`\n${request(6, "len", { pad: "" })}`)], { len: lenHandler });
    expect(run.lines.map((line) => JSON.parse(line).body.in_reply_to)).toEqual([5, 6]);
    expect(JSON.parse(run.lines[0]!).body.code).toBe(12);
  });

  test("an over-long line streamed in small chunks is not held in memory", async () => {
    const total = 256 * 1024 * 1024;
    async function* stream(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"src": "c0", "dest": "n1", "body": {"msg_id": 5, "type": "len", "pad": "');
      const block = Buffer.alloc(1024 * 1024, 0x62);
      for (let sent = 0; sent < total; sent += block.length) yield block;
      yield Buffer.from(`"}}\n${request(6, "len", { pad: "" })}\n`);
    }
    const before = process.memoryUsage().arrayBuffers;
    const run = await drive(stream(), { len: lenHandler });
    expect(run.lines.map((line) => JSON.parse(line).body.in_reply_to)).toEqual([5, 6]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe("handlers", () => {
  test("replies keep request order and handlers run one at a time, even when async", async () => {
    const events: string[] = [];
    const timed =
      (name: string, ms: number): Handler =>
      async (body) => {
        events.push(`start ${body.msg_id}`);
        if (ms > 0) await sleep(ms);
        events.push(`end ${body.msg_id}`);
        return { type: `${name}_ok` };
      };
    const handlers = { ...coreHandlers, slow: timed("slow", 40), fast: timed("fast", 0), mid: timed("mid", 5) };
    const run = await drive(linesIn(INIT, request(2, "slow"), request(3, "fast"), request(4, "mid"), request(5, "fast"), request(6, "unknown"), request(7, "slow")), handlers);
    expect(run.lines.map((line) => [JSON.parse(line).body.type, JSON.parse(line).body.in_reply_to, JSON.parse(line).body.msg_id])).toEqual([
      ["init_ok", 1, 0],
      ["slow_ok", 2, 1],
      ["fast_ok", 3, 2],
      ["mid_ok", 4, 3],
      ["fast_ok", 5, 4],
      ["error", 6, 5],
      ["slow_ok", 7, 6],
    ]);
    expect(events).toEqual(["start 2", "end 2", "start 3", "end 3", "start 4", "end 4", "start 5", "end 5", "start 7", "end 7"]);
  });

  test("a ProtocolError becomes that error; a crash becomes error 13 with the stack logged; the node goes on", async () => {
    const handlers: HandlerTable = {
      ...coreHandlers,
      missing: () => {
        throw new ProtocolError(ErrorCode.KEY_DOES_NOT_EXIST, "no table L0_009.sst");
      },
      boom: async () => {
        await sleep(1);
        throw new Error("kaboom");
      },
      weird: () => {
        throw "a string";
      },
      bad_reply: () => ({ type: "bad_ok", value: undefined }),
      reserved: () => ({ type: "r_ok", msg_id: 5 }),
      nothing: () => undefined as never,
    };
    const run = await drive(linesIn(INIT, request(2, "missing"), request(3, "boom"), request(4, "weird"), request(5, "bad_reply"), request(6, "reserved"), request(7, "nothing"), request(8, "init", { node_id: "n1", node_ids: [] })), handlers);
    expect(run.lines[1]).toBe('{"src": "n1", "dest": "c0", "body": {"type": "error", "in_reply_to": 2, "code": 20, "text": "no table L0_009.sst", "msg_id": 1}}');
    expect(run.lines[2]).toBe('{"src": "n1", "dest": "c0", "body": {"type": "error", "in_reply_to": 3, "code": 13, "text": "kaboom", "msg_id": 2}}');
    expect(JSON.parse(run.lines[3]!).body).toMatchObject({ code: 13, text: "a string", msg_id: 3 });
    expect(JSON.parse(run.lines[4]!).body).toMatchObject({ code: 13, in_reply_to: 5, msg_id: 4 });
    expect(JSON.parse(run.lines[5]!).body).toMatchObject({ code: 13, in_reply_to: 6, msg_id: 5 });
    expect(JSON.parse(run.lines[6]!).body).toMatchObject({ code: 13, in_reply_to: 7, msg_id: 6 });
    expect(JSON.parse(run.lines[7]!).body).toMatchObject({ type: "init_ok", in_reply_to: 8, msg_id: 7 });
    const crash = run.logs.find((line) => line.startsWith("line 3:"))!;
    expect(crash).toContain("boom crashed; error 13: Error: kaboom");
    expect(crash).toMatch(/\n\s+at /);
  });

  test("output backpressure: a slow writer still gets every line, in order", async () => {
    const got: string[] = [];
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, callback) {
        got.push(chunk.toString());
        setTimeout(callback, 1);
      },
    });
    const requests = Array.from({ length: 50 }, (_, i) => request(i + 2, "x"));
    await drive(linesIn(INIT, ...requests), undefined, slow);
    const lines = got.join("").split("\n").slice(0, -1);
    expect(lines).toHaveLength(51);
    expect(lines.map((line) => JSON.parse(line).body.msg_id)).toEqual(Array.from({ length: 51 }, (_, i) => i));
  });

  test("a failing output rejects runNode", async () => {
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    await expect(drive(linesIn(INIT, request(2, "x"), request(3, "x")), undefined, broken)).rejects.toThrow(/EPIPE/);
  });
});
