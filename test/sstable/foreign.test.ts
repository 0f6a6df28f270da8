// Tables written by the real engines (test/fixtures/foreign, made by
// scripts/regen-foreign-fixtures.sh): LevelDB 1.23 with Snappy and without compression, RocksDB
// 7.8's SstFileWriter at format_version 0 and 5. Our reader gives back every entry, in order.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { NodeRandomAccessFile } from "../../src/io/node-file.js";
import { ValueKind } from "../../src/sstable/format.js";
import { describeTable, type LayoutRange } from "../../src/sstable/layout.js";
import { Table } from "../../src/sstable/reader.js";
import { bothPaths, fromHex, hex } from "../kernels/kernels.js";

interface Fixture {
  file: string;
  compression: string;
  format_version: number;
  entries: { key: string; seq: number; kind: "value" | "deletion"; value: string }[];
}
const DIR = "test/fixtures/foreign";
const fixtures = (JSON.parse(readFileSync(`${DIR}/tables.json`, "utf8")) as { tables: Fixture[] }).tables;

describe.each(bothPaths)("other engines' tables (%s kernels)", (_name, kernels) => {
  test.each(fixtures.map((f) => [f.file, f] as const))("%s: every entry in order", (_f, fixture) => {
    const table = Table.open(new NodeRandomAccessFile(`${DIR}/${fixture.file}`), { kernels });
    try {
      const got: Fixture["entries"] = [];
      const it = table.iterator();
      for (let e = it.first(); e !== null; e = it.next()) {
        got.push({ key: hex(e.userKey), seq: e.sequence, kind: e.kind === ValueKind.VALUE ? "value" : "deletion", value: hex(e.value) });
      }
      expect(got).toEqual(fixture.entries);
    } finally {
      table.close();
    }
  });

  test.each(fixtures.map((f) => [f.file, f] as const))("%s: layout ranges lie in the file, or are flagged as inside decompressed bytes", (_f, fixture) => {
    const table = Table.open(new NodeRandomAccessFile(`${DIR}/${fixture.file}`), { kernels });
    try {
      const ranges = describeTable(table);
      let block: LayoutRange | null = null;
      let decompressed = 0;
      for (const r of ranges) {
        if (r.depth === 0) block = r;
        if (r.decompressed === true) {
          decompressed++;
          expect(block!.text, r.text).toMatch(/snappy-compressed, \d+ bytes decompressed\)$/);
          expect(r.end).toBeLessThanOrEqual(Number(/(\d+) bytes decompressed/.exec(block!.text)![1]));
        } else {
          expect(r.end, r.text).toBeLessThanOrEqual(table.file.size);
          expect(r.start, r.text).toBeGreaterThanOrEqual(block!.start);
          expect(r.end, r.text).toBeLessThanOrEqual(block!.end);
        }
      }
      // the fixtures' compression (tables.json) decides whether any range is inside decompressed bytes
      expect(decompressed > 0, fixture.compression).toBe(fixture.compression !== "none");
    } finally {
      table.close();
    }
  });

  test.each(fixtures.map((f) => [f.file, f] as const))("%s: get finds every key's newest entry, and no absent key", (_f, fixture) => {
    const table = Table.open(new NodeRandomAccessFile(`${DIR}/${fixture.file}`), { kernels });
    try {
      for (const e of fixture.entries) {
        const r = table.get(fromHex(e.key));
        expect(r.deleted).toBe(e.kind === "deletion");
        expect(r.found ? hex(r.value!) : null).toBe(e.kind === "value" ? e.value : null);
      }
      for (const absent of ["", "00", "6b6579", "6b65793030303030303030", "ffff"]) expect(table.get(fromHex(absent)).found).toBe(false);
    } finally {
      table.close();
    }
  });
});
