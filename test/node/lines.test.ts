// The line splitter and the salvage scan, on small limits.
import { describe, expect, test } from "vitest";
import { type InputLine, LineSplitter } from "../../src/node/lines.js";
import { salvageTarget } from "../../src/node/protocol.js";

function split(chunks: string[], maxBytes = 10, headBytes = 4): InputLine[] {
  const splitter = new LineSplitter({ maxBytes, headBytes });
  const lines = chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk)));
  const last = splitter.end();
  return last === null ? lines : [...lines, last];
}

const show = (line: InputLine) => (line.kind === "line" ? `${line.number}:${line.bytes.toString()}` : `${line.number}:overlong ${line.length} head=${line.head.toString()}`);

describe("LineSplitter", () => {
  test("splits on \\n, strips one \\r, keeps empty lines, takes a last line without \\n", () => {
    expect(split(["a\nbb\r\n\n\r\r\ncc"]).map(show)).toEqual(["1:a", "2:bb", "3:", "4:\r", "5:cc"]);
    expect(split(["a\n"]).map(show)).toEqual(["1:a"]);
    expect(split([""]).map(show)).toEqual([]);
  });

  test("lines split across chunks, \\r and \\n in different chunks", () => {
    expect(split(["ab", "c\r", "\nd", "", "e\n"]).map(show)).toEqual(["1:abc", "2:de"]);
  });

  test("the limit counts bytes without the terminator", () => {
    expect(split(["0123456789\n", "0123456789\r\n", "0123456789A\n", "0123456789\r"]).map(show)).toEqual([
      "1:0123456789",
      "2:0123456789",
      "3:overlong 11 head=0123",
      "4:0123456789",
    ]);
  });

  test("an over-long line keeps only its head and its length, across chunks", () => {
    expect(split(["01234", "56789ABC", "DEF\r", "\nok\n"]).map(show)).toEqual(["1:overlong 16 head=0123", "2:ok"]);
    expect(split(["0123456789ABCDEF"]).map(show)).toEqual(["1:overlong 16 head=0123"]);
  });
});

describe("salvageTarget", () => {
  test.each([
    ['{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": 12}', false, { src: "c0", dest: "n1", msgId: 12 }],
    ['{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": 12', false, { src: "c0", dest: "n1", msgId: 12 }],
    ['{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": 12', true, null],
    ['{"src": "c0", "dest": "n1", "body": {"type": "x", "msg_id": 12,', true, { src: "c0", dest: "n1", msgId: 12 }],
    ['{"src": "c0", "body": {"msg_id": 12abc}}', false, null],
    ['{"src": "c0", "body": {"msg_id": "12"}}', false, null],
    ['{"src": "c0", "body": {"msg_id": -1}}', false, null],
    ['{"src": "c0", "body": {"msg_id": 1e400}}', false, null],
    ['{"src": "c0", "body": {"deep": [[[{"msg_id": 1}]]], "msg_id": 2}}', false, { src: "c0", dest: undefined, msgId: 2 }],
    ['{"src": "c0", "body": {"msg_id": 2}, "src": 5}', false, null],
    ['{"src": "c\\u0030", "body": {"msg_id": 2}}', false, { src: "c0", dest: undefined, msgId: 2 }],
    ['{"src": "c0", "body": {"k": "v\\"}", "msg_id": 2}}', false, { src: "c0", dest: undefined, msgId: 2 }],
    ['{"body": {"msg_id": 2}, "x": [', true, null],
    ['[{"src": "c0", "body": {"msg_id": 2}}]', false, null],
    [`{"src": "c0", "body": {"x": ${"[".repeat(100_000)}`, true, null],
  ])("%s (truncated %s)", (text, truncated, expected) => {
    expect(salvageTarget(text, truncated)).toEqual(expected);
  });
});
