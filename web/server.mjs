#!/usr/bin/env node
// `npm run web`: a small static server for the browser pages (README "The browser"), on localhost
// only. It serves what the pages need and nothing else of the repository: web/ (the pages),
// dist/web/ (their bundles, built by `npm run build:web`) and build/*.wasm (the kernels, as
// application/wasm, so WebAssembly.instantiateStreaming takes them). Any other path, a path that
// climbs out of those folders, or a method other than GET and HEAD is refused.
//
//   node web/server.mjs [--port N]     (default 8080; 0 picks a free port) -> prints its URL

import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** URL prefix -> folder under the repository, and which files of it may be served. */
const MOUNTS = [
  { prefix: "/dist/web/", dir: "dist/web", allow: () => true },
  { prefix: "/build/", dir: "build", allow: (name) => name.endsWith(".wasm") },
  { prefix: "/", dir: "web", allow: (name) => name !== "server.mjs" },
];
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

/** The file a URL path names, or null when it names nothing the server may serve. */
export function resolvePath(urlPath, root = ROOT) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split("?")[0]);
  } catch {
    return null;
  }
  if (path.includes("\0")) return null;
  if (path.endsWith("/")) path += "index.html";
  for (const m of MOUNTS) {
    if (!path.startsWith(m.prefix)) continue;
    const rest = normalize(path.slice(m.prefix.length));
    if (rest.startsWith("..") || rest.startsWith(sep) || rest.split(sep).includes("..")) return null;
    if (!m.allow(rest)) return null;
    return join(root, m.dir, rest);
  }
  return null;
}

/** Starts the server on 127.0.0.1; resolves to it and its URL once it listens. */
export function startWebServer({ port = 8080, root = ROOT } = {}) {
  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const file = resolvePath(req.url ?? "/", root);
    let size = -1;
    try {
      if (file !== null) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (file === null || size < 0) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": size,
      "cache-control": "no-store",
      // cross-origin isolation: Chromium then times performance.now() to 5 us instead of 100 us,
      // which the benchmark panel's short runs need; everything served comes from this origin
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address();
      resolve({ server, url: `http://127.0.0.1:${bound}/` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--port");
  const port = i >= 0 ? Number(process.argv[i + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`web/server.mjs: --port wants 0..65535, got ${process.argv[i + 1]}\n`);
    process.exit(2);
  }
  startWebServer({ port }).then(({ url }) => process.stdout.write(`${url}\n`), (err) => {
    process.stderr.write(`web/server.mjs: ${err.message}\n`);
    process.exit(1);
  });
}
