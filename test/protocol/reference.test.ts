// PROTOCOL.md, the protocol's reference in the repository (and the package), covers what the node
// really does: every message type it handles, every error code, every serve flag; and the README
// and package.json point at it rather than at a file outside the repository.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadKernels } from "../../src/kernels/node.js";
import type { Store } from "../../src/lsm/store.js";
import { coreHandlers } from "../../src/node/handlers.js";
import { SERVE_FLAGS_USAGE } from "../../src/node/options.js";
import { ErrorCode } from "../../src/node/protocol.js";
import { storeHandlers } from "../../src/node/store-handlers.js";
import { ROOT } from "../support/built-cli.js";

const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

describe("PROTOCOL.md", () => {
  const protocol = read("PROTOCOL.md");

  test("has a section, its reply type and an example line for every message the node handles", () => {
    // The handler tables only build closures over the store: none is opened to list them.
    const types = [...Object.keys(coreHandlers), ...Object.keys(storeHandlers({} as Store, loadKernels("js")))];
    expect(types.length).toBeGreaterThanOrEqual(6);
    for (const type of types) {
      expect(protocol, type).toContain(`### ${type}\n`);
      expect(protocol, type).toContain(`"type": "${type}_ok", "in_reply_to": `);
      expect(protocol, type).toMatch(new RegExp(`\\{.*"type": "${type}", "msg_id": \\d+`));
    }
  });

  test("lists every error code and every serve flag", () => {
    for (const code of Object.values(ErrorCode)) expect(protocol, String(code)).toMatch(new RegExp(`^\\| ${code} \\|`, "m"));
    const flags = [...SERVE_FLAGS_USAGE.matchAll(/^ {2}(--[a-z0-9-]+)/gm)].map((m) => m[1]!);
    expect(flags).toContain("--read-ahead-bytes");
    for (const flag of [...flags, "--help", "--version"]) expect(protocol, flag).toMatch(new RegExp(`^\\| (\`-h\`, )?\`${flag}[ \`]`, "m"));
  });

  test("is what the README points to, and ships in the package", () => {
    const readme = read("README.md");
    expect(readme).toContain("[PROTOCOL.md](PROTOCOL.md)");
    expect(readme).not.toMatch(/\.\.\/share[d]\//); // the team's notes beside the repo, which users do not have
    expect(readme).not.toContain("DESIGN.md");
    expect((JSON.parse(read("package.json")) as { files: string[] }).files).toContain("PROTOCOL.md");
  });
});

describe("the repository documents itself", () => {
  test("no source, test, script or document points to design notes outside it", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== "fixtures") walk(path);
        } else if (/\.(ts|mjs|md|sh|cc)$/.test(entry.name) && path !== join("test", "protocol", "reference.test.ts")) {
          const text = readFileSync(join(ROOT, path), "utf8");
          if (/\.\.\/shared\/|DESIGN\.md|STYLE\.md/.test(text)) offenders.push(path);
        }
      }
    };
    for (const dir of ["src", "assembly", "test", "bench", "scripts"]) walk(dir);
    for (const doc of ["README.md", "FORMAT.md", "PROTOCOL.md", "ARCHITECTURE.md"]) {
      if (/\.\.\/shared\/|DESIGN\.md|STYLE\.md/.test(read(doc))) offenders.push(doc);
    }
    expect(offenders).toEqual([]);
  });
});
