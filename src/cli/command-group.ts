// A group of commands under one word of the bin (`wasm-lsm sst ...`, `wasm-lsm db ...`): the
// command is looked up, its arguments parsed (sst-common.ts parseCommandArgs), it runs with its
// results on stdout, and what ends it becomes an exit code, with its message on stderr prefixed
// "wasm-lsm GROUP CMD: ". One runner, so every group's help, usage errors, EPIPE and failures
// behave alike (README.md "The `sst` command": exit codes).

import { UsageError } from "../node/options.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseCommandArgs, type SstCommand } from "./sst-common.js";
import { Output, OutputClosed } from "./sst-output.js";

export interface CommandGroup {
  /** The word after the bin: "sst", "db". */
  readonly name: string;
  readonly commands: Readonly<Record<string, SstCommand>>;
  /** The group's --help text. */
  readonly usage: string;
  /** The exit codes, printed after a command's own --help. */
  readonly exitCodes: string;
  /** The one-line message of a failure that ends a command with exit 1, or null for a bug. */
  readonly failureMessage: (err: unknown, firstOperand: string | undefined) => string | null;
}

/** Runs `wasm-lsm GROUP ARGS`; resolves to the exit code. `globals` (the bin's global flags) go ahead of the command's own arguments. */
export async function runCommandGroup(group: CommandGroup, args: readonly string[], globals: readonly string[] = []): Promise<number> {
  const [name, ...rest] = args;
  if (name === "--help" || name === "-h" || name === "help") return help(group.usage);
  const command = name !== undefined && Object.hasOwn(group.commands, name) ? group.commands[name] : undefined;
  if (command !== undefined) return runCommand(group, name!, command, [...globals, ...rest]);
  const problem = name === undefined ? "missing command" : `unknown command ${JSON.stringify(name)}`;
  process.stderr.write(`wasm-lsm ${group.name}: ${problem}\n\n${group.usage}`);
  return EXIT_USAGE;
}

async function runCommand(group: CommandGroup, name: string, command: SstCommand, args: readonly string[]): Promise<number> {
  const prefix = `wasm-lsm ${group.name} ${name}`;
  const out = new Output(process.stdout);
  let operands: readonly string[] = [];
  try {
    const parsed = parseCommandArgs(command, args);
    if (parsed === "help") return help(`Usage: wasm-lsm ${group.name} ${command.synopsis}\n\n${command.help}\n\n${group.exitCodes}\n`);
    operands = parsed.operands;
    await command.run(operands, parsed.flags, out);
    await out.end();
    return EXIT_OK;
  } catch (err) {
    if (err instanceof OutputClosed) return EXIT_OK;
    if (err instanceof UsageError) {
      process.stderr.write(`${prefix}: ${err.message}\nRun "wasm-lsm ${group.name} ${name} --help" for usage.\n`);
      return EXIT_USAGE;
    }
    const message = group.failureMessage(err, operands[0]);
    if (message === null) throw err;
    await out.end().catch(() => {}); // what came before the failure (dump: the entries before a bad block)
    process.stderr.write(`${prefix}: ${message}\n`);
    return EXIT_FAILURE;
  }
}

function help(text: string): number {
  process.stdout.write(text);
  return EXIT_OK;
}
