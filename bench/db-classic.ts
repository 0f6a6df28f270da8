// classic-level (the LevelDB binding Node developers use) in the database workloads. Options: its
// defaults (which include a 10 bits/key Bloom filter and an 8 MiB block cache), but compression off,
// as for every engine here; writes sync=false (its default) unless asked.

import { ClassicLevel } from "classic-level";
import { firstWord } from "./db-data.js";
import type { BenchEngine } from "./db-engine.js";

/** Above every 16-digit key: the end of the full range given to compactRange, which needs both ends. */
const AFTER_EVERY_KEY = new Uint8Array(17).fill(0xff);

export async function openClassicLevel(dir: string, cacheBytes: number, sync: boolean): Promise<BenchEngine> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view", compression: false, cacheSize: cacheBytes });
  await db.open();
  const writeOptions = { sync };
  return {
    put: (key, value) => db.put(key, value, writeOptions),
    del: (key) => db.del(key, writeOptions),
    // getSync: the fastest read it has (no thread-pool round trip), so its figures are its best
    get: (key) => db.getSync(key) ?? null,
    seek: async (key, count) => {
      const it = db.iterator();
      try {
        it.seek(key);
        const r = { found: 0, sum: 0 };
        for (const [, value] of await it.nextv(count)) {
          r.found++;
          r.sum = (r.sum + firstWord(value)) >>> 0;
        }
        return r;
      } finally {
        await it.close();
      }
    },
    compactAll: () => db.compactRange(new Uint8Array(0), AFTER_EVERY_KEY),
    close: () => db.close(),
    missing: "",
  };
}
