// Message handlers: one function per request `type` (PROTOCOL.md section 3). A handler reads its
// fields with fields.ts, does the work, and returns the reply payload (or a Promise of it); it
// throws ProtocolError for an error reply. Any other exception becomes error 13 (crash) in
// server.ts. The server runs handlers one at a time, in request order, so a handler sees the
// effects of every request before it.

import { requireNonEmptyString, requireStringArray } from "./fields.js";
import type { NodeOptions } from "./options.js";
import type { ReplyPayload, RequestBody } from "./protocol.js";

/** What init sets; shared by every handler of one node. */
export interface NodeState {
  /** From init; null before it. */
  nodeId: string | null;
  nodeIds: readonly string[];
}

export interface HandlerContext {
  readonly node: NodeState;
  readonly options: NodeOptions;
  /** One line to stderr. */
  readonly log: (line: string) => void;
}

export type Handler = (body: RequestBody, ctx: HandlerContext) => ReplyPayload | Promise<ReplyPayload>;

export type HandlerTable = Readonly<Record<string, Handler>>;

/** init {node_id: non-empty string, node_ids: string[]} -> init_ok. A second init re-sets the ids. */
export function init(body: RequestBody, ctx: HandlerContext): ReplyPayload {
  const nodeId = requireNonEmptyString(body, "node_id");
  const nodeIds = requireStringArray(body, "node_ids");
  ctx.node.nodeId = nodeId;
  ctx.node.nodeIds = nodeIds;
  ctx.log(`init: node ${nodeId} of [${nodeIds.join(", ")}]`);
  return { type: "init_ok" };
}

/** The handlers every node has; the store's messages join them in a later issue. */
export const coreHandlers: HandlerTable = { init };
