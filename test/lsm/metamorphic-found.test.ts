// Bugs the metamorphic test (metamorphic.test.ts) found, each pinned by a direct test.
import { expect, test } from "vitest";
import { FaultEnv } from "../../src/io/fault-env.js";
import { MemoryEnv } from "../../src/io/memory-env.js";
import { Store } from "../../src/lsm/store.js";
import { wasm as kernels, utf8 } from "../kernels/kernels.js";

const settle = (p: Promise<unknown>) => p.then(() => "ok", (err: { code?: string; message: string }) => err.code ?? err.message);

// METAMORPHIC_SEED=1005171 (METAMORPHIC_OPS=300, under load): a background compaction failed in a
// fault window; after heal(), a put at level 0's stop trigger was refused with that old failure,
// because the compaction's backoff timer had not yet fired (store.ts waitForLevel0).
test("after the fault is gone, a write at level 0's stop trigger waits for a retry of the failed compaction instead of being refused", async () => {
  const inner = new MemoryEnv();
  inner.mkdir("/db");
  const env = new FaultEnv(inner);
  let failures = 0;
  let healed!: () => void;
  const healedAfterThird = new Promise<void>((r) => (healed = r));
  const store = Store.open({
    kernels,
    dir: "/db",
    env,
    levels: { l0Trigger: 2, l0Slowdown: 2, l0Stop: 2 },
    log: (m) => {
      // heal just after the third failure: the backoff's next retry is 400 ms away
      if (m.startsWith("compaction failed") && ++failures === 3) {
        env.heal();
        healed();
      }
    },
  });
  env.fail({ op: "write", path: "/db/L1_", times: Infinity }); // compaction outputs only, not flushes
  await store.put(utf8("a"), utf8("1"));
  await store.flush();
  await store.put(utf8("a"), utf8("2")); // overlapping tables: a merge, not a trivial move
  await store.put(utf8("b"), utf8("2"));
  await store.flush(); // level 0 at its trigger and its stop: the background compaction fails
  await healedAfterThird;
  expect(store.levelInfo()[0].tables).toBe(2);
  expect(await settle(store.put(utf8("c"), utf8("3")))).toBe("ok");
  expect(store.levelInfo()[0].tables).toBe(0);
  expect([store.get(utf8("a")), store.get(utf8("b")), store.get(utf8("c"))].map((v) => (v === null ? null : new TextDecoder().decode(v)))).toEqual(["2", "2", "3"]);
  await store.close();
});
