// Corruption sweep: for a small table, every single-byte change gives a CorruptionError or the
// correct data (never a wrong value, a crash of another kind, or a hang), and every truncation
// gives a CorruptionError.
import { describe, expect, test } from "vitest";
import { CorruptionError } from "../../src/sstable/errors.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { Table } from "../../src/sstable/reader.js";
import { TableBuilder } from "../../src/sstable/writer.js";
import { bothPaths, utf8 } from "../kernels/kernels.js";

const ENTRIES = Array.from({ length: 40 }, (_, i) => [`key-${String(i * 3).padStart(4, "0")}`, `value-${i}-${"x".repeat(i % 7)}`] as const);
const ABSENT = ["key-0001", "a", "zzz", "key-9999"];

function table(kernels: (typeof bothPaths)[number][1]): Uint8Array {
  const file = new MemoryFile("sweep.sst");
  const b = new TableBuilder(file, { kernels, blockSize: 200, restartInterval: 4 });
  ENTRIES.forEach(([k, v], i) => b.add(internalKey(utf8(k), 100 + i, i === 7 ? ValueKind.DELETION : ValueKind.VALUE), i === 7 ? new Uint8Array(0) : utf8(v)));
  b.finish();
  return file.contents();
}

/** Reads everything the table holds; returns a transcript, or "corruption". */
function readAll(kernels: (typeof bothPaths)[number][1], bytes: Uint8Array): string {
  try {
    const t = Table.open(new MemoryFile("sweep.sst", bytes), { kernels, blockCacheBytes: 0 });
    const lines: string[] = [];
    const it = t.iterator();
    for (let e = it.first(); e !== null; e = it.next()) lines.push(`${Buffer.from(e.userKey)}@${e.sequence}/${e.kind}=${Buffer.from(e.value)}`);
    for (const [k] of ENTRIES) {
      const r = t.get(utf8(k));
      lines.push(`get ${k}: ${r.found} ${r.deleted} ${r.value && Buffer.from(r.value)}`);
    }
    for (const k of ABSENT) lines.push(`get ${k}: ${t.get(utf8(k)).found}`);
    t.close();
    return lines.join("\n");
  } catch (err) {
    if (err instanceof CorruptionError) return "corruption";
    throw err;
  }
}

describe.each(bothPaths)("corruption sweep (%s)", (_name, kernels) => {
  const good = table(kernels);
  const expected = readAll(kernels, good);

  test("the sound table reads back every entry", () => {
    expect(expected).toContain("get key-0021: false true null"); // the deletion
    expect(expected).toContain("get key-0000: true false value-0-");
    expect(expected.split("\n")).toHaveLength(ENTRIES.length * 2 + ABSENT.length);
  });

  test(`every byte changed (xor 0x01, 0x80, 0xff) gives corruption or the right data`, () => {
    let detected = 0;
    let harmless = 0;
    for (let i = 0; i < good.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = good.slice();
        bad[i] ^= mask;
        const got = readAll(kernels, bad);
        if (got === "corruption") detected++;
        else {
          expect(got, `byte ${i} ^ ${mask}`).toBe(expected);
          harmless++;
        }
      }
    }
    // only the footer's zero padding is read by nobody
    expect(harmless).toBeLessThanOrEqual(3 * 40);
    expect(detected).toBeGreaterThan(good.length * 2);
  });

  test("every truncation gives corruption", () => {
    for (let len = 0; len < good.length; len++) {
      expect(readAll(kernels, good.subarray(0, len)), `truncated to ${len}`).toBe("corruption");
    }
  });
});
