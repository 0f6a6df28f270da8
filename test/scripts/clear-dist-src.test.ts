// `npm run build:ts` first runs scripts/clear-dist-src.mjs (package.json), so that dist/src, which
// `npm pack` ships, holds the output of today's sources only. Run on a scratch copy of the script.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ROOT } from "../support/built-cli.js";
import { tempDirs } from "../support/temp-dirs.js";

const freshDir = tempDirs("wasm-lsm-clear");

test("removes dist/src and the stamp of the tests' build, and leaves the rest of dist/ alone", () => {
  const root = freshDir();
  for (const d of ["scripts", "dist/src/lsm", "dist/test", "dist/bench"]) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(join(ROOT, "scripts", "clear-dist-src.mjs"), join(root, "scripts", "clear-dist-src.mjs"));
  for (const f of ["dist/src/index.js", "dist/src/lsm/removed.js", "dist/.built-for-tests", "dist/test/a.test.js", "dist/bench/run.js"]) writeFileSync(join(root, f), "");

  const r = spawnSync(process.execPath, [join(root, "scripts", "clear-dist-src.mjs")], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  expect(existsSync(join(root, "dist", "src"))).toBe(false);
  expect(existsSync(join(root, "dist", ".built-for-tests"))).toBe(false);
  expect(existsSync(join(root, "dist", "test", "a.test.js"))).toBe(true);
  expect(existsSync(join(root, "dist", "bench", "run.js"))).toBe(true);

  const again = spawnSync(process.execPath, [join(root, "scripts", "clear-dist-src.mjs")], { encoding: "utf8" });
  expect(again.status, again.stderr).toBe(0); // nothing to remove is no error
});
