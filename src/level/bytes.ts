// Keys and values between abstract-level's private API and the store's bytes. The manifest declares
// three formats natively (wasm-level.ts): a key or value arrives as a string ('utf8') or as bytes
// ('buffer', 'view'), and a read returns the format the caller's encoding asked for; abstract-level
// transcodes every other encoding (json, hex, base64, ...) to and from one of these.

/** The formats the private API works in. */
export type Format = "utf8" | "buffer" | "view";

/** What the private API is given: a string in 'utf8', bytes otherwise. */
export type Encoded = string | Uint8Array;

/**
 * The bytes of a key or value to write, in memory of their own: a write may be applied after its
 * fsync, later than the call, and the caller may reuse its buffer once the call returns (as
 * classic-level, which copies into LevelDB's batch at once).
 */
export function ownedBytes(data: Encoded): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, "utf8") : new Uint8Array(data);
}

/** The bytes of a key to look up or seek to: no copy, the store only reads them during the call. */
export function lookupBytes(data: Encoded): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

/**
 * Bytes read from the store, in a format, in memory of their own (the store's view may be reused by
 * its next move). 'view' is given a Buffer too, as classic-level gives: a Buffer is a Uint8Array.
 */
export function decoded(bytes: Uint8Array, format: Format): Encoded {
  if (format === "utf8") return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  return Buffer.from(bytes);
}

/**
 * Bytes the store handed over in memory of their own (Store.get's value: a copy no one else holds),
 * in a format: a Buffer over the same memory, without the copy decoded() makes.
 */
export function adopted(bytes: Uint8Array, format: Format): Encoded {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return format === "utf8" ? buffer.toString("utf8") : buffer;
}
