// The bin's own flags, through the built bin: --version, --help listing every message type, and
// global flags before a command (src/cli/global-flags.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { splitGlobalFlags } from "../../src/cli/global-flags.js";
import { loadKernels } from "../../src/kernels/node.js";
import type { Store } from "../../src/lsm/store.js";
import { coreHandlers } from "../../src/node/handlers.js";
import { storeHandlers } from "../../src/node/store-handlers.js";
import { assertBuilt, ROOT, runCli } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-usage");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const INIT = '{"src": "c0", "dest": "n1", "body": {"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1"]}}';
const INIT_OK = '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}';

describe("--version and --help", () => {
  beforeAll(assertBuilt);

  test("--version prints package.json's version and exits 0, before or after serve's flags", async () => {
    for (const args of [["--version"], ["serve", "--version"], ["--kernels", "js", "--version"], ["--data-dir", "/nonexistent/x", "--version"]]) {
      expect(await runCli(args), args.join(" ")).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    }
  });

  test("--help lists every message type the node handles", async () => {
    // The handler tables only build closures over the store: no store is opened to list them.
    const types = [...Object.keys(coreHandlers), ...Object.keys(storeHandlers({} as Store, loadKernels("js")))];
    expect(types).toContain("sstable_flush");
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const type of types) expect(help.stdout, type).toMatch(new RegExp(`^  ${type} `, "m"));
    expect(help.stdout).toContain("--version");
  });
});

describe("global flags before the command", () => {
  beforeAll(assertBuilt);

  test("--kernels js before sst write, check and get; a bad value is still bad usage", async () => {
    const out = join(freshDir(), "t.sst");
    const write = await runCli(["--kernels", "js", "sst", "write", out], '{"key": "a", "value": "1"}\n{"key": "b", "value": "2"}\n');
    expect(write.code, write.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(await runCli(["--kernels=js", "sst", "check", out])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 2 entries, 1 data block, /) });
    const get = await runCli(["--kernels", "wasm", "sst", "get", out, "b", "--kernels", "js"]);
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ found: true, value: "2" });
    const bad = await runCli(["--kernels", "foo", "sst", "check", out]);
    expect(bad).toMatchObject({ code: 2, stdout: "", stderr: expect.stringContaining('--kernels must be wasm or js, got "foo"') });
  });

  test("--kernels js before serve, and before serve's own flags", async () => {
    for (const args of [["--kernels", "js", "serve"], ["--kernels", "js", "--memtable-bytes", "1024"]]) {
      const run = await runCli(args, `${INIT}\n`);
      expect(run, args.join(" ")).toMatchObject({ code: 0, stdout: `${INIT_OK}\n` });
      expect(run.stderr).toContain("(js kernels, 0 tables)");
    }
  });

  test("splitGlobalFlags takes only the flags before the command", () => {
    expect(splitGlobalFlags(["--kernels", "js", "sst", "write", "o.sst", "--kernels", "wasm"])).toEqual({ forward: ["--kernels", "js"], help: false, version: false, rest: ["sst", "write", "o.sst", "--kernels", "wasm"] });
    expect(splitGlobalFlags(["--kernels=wasm", "-h"])).toEqual({ forward: ["--kernels=wasm"], help: true, version: false, rest: [] });
    expect(splitGlobalFlags(["--data-dir", "d", "--kernels", "js"])).toEqual({ forward: [], help: false, version: false, rest: ["--data-dir", "d", "--kernels", "js"] });
    expect(splitGlobalFlags(["--kernels"])).toEqual({ forward: [], help: false, version: false, rest: ["--kernels"] });
  });
});
