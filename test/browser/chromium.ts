// Real Chromium for the browser tests (README "The browser"): Debian's `chromium` package, driven by
// playwright-core (which brings no browser of its own), headless, with the flags that stop it
// reaching for the network by itself, and a guard that aborts and records every request a page
// makes to a host other than the local server: the pages must work with no network.

import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Debian's chromium; CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const OFFLINE_FLAGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-default-apps", "--no-default-browser-check", "--metrics-recording-only", "--no-sandbox"];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Whether the browser tests skip: outside CI a machine without Chromium skips them, saying why; in
 * CI (which installs it) they run and fail without it, as the compatibility tests do without their
 * tools. `file`: the test file, named in the warning.
 */
export function skipWithoutChromium(file: string): boolean {
  const skip = !chromiumAvailable() && process.env.CI !== "true";
  if (skip) console.warn(`${file}: skipped: no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package, as .ci/run does, or set CHROMIUM_PATH)`);
  return skip;
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (.ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: OFFLINE_FLAGS });
}

/** A page in a fresh context whose requests to any host but `origin`'s are aborted and listed in `foreign`. */
export async function guardedPage(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page; foreign: string[] }> {
  const context = await browser.newContext({ acceptDownloads: true });
  const foreign = await guardContext(context, origin);
  const page = await context.newPage();
  return { context, page, foreign };
}

/** Aborts every request of `context` to a host but `origin`'s; the list it returns fills with them. */
export async function guardContext(context: BrowserContext, origin: string): Promise<string[]> {
  const allowed = new URL(origin).host;
  const foreign: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.protocol === "blob:" || url.host === allowed) return route.continue();
    foreign.push(url.href);
    return route.abort("blockedbyclient");
  });
  return foreign;
}
