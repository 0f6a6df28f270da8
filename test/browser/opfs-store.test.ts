// The store over OPFS in real Chromium, through the playground page (web/store.html): writes made
// on the page are there after a reload of the page, and after the browser itself is closed and
// started again on the same profile; flush and compact change the level info the page shows.
// (The same OpfsEnv over a fake OPFS in Node: test/io/opfs-env.test.ts.)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHROMIUM_PATH, guardContext, OFFLINE_FLAGS, skipWithoutChromium } from "./chromium.js";
import { serveStoreBundles, type Served } from "./store-server.js";

let served: Served;
const profiles: string[] = [];

beforeAll(async () => {
  served = await serveStoreBundles();
});
afterAll(() => {
  served?.stop();
  for (const p of profiles) rmSync(p, { recursive: true, force: true });
});

/** Chromium on a profile directory of its own (OPFS lives in the profile), offline as chromium.ts launches it. */
async function browserOn(profile: string): Promise<{ context: BrowserContext; page: Page; foreign: string[] }> {
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: OFFLINE_FLAGS });
  const foreign = await guardContext(context, served.url);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, foreign };
}

async function openPlayground(page: Page): Promise<void> {
  await page.goto(`${served.url}store.html`);
  await page.waitForFunction(() => document.getElementById("status")?.dataset.state !== "opening", null, { timeout: 30_000 });
  expect(await page.textContent("#status")).toBe("ready");
}

/** Clicks a button and waits for its reply; returns #result's text. */
async function click(page: Page, id: string): Promise<string> {
  await page.click(`#${id}`);
  await page.waitForFunction(() => document.getElementById("result")?.dataset.ok !== "", null, { timeout: 30_000 });
  const ok = await page.getAttribute("#result", "data-ok");
  const text = (await page.textContent("#result")) ?? "";
  if (ok !== "true") throw new Error(`#${id}: ${text}`);
  return text;
}

async function put(page: Page, key: string, value: string): Promise<void> {
  await page.fill("#key", key);
  await page.fill("#value", value);
  expect(await click(page, "put")).toBe("put: ok");
}

async function get(page: Page, key: string): Promise<string> {
  await page.fill("#key", key);
  return click(page, "get");
}

/** The level info table: level -> [tables, bytes]. */
async function levels(page: Page): Promise<Record<string, [number, number]>> {
  return page.$$eval("#levels tbody tr", (rows) => Object.fromEntries(rows.map((r) => [r.children[0].textContent!, [Number(r.children[1].textContent), Number(r.children[2].textContent)]])));
}

describe.skipIf(skipWithoutChromium("test/browser/opfs-store.test.ts"))("the playground over OPFS in Chromium", () => {
  test("writes survive a reload of the page and a restart of the browser; deletes too; a scan sees them in order", async () => {
    const profile = mkdtempSync(join(tmpdir(), "wasm-lsm-opfs-profile-"));
    profiles.push(profile);
    let { context, page, foreign } = await browserOn(profile);
    await openPlayground(page);
    await put(page, "fruit:banana", "yellow");
    await put(page, "fruit:apple", "red");
    await put(page, "fruit:cherry", "dark red");
    await page.fill("#key", "fruit:apple");
    expect(await click(page, "del")).toBe("del: ok");

    await page.reload();
    await openPlayground(page);
    expect(await get(page, "fruit:banana")).toBe("value: yellow");
    expect(await get(page, "fruit:apple")).toBe("not found");
    await put(page, "fruit:damson", "purple");
    expect(foreign).toEqual([]);
    await context.close();

    ({ context, page, foreign } = await browserOn(profile));
    await openPlayground(page);
    expect(await get(page, "fruit:damson")).toBe("value: purple");
    await page.fill("#from", "fruit:");
    await page.fill("#to", "fruit;");
    expect(await click(page, "scan")).toBe("fruit:banana = yellow\nfruit:cherry = dark red\nfruit:damson = purple");
    expect(foreign).toEqual([]);
    await context.close();
  });

  test("flush puts the MemTable in a level-0 table, compact moves it down; the level info shows each step and outlives a reload", async () => {
    const profile = mkdtempSync(join(tmpdir(), "wasm-lsm-opfs-profile-"));
    profiles.push(profile);
    const { context, page } = await browserOn(profile);
    await openPlayground(page);
    expect(await levels(page)).toMatchObject({ L0: [0, 0], L1: [0, 0] });
    for (let i = 0; i < 20; i++) await put(page, `k${String(i).padStart(2, "0")}`, `v${i}`);
    expect(Number(await page.textContent("#memtable"))).toBeGreaterThan(0);

    expect(await click(page, "flush")).toBe("flushed 20 entries to L0_001.sst");
    const flushed = await levels(page);
    expect(flushed.L0[0]).toBe(1);
    expect(flushed.L0[1]).toBeGreaterThan(0);

    await click(page, "compact");
    const compacted = await levels(page);
    expect(compacted.L0).toEqual([0, 0]);
    const deeper = Object.entries(compacted).filter(([l, [tables]]) => l !== "L0" && tables > 0);
    expect(deeper.length).toBe(1);

    await page.reload();
    await openPlayground(page);
    expect(await levels(page)).toEqual(compacted);
    expect(await get(page, "k07")).toBe("value: v7");
    await context.close();
  });
});
