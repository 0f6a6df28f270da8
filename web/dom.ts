// Small DOM helpers shared by the inspector's panels: elements by id (failing loudly when the page
// lacks one), element construction, and the one way an error is shown.

import { CorruptionError, UnsupportedError } from "../src/sstable/errors.js";
import { shown, type BytesView } from "./bytes-view.js";

/** The element with this id; throws when the page has none (a page and its script out of step). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
}

type Child = Node | string | null;

/** A new element with attributes (set as attributes, so data-* work) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) e.setAttribute(name, value);
  for (const c of children) if (c !== null) e.append(c);
  return e;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) e.setAttribute(name, String(value));
  for (const c of children) if (c !== null) e.append(c);
  return e;
}

/** A definition list of facts; each dd carries data-field=name for the tests. */
export function facts(rows: readonly [name: string, value: string | Node][], attrs: Record<string, string> = {}): HTMLDListElement {
  const dl = el("dl", { class: "facts", ...attrs });
  for (const [name, value] of rows) dl.append(el("dt", {}, name), el("dd", { "data-field": name }, value));
  return dl;
}

/**
 * Shows err in box (an element with role=alert): a corruption as its file, offset and failed check,
 * an unsupported feature likewise, anything else as its message. Nothing else of the file is shown
 * beside it, so no value read from damaged bytes reaches the page.
 */
export function showError(box: HTMLElement, err: unknown): void {
  box.replaceChildren();
  box.hidden = false;
  if (err instanceof CorruptionError) {
    box.dataset.error = "corruption";
    box.append(el("strong", {}, "Corruption: "), err.message,
      facts([["file", err.file], ["offset", String(err.offset)], ["check", err.check]]));
  } else if (err instanceof UnsupportedError) {
    box.dataset.error = "unsupported";
    box.append(el("strong", {}, "Unsupported: "), err.message,
      facts([["file", err.file], ["offset", String(err.offset)], ["feature", err.feature]]));
  } else {
    box.dataset.error = "other";
    box.append(el("strong", {}, "Error: "), err instanceof Error ? err.message : String(err));
  }
}

export function hideError(box: HTMLElement): void {
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.error;
}

/** n with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** Which of a "text" / "hex" radio group (by name) is checked. */
export function checkedView(radioName: string): BytesView {
  return document.querySelector<HTMLInputElement>(`input[name="${radioName}"]:checked`)?.value === "hex" ? "hex" : "text";
}

/** A table cell of bytes as `view` shows them; bytes that are not UTF-8, shown as hex in text view, are tagged hex. */
export function bytesCell(b: Uint8Array, view: BytesView, field: string): HTMLTableCellElement {
  const s = shown(b, view);
  return el("td", { class: "bytes", "data-field": field }, s.hex && view === "text" ? el("span", { class: "tag" }, "hex") : null, s.text);
}
