// Replies of requests answered at once are formatted before a later request runs: one input
// chunk holding a request and then init still gets the first reply from the request's dest.
import { Writable } from "node:stream";
import { expect, test } from "vitest";
import { runNode } from "../../src/node/server.js";

test("a reply before init, in the same chunk as the init, comes from the request's dest", async () => {
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const input = [
    '{"src": "c1", "dest": "n9", "body": {"type": "nope", "msg_id": 7}}',
    '{"src": "c0", "dest": "n1", "body": {"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1"]}}',
    '{"src": "c1", "dest": "n9", "body": {"type": "nope", "msg_id": 8}}',
  ].join("\n");
  await runNode({ input: [input], output, log: () => {} });
  expect(Buffer.concat(chunks).toString().split("\n").slice(0, -1).map((line) => JSON.parse(line).src)).toEqual(["n9", "n1", "n1"]);
});
