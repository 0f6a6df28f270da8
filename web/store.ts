// The playground panel (web/store.html): a key-value form over the store in its worker
// (web/store-worker.ts), through web/store-protocol.ts. Each button sends one request; the reply's
// text goes to #result, and the store's levels after it to the table.

import type { Envelope, Ready, Reply, StoreRequest, StoreShape } from "./store-protocol.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id).value;

const worker = new Worker("/dist/web/store-worker.js", { type: "module" });
const pending = new Map<number, (reply: Reply) => void>();
let nextId = 1;

function send(request: StoreRequest): Promise<Reply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ ...request, id } satisfies Envelope);
  });
}

worker.onmessage = (e: MessageEvent<Reply | Ready>) => {
  const m = e.data;
  if ("ready" in m) return m.ready ? ready(m.shape) : status("error", `the store could not open: ${m.error}`);
  pending.get(m.id)?.(m);
  pending.delete(m.id);
};

function status(state: string, message: string): void {
  const s = $("status");
  s.dataset.state = state;
  s.textContent = message;
}

function showShape(shape: StoreShape): void {
  $("memtable").textContent = String(shape.memtableBytes);
  $("levels").querySelector("tbody")!.replaceChildren(
    ...shape.levels.map((l) => {
      const row = document.createElement("tr");
      row.dataset.level = String(l.level);
      for (const v of [`L${l.level}`, l.tables, l.bytes]) row.appendChild(document.createElement("td")).textContent = String(v);
      return row;
    }),
  );
}

/** Sends the request; shows its result (or its error) and the levels after it. */
async function run(request: StoreRequest): Promise<void> {
  const out = $("result");
  out.dataset.ok = "";
  out.textContent = `${request.op}…`;
  const reply = await send(request);
  out.dataset.ok = String(reply.ok);
  if (!reply.ok) {
    out.textContent = `error: ${reply.error}`;
    return;
  }
  showShape(reply.shape);
  const r = reply.result;
  out.textContent =
    r.op === "get" ? (r.value === null ? "not found" : `value: ${r.value}`)
    : r.op === "scan" ? (r.entries.length === 0 ? "no entries" : r.entries.map(([k, v]) => `${k} = ${v}`).join("\n"))
    : r.op === "flush" ? `flushed ${r.entries} entries to ${r.table}`
    : `${r.op}: ok`;
}

function ready(shape: StoreShape): void {
  showShape(shape);
  const on = (id: string, request: () => StoreRequest) => {
    const b = $<HTMLButtonElement>(id);
    b.disabled = false;
    b.onclick = () => void run(request());
  };
  on("put", () => ({ op: "put", key: input("key"), value: input("value") }));
  on("get", () => ({ op: "get", key: input("key") }));
  on("del", () => ({ op: "del", key: input("key") }));
  on("scan", () => ({ op: "scan", from: input("from"), to: input("to"), limit: Math.max(1, Number(input("limit")) || 20) }));
  on("flush", () => ({ op: "flush" }));
  on("compact", () => ({ op: "compact" }));
  on("levels-refresh", () => ({ op: "levels" }));
  status("ready", "ready");
  // OPFS is "best-effort" storage unless the origin is granted persistence: the browser may then
  // evict it under storage pressure. Asked once; the answer is shown, the store works either way.
  void navigator.storage.persist?.().then((granted) => ($("persist").textContent = granted ? "persistent storage granted" : "best-effort storage (persistence not granted)"));
}
