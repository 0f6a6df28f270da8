// Body field readers: typed values out, ProtocolError 12 naming the field or the limit otherwise.
import { describe, expect, test } from "vitest";
import { optionalInt, requireInt, requireKey, requireValue } from "../../src/node/fields.js";
import { ErrorCode, MAX_KEY_BYTES, MAX_VALUE_BYTES, ProtocolError, type RequestBody } from "../../src/node/protocol.js";

const body = (fields: Record<string, unknown>): RequestBody => ({ type: "t", msg_id: 1, ...fields });

function error12(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(ErrorCode.MALFORMED_REQUEST);
    return (err as ProtocolError).text;
  }
  throw new Error("no error");
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("field readers", () => {
  test("keys: 1 byte to 16 KiB of UTF-8, valid Unicode", () => {
    expect(text(requireKey(body({ key: "user:42" })))).toBe("user:42");
    expect(requireKey(body({ key: "é".repeat(MAX_KEY_BYTES / 2) }))).toHaveLength(MAX_KEY_BYTES);
    expect(error12(() => requireKey(body({ key: "" })))).toBe("key is 0 bytes of UTF-8; the key limit is 1 to 16384 bytes (16 KiB)");
    expect(error12(() => requireKey(body({ key: "é".repeat(MAX_KEY_BYTES / 2 + 1) })))).toBe("key is 16386 bytes of UTF-8; the key limit is 1 to 16384 bytes (16 KiB)");
    expect(error12(() => requireKey(body({ key: "a\ud800b" })))).toBe("key is not valid Unicode: lone surrogate at index 1");
    expect(error12(() => requireKey(body({ key: "\udc00" })))).toBe("key is not valid Unicode: lone surrogate at index 0");
    expect([...requireKey(body({ key: "\ud83d\ude00" }))]).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect(requireKey(body({ start: "" }), "start", 0)).toHaveLength(0);
    expect(error12(() => requireKey(body({ key: 5 })))).toBe("key is missing or not a string");
    expect(error12(() => requireKey(body({})))).toBe("key is missing or not a string");
  });

  test("values: up to 4 MiB of UTF-8, empty allowed", () => {
    expect(requireValue(body({ value: "" }))).toHaveLength(0);
    expect(requireValue(body({ value: "x".repeat(MAX_VALUE_BYTES) }))).toHaveLength(MAX_VALUE_BYTES);
    expect(error12(() => requireValue(body({ value: "x".repeat(MAX_VALUE_BYTES + 1) })))).toBe("value is 4194305 bytes of UTF-8; the value limit is 4194304 bytes (4 MiB)");
    expect(error12(() => requireValue(body({ value: null })))).toBe("value is missing or not a string");
  });

  test("integers", () => {
    expect(optionalInt(body({}), "n")).toBeUndefined();
    expect(optionalInt(body({ n: 0 }), "n")).toBe(0);
    expect(requireInt(body({ n: 4194304 }), "n")).toBe(4194304);
    expect(error12(() => requireInt(body({}), "n"))).toBe("n is missing");
    for (const bad of [-1, 1.5, "3", null, 2 ** 53]) expect(error12(() => optionalInt(body({ n: bad }), "n"))).toBe("n is not an integer from 0 to 9007199254740991");
  });

  test("integers with a maximum: the text gives the real range, named in KiB, MiB or GiB when whole", () => {
    expect(optionalInt(body({ n: 2 ** 30 }), "n", 0, 2 ** 30)).toBe(2 ** 30);
    for (const bad of [1.5, 2 ** 30 + 1, "1"]) expect(error12(() => optionalInt(body({ n: bad }), "n", 0, 2 ** 30))).toBe("n is not an integer from 0 to 1073741824 (1 GiB)");
    expect(error12(() => requireInt(body({ n: 5000 }), "n", 1, 4096))).toBe("n is not an integer from 1 to 4096 (4 KiB)");
    expect(error12(() => requireInt(body({ n: 11 }), "n", 1, 10))).toBe("n is not an integer from 1 to 10");
  });

  test("inherited properties are not fields", () => {
    expect(error12(() => requireKey(body({}), "toString"))).toBe("toString is missing or not a string");
  });
});
