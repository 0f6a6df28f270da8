// A user's own bundler takes `wasm-lsm/browser` by the package's name (package.json "exports"): a
// tiny app in a fresh directory, with wasm-lsm linked into its node_modules, is bundled by esbuild
// for the browser; the bundle reaches no Node built-in, and run, it streams the kernels from a
// Response served as application/wasm (WebAssembly.instantiateStreaming, as a page does) and
// hashes and writes and reads a table with them.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { expect, test } from "vitest";
import { wasmFile } from "../src/kernels/node.js";

test("an app importing wasm-lsm/browser bundles for the browser and runs on streamed wasm kernels", async () => {
  const dir = mkdtempSync(join(tmpdir(), "browser-app-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(resolve("."), join(dir, "node_modules", "wasm-lsm"), "dir");
    writeFileSync(join(dir, "app.js"), `
      import { streamWasmKernels, MemoryFile, TableBuilder, Table, internalKey, ValueKind } from "wasm-lsm/browser";
      export async function run(response) {
        const kernels = await streamWasmKernels(response);
        const enc = new TextEncoder();
        const file = new MemoryFile("app.sst");
        const b = new TableBuilder(file, { kernels });
        b.add(internalKey(enc.encode("k"), 1, ValueKind.VALUE), enc.encode("v"));
        b.finish();
        const t = Table.open(file, { kernels });
        return { hash: kernels.murmur3(enc.encode("hello"), 0), value: new TextDecoder().decode(t.get(enc.encode("k")).value) };
      }
    `);
    const result = await build({ absWorkingDir: dir, entryPoints: ["app.js"], bundle: true, platform: "browser", format: "esm", write: false, logLevel: "silent" });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/\bBuffer\.|\bprocess\.|from ["']node:/);
    const app = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
    const response = new Response(readFileSync(wasmFile()), { headers: { "content-type": "application/wasm" } });
    expect(await app.run(response)).toEqual({ hash: 0x248bfa47, value: "v" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
