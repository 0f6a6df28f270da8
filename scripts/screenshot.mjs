#!/usr/bin/env node
// `npm run screenshots`: the README's pictures of the inspector, taken in headless Chromium from the
// page served by web/server.mjs (built first: dist/ and dist/web/).
//   docs/inspector.png        a table of ours open: summary, layout drawn to scale (a region
//                             hovered), properties
//   docs/inspector-bench.png  the benchmark panel after a run of 100,000 keys
// The table is the one `wasm-lsm sst write` makes from 3,000 keys "user:NNNNN" with 40-byte
// values (through the same code: dist/src/cli/sst-input.js).

import { chromium } from "playwright-core";
import { entryFromText, InputEntries, writeExternalTable } from "../dist/src/cli/sst-input.js";
import { loadKernels } from "../dist/src/kernels/node.js";
import { MemoryFile } from "../dist/src/sstable/file.js";
import { startWebServer } from "../web/server.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function sampleTable() {
  const entries = new InputEntries();
  for (let i = 0; i < 3000; i++) {
    const e = entryFromText(JSON.stringify({ key: `user:${String(i * 37).padStart(6, "0")}`, value: `value ${i} `.padEnd(40, "x") }));
    entries.set(e.key, e.value);
  }
  const file = new MemoryFile("users.sst");
  writeExternalTable(file, entries, { kernels: loadKernels("wasm"), bitsPerKey: 10 });
  return Buffer.from(file.contents());
}

const { server, url } = await startWebServer({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-background-networking"] });
try {
  const page = await browser.newPage({ viewport: { width: 1180, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.waitForSelector("body[data-ready]");
  await page.setInputFiles("#table-file", { name: "users.sst", mimeType: "application/octet-stream", buffer: sampleTable() });
  await page.waitForSelector("#table-view[data-state=open]");
  await page.hover('#layout rect[data-row="tail"][data-kind="filter"]');
  const panel = page.locator("#table-panel");
  const box = await panel.boundingBox();
  const props = await page.locator("#properties").boundingBox();
  await page.screenshot({ path: "docs/inspector.png", clip: { x: box.x, y: box.y, width: box.width, height: props.y + 260 - box.y } });
  process.stdout.write("wrote docs/inspector.png\n");

  await page.selectOption("#bench-keys", "100000");
  await page.fill("#bench-runs", "3");
  await page.click("#bench-run");
  await page.waitForSelector("#bench-panel[data-state=done], #bench-panel[data-state=error]", { timeout: 600_000 });
  await page.locator("#bench-panel").screenshot({ path: "docs/inspector-bench.png" });
  process.stdout.write("wrote docs/inspector-bench.png\n");
} finally {
  await browser.close();
  server.close();
}
