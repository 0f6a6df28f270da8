// The build panel: JSON lines pasted into the page become a table, by the code `wasm-lsm sst write`
// runs (src/cli/sst-input.ts), so the download holds the bytes the command makes from the same lines.

import type { Kernels } from "../src/kernels/types.js";
import { entryFromText, InputEntries, writeExternalTable } from "../src/cli/sst-input.js";
import { MemoryFile } from "../src/sstable/file.js";
import { byId, count, hideError, showError } from "./dom.js";

export interface BuiltTable {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly entries: number;
  readonly lines: number;
}

/** The table of `text`'s lines; throws an Error naming the first bad line, as `sst write` does. */
export function buildTable(name: string, text: string, kernels: Kernels, bitsPerKey: number): BuiltTable {
  const entries = new InputEntries();
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((line, i) => {
    let e;
    try {
      e = entryFromText(line);
    } catch (err) {
      throw new Error(`line ${i + 1}: ${(err as Error).message}`);
    }
    if (e !== null) entries.set(e.key, e.value);
  });
  if (entries.size === 0) throw new Error(`no entries (${lines.length} lines): a table needs one or more, as RocksDB's SstFileWriter does`);
  const file = new MemoryFile(name);
  const summary = writeExternalTable(file, entries, { kernels, bitsPerKey });
  return { name, bytes: file.contents(), entries: summary.entries, lines: lines.length };
}

export class BuildPanel {
  private url: string | null = null;
  private built: BuiltTable | null = null;

  constructor(kernels: () => Kernels, inspect: (name: string, bytes: Uint8Array) => void) {
    const error = byId("build-error");
    const result = byId("build-result");
    const actions = byId("build-actions");
    const link = byId<HTMLAnchorElement>("build-download");
    byId("build-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      hideError(error);
      result.hidden = actions.hidden = true;
      const name = byId<HTMLInputElement>("build-name").value.trim() || "table.sst";
      const bits = Number(byId<HTMLInputElement>("build-bits").value);
      try {
        if (!Number.isInteger(bits) || bits < 1 || bits > 64) throw new Error(`bits per key must be 1 to 64, got ${byId<HTMLInputElement>("build-bits").value}`);
        this.built = buildTable(name, byId<HTMLTextAreaElement>("build-input").value, kernels(), bits);
      } catch (err) {
        showError(error, err);
        return;
      }
      const b = this.built;
      if (this.url !== null) URL.revokeObjectURL(this.url);
      this.url = URL.createObjectURL(new Blob([b.bytes.slice()], { type: "application/octet-stream" }));
      link.href = this.url;
      link.download = b.name;
      link.textContent = `Download ${b.name}`;
      result.textContent = `${b.name}: ${count(b.entries)} entries from ${count(b.lines)} lines, ${count(b.bytes.length)} bytes, on the ${kernels().name} kernels`;
      Object.assign(result.dataset, { entries: String(b.entries), size: String(b.bytes.length) });
      result.hidden = actions.hidden = false;
    });
    byId("build-inspect").addEventListener("click", () => {
      if (this.built !== null) {
        inspect(this.built.name, this.built.bytes);
        byId("table-panel").scrollIntoView();
      }
    });
  }
}
