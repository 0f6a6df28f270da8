// The stdio node (PROTOCOL.md section 2): lines in, one reply line out per request, in request order.
//
// One loop: read a line (lines.ts; a line over MAX_LINE_BYTES is dropped, keeping its head), turn
// it into a request or a rejection (protocol.ts), run the request's handler to completion (it may
// return a Promise), format and write the reply, then read the next line. Running one request at a
// time is what keeps replies in request order and lets each handler see the effects of the ones
// before; it also pushes back on the input while a handler or a full output is slow.
//
// - Blank lines (spaces, tabs, "\r" only) are ignored. A line that is not a message is logged, and
//   answered with error 12 when it carries a usable src and body.msg_id.
// - Unknown type: error 10. ProtocolError from a handler: its code and text. Anything else a
//   handler (or the formatting of its reply) throws: error 13 with the message as text, the stack
//   on the log. The node never stops on bad input.
// - msg_id: the node's own counter, 0 for its first reply, one more for each reply line written.
// - Output: each reply is one write of line + "\n"; when the stream asks us to wait (write() returns
//   false) we wait for "drain". At the end of input, runNode resolves once every reply has been
//   handed to the OS. A failing output (EPIPE: the reader went away) rejects runNode.

import type { Writable } from "node:stream";
import { coreHandlers, type HandlerContext, type HandlerTable, type NodeState } from "./handlers.js";
import { type InputChunk, type InputLine, readLines } from "./lines.js";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "./options.js";
import {
  ErrorCode,
  errorPayload,
  formatReply,
  isBlankLine,
  MAX_LINE_BYTES,
  parseLine,
  ProtocolError,
  type Rejection,
  rejectOverlong,
  type ReplyPayload,
  type ReplyTarget,
  type Request,
  targetOfRequest,
} from "./protocol.js";

/** Bytes kept from the start of an over-long line to salvage its src and msg_id (salvage.ts). */
export const OVERLONG_HEAD_BYTES = 64 * 1024;

export interface NodeIO {
  /** process.stdin, or any stream or iterable of chunks (tests). */
  readonly input: AsyncIterable<InputChunk> | Iterable<InputChunk>;
  /** Gets protocol lines only. Not ended by runNode. */
  readonly output: Writable;
  /** One log line (no newline); the CLI sends it to stderr. */
  readonly log: (line: string) => void;
  /** Default: coreHandlers. */
  readonly handlers?: HandlerTable;
  readonly options?: Partial<NodeOptions>;
}

/** Serves the protocol until the input ends; resolves when every reply is written. */
export async function runNode(io: NodeIO): Promise<void> {
  const node = new ProtocolNode(io.handlers ?? coreHandlers, { ...DEFAULT_NODE_OPTIONS, ...io.options }, io.log);
  const writer = new LineWriter(io.output);
  for await (const line of readLines(io.input, { maxBytes: MAX_LINE_BYTES, headBytes: OVERLONG_HEAD_BYTES })) {
    const reply = await node.answer(line);
    if (reply !== null) await writer.write(reply);
  }
  await writer.flush();
}

/** The protocol state machine: one input line in, at most one reply line out. */
export class ProtocolNode {
  readonly state: NodeState = { nodeId: null, nodeIds: [] };
  private readonly ctx: HandlerContext;
  private nextMsgId = 0;

  constructor(
    private readonly handlers: HandlerTable,
    options: NodeOptions,
    private readonly log: (line: string) => void,
  ) {
    this.ctx = { node: this.state, options, log };
  }

  /** The reply line (no newline) to one input line, or null when it gets none. */
  async answer(line: InputLine): Promise<string | null> {
    if (line.kind === "overlong") return this.reject(line.number, rejectOverlong(line.length, line.head));
    if (isBlankLine(line.bytes)) return null;
    const parsed = parseLine(line.bytes);
    return parsed.ok ? this.dispatch(line.number, parsed.request) : this.reject(line.number, parsed);
  }

  private reject(lineNumber: number, rejection: Rejection): string | null {
    const { reason, detail, target } = rejection;
    const what = `line ${lineNumber}: ${reason}${detail === undefined ? "" : ` (${detail})`}`;
    if (target === null) {
      this.log(`${what}; no reply: no usable src and body.msg_id`);
      return null;
    }
    this.log(`${what}; error 12 to ${target.src} msg_id ${target.msgId}`);
    return this.reply(target, errorPayload(ErrorCode.MALFORMED_REQUEST, reason));
  }

  private async dispatch(lineNumber: number, request: Request): Promise<string> {
    const { type } = request.body;
    const target = targetOfRequest(request);
    const handler = Object.hasOwn(this.handlers, type) ? this.handlers[type] : undefined;
    if (handler === undefined) {
      this.log(`line ${lineNumber}: unsupported message type: ${type}; error 10`);
      return this.reply(target, errorPayload(ErrorCode.NOT_SUPPORTED, `unsupported message type: ${type}`));
    }
    try {
      return this.reply(target, await handler(request.body, this.ctx));
    } catch (err) {
      return this.reply(target, this.errorPayloadFor(err, lineNumber, type));
    }
  }

  /** A handler's exception (or its reply's, when that cannot be formatted) as an error reply. */
  private errorPayloadFor(err: unknown, lineNumber: number, type: string): ReplyPayload {
    if (err instanceof ProtocolError) {
      this.log(`line ${lineNumber}: ${type}: error ${err.code}: ${err.text}`);
      return errorPayload(err.code, err.text);
    }
    const error = err instanceof Error ? err : new Error(String(err));
    this.log(`line ${lineNumber}: ${type} crashed; error 13: ${error.stack ?? error.message}`);
    return errorPayload(ErrorCode.CRASH, error.message);
  }

  /** Formats a reply with the next msg_id; the id is spent only if formatting succeeds. */
  private reply(target: ReplyTarget, payload: ReplyPayload): string {
    const from = this.state.nodeId ?? target.dest ?? "";
    const line = formatReply(from, target, payload, this.nextMsgId);
    this.nextMsgId++;
    return line;
  }
}

/** Writes lines to a Writable, honouring backpressure; remembers the first stream error. */
class LineWriter {
  private failure: Error | null = null;
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly out: Writable) {
    out.on("error", (err: Error) => {
      this.failure ??= err;
    });
  }

  async write(line: string): Promise<void> {
    this.check();
    let settle!: (err: Error | null | undefined) => void;
    this.last = new Promise((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    this.last.catch(() => {}); // surfaced by check() or flush()
    if (!this.out.write(`${line}\n`, (err) => settle(err))) await this.drain();
  }

  /** Resolves when every line written so far has been handed on. */
  async flush(): Promise<void> {
    this.check();
    await this.last;
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
    if (this.out.destroyed || this.out.writableEnded) throw new Error("output closed");
  }

  private drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        this.out.off("drain", onDrain).off("error", done).off("close", onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(this.failure ?? new Error("output closed"));
      this.out.on("drain", onDrain).on("error", done).on("close", onClose);
    });
  }
}
