// pythonJson against strings Python's json.dumps prints (checked with CPython 3), and, where
// python3 is on PATH, a property test against python3 itself.
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { pythonJson } from "../../src/node/json.js";

describe("pythonJson: known json.dumps output", () => {
  test("the init_ok line of PROTOCOL.md, byte for byte", () => {
    const reply = { src: "n1", dest: "c0", body: { type: "init_ok", in_reply_to: 1, msg_id: 0 } };
    expect(pythonJson(reply)).toBe('{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}');
  });

  test.each([
    ["é", '"\\u00e9"'],
    ["😀", '"\\ud83d\\ude00"'],
    ["\u2028", '"\\u2028"'],
    ["\ufeff", '"\\ufeff"'],
    ["\ud800", '"\\ud800"'],
    ["\udc00x", '"\\udc00x"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["back\\slash", '"back\\\\slash"'],
    ["a/b</c>", '"a/b</c>"'],
    ["\n\r\t\b\f", '"\\n\\r\\t\\b\\f"'],
    ["\u0000\u0001\u001f\u000b", '"\\u0000\\u0001\\u001f\\u000b"'],
    ["\u007f", '"\\u007f"'],
    [" ~", '" ~"'],
    ["", '""'],
  ])("string %j", (input, expected) => {
    expect(pythonJson(input)).toBe(expected);
  });

  test.each([
    [0, "0"],
    [-0, "0"],
    [42, "42"],
    [-7, "-7"],
    [2 ** 53 - 1, "9007199254740991"],
    [2 ** 60, "1152921504606847000"], // JSON.stringify's digits, as the rule says
    [1e20, "100000000000000000000"],
    [1e21, "1e+21"],
    [1.5, "1.5"],
    [-0.1, "-0.1"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [123456.789, "123456.789"],
    [1.2345678901234567e22, "1.2345678901234568e+22"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [10n ** 30n, "1000000000000000000000000000000"],
  ])("number %s", (input, expected) => {
    expect(pythonJson(input)).toBe(expected);
  });

  test("literals, containers, nesting, key order", () => {
    expect(pythonJson(null)).toBe("null");
    expect(pythonJson(true)).toBe("true");
    expect(pythonJson(false)).toBe("false");
    expect(pythonJson([])).toBe("[]");
    expect(pythonJson({})).toBe("{}");
    expect(pythonJson([1, 2])).toBe("[1, 2]");
    expect(pythonJson({ b: 1, a: [true, null, { c: [] }], "é": {} })).toBe('{"b": 1, "a": [true, null, {"c": []}], "\\u00e9": {}}');
    expect(pythonJson([[[]], [{}], [[1, [2]]]])).toBe("[[[]], [{}], [[1, [2]]]]");
    expect(pythonJson(Object.assign(Object.create(null) as object, { x: "y" }))).toBe('{"x": "y"}');
  });

  test("non-finite numbers and non-JSON values throw", () => {
    for (const bad of [NaN, Infinity, -Infinity]) expect(() => pythonJson({ n: bad })).toThrow(RangeError);
    for (const bad of [undefined, () => 1, Symbol("s"), new Map(), new Date(0), Buffer.from("x"), { a: undefined }, [1, , 3]]) {
      expect(() => pythonJson(bad)).toThrow(TypeError);
    }
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(() => pythonJson(cycle)).toThrow(/circular/);
    const shared = [1];
    expect(pythonJson([shared, shared])).toBe("[[1], [1]]");
  });
});

const PYTHON = "python3";
const DUMPS = [
  "import json, sys",
  "for line in sys.stdin.buffer.read().split(b'\\n'):",
  "    if line: sys.stdout.write(json.dumps(json.loads(line)) + '\\n')",
].join("\n");
const hasPython = spawnSync(PYTHON, ["-c", "import json"], { stdio: "ignore" }).status === 0;

/** json.dumps(json.loads(JSON.stringify(v))) for each v, in one python3 run. */
function pythonDumps(values: readonly unknown[]): string[] {
  const input = values.map((v) => `${JSON.stringify(v)}\n`).join("");
  const run = spawnSync(PYTHON, ["-c", DUMPS], { input, encoding: "utf8", maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return run.stdout.split("\n").slice(0, -1);
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u));
const unit = fc.oneof(fc.string({ unit: "binary", maxLength: 1, minLength: 1 }), fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }), loneSurrogate);
const text = fc.string({ unit, maxLength: 12 });
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.maxSafeInteger(), fc.constantFrom(1e21, 1e16, 1e-5, 1e-4, 0.1, 2 ** 60));
const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    number,
    text,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(text, tie("value"), { maxKeys: 5 }),
  ),
}));

describe.skipIf(!hasPython)("pythonJson: property test against python3", () => {
  test("pythonJson(v) === json.dumps(json.loads(JSON.stringify(v)))", () => {
    fc.assert(
      fc.property(fc.array(jsonValue, { minLength: 1, maxLength: 60 }), (values) => {
        expect(values.map((v) => pythonJson(v))).toEqual(pythonDumps(values));
      }),
      { numRuns: 25 },
    );
  });
});
