// The shape every CLI command file exports; src/main.ts parses the command line and dispatches to one of these.
import type { ParseArgsOptionsConfig } from 'node:util';
import type { Writable } from 'node:stream';

/** Parsed option values of one command, as util.parseArgs returns them. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandIO {
  /** Option values (global ones such as `data-dir` included, already defaulted). */
  values: OptionValues;
  /** Positionals after the command name (e.g. `["status"]` for `monolite migrate status`). */
  positionals: string[];
  /** Absolute path of the data directory (`--data-dir`, env `MONOLITE_DATA_DIR`, default `./data`). */
  dataDir: string;
  /** Data goes here. */
  stdout: Writable;
  /** Diagnostics go here. */
  stderr: Writable;
  /** The environment (`MONOLITE_*` settings). */
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage lines shown by `monolite <name> --help`, after the "Usage:" header; may span several lines. */
  usage: string;
  /** Options of this command only; the global ones (`--data-dir`, `--help`) are added by main.ts. */
  options: ParseArgsOptionsConfig;
  /** Usage of a subcommand (`monolite config set --help`), when the command has subcommands and one is named. */
  subcommandUsage?(positionals: string[]): string | undefined;
  /**
   * Runs the command; resolves to the process exit code. Throwing a UsageError prints it with the usage (exit 2);
   * throwing a CommandError prints its message (exit 1).
   */
  run(io: CommandIO): Promise<number>;
}

/** A command that cannot do what was asked: main.ts prints the one-line reason and exits with 1. */
export class CommandError extends Error {
  override name = 'CommandError';
}

/** A mistake on the command line: main.ts prints the message and the command's usage, and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
