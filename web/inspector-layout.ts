// The layout picture: a table's blocks and footer as an SVG drawn to scale, from describeTable's
// ranges (src/sstable/layout.ts, what `wasm-lsm sst layout` prints). The top bar is the whole file;
// the bar below it is the tail (every block after the data, and the footer) at its own scale, since
// in a table of any size the tail is a sliver of the file. Hovering or focusing a region shows its
// byte range and what it is.

import type { LayoutRange, RegionKind } from "../src/sstable/layout.js";
import { count, el, svg } from "./dom.js";

const WIDTH = 1000;
const BAR = 36;
const KIND_NAMES: Record<RegionKind, string> = {
  data: "data block", filter: "filter", properties: "properties", meta: "other meta block",
  index: "index", metaindex: "metaindex", footer: "footer",
};

export interface LayoutPicture {
  readonly ranges: readonly LayoutRange[];
  readonly fileSize: number;
  /** Where the data blocks end and the tail starts. */
  readonly dataEnd: number;
}

/** The text a region shows on hover. */
export function regionText(r: LayoutRange): string {
  return `bytes ${r.start}-${r.end} (${count(r.end - r.start)} bytes): ${r.text}`;
}

/** Draws the picture into `box`; hovering a region writes its text into `hover`. */
export function drawLayout(box: HTMLElement, hover: HTMLElement, p: LayoutPicture): void {
  const regions = p.ranges.filter((r) => r.depth === 0 && r.kind !== undefined);
  const magnify = p.dataEnd > 0 && p.fileSize - p.dataEnd < p.fileSize / 2;
  const height = magnify ? 150 : 70;
  const picture = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "group", "aria-label": `layout of ${count(p.fileSize)} bytes`, "data-file-size": p.fileSize });
  const show = (r: LayoutRange) => void (hover.textContent = regionText(r));
  const bar = (y: number, from: number, to: number, row: string) => {
    const scale = WIDTH / Math.max(1, to - from);
    for (const r of regions) {
      if (r.end <= from || r.start >= to) continue;
      const x = (Math.max(r.start, from) - from) * scale;
      const w = (Math.min(r.end, to) - Math.max(r.start, from)) * scale;
      const rect = svg("rect", {
        class: `region kind-${r.kind}`, x: x.toFixed(3), y, width: w.toFixed(3), height: BAR, tabindex: 0, role: "img",
        "data-row": row, "data-kind": r.kind!, "data-start": r.start, "data-end": r.end, "aria-label": regionText(r),
      }, svg("title", {}, regionText(r)));
      rect.addEventListener("mouseenter", () => show(r));
      rect.addEventListener("focus", () => show(r));
      picture.append(rect);
    }
    picture.append(
      svg("text", { x: 0, y: y + BAR + 13, "font-size": 11, fill: "currentColor" }, String(from)),
      svg("text", { x: WIDTH, y: y + BAR + 13, "font-size": 11, fill: "currentColor", "text-anchor": "end" }, String(to)),
    );
  };
  picture.append(svg("text", { x: 0, y: 11, "font-size": 11, fill: "currentColor" }, `the whole file: ${count(p.fileSize)} bytes`));
  bar(16, 0, p.fileSize, "file");
  if (magnify) {
    const x0 = (p.dataEnd / p.fileSize) * WIDTH;
    const tail = p.fileSize - p.dataEnd;
    picture.append(
      svg("path", { d: `M${x0.toFixed(2)} ${16 + BAR} L0 96 M${WIDTH} ${16 + BAR} L${WIDTH} 96`, stroke: "#9aa3b2", "stroke-dasharray": "3 3", fill: "none" }),
      svg("text", { x: WIDTH / 2, y: 92, "font-size": 11, fill: "currentColor", "text-anchor": "middle" },
        `the tail: ${count(tail)} bytes, ${(p.fileSize / tail).toFixed(1)}x magnified`),
    );
    bar(98, p.dataEnd, p.fileSize, "tail");
  }
  const kinds = [...new Set(regions.map((r) => r.kind!))];
  const legend = el("p", { class: "legend" }, ...kinds.map((k) => el("span", { style: `--swatch: var(--${k})` }, KIND_NAMES[k])));
  box.replaceChildren(picture, legend);
  hover.textContent = "\u00a0";
}
