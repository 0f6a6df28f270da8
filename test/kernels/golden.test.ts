// Published golden vectors: murmur3 x86_32 (the reference implementation's outputs, as collected in
// SMHasher-derived test suites) and CRC32C (the check value and RFC 3720 section B.4).
import { describe, expect, test } from "vitest";
import { crc32cMask, crc32cUnmask } from "../../src/kernels/js.js";
import { bothPaths, utf8 } from "./kernels.js";

const MURMUR3: [string | Uint8Array, number, number][] = [
  ["", 0, 0x00000000],
  ["", 1, 0x514e28b7],
  ["", 0xffffffff, 0x81f16f39],
  [new Uint8Array([0, 0, 0, 0]), 0, 0x2362f9de],
  ["hello", 0, 0x248bfa47],
  ["a", 0x9747b28c, 0x7fa09ea6],
  ["aa", 0x9747b28c, 0x5d211726],
  ["aaa", 0x9747b28c, 0x283e0130],
  ["aaaa", 0x9747b28c, 0x5a97808a],
  ["ab", 0x9747b28c, 0x74875592],
  ["abc", 0x9747b28c, 0xc84a62dd],
  ["abcd", 0x9747b28c, 0xf0478627],
  ["Hello, world!", 0x9747b28c, 0x24884cba],
  ["Hello, world!", 1234, 0xfaf6cdb3],
  ["ππππππππ", 0x9747b28c, 0xd58063c1],
  ["The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2fa826cd],
  ["The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723],
];

const range = (from: number, to: number) => Uint8Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => (from < to ? from + i : from - i));

const CRC32C: [string, Uint8Array, number][] = [
  ["123456789", utf8("123456789"), 0xe3069283],
  ["32 zero bytes", new Uint8Array(32), 0x8a9136aa],
  ["32 bytes 0xff", new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ["bytes 0..31", range(0, 31), 0x46dd794e],
  ["bytes 31..0", range(31, 0), 0x113fdb5c],
  ["empty", new Uint8Array(0), 0],
];

describe.each(bothPaths)("golden vectors (%s)", (_name, k) => {
  test.each(MURMUR3)("murmur3 x86_32 of %j seed %i", (input, seed, expected) => {
    const bytes = typeof input === "string" ? utf8(input) : input;
    expect(k.murmur3(bytes, seed)).toBe(expected);
  });

  test.each(CRC32C)("crc32c of %s", (_label, data, expected) => {
    expect(k.crc32c(data)).toBe(expected);
  });

  test("crc32c extends: crc(a + b) = extend(crc(a), b) at every split", () => {
    const data = utf8("123456789 and then some more bytes to cross the 8-byte stride");
    const whole = k.crc32c(data);
    for (let cut = 0; cut <= data.length; cut++) {
      expect(k.crc32c(data.subarray(cut), k.crc32c(data.subarray(0, cut)))).toBe(whole);
    }
  });
});

test("LevelDB's crc32c mask and unmask (util/crc32c_test.cc)", () => {
  const crc = 0xe3069283;
  expect(crc32cMask(crc)).not.toBe(crc);
  expect(crc32cMask(crc32cMask(crc))).not.toBe(crc);
  expect(crc32cUnmask(crc32cMask(crc))).toBe(crc);
  expect(crc32cUnmask(crc32cUnmask(crc32cMask(crc32cMask(crc))))).toBe(crc);
  // rotate right by 15, plus 0xa282ead8, worked by hand for 0x00000001: 0x00020000 + 0xa282ead8
  expect(crc32cMask(1)).toBe(0xa284ead8);
});
