// Real Chromium for the browser tests (README "The browser"): Debian's `chromium` package, driven by
// playwright-core (which brings no browser of its own), headless, with the flags that stop it
// reaching for the network by itself, and a guard that aborts and records every request a page
// makes to a host other than the local server: the pages must work with no network.

import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Debian's chromium; CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const OFFLINE_FLAGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-default-apps", "--no-default-browser-check", "--metrics-recording-only", "--no-sandbox"];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (.ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: OFFLINE_FLAGS });
}

/** A page in a fresh context whose requests to any host but `origin`'s are aborted and listed in `foreign`. */
export async function guardedPage(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page; foreign: string[] }> {
  const allowed = new URL(origin).host;
  const context = await browser.newContext({ acceptDownloads: true });
  const foreign: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.protocol === "blob:" || url.host === allowed) return route.continue();
    foreign.push(url.href);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  return { context, page, foreign };
}
