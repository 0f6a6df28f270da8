// The kernels and the table code must run in a browser (ARCHITECTURE.md "Layers"): esbuild bundles
// src/browser.ts for the browser platform, which fails on any Node built-in it reaches; the bundle
// must not mention Node's Buffer or process either. Then the bundle itself, run as a module, writes
// and reads a table on the wasm kernels from build/kernels.wasm's bytes.
// A second test reads the LevelDB directory fixture through the bundle, over its MemoryEnv.
import { readdirSync, readFileSync } from "node:fs";
import { build } from "esbuild";
import { expect, test } from "vitest";
import { wasmFile } from "../src/kernels/node.js";

test("src/browser.ts bundles for the browser without Node built-ins, and the bundle works", async () => {
  const result = await build({ entryPoints: ["src/browser.ts"], bundle: true, platform: "browser", format: "esm", write: false, logLevel: "silent" });
  expect(result.errors).toEqual([]);
  const code = result.outputFiles[0].text;
  expect(code).not.toMatch(/\bBuffer\.|\bprocess\.|from ["']node:/);

  const lib = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
  const kernels = lib.createWasmKernels(readFileSync(wasmFile()));
  const file = new lib.MemoryFile("page.sst");
  const builder = new lib.TableBuilder(file, { kernels });
  const enc = new TextEncoder();
  for (const k of ["apple", "banana", "cherry"]) builder.add(lib.internalKey(enc.encode(k), 1, lib.ValueKind.VALUE), enc.encode(k.toUpperCase()));
  builder.finish();
  const table = lib.Table.open(file, { kernels });
  expect(new TextDecoder().decode(table.get(enc.encode("banana")).value)).toBe("BANANA");
  expect(lib.formatLayout(lib.describeTable(table))).toContain("footer (48 bytes");
});

test("the bundle reads a LevelDB directory over its MemoryEnv: the fixture's entries, a key looked up", async () => {
  const result = await build({ entryPoints: ["src/browser.ts"], bundle: true, platform: "browser", format: "esm", write: false, logLevel: "silent" });
  const lib = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString("base64")}`);
  const fixture = "test/fixtures/leveldb-dir";
  const env = new lib.MemoryEnv();
  env.mkdir("picked");
  for (const name of readdirSync(`${fixture}/db`)) env.create(`picked/${name}`).append(readFileSync(`${fixture}/db/${name}`));
  expect(lib.isLevelDbDirectory(env.list("picked"))).toBe(true);
  const db = lib.openLevelDbDirectory(env, "picked", { kernels: lib.createWasmKernels(readFileSync(wasmFile())) });
  const entries = [...db.entries()].map((e: { key: Uint8Array; value: Uint8Array }) => [Buffer.from(e.key).toString("hex"), Buffer.from(e.value).toString("hex")]);
  expect(entries).toEqual(JSON.parse(readFileSync(`${fixture}/expected.json`, "utf8")).entries);
  expect(db.get(new TextEncoder().encode("key0001")).foundIn).toBe("L2 000005.ldb");
  db.close();
});
