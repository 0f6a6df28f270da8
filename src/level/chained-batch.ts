// db.batch() with no arguments: operations gathered in the store's own form as they are added
// (keys and values copied to bytes at once, so the caller may reuse its buffers), and committed by
// write() as one store write: one log record, all or none (abstract-level's README
// "chainedBatch.write()").

import { AbstractChainedBatch } from "abstract-level";
import type { WriteOp } from "../lsm/store.js";
import { ownedBytes, type Encoded } from "./bytes.js";

/** What the batch commits with: the database's write of a list of operations. */
export type CommitOps = (ops: readonly WriteOp[], options: { readonly sync?: unknown }) => Promise<void>;

export class WasmChainedBatch extends AbstractChainedBatch<object, Encoded, Encoded> {
  private ops: WriteOp[] = [];

  constructor(
    db: object,
    private readonly commit: CommitOps,
  ) {
    super(db);
  }

  _put(key: Encoded, value: Encoded): void {
    this.ops.push({ type: "put", key: ownedBytes(key), value: ownedBytes(value) });
  }

  _del(key: Encoded): void {
    this.ops.push({ type: "del", key: ownedBytes(key) });
  }

  _clear(): void {
    this.ops = [];
  }

  _write(options: { readonly sync?: unknown }): Promise<void> {
    return this.commit(this.ops, options);
  }

  async _close(): Promise<void> {
    this.ops = [];
  }
}
