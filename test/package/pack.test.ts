// The package as a user gets it: `npm pack` of the built tree (pretest built it; --ignore-scripts so
// the pack does not build again), installed with `npm install ./wasm-lsm-*.tgz` into a fresh
// directory, then used from there as a user would: an ES module script, a strict TypeScript check
// of the public declarations, the bin through npx. The install takes the package's dependencies
// from npm's cache when it has them (`npm ci` put their tarballs there), else from the registry.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { ROOT } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-pack");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment without what `npm test` adds for its own package (npm_package_*, npm_lifecycle_*,
 * npm_config_local_prefix): a child npm must take the directory it runs in as its project.
 */
function userEnv(): NodeJS.ProcessEnv {
  const own = /^npm_(package_|lifecycle_|command$|config_local_prefix$)/;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !own.test(name)));
}

function run(command: string, args: readonly string[], cwd: string): Run {
  const r = spawnSync(command, args, { cwd, env: userEnv(), encoding: "utf8", timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and expects exit 0, showing the output when not; returns stdout. */
function ok(command: string, args: readonly string[], cwd: string): string {
  const r = run(command, args, cwd);
  expect(r.status, `${command} ${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

interface Packed {
  readonly files: { readonly path: string }[];
  readonly entryCount: number;
  readonly filename: string;
}

let paths: string[] = [];
let consumer = "";
let installed = "";

beforeAll(() => {
  const packDir = freshDir();
  const [packed] = JSON.parse(ok("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", packDir], ROOT)) as Packed[];
  paths = packed.files.map((f) => f.path).sort();
  expect(packed.entryCount).toBe(paths.length);

  consumer = freshDir();
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  ok("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(packDir, packed.filename)], consumer);
  installed = join(consumer, "node_modules", "wasm-lsm");
});

describe("the tarball", () => {
  test("holds the built library, its sources, the wasm, the documents and the licence", () => {
    for (const path of [
      "package.json", "README.md", "LICENSE", "FORMAT.md", "PROTOCOL.md", "ARCHITECTURE.md", "build/kernels.wasm",
      "dist/src/index.js", "dist/src/index.d.ts", "dist/src/browser.js", "dist/src/browser.d.ts", "dist/src/cli.js",
      "dist/src/lsm/compaction-thread.js", // the worker's entry, loaded by path
    ]) expect(paths, path).toContain(path);
  });

  test("and nothing else: every entry is of a kind a user needs", () => {
    const shipped = /^(package\.json|README\.md|LICENSE|FORMAT\.md|PROTOCOL\.md|ARCHITECTURE\.md|build\/kernels\.wasm|dist\/src\/.+\.(js|js\.map|d\.ts)|src\/.+\.ts)$/;
    expect(paths.filter((p) => !shipped.test(p))).toEqual([]);
    for (const dir of ["test/", "bench/", "assembly/", "scripts/", "web/", "dist/test/", "dist/bench/", "node_modules/"]) {
      expect(paths.filter((p) => p.startsWith(dir)), dir).toEqual([]);
    }
  });

  test("has no output without its source (a removed source's leftovers), and each source map's files are in it", () => {
    const outputs = paths.filter((p) => p.startsWith("dist/src/") && p.endsWith(".js"));
    expect(outputs.length).toBeGreaterThan(100);
    for (const js of outputs) {
      expect(paths, js).toContain(js.replace(/^dist\//, "").replace(/\.js$/, ".ts"));
      const mapUrl = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(installed, js), "utf8"))?.[1];
      expect(mapUrl, js).toBeDefined();
      const map = posix.join(posix.dirname(js), mapUrl!);
      expect(paths, js).toContain(map);
      const { sources } = JSON.parse(readFileSync(join(installed, map), "utf8")) as { sources: string[] };
      for (const source of sources) expect(paths, map).toContain(posix.join(posix.dirname(map), source));
    }
  });

  test("its wasm is the release build's, byte for byte", () => {
    expect(readFileSync(join(installed, "build", "kernels.wasm"))).toEqual(readFileSync(join(ROOT, "build", "kernels.wasm")));
  });
});

/**
 * tsc's output: static imports and re-exports each start a line, and `from "x"` ends the statement;
 * dynamic imports are import("x"); require("x") for completeness.
 */
const IMPORTS = [/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)";/gm, /^import\s*"([^"]+)";/gm, /\bimport\(\s*"([^"]+)"\s*\)/g, /\brequire\(\s*"([^"]+)"\s*\)/g];

/** The package names the installed JavaScript imports (node: built-ins and relative paths left out). */
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!entry.endsWith(".js")) continue;
    const code = readFileSync(join(dir, entry), "utf8");
    for (const [, spec] of IMPORTS.flatMap((pattern) => [...code.matchAll(pattern)])) {
      if (spec.startsWith(".") || spec.startsWith("node:")) continue;
      names.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
    }
  }
  return names;
}

test("its runtime dependencies are exactly the packages its code imports", () => {
  const imported = importedPackages(join(installed, "dist", "src"));
  expect([...imported].sort()).toEqual(Object.keys(manifest.dependencies).sort());
});

test("an ES module script opens a WasmLevel, writes, reads, compacts (in the worker) and iterates", () => {
  writeFileSync(join(consumer, "use-db.mjs"), `import { WasmLevel } from "wasm-lsm";
const db = new WasmLevel(process.argv[2], { valueEncoding: "json" });
await db.batch([
  { type: "put", key: "fruit:banana", value: { color: "yellow" } },
  { type: "put", key: "fruit:cherry", value: { color: "dark red" } },
]);
await db.put("fruit:apple", { color: "red" });
await db.del("fruit:cherry");
console.log(JSON.stringify(await db.get("fruit:apple")), await db.get("fruit:cherry"));
await db.compactRange("fruit:", "fruit:~");
for await (const [key, value] of db.iterator({ reverse: true })) console.log(key, value.color);
await db.close();
console.log(db.status);
`);
  const out = ok(process.execPath, ["use-db.mjs", join(freshDir(), "db")], consumer);
  expect(out).toBe('{"color":"red"} undefined\nfruit:banana yellow\nfruit:apple red\nclosed\n');
});

test("the browser entry and the exported wasm: kernels from its bytes write and read a table in memory", () => {
  writeFileSync(join(consumer, "use-browser.mjs"), `import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createWasmKernels, MemoryFile, TableBuilder, Table, internalKey, ValueKind } from "wasm-lsm/browser";
const kernels = createWasmKernels(readFileSync(fileURLToPath(import.meta.resolve("wasm-lsm/kernels.wasm"))));
const utf8 = new TextEncoder();
const file = new MemoryFile("t.sst");
const builder = new TableBuilder(file, { kernels });
builder.add(internalKey(utf8.encode("apple"), 1, ValueKind.VALUE), utf8.encode("red"));
console.log(builder.finish().entries, kernels.name);
const found = Table.open(file, { kernels }).get(utf8.encode("apple"));
console.log(found.found, new TextDecoder().decode(found.value));
`);
  expect(ok(process.execPath, ["use-browser.mjs"], consumer)).toBe("1 wasm\ntrue red\n");
});

/** Type-checks FILE (its text given) in the consumer with strict options plus these; returns tsc's run. */
function typeCheck(file: string, text: string, options: Record<string, unknown>): Run {
  writeFileSync(join(consumer, file), text);
  const config = `tsconfig.${file}.json`;
  const compilerOptions = { module: "nodenext", moduleResolution: "nodenext", target: "es2022", strict: true, skipLibCheck: false, noEmit: true, ...options };
  writeFileSync(join(consumer, config), JSON.stringify({ compilerOptions, files: [file] }));
  return run(process.execPath, [TSC, "-p", config], consumer);
}

describe("a strict TypeScript consumer (nodenext, no skipLibCheck) checks", () => {
  test("a Node program importing the database, the store and the table classes (Node's types, no DOM)", () => {
    const r = typeCheck("node-consumer.ts", `import { WasmLevel, Store, Table, TableBuilder, MemoryFile, NodeWritableFile, loadKernels, internalKey, ValueKind, type GetResult } from "wasm-lsm";
const db = new WasmLevel<string, string>("db");
const value: string | undefined = await db.get("k");
const kernels = loadKernels("wasm");
const builder = new TableBuilder(new MemoryFile("t.sst"), { kernels });
builder.add(internalKey(new TextEncoder().encode("k"), 1, ValueKind.VALUE), new Uint8Array(1));
const summary: { entries: number } = builder.finish();
const result: GetResult = Table.open(new MemoryFile("t.sst"), { kernels }).get(new Uint8Array(1));
export { value, summary, result, Store, NodeWritableFile };
`, { lib: ["es2022"], types: ["node"], typeRoots: [join(ROOT, "node_modules", "@types")], exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  test("a browser program importing wasm-lsm/browser (the DOM lib, no Node types)", () => {
    const r = typeCheck("browser-consumer.ts", `import { createWasmKernels, jsKernels, MemoryFile, TableBuilder, Table, type Kernels } from "wasm-lsm/browser";
const response = await fetch("/kernels.wasm"); // where the page serves wasm-lsm/kernels.wasm
const kernels: Kernels = createWasmKernels(await response.arrayBuffer());
new TableBuilder(new MemoryFile("t.sst"), { kernels }).finish();
export const table = Table.open(new MemoryFile("t.sst"), { kernels: jsKernels });
`, { lib: ["es2022", "dom"], types: [] });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

describe("the bin through npx in the consumer", () => {
  test("is the installed package's cli.js", () => {
    expect(realpathSync(join(consumer, "node_modules", ".bin", "wasm-lsm"))).toBe(realpathSync(join(installed, "dist", "src", "cli.js")));
  });

  test("--version prints package.json's version", () => {
    expect(ok("npx", ["--no-install", "wasm-lsm", "--version"], consumer)).toBe(`${manifest.version}\n`);
  });

  test("--help prints the usage and exits 0", () => {
    expect(ok("npx", ["--no-install", "wasm-lsm", "--help"], consumer)).toMatch(/^Usage: wasm-lsm /);
  });
});
