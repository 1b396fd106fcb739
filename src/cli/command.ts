// The shape every CLI command file exports; src/main.ts parses the command line and dispatches to one of these
// (listed, with what it needs before loading them, in commands.ts).
import type { ParseArgsOptionsConfig } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { openDataDir } from '../data-dir.ts';
import { loadEffectiveConfig } from '../config/effective.ts';
import type { Config } from '../config/schema.ts';

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
  /** Input such as `users create --password-stdin` reads (process.stdin when absent). */
  stdin?: Readable;
  /** The environment (`MONOLITE_*` settings). */
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** Its name on the command line; its summary is in the command table (commands.ts). */
  name: string;
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

/** What every subcommand table entry declares: its usage, the options it accepts and its argument count. */
export interface SubcommandSpec {
  /** Usage lines; the first is the synopsis. */
  usage: string;
  /** Options of the command that this subcommand accepts. */
  options: string[];
  /** Positional arguments: [min, max]. */
  args: [number, number];
}

/**
 * The subcommand named by the first positional (or `fallback` when there is none), with its arguments; throws a
 * UsageError for an unknown name, an option it does not take (`shared` options apply to every subcommand), or a
 * wrong number of arguments.
 */
export function pickSubcommand<S extends SubcommandSpec>(
  command: Pick<Command, 'name' | 'options'>,
  subcommands: Record<string, S>,
  io: Pick<CommandIO, 'positionals' | 'values'>,
  { fallback, shared = [] }: { fallback?: string; shared?: string[] } = {},
): { name: string; sub: S; args: string[] } {
  const [name = fallback, ...args] = io.positionals;
  const names = Object.keys(subcommands).join(', ');
  if (name === undefined) throw new UsageError(`Missing subcommand: expected one of ${names}`);
  const sub = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (sub === undefined) throw new UsageError(`Unknown subcommand "${name}"; expected one of ${names}`);
  for (const option of Object.keys(command.options)) {
    if (io.values[option] !== undefined && !shared.includes(option) && !sub.options.includes(option)) {
      throw new UsageError(`Option --${option} does not apply to "${command.name} ${name}"`);
    }
  }
  const [min, max] = sub.args;
  if (args.length < min) throw new UsageError(`"${command.name} ${name}" needs ${min === 1 ? 'an argument' : `${min} arguments`}: ${sub.usage.split('\n')[0]}`);
  if (args.length > max) throw new UsageError(`Too many arguments for "${command.name} ${name}": "${args.slice(max).join(' ')}"`);
  return { name, sub, args };
}

/** `subcommandUsage` of a command with a subcommand table. */
export function subcommandUsage(subcommands: Record<string, SubcommandSpec>, positionals: string[]): string | undefined {
  const name = positionals[0];
  return name !== undefined && Object.hasOwn(subcommands, name) ? subcommands[name].usage : undefined;
}

/** The configuration in force for the data directory (stored, then the environment); opens (or creates) it. */
export function readConfig(io: Pick<CommandIO, 'dataDir' | 'env'>): Config {
  const dir = openDataDir(io.dataDir, { env: io.env });
  try {
    return loadEffectiveConfig(dir.store, { env: io.env }).config;
  } finally {
    dir.close();
  }
}
