// Input read ahead of the replies is bounded in bytes (issue 7 item 5): behind a request that
// blocks, the node stops pulling input once the lines it holds reach readAheadBytes, lets at
// least one request in whatever its size, and loses no reply when it reads on.
import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { coreHandlers, type Handler, type HandlerTable } from "../../src/node/handlers.js";
import { runNode } from "../../src/node/server.js";

const request = (msgId: number, type: string, pad = "") => `${JSON.stringify({ src: "c0", dest: "n1", body: { type, msg_id: msgId, pad } })}\n`;

/** An input that counts the bytes pulled from it: one chunk per line. */
function countingInput(lines: readonly string[]) {
  const source = { pulled: 0, pulledLines: 0 };
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const line of lines) {
      const chunk = Buffer.from(line);
      source.pulled += chunk.length;
      source.pulledLines++;
      yield chunk;
    }
  }
  return { source, chunks: chunks() };
}

/** A handler that answers only once release() is called. */
function blocker() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started = false;
  const handler: Handler = async () => {
    started = true;
    await released;
    return { type: "block_ok" };
  };
  return { handler, release, started: () => started };
}

function sink() {
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { output, lines: () => Buffer.concat(chunks).toString("utf8").split("\n").slice(0, -1) };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const echo: Handler = (body) => ({ type: "echo_ok", length: String(body["pad"]).length });

describe("read ahead bounded in bytes", () => {
  test("behind a blocked request the node stops pulling at readAheadBytes, then answers every line in order", async () => {
    const bound = 16 * 1024;
    const lines = [request(1, "block"), ...Array.from({ length: 200 }, (_, i) => request(2 + i, "echo", "x".repeat(1000)))];
    const { source, chunks } = countingInput(lines);
    const block = blocker();
    const out = sink();
    const handlers: HandlerTable = { ...coreHandlers, block: block.handler, echo };
    const done = runNode({ input: chunks, output: out.output, log: () => {}, handlers, options: { readAheadBytes: bound } });
    await settle();
    expect(block.started()).toBe(true);
    const held = source.pulled;
    // Held lines stay under the bound; the chunk that reached it is the last one pulled.
    expect(held).toBeGreaterThanOrEqual(bound);
    expect(held).toBeLessThan(bound + lines[1]!.length);
    expect(source.pulledLines).toBeLessThan(lines.length);
    await settle();
    expect(source.pulled).toBe(held); // still waiting, not reading
    block.release();
    await done;
    expect(source.pulledLines).toBe(lines.length);
    const replies = out.lines().map((line) => JSON.parse(line).body);
    expect(replies.map((b) => b.in_reply_to)).toEqual(lines.map((_, i) => i + 1));
    expect(replies.map((b) => b.msg_id)).toEqual(lines.map((_, i) => i));
    expect(replies[0]).toMatchObject({ type: "block_ok" });
    expect(replies.slice(1).every((b) => b.type === "echo_ok" && b.length === 1000)).toBe(true);
  });

  test("a line larger than the bound is still let in, alone: the next is pulled after its reply", async () => {
    const lines = [request(1, "block", "y".repeat(4096)), request(2, "echo"), request(3, "echo")];
    const { source, chunks } = countingInput(lines);
    const block = blocker();
    const out = sink();
    const done = runNode({ input: chunks, output: out.output, log: () => {}, handlers: { block: block.handler, echo }, options: { readAheadBytes: 1 } });
    await settle();
    expect(block.started()).toBe(true);
    expect(source.pulledLines).toBe(1);
    block.release();
    await done;
    expect(out.lines().map((line) => JSON.parse(line).body.in_reply_to)).toEqual([1, 2, 3]);
  });

  test("the default bound (64 MiB) lets a pipelined run through without waiting", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => request(i, "echo", "z"));
    const { source, chunks } = countingInput(lines);
    const out = sink();
    await runNode({ input: chunks, output: out.output, log: () => {}, handlers: { echo } });
    expect(source.pulledLines).toBe(5000);
    expect(out.lines()).toHaveLength(5000);
  });
});
