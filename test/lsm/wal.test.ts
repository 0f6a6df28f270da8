// The write-ahead log format: records round-trip across 32 KiB block boundaries with their offsets;
// a torn tail (an incomplete last record) and every damaged range are reported as dropped ranges,
// and a damaged complete record is never taken for a torn tail. And the MemTable against a
// sorted-map model.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { MemTable } from "../../src/lsm/memtable.js";
import { decodeBatch, encodeBatch, LOG_BLOCK_SIZE, LogWriter, readLog } from "../../src/lsm/wal.js";
import { encodeFixed32 } from "../../src/kernels/coding.js";
import { crc32cMask } from "../../src/kernels/js.js";
import { ValueKind } from "../../src/sstable/format.js";
import { bothPaths, hex, utf8 } from "../kernels/kernels.js";

/** One record, framed by hand with any type (LogWriter only writes sound sequences). */
function rawRecord(kernels: (typeof bothPaths)[number][1], type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(7 + data.length);
  out.set(data, 7);
  out[4] = data.length & 0xff;
  out[5] = data.length >>> 8;
  out[6] = type;
  encodeFixed32(out, 0, crc32cMask(kernels.crc32c(out.subarray(6))));
  return out;
}

function writeLog(kernels: (typeof bothPaths)[number][1], records: Uint8Array[]): Uint8Array {
  const w = new LogWriter(kernels);
  return Buffer.concat(records.map((r) => w.frame(r)));
}

const sizes = [0, 1, 100, LOG_BLOCK_SIZE - 7, LOG_BLOCK_SIZE - 14, LOG_BLOCK_SIZE, 3 * LOG_BLOCK_SIZE + 5, 10, 20_000, 20_000];
const records = sizes.map((n, i) => new Uint8Array(n).map((_, j) => (i * 31 + j) & 0xff));

describe.each(bothPaths)("write-ahead log (%s kernels)", (_name, kernels) => {
  const read = (log: Uint8Array) => readLog(kernels, log);
  const offsets = (rs: readonly Uint8Array[]) => rs.map((_, i) => writeLog(kernels, rs.slice(0, i)).length);

  test("records of every size round-trip, across block boundaries, with their offsets", () => {
    const log = writeLog(kernels, records);
    const got = read(log);
    expect(got.records.map((r) => hex(r.data))).toEqual(records.map(hex));
    expect(got.records.map((r) => r.offset)).toEqual(offsets(records));
    expect([got.dropped, got.end, got.endedCleanly]).toEqual([[], log.length, true]);
  });

  test("a torn tail (cut anywhere in the last record) drops only that record, reported with its offset and size", () => {
    const head = writeLog(kernels, records.slice(0, -1));
    const full = writeLog(kernels, records);
    for (let cut = head.length + 1; cut < full.length; cut += 97) {
      const got = read(full.subarray(0, cut));
      expect(got.records.map((r) => hex(r.data))).toEqual(records.slice(0, -1).map(hex));
      expect(got.dropped.map((d) => [d.offset, d.length, d.torn])).toEqual([[head.length, cut - head.length, true]]);
      expect([got.end, got.endedCleanly]).toEqual([head.length, false]);
    }
  });

  test("a flipped byte in a complete record is corruption, in the last record too, never a torn tail", () => {
    const full = writeLog(kernels, records);
    const lastStart = writeLog(kernels, records.slice(0, -1)).length;
    expect(lastStart).toBeGreaterThan(LOG_BLOCK_SIZE);
    const tail = full.slice();
    tail[full.length - 3] ^= 1;
    const got = read(tail);
    expect(got.records.map((r) => hex(r.data))).toEqual(records.slice(0, -1).map(hex));
    expect(got.dropped.every((d) => !d.torn)).toBe(true);
    expect(got.dropped[0].offset).toBe(lastStart); // the record's FIRST fragment, then its damaged LAST
    expect(got.dropped.reduce((n, d) => n + d.length, 0)).toBe(full.length - lastStart);
    expect(got.dropped.at(-1)!.reason).toMatch(/checksum mismatch/);
    expect([got.end, got.endedCleanly]).toEqual([lastStart, false]);
  });

  test("one byte flipped in the first of three records drops that record only, and reports its range", () => {
    const three = [utf8("first record"), utf8("second"), utf8("third")];
    const log = writeLog(kernels, three);
    for (const at of [0, 5, 6, 7 + 3]) {
      const damaged = log.slice();
      damaged[at] ^= 0x40;
      const got = read(damaged);
      expect(got.records.map((r) => hex(r.data))).toEqual(three.slice(1).map(hex));
      expect(got.dropped).toHaveLength(1);
      expect(got.dropped[0]).toMatchObject({ offset: 0, torn: false });
      // a damaged length makes the stated end useless: the reader finds the next sound record
      expect(got.dropped[0].length).toBe(7 + three[0].length);
    }
  });

  test("a zeroed 4 KiB page with records after it is corruption; the records after it come back", () => {
    const many = Array.from({ length: 400 }, (_, i) => utf8(`record ${i} `.padEnd(60, "x")));
    const log = writeLog(kernels, many);
    const damaged = log.slice();
    damaged.fill(0, 4096, 8192);
    const got = read(damaged);
    const starts = offsets(many);
    const kept = many.filter((_, i) => starts[i] + 7 + many[i].length <= 4096 || starts[i] >= 8192);
    expect(got.records.map((r) => hex(r.data))).toEqual(kept.map(hex));
    expect(got.dropped).toHaveLength(1);
    const hit = starts.filter((s) => s < 4096).length - 1;
    const after = starts.find((s) => s >= 8192)!;
    expect(got.dropped[0]).toMatchObject({ offset: starts[hit], length: after - starts[hit], torn: false });
  });

  test("zeros reaching the end of the file are a torn tail: after the last record, or over its end", () => {
    const log = writeLog(kernels, records.slice(0, 3));
    const padded = Buffer.concat([log, new Uint8Array(3000)]);
    const got = read(padded);
    expect(got.records.map((r) => hex(r.data))).toEqual(records.slice(0, 3).map(hex));
    expect(got.dropped).toEqual([{ offset: log.length, length: 3000, reason: "zero bytes from here to the end of the file", torn: true }]);
    expect(got.end).toBe(log.length);
    const overLast = Buffer.from(log);
    const lastStart = writeLog(kernels, records.slice(0, 2)).length;
    overLast.fill(0, lastStart + 20); // a record of 100 bytes whose end never reached the disk
    const cut = read(overLast);
    expect(cut.records.map((r) => hex(r.data))).toEqual(records.slice(0, 2).map(hex));
    expect(cut.dropped.map((d) => [d.offset, d.length, d.torn])).toEqual([[lastStart, log.length - lastStart, true]]);
    // a value that ends in zeros is still a sound record
    const zeroValue = writeLog(kernels, [utf8("a"), new Uint8Array(500)]);
    expect(read(zeroValue)).toMatchObject({ dropped: [], endedCleanly: true });
  });

  test("fragments out of order and bad record types are corruption", () => {
    const rec = (type: number, data: Uint8Array) => rawRecord(kernels, type, data);
    const a = utf8("aaaa"), b = utf8("bbbb"), c = utf8("cc");
    const orphan = read(Buffer.concat([rec(1, a), rec(3, b), rec(4, c), rec(1, a)]));
    expect(orphan.records.map((r) => r.offset)).toEqual([0, 11 + 11 + 9]);
    expect(orphan.dropped.map((d) => [d.offset, d.length, d.reason])).toEqual([
      [11, 11, "a MIDDLE fragment without a FIRST before it"],
      [22, 9, "a LAST fragment without a FIRST before it"],
    ]);
    const unfinished = read(Buffer.concat([rec(2, a), rec(1, b)]));
    expect(unfinished.records.map((r) => hex(r.data))).toEqual([hex(b)]);
    expect(unfinished.dropped).toEqual([{ offset: 0, length: 11, reason: "a FIRST fragment with no LAST before the record at offset 11", torn: false }]);
    const badType = Buffer.concat([rec(1, a), rec(9, b), rec(1, c)]);
    expect(read(badType).dropped).toEqual([{ offset: 11, length: 11, reason: "bad record type 9", torn: false }]);
    expect(read(badType).records.map((r) => hex(r.data))).toEqual([hex(a), hex(c)]);
  });

  test("the file ending inside a fragmented record, or inside a header, is a torn tail", () => {
    const big = new Uint8Array(LOG_BLOCK_SIZE + 100).fill(7);
    const log = writeLog(kernels, [utf8("x"), big]);
    const got = read(log.subarray(0, LOG_BLOCK_SIZE)); // FIRST fragment complete, LAST missing
    expect(got.records.map((r) => hex(r.data))).toEqual([hex(utf8("x"))]);
    expect(got.dropped).toEqual([{ offset: 8, length: LOG_BLOCK_SIZE - 8, reason: "the file ends inside a fragmented record, before its LAST fragment", torn: true }]);
    const header = read(log.subarray(0, 8 + 4));
    expect(header.dropped).toEqual([{ offset: 8, length: 4, reason: "a record header cut short by the end of the file", torn: true }]);
    expect([header.end, header.endedCleanly]).toEqual([8, false]);
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
