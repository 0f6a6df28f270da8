// Snappy block decompression (assembly/snappy.ts and its twin src/kernels/snappy.ts):
//   - golden: hand-built blocks with every element kind and literal tag form, two blocks that
//     libsnappy 1.1.9 wrote, and one block per error status, on both paths;
//   - against libsnappy itself (g++ -lsnappy, Debian's libsnappy-dev): what it compresses, both
//     paths give back; on corrupted blocks both paths accept exactly what it accepts;
//   - properties: random element streams from a test-only encoder (all four kinds, overlapping
//     copies) decode to what a naive byte-by-byte model says; corrupted and truncated blocks give the
//     same bytes or the same status on both paths; the module never reads or writes outside its
//     regions.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { putVarint32 } from "../../src/kernels/coding.js";
import { newWasmKernels } from "../../src/kernels/node.js";
import { SNAPPY_MAX_UNCOMPRESSED, SnappyFormatError, SnappyStatus } from "../../src/kernels/snappy.js";
import type { Kernels } from "../../src/kernels/types.js";
import { bothPaths, fromHex, hex, js, utf8, wasm } from "./kernels.js";

// ---- helpers ----

const concat = (...parts: (Uint8Array | number[])[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const varint = (v: number) => {
  const b = new Uint8Array(5);
  return b.slice(0, putVarint32(b, 0, v));
};
const le = (v: number, k: number) => Array.from({ length: k }, (_, i) => Math.floor(v / 2 ** (8 * i)) & 0xff);
const repeat = (s: string, n: number) => utf8(s.repeat(n));

// Element encoders (assembly/snappy.ts gives the grammar). form: 0 = length in the tag, 1..4 = tag
// 59 + form with that many length bytes.
function literal(bytes: Uint8Array, form = bytes.length <= 60 ? 0 : bytes.length <= 256 ? 1 : 4): number[] {
  const m1 = bytes.length - 1;
  const head = form === 0 ? [m1 << 2] : [(59 + form) << 2, ...le(m1, form)];
  return [...head, ...bytes];
}
const copy1 = (len: number, offset: number) => [((offset >> 8) << 5) | ((len - 4) << 2) | 1, offset & 0xff];
const copy2 = (len: number, offset: number) => [((len - 1) << 2) | 2, ...le(offset, 2)];
const copy4 = (len: number, offset: number) => [((len - 1) << 2) | 3, ...le(offset, 4)];
const block = (length: number, ...elements: number[][]) => concat(varint(length), ...elements);

/** The bytes, or the status of the SnappyFormatError; any other throw fails the test. */
function outcome(k: Kernels, input: Uint8Array): string | number {
  try {
    return hex(k.snappyDecompress(input));
  } catch (err) {
    if (!(err instanceof SnappyFormatError)) throw err;
    return err.status;
  }
}

// ---- golden ----

const ab300 = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff);
const GOLDEN: [string, Uint8Array, Uint8Array][] = [
  ["empty", fromHex("00"), new Uint8Array(0)],
  ["literal only", block(5, literal(utf8("hello"))), utf8("hello")],
  ["copy-1", block(8, literal(utf8("abcd")), copy1(4, 4)), utf8("abcdabcd")],
  ["copy-1 with an 11-bit offset (300) and length 11", block(311, literal(ab300), copy1(11, 300)), concat(ab300, ab300.subarray(0, 11))],
  ["copy-2", block(6, literal(utf8("abc")), copy2(3, 3)), utf8("abcabc")],
  ["copy-2 of 64 bytes from 300 back", block(364, literal(ab300), copy2(64, 300)), concat(ab300, ab300.subarray(0, 64))],
  ["copy-4", block(10, literal(utf8("xyz!")), copy4(4, 4), copy4(2, 7)), utf8("xyz!xyz!yz")],
  ["overlapping copy, offset 2: abab...", block(64, literal(utf8("ab")), copy2(62, 2)), repeat("ab", 32)],
  ["overlapping copy, offset 1: a run", block(12, literal(utf8("a")), copy1(11, 1)), repeat("a", 12)],
  ["overlapping copies, offsets 3, 5, 6, 7, 9",
    block(5 * 64, literal(utf8("abc")), copy2(61, 3), literal(utf8("12345")), copy2(59, 5), literal(utf8("qwerty")), copy2(58, 6),
      literal(utf8("ABCDEFG")), copy2(57, 7), literal(utf8("123456789")), copy4(55, 9)),
    concat(repeat("abc", 22).subarray(0, 64), repeat("12345", 13).subarray(0, 64), repeat("qwerty", 11).subarray(0, 64),
      repeat("ABCDEFG", 10).subarray(0, 64), repeat("123456789", 8).subarray(0, 64))],
  ["literal with tag 60 (1 length byte)", block(100, literal(ab300.subarray(0, 100), 1)), ab300.subarray(0, 100)],
  ["literal with tag 61 (2 length bytes)", block(300, literal(ab300, 2)), ab300],
  ["literal with tags 62, 63 (3, 4 length bytes), short lengths", block(7, literal(utf8("abc"), 3), literal(utf8("defg"), 4)), utf8("abcdefg")],
  ["literal of exactly 60 bytes in the tag, then 61 with tag 60", block(121, literal(ab300.subarray(0, 60)), literal(ab300.subarray(60, 121))), ab300.subarray(0, 121)],
  // What libsnappy 1.1.9's snappy::Compress wrote for these inputs.
  ["libsnappy: one literal",
    fromHex("51f05057696b697065646961206973206120667265652c207765622d62617365642c20636f6c6c61626f7261746976652c206d756c74696c696e6775616c20656e6379636c6f70656469612070726f6a6563742e"),
    utf8("Wikipedia is a free, web-based, collaborative, multilingual encyclopedia project.")],
  ["libsnappy: literal then copy-2s",
    fromHex("8701b054686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e20fe2d00662d00"),
    repeat("The quick brown fox jumps over the lazy dog. ", 3)],
];

const S = SnappyStatus;
const ERRORS: [string, Uint8Array, number][] = [
  ["no preamble", new Uint8Array(0), S.ERR_PREAMBLE],
  ["truncated preamble", fromHex("80"), S.ERR_PREAMBLE],
  ["preamble over 32 bits", fromHex("ffffffff1f"), S.ERR_PREAMBLE],
  ["preamble of 6 bytes", fromHex("808080808001"), S.ERR_PREAMBLE],
  ["length over 1 GiB", varint(SNAPPY_MAX_UNCOMPRESSED + 1), S.ERR_TOO_LARGE],
  ["length 2^32-1 from 1 byte", concat(varint(0xffffffff), [0]), S.ERR_TOO_LARGE],
  ["length 43 from a 2-byte body (> 64/3 per byte)", block(43, literal(utf8("a"))), S.ERR_EXPANSION],
  ["length 42 from a 2-byte body passes the bound, then underflows", block(42, literal(utf8("a"))), S.ERR_OUTPUT_UNDERFLOW],
  ["literal data past the input", block(5, literal(utf8("hello"))).subarray(0, 6), S.ERR_LITERAL_PAST_INPUT],
  ["literal length bytes past the input", fromHex("05f4ff"), S.ERR_LITERAL_PAST_INPUT],
  ["literal length 2^32 (tag 63, ff ff ff ff)", concat(varint(5), [63 << 2, 0xff, 0xff, 0xff, 0xff], utf8("hello")), S.ERR_LITERAL_PAST_INPUT],
  ["copy-1 without its offset byte", block(8, literal(utf8("abcd")), [1]), S.ERR_COPY_PAST_INPUT],
  ["copy-2 with 1 offset byte", block(8, literal(utf8("abcd")), [((4 - 1) << 2) | 2, 4]), S.ERR_COPY_PAST_INPUT],
  ["copy-4 with 3 offset bytes", block(8, literal(utf8("abcd")), [((4 - 1) << 2) | 3, 4, 0, 0]), S.ERR_COPY_PAST_INPUT],
  ["copy before any output", block(4, copy2(4, 1)), S.ERR_COPY_OFFSET],
  ["copy offset 0", block(5, literal(utf8("a")), copy1(4, 0)), S.ERR_COPY_OFFSET],
  ["copy from before the start", block(6, literal(utf8("ab")), copy4(4, 3)), S.ERR_COPY_OFFSET],
  ["literal past the length", block(4, literal(utf8("hello"))), S.ERR_OUTPUT_OVERFLOW],
  ["copy past the length", block(7, literal(utf8("abcd")), copy1(4, 4)), S.ERR_OUTPUT_OVERFLOW],
  ["an element after the output is complete", block(1, literal(utf8("a")), literal(utf8("b"))), S.ERR_OUTPUT_OVERFLOW],
  ["input ends early", block(9, literal(utf8("abcd")), copy1(4, 4)), S.ERR_OUTPUT_UNDERFLOW],
];

describe.each(bothPaths)("Snappy golden blocks (%s)", (_name, k) => {
  test.each(GOLDEN)("%s", (_label, compressed, expected) => {
    expect(hex(k.snappyDecompress(compressed))).toBe(hex(expected));
  });

  test.each(ERRORS)("error: %s", (_label, compressed, status) => {
    let err: unknown;
    try {
      k.snappyDecompress(compressed);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SnappyFormatError);
    expect((err as SnappyFormatError).status).toBe(status);
    expect((err as SnappyFormatError).check).not.toMatch(/unknown/);
  });
});

test("the status codes in src/kernels/snappy.ts mirror assembly/snappy.ts", () => {
  const source = readFileSync("assembly/snappy.ts", "utf8");
  const assembly = Object.fromEntries([...source.matchAll(/export const (\w+): i32 = (-?\d+);/g)].map((m) => [m[1], Number(m[2])]));
  expect(assembly).toEqual(SnappyStatus);
  expect(source).toContain("MAX_UNCOMPRESSED: u32 = 1 << 30;");
  expect(SNAPPY_MAX_UNCOMPRESSED).toBe(2 ** 30);
});

test("wasm: a corrupt preamble claiming 4 GiB is refused without growing memory", () => {
  const k = newWasmKernels();
  k.snappyDecompress(block(5, literal(utf8("hello"))));
  const before = k.heap.memoryBytes;
  for (const bogus of [concat(varint(0xffffffff), new Uint8Array(100)), concat(varint(2 ** 30), new Uint8Array(100))]) {
    expect(() => k.snappyDecompress(bogus)).toThrow(SnappyFormatError);
  }
  expect(k.heap.memoryBytes).toBe(before);
});

// ---- a test-only encoder: random element streams and what they must decode to ----

type Element =
  | { kind: "literal"; bytes: Uint8Array; form: number }
  | { kind: "copy1" | "copy2" | "copy4"; len: number; offset: number };

const literalElement = fc
  .tuple(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.uint8Array({ minLength: 1, maxLength: 300 })), fc.nat(4))
  .map(([bytes, f]): Element => {
    const minForm = bytes.length <= 60 ? 0 : bytes.length <= 256 ? 1 : 2;
    return { kind: "literal", bytes, form: Math.max(f, minForm) };
  });
const offsetPick = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 100_000 }));
const copyElement = fc.oneof(
  fc.tuple(fc.integer({ min: 4, max: 11 }), offsetPick).map(([len, offset]): Element => ({ kind: "copy1", len, offset })),
  fc.tuple(fc.integer({ min: 1, max: 64 }), offsetPick).map(([len, offset]): Element => ({ kind: "copy2", len, offset })),
  fc.tuple(fc.integer({ min: 1, max: 64 }), offsetPick).map(([len, offset]): Element => ({ kind: "copy4", len, offset })),
);
const elements = fc.array(fc.oneof(literalElement, copyElement, copyElement), { maxLength: 60 });

/**
 * Encodes a stream of elements, bringing each copy's offset into range of what has been produced
 * (a copy with nothing before it becomes a one-byte literal), and returns the block with what a
 * naive byte-by-byte decoder makes of it.
 */
function encode(stream: Element[]): { compressed: Uint8Array; original: Uint8Array } {
  const body: number[][] = [];
  const out: number[] = [];
  for (const e of stream) {
    if (e.kind === "literal") {
      body.push(literal(e.bytes, e.form));
      out.push(...e.bytes);
      continue;
    }
    if (out.length === 0) {
      body.push(literal(Uint8Array.of(e.len)));
      out.push(e.len);
      continue;
    }
    const limit = Math.min(out.length, e.kind === "copy1" ? 2047 : e.kind === "copy2" ? 65535 : Infinity);
    const offset = 1 + ((e.offset - 1) % limit);
    body.push(e.kind === "copy1" ? copy1(e.len, offset) : e.kind === "copy2" ? copy2(e.len, offset) : copy4(e.len, offset));
    for (let i = 0; i < e.len; i++) out.push(out[out.length - offset]);
  }
  return { compressed: block(out.length, ...body), original: Uint8Array.from(out) };
}

const validBlock = elements.map((stream) => encode(stream).compressed);

/** A valid block, then some bytes overwritten, maybe cut short or with bytes put in. */
const corrupted = fc
  .tuple(
    elements,
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
    fc.option(fc.nat(), { nil: undefined }),
    fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 6 })), { nil: undefined }),
  )
  .map(([stream, writes, cut, insert]) => {
    let b = encode(stream).compressed;
    for (const [at, v] of writes) b[at % b.length] = v;
    if (insert !== undefined) {
      const at = insert[0] % (b.length + 1);
      b = concat(b.subarray(0, at), insert[1], b.subarray(at));
    }
    if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
    return b;
  });

describe("properties", () => {
  test("random element streams (all four kinds, every literal form) decode as the naive model says", () => {
    fc.assert(
      fc.property(elements, (stream) => {
        const { compressed, original } = encode(stream);
        expect(hex(wasm.snappyDecompress(compressed))).toBe(hex(original));
        expect(hex(js.snappyDecompress(compressed))).toBe(hex(original));
      }),
      { numRuns: 300 },
    );
  });

  test("corrupted and truncated blocks: the same bytes or the same status on both paths", () => {
    fc.assert(
      fc.property(corrupted, (b) => {
        expect(outcome(wasm, b)).toEqual(outcome(js, b));
      }),
      { numRuns: 2000 },
    );
  });

  test("random bytes as a block: the same outcome on both paths", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(outcome(wasm, b)).toEqual(outcome(js, b));
      }),
      { numRuns: 2000 },
    );
  });

  test("wasm module: never reads past the input's end, never writes outside dst, any dstLen", () => {
    const k = newWasmKernels();
    const { exports } = k;
    const CANARY = 0xa5;
    fc.assert(
      fc.property(fc.oneof(validBlock, corrupted), fc.integer({ min: -3, max: 3 }), (b, skew) => {
        // The length as the module reads it, then dst (with guard bytes either side) from the heap.
        const lengthOut = k.heap.alloc(8);
        const head = Math.min(b.length, 5);
        k.heap.u8().set(b.subarray(0, head), lengthOut + 8 - head);
        const n = exports.snappyUncompressedLength(lengthOut + 8 - head, head, lengthOut);
        const declared = n > 0 ? k.heap.u32()[lengthOut >>> 2] : 0;
        k.heap.release(lengthOut);
        const dstLen = Math.max(0, (declared > 20_000 ? 16 : declared) + skew);
        const guard = 64;
        const dst = k.heap.alloc(dstLen + 2 * guard) + guard;
        // The input ends at the end of memory, so reading past it traps.
        const mem = k.heap.u8();
        const src = mem.length - b.length;
        expect(src).toBeGreaterThan(dst + dstLen + guard);
        mem.set(b, src);
        try {
          mem.fill(CANARY, dst - guard, dst + dstLen + guard);
          const status = exports.snappyDecompress(src, b.length, dst, dstLen);
          const view = new Uint8Array(exports.memory.buffer);
          expect(view.subarray(dst - guard, dst).every((x) => x === CANARY)).toBe(true);
          expect(view.subarray(dst + dstLen, dst + dstLen + guard).every((x) => x === CANARY)).toBe(true);
          const twin = outcome(js, b);
          if (n < 0) expect(status).toBe(SnappyStatus.ERR_PREAMBLE);
          else if (twin === SnappyStatus.ERR_TOO_LARGE || twin === SnappyStatus.ERR_EXPANSION) expect(status).toBe(twin);
          else if (dstLen !== declared) expect(status).toBe(SnappyStatus.ERR_LENGTH_MISMATCH);
          else if (typeof twin === "number") expect(status).toBe(twin);
          else {
            expect(status).toBe(SnappyStatus.OK);
            expect(hex(view.subarray(dst, dst + dstLen))).toBe(twin);
          }
        } finally {
          k.heap.release(dst - guard);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- against libsnappy ----

// Reads records from stdin: a mode byte ('c' compress, 'd' decompress), a u32 LE length, the bytes.
// Writes per record: an ok byte, a u32 LE length, the bytes. 'd' validates before it allocates, so
// a corrupt length cannot make it allocate gigabytes.
const HELPER_SOURCE = String.raw`
#include <snappy.h>
#include <cstdint>
#include <cstdio>
#include <string>
static void put(bool ok, const std::string& s) {
  uint8_t h[5] = {uint8_t(ok), uint8_t(s.size()), uint8_t(s.size() >> 8), uint8_t(s.size() >> 16), uint8_t(s.size() >> 24)};
  fwrite(h, 1, 5, stdout);
  fwrite(s.data(), 1, s.size(), stdout);
}
int main() {
  std::string in;
  char buf[1 << 16];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, stdin)) > 0) in.append(buf, got);
  size_t p = 0;
  while (p + 5 <= in.size()) {
    char mode = in[p];
    const unsigned char* u = reinterpret_cast<const unsigned char*>(in.data() + p + 1);
    size_t len = size_t(u[0]) | size_t(u[1]) << 8 | size_t(u[2]) << 16 | size_t(u[3]) << 24;
    const char* data = in.data() + p + 5;
    p += 5 + len;
    std::string out;
    if (mode == 'c') {
      snappy::Compress(data, len, &out);
      put(true, out);
    } else {
      bool ok = snappy::IsValidCompressedBuffer(data, len) && snappy::Uncompress(data, len, &out);
      put(ok, ok ? out : std::string());
    }
  }
  return 0;
}
`;
const haveSnappy = existsSync("/usr/include/snappy.h") && spawnSync("g++", ["--version"]).status === 0;

// CI installs libsnappy-dev (.ci/run), so there a missing compiler or header fails these tests
// instead of skipping them.
describe.skipIf(!haveSnappy && process.env.CI !== "true")("against libsnappy (g++ -lsnappy)", () => {
  let dir = "";
  let helper = "";

  /** Builds the helper on first use, inside a test, so that a missing g++ or header fails each test. */
  function helperPath(): string {
    if (helper !== "") return helper;
    if (dir === "") dir = mkdtempSync(join(tmpdir(), "wasm-lsm-snappy-"));
    writeFileSync(join(dir, "snappy-ref.cc"), HELPER_SOURCE);
    const exe = join(dir, "snappy-ref");
    const cc = spawnSync("g++", ["-O1", "-o", exe, join(dir, "snappy-ref.cc"), "-lsnappy"], { encoding: "utf8" });
    if (cc.status !== 0) throw new Error(`cannot build the libsnappy helper (g++ and libsnappy-dev needed): ${cc.error ?? cc.stderr}`);
    helper = exe;
    return helper;
  }

  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  function reference(mode: "c" | "d", inputs: Uint8Array[]): (Uint8Array | null)[] {
    const framed = concat(...inputs.flatMap((b) => [[mode.charCodeAt(0), ...le(b.length, 4)], b]));
    const run = spawnSync(helperPath(), [], { input: framed, maxBuffer: 1 << 30 });
    if (run.status !== 0) throw new Error(`libsnappy helper failed: ${run.error ?? run.stderr}`);
    const out = new Uint8Array(run.stdout);
    const results: (Uint8Array | null)[] = [];
    for (let p = 0; p < out.length; ) {
      const len = out[p + 1] | (out[p + 2] << 8) | (out[p + 3] << 16) | (out[p + 4] * 2 ** 24);
      results.push(out[p] === 1 ? out.slice(p + 5, p + 5 + len) : null);
      p += 5 + len;
    }
    expect(results).toHaveLength(inputs.length);
    return results;
  }

  let seed = 12345;
  const random = (n: number) => Uint8Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff);
  const words = "the of and a to in is you that it he was for on are as with his they at be this have from".split(" ");
  const text = (n: number) => {
    let s = "";
    for (let i = 0; s.length < n; i++) s += words[random(1)[0] % words.length] + (i % 13 === 12 ? ".\n" : " ");
    return utf8(s.slice(0, n));
  };
  const INPUTS: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["1 byte", Uint8Array.of(0x42)],
    ["repetitive", repeat("abcabcabd", 500)],
    ["random 4 KiB", random(4096)],
    ["text 4 KiB", text(4096)],
    ["text 150 KiB", text(150 * 1024)],
    ["random 100 KiB", random(100 * 1024)],
    ["long run of zeros, 300 KiB", new Uint8Array(300 * 1024)],
    ["runs of varying bytes and lengths", concat(...Array.from({ length: 200 }, (_, i) => new Uint8Array(1 + ((i * 37) % 500)).fill(i)))],
    ["text then its own repeat 70 KiB back (offsets past 64 KiB)", (() => { const t = text(70 * 1024); return concat(t, t); })()],
    ["LevelDB-like block: keys with shared prefixes", utf8(Array.from({ length: 200 }, (_, i) => `user:${String(i).padStart(8, "0")}=value-${i * 31}`).join(""))],
  ];

  test.each(INPUTS)("%s: both paths give back what libsnappy compressed", (_label, input) => {
    const [compressed] = reference("c", [input]);
    expect(compressed).not.toBeNull();
    for (const [, k] of bothPaths) expect(hex(k.snappyDecompress(compressed!))).toBe(hex(input));
  });

  const chunk = fc.uint8Array({ minLength: 1, maxLength: 40 });
  const structured = fc
    .array(fc.tuple(chunk, fc.integer({ min: 1, max: 30 })), { maxLength: 40 })
    .map((parts) => concat(...parts.map(([c, n]) => concat(...Array.from({ length: n }, () => c)))));
  const anyInput = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    structured,
    fc.string({ maxLength: 2000 }).map(utf8),
    fc.array(fc.constantFrom(0x61, 0x62, 0x63), { maxLength: 5000 }).map((a) => Uint8Array.from(a)),
  );

  test("property: random inputs compressed by libsnappy decompress to the original on both paths", () => {
    const inputs = fc.sample(anyInput, { numRuns: 400, seed: 42 });
    const compressed = reference("c", inputs);
    inputs.forEach((input, i) => {
      expect(hex(wasm.snappyDecompress(compressed[i]!))).toBe(hex(input));
      expect(hex(js.snappyDecompress(compressed[i]!))).toBe(hex(input));
    });
    fc.assert(
      fc.property(anyInput, (input) => {
        const [c] = reference("c", [input]);
        expect(hex(wasm.snappyDecompress(c!))).toBe(hex(input));
        expect(hex(js.snappyDecompress(c!))).toBe(hex(input));
      }),
      { numRuns: 50 },
    );
  });

  test("property: on corrupted blocks both paths accept exactly what libsnappy accepts, with its bytes", () => {
    const fromLibsnappy = reference("c", fc.sample(anyInput, { numRuns: 300, seed: 7 }));
    const mutate = fc
      .tuple(fc.constantFrom(...fromLibsnappy), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }), fc.option(fc.nat(), { nil: undefined }))
      .map(([c, writes, cut]) => {
        const b = c!.slice(0, cut === undefined ? undefined : cut % (c!.length + 1));
        for (const [at, v] of writes) if (b.length > 0) b[at % b.length] = v;
        return b;
      });
    const samples = [...fc.sample(corrupted, { numRuns: 2000, seed: 1 }), ...fc.sample(mutate, { numRuns: 2000, seed: 2 })];
    const theirs = reference("d", samples);
    let accepted = 0;
    samples.forEach((b, i) => {
      const expected = theirs[i] === null ? "rejected" : hex(theirs[i]!);
      for (const [, k] of bothPaths) {
        const o = outcome(k, b);
        expect(typeof o === "number" ? "rejected" : o, `${k.name} on ${hex(b)}`).toBe(expected);
      }
      if (theirs[i] !== null) accepted++;
    });
    expect(accepted).toBeGreaterThan(100); // the samples reach both sides of the line
    expect(samples.length - accepted).toBeGreaterThan(100);
  });
});
