// A helper process for durability.test.ts: a WasmLevel (the built one, dist/) in a process of its
// own, which the test kills or asks to open a directory the test holds.
//
//   node level-child.mjs write DIR SYNC   puts k000000, k000001, ... (8 in flight, each with
//                                         {sync: SYNC}), printing each key once its put resolved,
//                                         until it is killed
//   node level-child.mjs hold DIR         opens DIR, prints "open", holds it until stdin ends
//   node level-child.mjs open DIR         tries to open DIR; prints its error's code and cause's code

import { fileURLToPath, pathToFileURL } from "node:url";

const [mode, dir, sync] = process.argv.slice(2);
const { WasmLevel } = await import(pathToFileURL(fileURLToPath(new URL("../../dist/src/index.js", import.meta.url))).href);
// a small MemTable: the kill lands among flushes and compactions too
const db = new WasmLevel(dir, { writeBufferSize: 64 * 1024, valueEncoding: "utf8" });

if (mode === "write") {
  await db.open();
  const value = (i) => `value of ${i} `.repeat(40);
  let next = 0;
  const writer = async () => {
    for (;;) {
      const i = next++;
      const key = `k${String(i).padStart(6, "0")}`;
      await db.put(key, value(i), { sync: sync === "true" });
      process.stdout.write(`${key}\n`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
} else if (mode === "hold") {
  await db.open();
  process.stdout.write("open\n");
  process.stdin.resume();
  process.stdin.on("end", () => db.close());
} else if (mode === "open") {
  try {
    await db.open();
    process.stdout.write("opened\n");
    await db.close();
  } catch (err) {
    process.stdout.write(`${err.code} ${err.cause?.code}\n`);
  }
}
