// `wasm-lsm db put | delete`: one write, durable (its log record fsynced) before the command exits
// 0, and nothing on stdout (a failure: its message on stderr, exit 1, nothing written). The write
// stays in the write-ahead log, as the node's writes do, until a flush (the node's, or `db
// compact`) puts it in a table; every later open replays it. Keys and values have the protocol
// node's limits (PROTOCOL.md), so that what the command writes the node can read.

import { MAX_KEY_BYTES, MAX_VALUE_BYTES, MIN_KEY_BYTES } from "../node/protocol.js";
import { UsageError } from "../node/options.js";
import { bytesOperand, encodingOf } from "./db-bytes.js";
import { KEY_FLAGS, KEY_FLAGS_HELP, storeLog } from "./db-flags.js";
import { withStore } from "./db-store.js";
import type { Flags, SstCommand as DbCommand } from "./sst-common.js";

const CREATE_FLAG = { "create-if-missing": { type: "boolean" } } as const;
const CREATE_HELP = "  --create-if-missing   make a new store if DIR is missing or empty";

export const put: DbCommand = {
  synopsis: "put DIR KEY VALUE [--hex] [--create-if-missing]",
  help: `Writes KEY = VALUE, durably; prints nothing. KEY is ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes, VALUE at most
${MAX_VALUE_BYTES} bytes (the protocol node's limits).

Options:
${CREATE_HELP}
${KEY_FLAGS_HELP}`,
  operands: ["DIR", "KEY", "VALUE"],
  flags: { ...KEY_FLAGS, ...CREATE_FLAG },
  run: async ([dir, keyText, valueText], flags) => {
    const encoding = encodingOf(flags.hex);
    const key = keyOperand(keyText, flags);
    const value = bytesOperand(valueText, encoding, "VALUE");
    if (value.length > MAX_VALUE_BYTES) throw new UsageError(`VALUE is ${value.length} bytes; the limit is ${MAX_VALUE_BYTES}`);
    await withStore(dir, flags, { create: flags["create-if-missing"] === true, log: storeLog(flags, "put") }, (store) => store.put(key, value));
  },
};

export const del: DbCommand = {
  synopsis: "delete DIR KEY [--hex] [--create-if-missing]",
  help: `Deletes KEY, durably (a deletion is written whether or not the key is there, as LevelDB's
Delete does); prints nothing.

Options:
${CREATE_HELP}
${KEY_FLAGS_HELP}`,
  operands: ["DIR", "KEY"],
  flags: { ...KEY_FLAGS, ...CREATE_FLAG },
  run: async ([dir, keyText], flags) => {
    const key = keyOperand(keyText, flags);
    await withStore(dir, flags, { create: flags["create-if-missing"] === true, log: storeLog(flags, "delete") }, (store) => store.delete(key));
  },
};

function keyOperand(text: string, flags: Flags): Buffer {
  const key = bytesOperand(text, encodingOf(flags.hex), "KEY");
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) throw new UsageError(`KEY is ${key.length} bytes; keys are ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`);
  return key;
}
