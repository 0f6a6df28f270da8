// The store's messages (PROTOCOL.md section 3): thin handlers that read fields, call the Store's
// public API and shape the reply. Errors of the store become the protocol's codes: corruption 1000,
// a full disk or similar 11 (nothing was changed), an unknown table 20.

import { join } from "node:path";
import { NodeRandomAccessFile } from "../io/node-file.js";
import type { Kernels } from "../kernels/types.js";
import { referenceWorkload } from "../lsm/reference-workload.js";
import { TABLE_NAME, type Store } from "../lsm/store.js";
import { CorruptionError } from "../sstable/errors.js";
import { numericProperty } from "../sstable/properties.js";
import { Table } from "../sstable/reader.js";
import { optionalInt, requireKey, requireString, requireValue } from "./fields.js";
import type { Handler, HandlerTable } from "./handlers.js";
import { MAX_MEMTABLE_BYTES } from "./options.js";
import { ErrorCode, ProtocolError, type RequestBody } from "./protocol.js";


/** Request types whose work may overlap (server.ts): puts and deletes, so that they share fsyncs. */
export const CONCURRENT_TYPES: ReadonlySet<string> = new Set(["memtable_put", "memtable_delete"]);

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** Errors no request caused and a retry may clear. */
const TRANSIENT = new Set(["ENOSPC", "EDQUOT", "EMFILE", "ENFILE", "EAGAIN", "EBUSY", "EIO", "EROFS"]);

/** Runs store work, turning its failures into protocol errors. */
export async function storeCall<T>(what: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw storeError(what, err);
  }
}

/** A store failure as the protocol error it maps to; anything unexpected as itself (error 13). */
export function storeError(what: string, err: unknown): unknown {
  if (err instanceof ProtocolError) return err;
  if (err instanceof CorruptionError) return new ProtocolError(ErrorCode.CORRUPTION, err.message);
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && TRANSIENT.has(code)) {
    return new ProtocolError(ErrorCode.TEMPORARILY_UNAVAILABLE, `${what}: ${(err as Error).message}`);
  }
  return err;
}

const PUT_OK = Object.freeze({ type: "memtable_put_ok" });
const putOk = () => PUT_OK;
const putFailed = (err: unknown) => {
  throw storeError("memtable_put", err);
};

/**
 * What the node knows of who wrote to its store: an ephemeral store no client has written to, and
 * that holds no reference data yet, gets the reference data its first flush or lsm_* request needs.
 */
export interface ClientWrites {
  count: number;
  /** The reference tree or workload was loaded: no more invented data. */
  referenceLoaded: boolean;
}

export function storeHandlers(store: Store, kernels: Kernels, writes: ClientWrites = { count: 0, referenceLoaded: false }): HandlerTable {

  const flush: Handler = async (body, ctx) => {
    const size = optionalInt(body, "memtable_size_bytes", 0, MAX_MEMTABLE_BYTES);
    return storeCall("sstable_flush", async () => {
      // PROTOCOL.md: an empty MemTable of an ephemeral store gets the reference workload. We read
      // "empty" as "no client has written": the course's flushes on a fresh node each get it, and
      // data is never invented next to real writes (a flush just after a background flush would
      // otherwise find the MemTable empty and add the workload beside them).
      if (!store.durable && writes.count === 0 && !writes.referenceLoaded) {
        const target = size ?? store.memtableBytes;
        const loaded = await loadReferenceWorkload(store, target);
        ctx.log(`sstable_flush: empty ephemeral MemTable: loaded the reference workload of ${target} bytes (${loaded} ${loaded === 1 ? "entry" : "entries"}, user:0.. and user:42 = Alice)`);
      }
      const record = await store.flush();
      const figures = readFigures(store.dir, record.name, kernels);
      return { type: "sstable_flush_ok", sstable_file: record.name, ...figures };
    });
  };

  const lookup: Handler = (body) => {
    const name = requireString(body, "sstable");
    if (!TABLE_NAME.test(name)) throw new ProtocolError(ErrorCode.MALFORMED_REQUEST, `sstable ${JSON.stringify(name)} is not a table name: the form is L<level>_<n>.sst with n of three digits or more, as L0_001.sst`);
    const key = requireKey(body);
    return storeCall("sstable_lookup", () => {
      const r = store.lookup(name, key);
      if (r === null) throw new ProtocolError(ErrorCode.KEY_DOES_NOT_EXIST, `no table ${name} in this store`);
      return { type: "sstable_lookup_ok", found: r.found, value: r.value === null ? null : text.decode(r.value), bloom_checked: r.bloomChecked, disk_reads: r.diskReads };
    });
  };

  // The hot path: one promise reaction per put (its log append), no async wrapper. A failure the
  // store throws at once maps as one it rejects with.
  const put: Handler = (body) => {
    const key = requireKey(body);
    const value = requireValue(body);
    writes.count++;
    let written: Promise<void>;
    try {
      if (store.putSync(key, value)) return PUT_OK; // an ephemeral store: no promise per put
      written = store.put(key, value);
    } catch (err) {
      throw storeError("memtable_put", err);
    }
    return written.then(putOk, putFailed);
  };

  const get: Handler = (body) => {
    const value = store.getFromMemtable(requireKey(body));
    return { type: "memtable_get_ok", value: value === null ? null : text.decode(value), source: "memtable" };
  };

  const scan: Handler = (body: RequestBody) => {
    const start = requireKey(body, "start", 0);
    const end = requireKey(body, "end", 0);
    const entries = store.scanMemtable(start, end).map(([k, v]) => ({ key: text.decode(k), value: text.decode(v) }));
    return { type: "memtable_scan_ok", entries };
  };

  return { sstable_flush: flush, sstable_lookup: lookup, memtable_put: put, memtable_get: get, memtable_scan: scan };
}

/** Puts the reference workload until the MemTable's footprint reaches `bytes`; user:42 always. */
async function loadReferenceWorkload(store: Store, bytes: number): Promise<number> {
  let n = 0;
  let sample = false;
  for (const [key, value] of referenceWorkload()) {
    if (store.memtableFootprint >= bytes) break;
    await store.put(utf8.encode(key), utf8.encode(value), { deferFlush: true });
    sample ||= key === "user:42";
    n++;
  }
  if (!sample) {
    await store.put(utf8.encode("user:42"), utf8.encode("Alice"), { deferFlush: true });
    n++;
  }
  return n;
}

/** entries, bloom_filter_bits and size_bytes, read off the table file: its properties, filter, size. */
function readFigures(dir: string, name: string, kernels: Kernels) {
  const table = Table.open(new NodeRandomAccessFile(join(dir, name)), { kernels });
  try {
    const shape = table.filterShape;
    return {
      entries: numericProperty(table.properties, "rocksdb.num.entries") ?? 0,
      bloom_filter_bits: shape === null ? 0 : shape.numLines * 512,
      size_bytes: table.file.size,
    };
  } finally {
    table.close();
  }
}
