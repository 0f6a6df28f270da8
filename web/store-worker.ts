// The playground's dedicated worker (web/store.html): the store (src/lsm/store.ts, the code Node
// runs) over OpfsEnv in this origin's OPFS directory "wasm-lsm-playground", answering the page's
// requests (web/store-protocol.ts) one at a time, in order. Writes are synced before their reply,
// so a reply "ok" means the write survives a reload and a closed browser.

import type { OpfsEnv } from "../src/io/opfs-env.js";
import { Store } from "../src/lsm/store.js";
import type { Envelope, Ready, Reply, StoreRequest, StoreResult, StoreShape } from "./store-protocol.js";
import { fetchKernels, openOpfsEnv, opfsDirectory } from "./worker-setup.js";

const DIRECTORY = "wasm-lsm-playground";
const scope = self as unknown as { postMessage(message: Reply | Ready): void; onmessage: ((e: MessageEvent<Envelope>) => void) | null };
const utf8 = new TextEncoder();
const text = new TextDecoder();

async function open(): Promise<{ store: Store; env: OpfsEnv }> {
  const [kernels, dir] = await Promise.all([fetchKernels(), opfsDirectory(DIRECTORY)]);
  const env = await openOpfsEnv(dir);
  try {
    return { store: Store.open({ kernels, dir: "db", env }), env };
  } catch (err) {
    await env.close();
    throw err;
  }
}

function shapeOf(store: Store): StoreShape {
  return { levels: store.levelInfo().map((l) => ({ level: l.level, tables: l.tables, bytes: l.bytes })), memtableBytes: store.memtableFootprint };
}

async function answer(store: Store, env: OpfsEnv, r: StoreRequest): Promise<StoreResult> {
  switch (r.op) {
    case "put":
      await store.put(utf8.encode(r.key), utf8.encode(r.value), { sync: true });
      return { op: "put" };
    case "del":
      await store.delete(utf8.encode(r.key), { sync: true });
      return { op: "del" };
    case "get": {
      const v = store.get(utf8.encode(r.key));
      return { op: "get", value: v === null ? null : text.decode(v) };
    }
    case "scan":
      return { op: "scan", entries: scan(store, r.from, r.to, r.limit) };
    case "flush": {
      const t = await store.flush();
      return { op: "flush", table: t.name, entries: t.entries };
    }
    case "compact":
      await store.compactRange();
      return { op: "compact" };
    case "levels":
      return { op: "levels" };
    case "close":
      await store.close();
      await env.close();
      return { op: "close" };
  }
}

/** Up to `limit` live entries with from <= key < to ("" for `to`: no end). */
function scan(store: Store, from: string, to: string, limit: number): [string, string][] {
  const it = store.iterator({ gte: utf8.encode(from), lt: to === "" ? undefined : utf8.encode(to) });
  const out: [string, string][] = [];
  try {
    for (let e = it.first(); e !== null && out.length < limit; e = it.next()) out.push([text.decode(e.key), text.decode(e.value)]);
  } finally {
    it.close();
  }
  return out;
}

const opened = open();
opened.then(
  ({ store, env }) => scope.postMessage({ ready: true, shape: shapeOf(store), pool: env.poolStats() }),
  (err: Error) => scope.postMessage({ ready: false, error: String(err.message ?? err) }),
);

// one request at a time, in the order posted
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (e) => {
  const { id, ...request } = e.data;
  queue = queue.then(async () => {
    try {
      const { store, env } = await opened;
      const result = await answer(store, env, request as StoreRequest);
      scope.postMessage({ id, ok: true, result, shape: request.op === "close" ? { levels: [], memtableBytes: 0 } : shapeOf(store) });
    } catch (err) {
      scope.postMessage({ id, ok: false, error: String((err as Error).message ?? err) });
    }
  });
};
