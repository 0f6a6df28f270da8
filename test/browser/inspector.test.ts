// The inspector page in real Chromium (README "The browser"): served by web/server.mjs on a free
// port, driven by playwright-core. Every page runs guarded: a request to any host but the local
// server is aborted and fails the test, so the page is known to work with no network. What the page
// shows is checked against the same computed in Node by the same code: entry counts and entries,
// the layout text, lookups, corruption errors, a table built from JSON lines (against the bytes
// `wasm-lsm sst write` makes), and the kernels' results on fixed inputs (the differential check).

import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { loadKernels } from "../../src/kernels/node.js";
import type { Kernels } from "../../src/kernels/types.js";
import { CorruptionError } from "../../src/sstable/errors.js";
import { MemoryFile } from "../../src/sstable/file.js";
import { describeTable, formatLayout } from "../../src/sstable/layout.js";
import { Table } from "../../src/sstable/reader.js";
import { startWebServer } from "../../web/server.mjs";
import { guardedPage, launchChromium, skipWithoutChromium } from "./chromium.js";
import { differentialResults } from "./differential-cases.js";

const LEVELDB_DIR = "test/fixtures/leveldb-dir/db";
interface LevelDbFixture {
  readonly entries: [key: string, value: string][];
  readonly sstables: string;
  readonly probes: {
    readonly inLog: { key: string; value: string };
    readonly inDeepTable: { key: string; value: string };
    readonly inLevel0Table: { key: string; value: string };
    readonly deletedInLog: string;
    readonly deletedInLevel0Table: string;
    readonly missing: string;
  };
}
const leveldbFixture = JSON.parse(readFileSync("test/fixtures/leveldb-dir/expected.json", "utf8")) as LevelDbFixture;

/** Table numbers per level from LevelDB's own "leveldb.sstables" report (" 7:2780[...]" under "--- level 0 ---"). */
function levelsOfReport(report: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let level = "";
  for (const line of report.split("\n")) {
    const head = /^--- level (\d) ---$/.exec(line);
    if (head !== null) level = head[1];
    const table = /^ (\d+):(\d+)\[/.exec(line);
    if (table !== null) (out[level] ??= []).push(`${table[1].padStart(6, "0")}.ldb ${table[2]}`);
  }
  return out;
}

const FIXTURES = [
  "test/fixtures/tables/tiny.sst",
  "test/fixtures/tables/binary-and-versions.sst",
  "test/fixtures/tables/small-blocks-restart-1.sst",
  "test/fixtures/foreign/leveldb-snappy.ldb",
  "test/fixtures/foreign/rocksdb-v0.sst",
  "test/fixtures/foreign/rocksdb-v5.sst",
];
const LAYOUT_ENTRIES = 4; // web/table-inspection.ts
const PAGE_SIZE = 50;
const wasm = loadKernels("wasm");
const js = loadKernels("js");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const skip = skipWithoutChromium("test/browser/inspector.test.ts");

/** What Node's reader makes of a table: the page must show the same. */
function nodeView(path: string, kernels: Kernels) {
  const bytes = readFileSync(path);
  const table = Table.open(new MemoryFile(path.split("/").pop()!, bytes), { kernels });
  try {
    const entries: { key: string; value: string; seq: string; kind: string }[] = [];
    const it = table.iterator();
    for (let e = it.first(); e !== null; e = it.next()) {
      entries.push({ key: hex(e.userKey), value: hex(e.value), seq: String(e.sequence), kind: e.kind === 1 ? "value" : e.kind === 0 ? "deletion" : `kind${e.kind}` });
    }
    const layout = describeTable(table, { entriesPerBlock: LAYOUT_ENTRIES });
    return { entries, text: formatLayout(layout), regions: layout.filter((r) => r.depth === 0).length, dataBlocks: table.dataHandles().length };
  } finally {
    table.close();
  }
}

describe.skipIf(skip)("the inspector page in Chromium", () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let foreign: string[];
  let errors: string[];
  let closeContext: () => Promise<void>;

  beforeAll(async () => {
    ({ server, url: origin } = await startWebServer({ port: 0 }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  /** A fresh guarded page at path, once it says it is ready. */
  async function open(path = ""): Promise<Page> {
    const g = await guardedPage(browser, origin);
    ({ page, foreign } = g);
    closeContext = () => g.context.close();
    errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(new URL(path, origin).href);
    await page.waitForSelector("body[data-ready]");
    return page;
  }

  afterEach(async () => {
    // no request left the machine, and the page threw nothing
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await closeContext();
  });

  async function openTable(file: string | { name: string; buffer: Buffer }): Promise<void> {
    await page.setInputFiles("#table-file", typeof file === "string" ? file : { ...file, mimeType: "application/octet-stream" });
    await page.waitForSelector("#table-view[data-state=open], #table-error[data-error]");
  }

  /** The entries of the page shown, in hex. */
  async function shownEntries(): Promise<{ key: string; value: string; seq: string; kind: string }[]> {
    await page.check('input[name="bytes-view"][value="hex"]');
    return page.$$eval("#entries tbody tr", (rows) => rows.map((r) => {
      const c = r.querySelectorAll("td");
      return { key: c[1].textContent!, seq: c[2].textContent!, kind: c[3].textContent!, value: c[4].textContent! };
    }));
  }

  test("the page loads the wasm kernels, streamed from build/kernels.wasm as application/wasm", async () => {
    const wasmResponses: string[] = [];
    const g = await guardedPage(browser, origin);
    ({ page, foreign } = g);
    closeContext = () => g.context.close();
    errors = [];
    page.on("response", (r) => {
      if (r.url().endsWith(".wasm")) wasmResponses.push(`${new URL(r.url()).pathname} ${r.headers()["content-type"]}`);
    });
    await page.goto(origin);
    await page.waitForSelector("body[data-ready]");
    expect(await page.getAttribute("#kernels-status", "data-state")).toBe("wasm");
    expect(wasmResponses).toEqual(["/build/kernels.wasm application/wasm"]);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  test("the guard sees a request to another host (so an empty list means the page made none)", async () => {
    await open();
    const outcome = await page.evaluate(() => fetch("http://example.invalid/x.js").then(() => "fetched", (e: Error) => `refused: ${e.name}`));
    expect(outcome).toBe("refused: TypeError");
    expect(foreign).toEqual(["http://example.invalid/x.js"]);
    foreign.length = 0;
    errors = errors.filter((e) => !e.includes("ERR_BLOCKED_BY_CLIENT"));
  });

  test("the guard sees a dedicated worker's request too (the kernel bench and the OPFS store run in workers)", async () => {
    await open();
    const outcome = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const source = 'fetch("http://example.invalid/from-worker.js").then(() => postMessage("fetched"), (e) => postMessage("refused: " + e.name));';
          const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
          worker.onmessage = (e) => resolve(String(e.data));
        }),
    );
    expect(outcome).toBe("refused: TypeError");
    expect(foreign).toEqual(["http://example.invalid/from-worker.js"]);
    foreign.length = 0;
    errors = errors.filter((e) => !e.includes("ERR_BLOCKED_BY_CLIENT"));
  });

  test.each(FIXTURES)("%s: the entry count, the entries, the properties and the layout Node's reader gives", async (path) => {
    await open();
    await openTable(path);
    const want = nodeView(path, wasm);
    expect(await page.getAttribute("#table-summary", "data-entries")).toBe(String(want.entries.length));
    expect(await page.getAttribute("#table-summary", "data-data-blocks")).toBe(String(want.dataBlocks));
    expect(await page.textContent("#layout-text")).toBe(want.text);
    expect(await page.locator('#layout rect[data-row="file"]').count()).toBe(want.regions);
    expect(await shownEntries()).toEqual(want.entries.slice(0, PAGE_SIZE));
    if (want.entries.length > PAGE_SIZE) {
      await page.click("#entries-next");
      expect(await shownEntries()).toEqual(want.entries.slice(PAGE_SIZE, 2 * PAGE_SIZE));
    }
    // hovering a region names its byte range and what it is
    const footer = page.locator('#layout rect[data-kind="footer"]').last();
    await footer.hover();
    const size = readFileSync(path).length;
    expect(await page.textContent("#layout-hover")).toMatch(new RegExp(`^bytes \\d+-${size} \\(\\d+ bytes\\): footer \\(`));
  });

  test("on the JS kernels the page shows the same, and ours carry RocksDB's properties", async () => {
    await open();
    await page.selectOption("#kernels", "js");
    const path = "test/fixtures/tables/binary-and-versions.sst";
    await openTable(path);
    const want = nodeView(path, js);
    expect(await page.textContent("#table-summary")).toContain("read on the js kernels");
    expect(await page.textContent("#layout-text")).toBe(want.text);
    expect(await shownEntries()).toEqual(want.entries.slice(0, PAGE_SIZE));
    expect(await page.textContent('#properties tr[data-property="rocksdb.num.entries"] td:last-child')).toBe(String(want.entries.length));
  });

  test("a table dropped on the page opens like a chosen one", async () => {
    await open();
    const bytes = [...readFileSync("test/fixtures/foreign/rocksdb-v5.sst")];
    const dataTransfer = await page.evaluateHandle((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], "dropped.sst"));
      return dt;
    }, bytes);
    await page.dispatchEvent("#table-drop", "drop", { dataTransfer });
    await page.waitForSelector("#table-view[data-state=open]");
    expect(await page.textContent("#table-name")).toBe("dropped.sst");
    expect(await page.getAttribute("#table-summary", "data-entries")).toBe(String(nodeView("test/fixtures/foreign/rocksdb-v5.sst", wasm).entries.length));
  });

  test("a lookup: found or not, the value, what the Bloom filter said, the reads: as `sst get` counts them", async () => {
    await open();
    const path = "test/fixtures/tables/tiny.sst";
    await openTable(path);
    const lookup = async (key: string) => {
      await page.fill("#lookup-key", key);
      await page.click("#lookup-form button[type=submit]");
      await page.waitForSelector("#lookup-result:not([hidden])");
      const get = (f: string) => page.getAttribute("#lookup-result", `data-${f}`);
      return { found: await get("found"), deleted: await get("deleted"), filter: await get("filter"), reads: await get("reads"), value: await page.textContent('#lookup-result dd[data-field="value"]') };
    };
    const cold = (key: string) => {
      const t = Table.open(new MemoryFile("tiny.sst", readFileSync(path)), { kernels: wasm });
      const r = t.get(Buffer.from(key));
      t.close();
      return String(t.openReads + r.diskReads);
    };
    expect(await lookup("banana")).toEqual({ found: "true", deleted: "false", filter: "pass", reads: cold("banana"), value: "yellow" });
    expect(cold("banana")).toBe("2");
    // cherry's newest entry is a deletion
    expect(await lookup("cherry")).toMatchObject({ found: "false", deleted: "true", filter: "pass" });
    // a key the filter rules out costs the open's read only
    const tiny = Table.open(new MemoryFile("tiny.sst", readFileSync(path)), { kernels: wasm });
    const absent = ["zzz", "nope", "q", "absent-1", "absent-2"].find((k) => tiny.get(Buffer.from(k)).filteredOut)!;
    tiny.close();
    expect(await lookup(absent)).toEqual({ found: "false", deleted: "false", filter: "ruled-out", reads: "1", value: "(none)" });
    // LevelDB's table has no filter of ours: not asked; a hex key
    await openTable("test/fixtures/foreign/leveldb-snappy.ldb");
    await page.check("#lookup-hex");
    const ldb = Table.open(new MemoryFile("leveldb-snappy.ldb", readFileSync("test/fixtures/foreign/leveldb-snappy.ldb")), { kernels: wasm });
    const value = Buffer.from(ldb.get(Buffer.from("key000007")).value!).toString("utf8");
    ldb.close();
    expect(value).toMatch(/^value-000007-h+$/);
    expect(await lookup(Buffer.from("key000007").toString("hex"))).toMatchObject({ found: "true", filter: "none", value });
  });

  test("a corrupted table shows the corruption (file, offset, check) and none of its entries", async () => {
    await open();
    const bytes = Buffer.from(readFileSync("test/fixtures/tables/binary-and-versions.sst"));
    bytes[10] ^= 0x40; // inside data block #0
    let want: CorruptionError | null = null;
    try {
      const t = Table.open(new MemoryFile("damaged.sst", bytes), { kernels: wasm });
      const it = t.iterator();
      for (let e = it.first(); e !== null; e = it.next());
    } catch (err) {
      want = err as CorruptionError;
    }
    expect(want).toBeInstanceOf(CorruptionError);
    await openTable({ name: "damaged.sst", buffer: bytes });
    expect(await page.getAttribute("#table-error", "data-error")).toBe("corruption");
    const field = (f: string) => page.textContent(`#table-error dd[data-field="${f}"]`);
    expect([await field("file"), await field("offset"), await field("check")]).toEqual(["damaged.sst", String(want!.offset), want!.check]);
    expect(want!.check).toMatch(/crc32c mismatch/);
    expect(await page.isHidden("#table-view")).toBe(true);
    expect(await page.locator("#entries tbody tr").count()).toBe(0);
  });

  test("a table built in the page from JSON lines has the bytes `wasm-lsm sst write` makes from them", async () => {
    await open();
    const lines = [
      '{"key": "user:2", "value": "Bob"}',
      '{"key": "user:1", "value": "Alice"}',
      '{"key": {"hex": "00ff"}, "value": {"hex": "80"}}',
      '{"key": "caf\\u00e9", "value": "cr\\u00e8me"}',
      '{"key": "user:2", "value": "Robert"}',
      "",
      ...Array.from({ length: 400 }, (_, i) => JSON.stringify({ key: `k${(i * 7919) % 1000}`, value: "v".repeat(i % 50) })),
    ].join("\n") + "\n";
    await page.fill("#build-input", lines);
    await page.fill("#build-name", "built.sst");
    await page.fill("#build-bits", "12");
    await page.click("#build-form button[type=submit]");
    await page.waitForSelector("#build-actions:not([hidden])");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#build-download")]);
    expect(download.suggestedFilename()).toBe("built.sst");
    const dir = mkdtempSync(join(tmpdir(), "web-build-"));
    try {
      const fromPage = join(dir, "page.sst");
      await download.saveAs(fromPage);
      const fromCli = join(dir, "cli.sst");
      execFileSync(process.execPath, ["dist/src/cli.js", "sst", "write", fromCli, "--bits-per-key", "12"], { input: lines, stdio: ["pipe", "ignore", "pipe"] });
      const a = readFileSync(fromPage), b = readFileSync(fromCli);
      expect(a.length).toBeGreaterThan(0);
      expect(a.equals(b)).toBe(true);
      expect(await page.getAttribute("#build-result", "data-entries")).toBe(String(4 + new Set(Array.from({ length: 400 }, (_, i) => (i * 7919) % 1000)).size));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // a bad line is named, as the command names it
    await page.fill("#build-input", '{"key": "a", "value": "1"}\n{"key": "b"}\n');
    await page.click("#build-form button[type=submit]");
    expect(await page.textContent("#build-error")).toContain('line 2: no "value"');
  });

  test("the benchmark panel runs the kernel workloads on wasm and JS, with progress, and shows a table and a chart", async () => {
    await open();
    await page.selectOption("#bench-keys", "10000");
    await page.fill("#bench-runs", "1");
    await page.click("#bench-run");
    await page.waitForSelector("#bench-panel[data-state=running]");
    await page.waitForFunction(() => /^\d+ of \d+: /.test(document.getElementById("bench-status")!.textContent ?? ""));
    await page.waitForSelector("#bench-panel[data-state=done], #bench-panel[data-state=error]", { timeout: 150_000 });
    expect(await page.textContent("#bench-error")).toBe("");
    const rows = await page.$$eval("#bench-table tbody tr", (trs) => trs.map((tr) => ({
      workload: tr.getAttribute("data-workload"),
      wasm: Number(tr.querySelector('[data-impl="wasm"]')!.textContent),
      js: Number(tr.querySelector('[data-impl="js"]')!.textContent),
    })));
    expect(rows.map((r) => r.workload)).toEqual(expect.arrayContaining(["murmur3", "bloom-build", "crc32c-4k", "block-build", "block-seek"]));
    for (const r of rows) {
      expect(r.wasm, r.workload!).toBeGreaterThan(0);
      expect(r.js, r.workload!).toBeGreaterThan(0);
    }
    expect(await page.locator("#bench-chart rect.bar-wasm[data-workload]").count()).toBe(rows.length);
    expect(await page.locator("#bench-chart rect.bar-js[data-workload]").count()).toBe(rows.length);
  });

  async function openDirectory(path: string): Promise<void> {
    await page.setInputFiles("#dir-input", path);
    await page.waitForSelector("#dir-view[data-state=open], #dir-error[data-error]");
  }

  async function search(key: string) {
    await page.fill("#dir-key", key);
    await page.click("#dir-search-form button[type=submit]");
    await page.waitForSelector("#dir-search-result:not([hidden])");
    const get = (f: string) => page.getAttribute("#dir-search-result", `data-${f}`);
    return { found: await get("found"), deleted: await get("deleted"), foundIn: await get("found-in"), value: await page.textContent('#dir-search-result dd[data-field="value"]') };
  }

  test("a LevelDB directory written by classic-level: its levels and tables, the live keys with the log applied, key search", async () => {
    const before = readdirSync(LEVELDB_DIR).map((n) => `${n} ${statSync(`${LEVELDB_DIR}/${n}`).size}`);
    await open();
    await openDirectory(LEVELDB_DIR);
    const want = leveldbFixture;
    expect(await page.getAttribute("#dir-summary", "data-entries")).toBe(String(want.entries.length));
    // the levels as LevelDB itself reports them (classic-level's "leveldb.sstables")
    const levels = await page.$$eval("#dir-levels tbody tr[data-table]", (rows) => rows.map((r) => [r.getAttribute("data-level")!, `${r.getAttribute("data-table")} ${r.querySelectorAll("td")[2].textContent!.replace(/,/g, "")}`]));
    const shownLevels: Record<string, string[]> = {};
    for (const [level, t] of levels) (shownLevels[level] ??= []).push(t);
    expect(shownLevels).toEqual(levelsOfReport(want.sstables));
    expect(await page.locator("#dir-logs tbody tr[data-log]").count()).toBeGreaterThan(0);
    // the live key space, every page of it, as classic-level's own iterator read it
    await page.check('input[name="dir-bytes-view"][value="hex"]');
    const seen: [string, string][] = [];
    for (;;) {
      seen.push(...await page.$$eval("#dir-entries tbody tr", (rows) => rows.map((r) => [r.querySelector('[data-field="key"]')!.textContent!, r.querySelector('[data-field="value"]')!.textContent!] as [string, string])));
      if (await page.isDisabled("#dir-next")) break;
      await page.click("#dir-next");
    }
    expect(seen).toEqual(want.entries);
    // key search: in the log, in a deep table, in a level-0 table, deleted, missing
    await page.check('input[name="dir-bytes-view"][value="text"]');
    const p = want.probes;
    expect(await search(p.inLog.key)).toEqual({ found: "true", deleted: "false", foundIn: "log", value: p.inLog.value });
    expect(await search(p.inDeepTable.key)).toEqual({ found: "true", deleted: "false", foundIn: `L2 ${levelsOfReport(want.sstables)["2"][0].split(" ")[0]}`, value: p.inDeepTable.value });
    expect(await search(p.inLevel0Table.key)).toMatchObject({ found: "true", foundIn: expect.stringMatching(/^L0 /), value: p.inLevel0Table.value });
    expect(await search(p.deletedInLog)).toMatchObject({ found: "false", deleted: "true", foundIn: "log" });
    expect(await search(p.deletedInLevel0Table)).toMatchObject({ found: "false", deleted: "true" });
    expect(await search(p.missing)).toEqual({ found: "false", deleted: "false", foundIn: "", value: "(none)" });
    // read only: the directory is as it was
    expect(readdirSync(LEVELDB_DIR).map((n) => `${n} ${statSync(`${LEVELDB_DIR}/${n}`).size}`)).toEqual(before);
  });

  test("a LevelDB directory with a damaged table shows the corruption (file, offset, check), not its keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "web-leveldb-"));
    try {
      const db = join(dir, "db");
      cpSync(LEVELDB_DIR, db, { recursive: true });
      const deep = levelsOfReport(leveldbFixture.sstables)["2"][0].split(" ")[0];
      const bytes = readFileSync(join(db, deep));
      bytes[20] ^= 0x01;
      writeFileSync(join(db, deep), bytes);
      await open();
      await openDirectory(db);
      expect(await page.getAttribute("#dir-error", "data-error")).toBe("corruption");
      expect(await page.textContent('#dir-error dd[data-field="file"]')).toBe(`db/${deep}`);
      expect(await page.textContent('#dir-error dd[data-field="offset"]')).toMatch(/^\d+$/);
      expect(await page.textContent('#dir-error dd[data-field="check"]')).toMatch(/crc32c mismatch/);
      expect(await page.isHidden("#dir-view")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("differential: the wasm kernels and their JS twins give in Chromium the bytes they give in Node", async () => {
    await open("differential.html");
    const got = await page.evaluate(() => (window as unknown as { differential: unknown }).differential);
    expect(got).not.toHaveProperty("error");
    const { wasm: inBrowserWasm, js: inBrowserJs } = got as { wasm: Record<string, string>; js: Record<string, string> };
    const nodeWasm = differentialResults(wasm);
    expect(Object.keys(nodeWasm)).toEqual(expect.arrayContaining(["murmur3Batch seed 0", "bloomHashBatch", "bloomBuild", "crc32c", "dataBlocks", "table", "sstWriteTable"]));
    for (const [name, value] of Object.entries(nodeWasm)) {
      expect(inBrowserWasm[name], `wasm in Chromium: ${name}`).toBe(value);
      expect(inBrowserJs[name], `js in Chromium: ${name}`).toBe(value);
    }
    expect(differentialResults(js)).toEqual(nodeWasm);
    expect(Object.keys(inBrowserWasm).sort()).toEqual(Object.keys(nodeWasm).sort());
  });
});
