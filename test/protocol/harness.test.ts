// The harness itself: its Python-format printer, and that a node which does not answer in time is
// stopped, with its stderr in the error.
import { describe, expect, test } from "vitest";
import { existsSync } from "node:fs";
import { ephemeralDir, INIT, INIT_OK, NodeProcess, py, pyString } from "./harness.js";

describe("the protocol test harness", () => {
  test("py prints what json.dumps prints", () => {
    expect(py({ a: [1, "é😀", null, true], b: {} })).toBe('{"a": [1, "\\u00e9\\ud83d\\ude00", null, true], "b": {}}');
    expect(pyString('"\\\n\r\t\b\f\u0000\u001f\u007f/')).toBe('"\\"\\\\\\n\\r\\t\\b\\f\\u0000\\u001f\\u007f/"');
    expect(pyString("é😀\ud800", false)).toBe('"é😀\\ud800"');
  });

  test("a wait for a reply that never comes rejects and stops the node", async () => {
    const node = NodeProcess.start([], { timeoutMs: 400 });
    expect(await node.request(INIT, 30_000)).toBe(INIT_OK); // start-up, on a loaded machine, can take longer than 400 ms
    node.send("not json"); // no reply
    const dir = await ephemeralDir(node);
    await expect(node.nextReply()).rejects.toThrow(/no reply within 400 ms[\s\S]*line 2: line is not JSON/);
    const exit = await node.waitExit(5000);
    expect(exit.code).toBe(143); // SIGTERM: the node closed its store
    expect(existsSync(dir)).toBe(false);
  });
});
