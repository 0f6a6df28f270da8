// A worker killed in the middle of a stream of writes (Worker.terminate(), the browser's kill -9):
// the store's next worker, on the same OPFS directory, has every write that was acknowledged, and
// each key it has holds the value written. The store's worker is web/store-worker.ts, started here
// straight from a blank page of the origin, without the playground around it.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { guardedPage, launchChromium, skipWithoutChromium } from "./chromium.js";
import { serveStoreBundles, type Served } from "./store-server.js";

let served: Served;
beforeAll(async () => {
  served = await serveStoreBundles();
});
afterAll(() => served?.stop());

const WRITES = 1000;
const KILL_AFTER = 100;

describe.skipIf(skipWithoutChromium("test/browser/opfs-kill.test.ts"))("the store's worker killed mid-stream", () => {
  test("every acknowledged write is there in the next worker", async () => {
    const browser = await launchChromium();
    try {
      const { page, foreign } = await guardedPage(browser, served.url);
      await page.goto(`${served.url}dist/web/test/index.html`);
      const outcome = await page.evaluate(
        async ({ writes, killAfter }) => {
          const start = () =>
            new Promise<{ worker: Worker; send(m: object): Promise<{ ok: boolean; result?: { value?: string | null }; error?: string }> }>((resolve, reject) => {
              const worker = new Worker("/dist/web/store-worker.js", { type: "module" });
              const waiting = new Map<number, (r: never) => void>();
              let id = 0;
              worker.onmessage = (e) => {
                if ("ready" in e.data) return e.data.ready ? resolve({ worker, send }) : reject(new Error(e.data.error));
                waiting.get(e.data.id)?.(e.data as never);
              };
              const send = (m: object) => new Promise<never>((r) => {
                waiting.set(++id, r);
                worker.postMessage({ ...m, id });
              });
            });
          const first = await start();
          const acknowledged: number[] = [];
          await new Promise<void>((done) => {
            for (let i = 0; i < writes; i++) {
              void first.send({ op: "put", key: `k${i}`, value: `v${i}` }).then((r) => {
                if (!r.ok) return;
                acknowledged.push(i);
                if (acknowledged.length === killAfter) {
                  first.worker.terminate();
                  done();
                }
              });
            }
          });
          const second = await start();
          const found: Record<string, string | null> = {};
          for (let i = 0; i < writes; i++) found[`k${i}`] = (await second.send({ op: "get", key: `k${i}` })).result?.value ?? null;
          second.worker.terminate();
          return { acknowledged, found };
        },
        { writes: WRITES, killAfter: KILL_AFTER },
      );
      expect(outcome.acknowledged.length).toBe(KILL_AFTER);
      for (const i of outcome.acknowledged) expect(outcome.found[`k${i}`]).toBe(`v${i}`);
      for (const [k, v] of Object.entries(outcome.found)) if (v !== null) expect(v).toBe(`v${k.slice(1)}`);
      // the kill came before the last writes could be made durable: some are missing
      expect(Object.values(outcome.found).filter((v) => v === null).length).toBeGreaterThan(0);
      expect(foreign).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
