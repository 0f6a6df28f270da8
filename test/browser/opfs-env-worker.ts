// OpfsEnv's assumptions about OPFS, checked on Chromium's real one (test/browser/opfs-env.test.ts
// starts this worker; the fake of test/support/fake-opfs.ts models the same rules for the Node
// tests): a second env over a directory is refused while the first holds its handles, and opens
// once they are let go; a rename over a path, a remove and bytes appended come back in a new env;
// a removed file stays readable while open, and its pool file is reused only after. Posts one
// report: each check's name and its outcome.

import { OpfsEnv } from "../../src/io/opfs-env.js";
import { opfsDirectory } from "../../web/worker-setup.js";

export type EnvReport = { readonly checks: Record<string, unknown> } | { readonly error: string };

const scope = self as unknown as { postMessage(m: EnvReport): void };
const utf8 = new TextEncoder();
const text = new TextDecoder();

async function main(): Promise<Record<string, unknown>> {
  const checks: Record<string, unknown> = {};
  const dir = await opfsDirectory("wasm-lsm-env-test", { fresh: true });
  const env = await OpfsEnv.open(dir, { reserve: 16 });
  checks.secondEnv = await OpfsEnv.open(dir).then(
    () => "opened",
    (err: { code?: string }) => err.code,
  );

  env.mkdir("db");
  const write = (path: string, data: string) => {
    const f = env.create(path);
    f.append(utf8.encode(data));
    f.sync();
    f.close();
  };
  write("db/CURRENT", "MANIFEST-000001\n");
  write("db/CURRENT.tmp", "MANIFEST-000002\n");
  env.rename("db/CURRENT.tmp", "db/CURRENT");
  write("db/gone", "x");
  env.remove("db/gone");
  const log = env.create("db/000001.log");
  log.append(utf8.encode("record one;"));
  log.flush(); // handed to the file, not synced
  log.append(utf8.encode("record two;"));
  log.close();

  write("db/t.sst", "0123456789");
  const reader = env.openRead("db/t.sst");
  env.remove("db/t.sst");
  for (let i = 0; i < 3; i++) write(`db/new${i}`, "zzzzzzzzzzzzzzzzzzzz");
  checks.removedButOpen = text.decode(reader.read(3, 4));
  const freeBefore = env.poolStats().free;
  reader.close();
  checks.freedOnClose = env.poolStats().free - freeBefore;
  for (let i = 0; i < 3; i++) env.remove(`db/new${i}`);
  await env.close();

  const again = await OpfsEnv.open(dir);
  checks.listAfterReopen = again.list("db").sort();
  checks.current = text.decode(again.readFile("db/CURRENT"));
  checks.log = text.decode(again.readFile("db/000001.log"));
  const entries: string[] = [];
  for await (const name of dir.keys()) entries.push(name);
  checks.opfsNames = entries.every((n) => /^pool-\d{6}$/.test(n));
  await again.close();
  return checks;
}

main().then(
  (checks) => scope.postMessage({ checks }),
  (err: Error) => scope.postMessage({ error: String(err.stack ?? err) }),
);
