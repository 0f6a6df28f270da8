// The minimal Node line loop the node's put path is measured against (issue 7 item 13): readline,
// JSON.parse, one small reply line per request, replies written in one batch per turn of the
// event loop. No validation, no store: what the line protocol alone costs in Node. It answers
// every request with `<type>_ok` (so `init` gets init_ok, as the bench's start-up expects).
//
//   node dist/bench/line-loop.js < requests.jsonl

import { createInterface } from "node:readline";

let pending: string[] = [];
let scheduled = false;
let msgId = 0;

function writePending(): void {
  scheduled = false;
  process.stdout.write(pending.join(""));
  pending = [];
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  const request = JSON.parse(line) as { src: string; body: { type: string; msg_id: number } };
  pending.push(`{"src": "n1", "dest": "${request.src}", "body": {"type": "${request.body.type}_ok", "in_reply_to": ${request.body.msg_id}, "msg_id": ${msgId++}}}\n`);
  if (!scheduled) {
    scheduled = true;
    setImmediate(writePending);
  }
});
lines.on("close", writePending);
