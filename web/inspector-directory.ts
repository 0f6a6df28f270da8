// The database directory panel: a whole LevelDB directory, read only, through the engine's reader
// (src/lsm/leveldb-directory.ts) over a MemoryEnv the page fills with the folder's files (a folder
// picker, or a folder dropped on the page). It shows the levels and tables as the manifest records
// them, the logs replayed, the live key space (the logs applied: newest version wins, deletions
// hidden) a page at a time, and a key search. Nothing is written back: the files are copies in
// memory, and the reader only reads.

import { MemoryEnv } from "../src/io/memory-env.js";
import type { Kernels } from "../src/kernels/types.js";
import { openLevelDbDirectory, type LevelDbDirectory } from "../src/lsm/leveldb-directory.js";
import { keyFromInput, shown } from "./bytes-view.js";
import { byId, bytesCell, checkedView, count, el, facts, hideError, showError } from "./dom.js";
import { acceptDrops } from "./inspector-table.js";
import { Pager } from "./pager.js";
import { PAGE_SIZE } from "./table-inspection.js";

interface DirFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

interface Opened {
  readonly db: LevelDbDirectory;
  readonly entries: number;
  /** The first key of each page of the key space. */
  readonly pageStarts: readonly Uint8Array[];
}

export class DirectoryPanel {
  private source: { dir: string; files: readonly DirFile[] } | null = null;
  private current: Opened | null = null;
  private readonly pager = new Pager("dir", PAGE_SIZE, "no live keys", (p) => this.showPage(p));
  private readonly view = byId("dir-view");
  private readonly error = byId("dir-error");

  constructor(private readonly kernels: () => Kernels) {
    const input = byId<HTMLInputElement>("dir-input");
    input.addEventListener("change", () => {
      const files = [...(input.files ?? [])];
      input.value = "";
      void this.openPicked(files);
    });
    acceptDrops(byId("dir-drop"), () => {}, (items) => void this.openDropped(items));
    byId("dir-search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.search();
    });
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name="dir-bytes-view"]')) r.addEventListener("change", () => this.showPage(this.pager.page));
  }

  /** Files of a folder picker: webkitRelativePath is "FOLDER/NAME"; files in subfolders are left out. */
  private async openPicked(files: File[]): Promise<void> {
    const top = files.filter((f) => f.webkitRelativePath.split("/").length === 2);
    const dir = (files[0]?.webkitRelativePath.split("/")[0] ?? "") || "db";
    this.open(dir, await Promise.all(top.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) }))));
  }

  private async openDropped(items: DataTransferItemList): Promise<void> {
    const entry = [...items].map((i) => i.webkitGetAsEntry()).find((e) => e !== null && e.isDirectory) as FileSystemDirectoryEntry | undefined;
    if (entry === undefined) {
      showError(this.error, new Error("drop a folder (a LevelDB database directory), not files"));
      return;
    }
    const children = await readAll(entry.createReader());
    const files = await Promise.all(children.filter((c): c is FileSystemFileEntry => c.isFile).map(async (c) => {
      const file = await new Promise<File>((resolve, reject) => c.file(resolve, reject));
      return { name: c.name, bytes: new Uint8Array(await file.arrayBuffer()) };
    }));
    this.open(entry.name, files);
  }

  open(dir: string, files: readonly DirFile[]): void {
    this.source = { dir, files };
    this.current?.db.close();
    this.current = null;
    this.view.hidden = true;
    this.view.dataset.state = "opening";
    hideError(this.error);
    try {
      this.current = walk(openLevelDbDirectory(filled(dir, files), dir, { kernels: this.kernels() }));
    } catch (err) {
      showError(this.error, err);
      return;
    }
    this.render(dir, files);
  }

  reopen(): void {
    if (this.source !== null) this.open(this.source.dir, this.source.files);
  }

  private render(dir: string, files: readonly DirFile[]): void {
    const { db, entries } = this.current!;
    const tables = db.levels.reduce((n, l) => n + l.tables.length, 0);
    byId("dir-name").textContent = dir;
    const summary = byId("dir-summary");
    summary.textContent = `${count(entries)} live keys; ${tables} tables; ${db.logs.length === 1 ? "1 log" : `${db.logs.length} logs`} replayed; last sequence ${db.lastSequence}; ${db.manifest}; ${files.length} files read; on the ${this.kernels().name} kernels`;
    Object.assign(summary.dataset, { entries: String(entries), tables: String(tables), lastSequence: String(db.lastSequence) });
    const view = checkedView("dir-bytes-view");
    const levels = byId("dir-levels").querySelector("tbody")!;
    levels.replaceChildren(...db.levels.flatMap((l) => l.tables.length === 0
      ? [el("tr", { "data-level": String(l.level) }, el("td", { class: "num" }, String(l.level)), el("td", { colspan: "4", class: "hint" }, "no tables"))]
      : l.tables.map((t) => el("tr", { "data-level": String(l.level), "data-table": t.name },
        el("td", { class: "num" }, String(l.level)), el("td", { class: "mono" }, t.name), el("td", { class: "num" }, count(t.size)),
        el("td", { class: "bytes" }, shown(t.smallest, view).text), el("td", { class: "bytes" }, shown(t.largest, view).text)))));
    const logs = byId("dir-logs").querySelector("tbody")!;
    logs.replaceChildren(...db.logs.map((g) => el("tr", { "data-log": g.name },
      el("td", { class: "mono" }, g.name), el("td", { class: "num" }, count(g.size)), el("td", { class: "num" }, String(g.batches)), el("td", { class: "num" }, String(g.writes)),
      el("td", {}, g.tornTail === null ? "whole" : `torn tail dropped at ${g.tornTail.offset} (${g.tornTail.length} bytes): ${g.tornTail.reason}`))));
    if (db.logs.length === 0) logs.append(el("tr", {}, el("td", { colspan: "5", class: "hint" }, "no live log")));
    byId("dir-search-result").hidden = true;
    this.view.hidden = false;
    this.view.dataset.state = "open";
    this.showPage(0);
  }

  private showPage(p: number): void {
    const o = this.current;
    if (o === null) return;
    const page = this.pager.turn(p, o.entries);
    const view = checkedView("dir-bytes-view");
    const rows: HTMLTableRowElement[] = [];
    const start = o.pageStarts[page];
    if (start !== undefined) {
      for (const e of o.db.entries({ gte: start })) {
        if (rows.length === PAGE_SIZE) break;
        const index = String(page * PAGE_SIZE + rows.length);
        rows.push(el("tr", { "data-entry": index }, el("td", { class: "num" }, index), bytesCell(e.key, view, "key"), bytesCell(e.value, view, "value")));
      }
    }
    byId("dir-entries").querySelector("tbody")!.replaceChildren(...rows);
  }

  private search(): void {
    const o = this.current;
    if (o === null) return;
    const out = byId("dir-search-result");
    out.hidden = false;
    let key: Uint8Array;
    try {
      key = keyFromInput(byId<HTMLInputElement>("dir-key").value, byId<HTMLInputElement>("dir-key-hex").checked);
    } catch (err) {
      out.replaceChildren(...facts([["error", (err as Error).message]]).childNodes);
      out.dataset.found = "error";
      return;
    }
    let r;
    try {
      r = o.db.get(key);
    } catch (err) {
      out.hidden = true;
      showError(this.error, err);
      return;
    }
    const value = r.value === null ? (r.deleted ? "(deleted)" : "(none)") : shown(r.value, checkedView("dir-bytes-view")).text;
    out.replaceChildren(...facts([
      ["found", String(r.found)],
      ["value", value],
      ["deleted", String(r.deleted)],
      ["newest version in", r.foundIn ?? "(nowhere)"],
      ["tables read", String(r.tablesRead)],
      ["bloom filters of ours", `${r.filtersChecked} asked, ${r.filterRuledOut} ruled the key out (LevelDB's own filters are not read)`],
      ["blocks read", `${r.diskReads} (from the files; a block in the cache, which listing the keys filled, is no read)`],
    ]).childNodes);
    Object.assign(out.dataset, { found: String(r.found), deleted: String(r.deleted), foundIn: r.foundIn ?? "" });
  }
}

/** A MemoryEnv holding the folder's files under `dir`. */
function filled(dir: string, files: readonly DirFile[]): MemoryEnv {
  const env = new MemoryEnv();
  env.mkdir(dir);
  for (const f of files) {
    const out = env.create(`${dir}/${f.name}`);
    out.append(f.bytes);
    out.close();
  }
  return env;
}

/** Counts the live keys and notes each page's first key; every table and log is read once here. */
function walk(db: LevelDbDirectory): Opened {
  try {
    let entries = 0;
    const pageStarts: Uint8Array[] = [];
    for (const e of db.entries()) {
      if (entries++ % PAGE_SIZE === 0) pageStarts.push(e.key);
    }
    return { db, entries, pageStarts };
  } catch (err) {
    db.close();
    throw err;
  }
}

async function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}
