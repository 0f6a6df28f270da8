// The write-ahead log format: records round-trip across 32 KiB block boundaries; a torn tail is
// dropped quietly; damage followed by valid records is corruption. And the MemTable against a
// sorted-map model.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { MemTable } from "../../src/lsm/memtable.js";
import { decodeBatch, encodeBatch, LOG_BLOCK_SIZE, LogWriter, readLog } from "../../src/lsm/wal.js";
import { CorruptionError } from "../../src/sstable/errors.js";
import { ValueKind } from "../../src/sstable/format.js";
import { bothPaths, hex } from "../kernels/kernels.js";

function writeLog(kernels: (typeof bothPaths)[number][1], records: Uint8Array[]): Uint8Array {
  const w = new LogWriter(kernels);
  return Buffer.concat(records.map((r) => w.frame(r)));
}

const sizes = [0, 1, 100, LOG_BLOCK_SIZE - 7, LOG_BLOCK_SIZE - 14, LOG_BLOCK_SIZE, 3 * LOG_BLOCK_SIZE + 5, 10, 20_000, 20_000];
const records = sizes.map((n, i) => new Uint8Array(n).map((_, j) => (i * 31 + j) & 0xff));

describe.each(bothPaths)("write-ahead log (%s kernels)", (_name, kernels) => {
  test("records of every size round-trip, across block boundaries", () => {
    const log = writeLog(kernels, records);
    expect(readLog(kernels, "test.log", log).map(hex)).toEqual(records.map(hex));
  });

  test("a torn tail (cut anywhere in the last record) drops only that record", () => {
    const head = writeLog(kernels, records.slice(0, -1));
    const full = writeLog(kernels, records);
    for (let cut = head.length; cut < full.length; cut += 97) {
      expect(readLog(kernels, "test.log", full.subarray(0, cut)).map(hex)).toEqual(records.slice(0, -1).map(hex));
    }
  });

  test("a damaged last record is a torn tail; damage before valid records is corruption", () => {
    const full = writeLog(kernels, records);
    const lastStart = writeLog(kernels, records.slice(0, -1)).length;
    const tail = full.slice();
    tail[full.length - 3] ^= 1;
    expect(readLog(kernels, "test.log", tail)).toHaveLength(records.length - 1);
    const middle = full.slice();
    middle[10] ^= 1; // inside the second record, in the first block
    expect(() => readLog(kernels, "test.log", middle)).toThrow(CorruptionError);
    expect(lastStart).toBeGreaterThan(LOG_BLOCK_SIZE);
  });

  test("write batches round-trip", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.uint8Array({ maxLength: 30 }))), (sequence, ops) => {
        const batch = { sequence, ops: ops.map(([del, key, value]) => ({ kind: del ? ValueKind.DELETION : ValueKind.VALUE, key, value: del ? new Uint8Array(0) : value })) };
        expect(decodeBatch(encodeBatch(batch))).toEqual(batch);
      }),
    );
  });
});

test("the MemTable agrees with a sorted map over random puts, deletes, gets and ranges", () => {
  const key = fc.uint8Array({ minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(3), key, key, fc.uint8Array({ maxLength: 8 })), { maxLength: 300 }), (ops) => {
      const mem = new MemTable();
      const model = new Map<string, { value: string; kind: number }>();
      let seq = 0;
      for (const [op, k, k2, v] of ops) {
        const kh = hex(k);
        if (op <= 1) {
          const kind = op === 0 ? ValueKind.VALUE : ValueKind.DELETION;
          mem.put(k, v, ++seq, kind);
          model.set(kh, { value: hex(v), kind });
        } else if (op === 2) {
          const e = mem.get(k);
          const m = model.get(kh);
          expect(e === null ? null : { value: hex(e.value), kind: e.kind }).toEqual(m ?? null);
        } else {
          const [lo, hi] = Buffer.compare(k, k2) <= 0 ? [k, k2] : [k2, k];
          const got = [...mem.range(lo, hi)].map((e) => hex(e.key));
          const want = [...model.keys()].filter((x) => Buffer.compare(Buffer.from(x, "hex"), lo) >= 0 && Buffer.compare(Buffer.from(x, "hex"), hi) <= 0).sort((a, b) => Buffer.compare(Buffer.from(a, "hex"), Buffer.from(b, "hex")));
          expect(got).toEqual(want);
        }
      }
      expect(mem.count).toBe(model.size);
    }),
  );
});

test("the MemTable's arena keeps big and small items apart across chunks", () => {
  const mem = new MemTable();
  const values = new Map<string, Uint8Array>();
  for (let i = 0; i < 400; i++) {
    const size = i % 97 === 0 ? 600_000 + i : (i * 7919) % 9000; // some over half a chunk
    const value = new Uint8Array(size).fill(i & 0xff);
    const key = new TextEncoder().encode(`k${(i * 31) % 400}`);
    mem.put(key, value, i + 1);
    values.set(hex(key), value);
  }
  expect(mem.count).toBe(values.size);
  for (const [k, v] of values) expect(hex(mem.get(Buffer.from(k, "hex"))!.value)).toBe(hex(v));
  const keys = [...mem.entries()].map((e) => hex(e.key));
  expect(keys).toEqual([...values.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, "hex"), Buffer.from(b, "hex"))));
});

test.each(bothPaths)("frameReserved writes the same log bytes as frame (%s)", (_name, kernels) => {
  const a = new LogWriter(kernels);
  const b = new LogWriter(kernels);
  const batches = Array.from({ length: 900 }, (_, i) => ({ sequence: i + 1, ops: [{ kind: ValueKind.VALUE, key: new Uint8Array(10).fill(i & 0xff), value: new Uint8Array((i * 37) % 300) }] }));
  const plain = Buffer.concat(batches.map((batch) => a.frame(encodeBatch(batch))));
  const reserved = Buffer.concat(batches.map((batch) => b.frameReserved(encodeBatch(batch, 7))));
  expect(plain.length).toBeGreaterThan(3 * LOG_BLOCK_SIZE);
  expect(hex(reserved)).toBe(hex(plain));
});
