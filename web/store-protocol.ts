// The messages between the playground page (web/store.ts) and its worker (web/store-worker.ts):
// one reply per request, matched by id. Keys and values are strings (UTF-8 in the store).

export type StoreRequest =
  | { readonly op: "put"; readonly key: string; readonly value: string }
  | { readonly op: "get"; readonly key: string }
  | { readonly op: "del"; readonly key: string }
  | { readonly op: "scan"; readonly from: string; readonly to: string; readonly limit: number }
  | { readonly op: "flush" }
  | { readonly op: "compact" }
  | { readonly op: "levels" }
  | { readonly op: "close" };

export interface LevelRow {
  readonly level: number;
  readonly tables: number;
  readonly bytes: number;
}

/** What the store looks like: its levels, and the MemTable's bytes not yet in a table. */
export interface StoreShape {
  readonly levels: readonly LevelRow[];
  readonly memtableBytes: number;
}

export type StoreResult =
  | { readonly op: "put" | "del" | "close" }
  | { readonly op: "get"; readonly value: string | null }
  | { readonly op: "scan"; readonly entries: readonly (readonly [string, string])[] }
  | { readonly op: "flush"; readonly table: string; readonly entries: number }
  | { readonly op: "compact" }
  | { readonly op: "levels" };

/** A request as posted: its id. */
export type Envelope = StoreRequest & { readonly id: number };

/** A reply: the result and the store's shape after it, or the error's text. */
export type Reply =
  | { readonly id: number; readonly ok: true; readonly result: StoreResult; readonly shape: StoreShape }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** What the worker posts once, unasked: that the store is open (or why it could not be). */
export type Ready = { readonly ready: true; readonly shape: StoreShape; readonly pool: { readonly files: number; readonly free: number } } | { readonly ready: false; readonly error: string };
