// The manifest of wasm-lsm 0.1 (before levels): one JSON document named MANIFEST, replaced whole on
// every change, with a CRC32C over its body. Read only to upgrade such a store on open (manifest.ts
// upgradeLegacyManifest); written only by tests that make one. FORMAT.md "Upgrading a 0.1 store".
//
//   MANIFEST := {"crc32c": <crc of body's JSON text>, "body": LegacyManifestBody}

import { join } from "node:path";
import { nodeEnv } from "../io/node-env.js";
import { crc32cJs } from "../kernels/js.js";
import { CorruptionError } from "../sstable/errors.js";
import type { Env } from "./env.js";
import { writeFileAtomic } from "./files.js";

export const LEGACY_MANIFEST = "MANIFEST";

export interface LegacyTableRecord {
  readonly name: string;
  readonly level: number;
  readonly number: number;
  readonly entries: number;
  readonly fileSize: number;
  /** Bytes after the data blocks: a reader opens the table with one read of this many. */
  readonly tailSize: number;
  readonly filterBits: number;
}

export interface LegacyManifestBody {
  readonly version: 1;
  /** Write-ahead logs numbered below this are covered by tables and may be deleted. */
  readonly logNumber: number;
  readonly nextFileNumber: number;
  readonly nextTableNumber: number;
  readonly lastSequence: number;
  readonly tables: readonly LegacyTableRecord[];
}

const utf8 = new TextEncoder();

/** The manifest in dir, or null when there is none (env defaults to node:fs, for tools and tests). */
export function readLegacyManifest(dir: string, env: Env = nodeEnv): LegacyManifestBody | null {
  const path = join(dir, LEGACY_MANIFEST);
  if (env.size(path) === null) return null;
  const text = new TextDecoder().decode(env.readFile(path));
  let doc: { crc32c?: unknown; body?: unknown };
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CorruptionError(path, 0, "manifest is not JSON");
  }
  const body = JSON.stringify(doc.body);
  if (typeof doc.crc32c !== "number" || body === undefined || crc32cJs(utf8.encode(body)) !== doc.crc32c) {
    throw new CorruptionError(path, 0, "manifest checksum mismatch");
  }
  const m = doc.body as LegacyManifestBody;
  if (m.version !== 1 || !Array.isArray(m.tables)) throw new CorruptionError(path, 0, "manifest has an unknown version or shape");
  return m;
}

/** Replaces the manifest atomically (files.ts writeFileAtomic: throws before, returns a dir-fsync failure after the rename). */
export function writeLegacyManifest(env: Env, dir: string, body: LegacyManifestBody, durable: boolean): Error | null {
  const text = JSON.stringify(body);
  const doc = `${JSON.stringify({ crc32c: crc32cJs(utf8.encode(text)), body })}\n`;
  return writeFileAtomic(env, dir, LEGACY_MANIFEST, utf8.encode(doc), durable);
}
