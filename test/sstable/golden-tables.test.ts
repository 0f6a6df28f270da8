// Golden tables: small tables committed byte for byte (test/fixtures/tables), with the layout text
// of each, in the manner of Pebble's data-driven tests. The test rebuilds every table from its
// definition below on both kernel paths and compares; `scripts/regen-golden-tables.sh` (which runs
// this file with UPDATE_GOLDEN=1) rewrites the fixtures after a deliberate format change.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { Kernels } from "../../src/kernels/types.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { internalKey, ValueKind } from "../../src/sstable/format.js";
import { describeTable, formatLayout } from "../../src/sstable/layout.js";
import { Table } from "../../src/sstable/reader.js";
import { TableBuilder, type TableBuilderOptions } from "../../src/sstable/writer.js";
import { bothPaths, utf8 } from "../kernels/kernels.js";

const DIR = "test/fixtures/tables";
const UPDATE = process.env.UPDATE_GOLDEN === "1";

interface GoldenCase {
  name: string;
  options: Omit<TableBuilderOptions, "kernels">;
  entries: [Uint8Array, number, ValueKind, Uint8Array][];
}

const v = ValueKind.VALUE;
const d = ValueKind.DELETION;
const CASES: GoldenCase[] = [
  {
    name: "tiny", // the worked example of FORMAT.md
    options: { externalFile: true },
    entries: [[utf8("apple"), 0, v, utf8("red")], [utf8("banana"), 0, v, utf8("yellow")], [utf8("cherry"), 0, d, new Uint8Array(0)]],
  },
  { name: "empty", options: {}, entries: [] },
  {
    name: "small-blocks-restart-1",
    options: { blockSize: 256, restartInterval: 1, bitsPerKey: 16 },
    entries: Array.from({ length: 100 }, (_, i) => [utf8(`key${String(i).padStart(3, "0")}`), 1000 - i, i % 10 === 9 ? d : v, i % 10 === 9 ? new Uint8Array(0) : utf8(`value-${i}`)]),
  },
  {
    name: "binary-and-versions",
    options: { bitsPerKey: 4, restartInterval: 4 },
    entries: [
      [Uint8Array.of(0), 7, v, Uint8Array.of(0xff, 0)],
      [Uint8Array.of(0, 1), 9, v, new Uint8Array(300).fill(0xab)],
      [utf8("k"), 30, v, utf8("newest")],
      [utf8("k"), 20, d, new Uint8Array(0)],
      [utf8("k"), 10, v, utf8("oldest")],
      [utf8("k".repeat(200)), 5, v, utf8("long key")],
      [utf8("日本"), 4, v, utf8("😀")],
      [Uint8Array.of(0xff, 0xff), 3, v, utf8("last")],
    ],
  },
];

function build(kernels: Kernels, c: GoldenCase): Uint8Array {
  const file = new MemoryFile(`${c.name}.sst`);
  const b = new TableBuilder(file, { kernels, ...c.options });
  for (const [key, seq, kind, value] of c.entries) b.add(internalKey(key, seq, kind), value);
  b.finish();
  return file.contents();
}

describe.each(bothPaths)("golden tables (%s)", (name, kernels) => {
  test.each(CASES.map((c) => [c.name, c] as const))("%s.sst is rebuilt byte for byte, and its layout matches", (_n, c) => {
    const bytes = build(kernels, c);
    const layout = formatLayout(describeTable(Table.open(new MemoryFile(`${c.name}.sst`, bytes), { kernels })));
    const sst = `${DIR}/${c.name}.sst`;
    const txt = `${DIR}/${c.name}.layout.txt`;
    if (UPDATE && name === "wasm") {
      writeFileSync(sst, bytes);
      writeFileSync(txt, layout);
    }
    expect(existsSync(sst), `${sst} missing: run scripts/regen-golden-tables.sh`).toBe(true);
    expect(Buffer.compare(Buffer.from(bytes), readFileSync(sst))).toBe(0);
    expect(layout).toBe(readFileSync(txt, "utf8"));
  });
});
