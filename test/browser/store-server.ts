// The browser tests' server: the OPFS bundles built (scripts/build-store-web.mjs) and web/server.mjs
// started on a free port, each in a child process (both are plain .mjs scripts), stopped after.

import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { guardedPage, launchChromium } from "./chromium.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Served {
  /** The origin's URL, with its trailing "/". */
  readonly url: string;
  stop(): void;
}

/** Builds the bundles, then serves web/, dist/web/ and build/*.wasm on 127.0.0.1. */
export async function serveStoreBundles(): Promise<Served> {
  const built = spawnSync(process.execPath, ["scripts/build-store-web.mjs"], { cwd: ROOT, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`scripts/build-store-web.mjs failed:\n${built.stderr}`);
  const server = spawn(process.execPath, ["web/server.mjs", "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text;
      if (out.includes("\n")) resolve(out.trim());
    });
    server.on("exit", (code) => reject(new Error(`web/server.mjs exited (${code}) before it listened`)));
  });
  return { url, stop: () => server.kill() };
}

/**
 * Runs a test worker's bundle (dist/web/test/NAME.js) in a fresh Chromium on the test page and
 * returns the first message it posts (a worker error becomes `{ error }`), with the requests the
 * page made to any other host.
 */
export async function workerReport<T extends object>(served: Served, name: string): Promise<{ report: T | { error: string }; foreign: string[] }> {
  const browser = await launchChromium();
  try {
    const { page, foreign } = await guardedPage(browser, served.url);
    await page.goto(`${served.url}dist/web/test/index.html`);
    const report = await page.evaluate(
      (url) =>
        new Promise<T | { error: string }>((resolve) => {
          const worker = new Worker(url, { type: "module" });
          worker.onmessage = (e) => resolve(e.data);
          worker.onerror = (e) => resolve({ error: `worker error: ${e.message}` });
        }),
      `/dist/web/test/${name}.js`,
    );
    return { report, foreign };
  } finally {
    await browser.close();
  }
}
