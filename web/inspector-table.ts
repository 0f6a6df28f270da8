// The table panel: open a table from the disk (file input or drop), then its summary, its layout
// picture and text, its properties, a key lookup, and its entries a page at a time.

import type { Kernels } from "../src/kernels/types.js";
import { ValueKind } from "../src/sstable/format.js";
import { formatLayout } from "../src/sstable/layout.js";
import { propertyText } from "../src/sstable/properties.js";
import { keyFromInput, shown } from "./bytes-view.js";
import { byId, bytesCell, checkedView, count, el, facts, hideError, showError } from "./dom.js";
import { drawLayout } from "./inspector-layout.js";
import { Pager } from "./pager.js";
import { inspectTable, lookUp, pageOf, PAGE_SIZE, type TableInspection } from "./table-inspection.js";

export class TablePanel {
  private current: TableInspection | null = null;
  /** The last file opened, kept so a change of kernels can open it again. */
  private source: { name: string; bytes: Uint8Array } | null = null;
  private readonly pager = new Pager("entries", PAGE_SIZE, "no entries", (p) => this.showPage(p));
  private readonly view = byId("table-view");
  private readonly error = byId("table-error");

  constructor(private readonly kernels: () => Kernels) {
    const input = byId<HTMLInputElement>("table-file");
    input.addEventListener("change", () => {
      const f = input.files?.[0];
      if (f !== undefined) void this.openFile(f);
      input.value = "";
    });
    acceptDrops(byId("table-drop"), (files) => {
      if (files[0] !== undefined) void this.openFile(files[0]);
    });
    byId("lookup-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.lookUp();
    });
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name="bytes-view"]')) r.addEventListener("change", () => this.showPage(this.pager.page));
  }

  async openFile(file: File): Promise<void> {
    this.open(file.name, new Uint8Array(await file.arrayBuffer()));
  }

  /** Opens bytes as a table; a table that fails a check shows the error and nothing of its contents. */
  open(name: string, bytes: Uint8Array): void {
    this.source = { name, bytes };
    this.current?.table.close();
    this.current = null;
    this.view.hidden = true;
    this.view.dataset.state = "opening";
    hideError(this.error);
    try {
      this.current = inspectTable(name, bytes, this.kernels());
    } catch (err) {
      showError(this.error, err);
      return;
    }
    this.render(this.current);
  }

  /** Opens the last file again (the kernels changed). */
  reopen(): void {
    if (this.source !== null) this.open(this.source.name, this.source.bytes);
  }

  private render(t: TableInspection): void {
    const { table } = t;
    byId("table-name").textContent = t.name;
    const summary = byId("table-summary");
    const blocks = table.dataHandles().length;
    const filter = table.filterShape;
    summary.textContent = `${count(t.entries)} entries (${count(t.deletions)} deletions) in ${count(blocks)} data blocks; ` +
      `${count(t.bytes.length)} bytes; footer format_version ${table.footer.formatVersion}; ` +
      (filter === null ? "no Bloom filter of ours" : `our Bloom filter: ${filter.numLines} lines, k ${filter.k}`) + `; read on the ${this.kernels().name} kernels`;
    Object.assign(summary.dataset, { entries: String(t.entries), deletions: String(t.deletions), dataBlocks: String(blocks), fileSize: String(t.bytes.length) });
    drawLayout(byId("layout"), byId("layout-hover"), { ranges: t.layout, fileSize: t.bytes.length, dataEnd: table.dataEnd });
    byId("layout-text").textContent = formatLayout(t.layout);
    const props = byId("properties").querySelector("tbody")!;
    props.replaceChildren(...[...table.properties].map(([name, v]) => el("tr", { "data-property": name }, el("td", { class: "mono" }, name), el("td", { class: "mono" }, propertyText(name, v)))));
    if (table.properties.size === 0) props.append(el("tr", {}, el("td", { colspan: "2" }, "no properties block (LevelDB's tables have none)")));
    byId("lookup-result").hidden = true;
    this.view.hidden = false;
    this.view.dataset.state = "open";
    this.showPage(0);
  }

  private showPage(p: number): void {
    const t = this.current;
    if (t === null) return;
    const page = this.pager.turn(p, t.entries);
    const view = checkedView("bytes-view");
    byId("entries").querySelector("tbody")!.replaceChildren(...pageOf(t, page).map((e) => el("tr", { "data-entry": String(e.index) },
      el("td", { class: "num" }, String(e.index)),
      bytesCell(e.userKey, view, "key"),
      el("td", { class: "num" }, String(e.sequence)),
      el("td", {}, kindName(e.kind)),
      bytesCell(e.value, view, "value"),
    )));
  }

  private lookUp(): void {
    const t = this.current;
    if (t === null) return;
    const out = byId("lookup-result");
    out.hidden = false;
    let key: Uint8Array;
    try {
      key = keyFromInput(byId<HTMLInputElement>("lookup-key").value, byId<HTMLInputElement>("lookup-hex").checked);
    } catch (err) {
      out.replaceChildren(facts([["error", (err as Error).message]]));
      out.dataset.found = "error";
      return;
    }
    let r;
    try {
      r = lookUp(t, key, this.kernels());
    } catch (err) {
      out.replaceChildren();
      out.hidden = true;
      showError(this.error, err);
      return;
    }
    const filter = !r.bloomChecked ? "no filter of ours (a LevelDB or RocksDB table): not asked"
      : r.filteredOut ? "ruled the key out: no data block read" : "may contain the key: read on";
    const value = r.value === null ? (r.deleted ? "(deleted: the newest entry is a deletion)" : "(none)") : shown(r.value, checkedView("bytes-view")).text;
    out.replaceChildren(...facts([
      ["found", String(r.found)],
      ["value", value],
      ["deleted", String(r.deleted)],
      ["bloom filter", filter],
      ["reads", `${r.openReads + r.diskReads} (the open ${r.openReads}, the lookup ${r.diskReads})`],
    ]).childNodes);
    Object.assign(out.dataset, { found: String(r.found), deleted: String(r.deleted), filter: !r.bloomChecked ? "none" : r.filteredOut ? "ruled-out" : "pass", reads: String(r.openReads + r.diskReads) });
  }
}

function kindName(kind: number): string {
  return kind === ValueKind.VALUE ? "value" : kind === ValueKind.DELETION ? "deletion" : `kind${kind}`;
}

/** Files dropped on zone go to onFiles; the zone shows when something is dragged over it. */
export function acceptDrops(zone: HTMLElement, onFiles: (files: File[]) => void, onItems?: (items: DataTransferItemList) => void): void {
  zone.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    zone.classList.remove("over");
    const dt = ev.dataTransfer;
    if (dt === null) return;
    if (onItems !== undefined) onItems(dt.items);
    else onFiles([...dt.files]);
  });
}
