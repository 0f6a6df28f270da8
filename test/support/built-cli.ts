// The built bin (dist/src/cli.js, from `npm run build:ts`; `npm test` builds it first), run as the
// user runs it: a child process over pipes.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(ROOT, "dist", "src", "cli.js");

export interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the bin with args, stdin as given; resolves at exit with its output. */
export function runCli(args: readonly string[], stdin = ""): Promise<Exit> {
  return runProcess(process.execPath, [CLI, ...args], stdin);
}

/** Runs a command in the project root, stdin as given; resolves at exit with its output. */
export function runProcess(command: string, args: readonly string[], stdin = ""): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.on("error", () => {}); // runs that fail early exit without reading
    child.stdin.end(stdin);
  });
}

/** The .ts files under `dir` (relative to the root). */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

/** Throws unless dist/ holds a build of every source under src/ at least as new as the source. */
export function assertBuilt(): void {
  const stale = sources("src").filter((path) => {
    const out = join(ROOT, "dist", path.replace(/\.ts$/, ".js"));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, path)).mtimeMs;
  });
  if (stale.length > 0) throw new Error(`dist/ is missing or older than ${stale.join(", ")}: run \`npm run build:ts\` first`);
}
