// Paging through a long list a page at a time: the previous and next buttons (#PREFIX-prev,
// #PREFIX-next) and the label (#PREFIX-page) "51-100 of 427 (page 2 of 9)". The table and the
// directory panels each have one.

import { byId, count } from "./dom.js";

export class Pager {
  /** The page shown, from 0. */
  page = 0;

  constructor(
    private readonly prefix: string,
    private readonly pageSize: number,
    /** What the label says of an empty list. */
    private readonly empty: string,
    show: (page: number) => void,
  ) {
    byId(`${prefix}-prev`).addEventListener("click", () => show(this.page - 1));
    byId(`${prefix}-next`).addEventListener("click", () => show(this.page + 1));
  }

  /** Moves to page p of a list of `total` items (clamped to the pages there are); returns the page. */
  turn(p: number, total: number): number {
    const pages = Math.max(1, Math.ceil(total / this.pageSize));
    this.page = Math.min(Math.max(0, p), pages - 1);
    const first = this.page * this.pageSize;
    byId(`${this.prefix}-page`).textContent = total === 0 ? this.empty : `${first + 1}-${Math.min(first + this.pageSize, total)} of ${count(total)} (page ${this.page + 1} of ${pages})`;
    byId<HTMLButtonElement>(`${this.prefix}-prev`).disabled = this.page === 0;
    byId<HTMLButtonElement>(`${this.prefix}-next`).disabled = this.page >= pages - 1;
    return this.page;
  }
}
