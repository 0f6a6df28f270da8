// The browser tests' server: the OPFS bundles built (scripts/build-store-web.mjs) and web/server.mjs
// started on a free port, each in a child process (both are plain .mjs scripts), stopped after.

import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

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
