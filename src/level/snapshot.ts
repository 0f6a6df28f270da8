// An explicit snapshot (abstract-level's db.snapshot()): a point in the store's history that reads
// given `{ snapshot }` are made at. Closing it (or closing the database, which closes it as one of
// its resources) releases the store's snapshot, so compactions may drop what only it could see.

import { AbstractSnapshot } from "abstract-level";
import type { Snapshot, Store } from "../lsm/store.js";

/**
 * abstract-level's AbstractSnapshot as it is at run time: its constructor takes the options that
 * name the database owning it (a sublevel may own a snapshot of its root), which the published
 * type declarations leave out.
 */
const SnapshotBase = AbstractSnapshot as unknown as new (options: { readonly owner: object }) => AbstractSnapshot;

export class WasmSnapshot extends SnapshotBase {
  /** The store's snapshot. */
  readonly point: Snapshot;

  constructor(
    /** The store it is a snapshot of. */
    readonly store: Store,
    options: { readonly owner: object },
  ) {
    super(options);
    this.point = store.snapshot();
  }

  async _close(): Promise<void> {
    this.store.release(this.point);
  }
}
