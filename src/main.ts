#!/usr/bin/env node
// The monolite command line: finds the command, parses its flags with util.parseArgs and runs it.
// Data goes to stdout, diagnostics to stderr; a usage mistake exits 2.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Command } from './cli/command.ts';
import { COMMANDS, DEFAULT_COMMAND, type CommandEntry } from './cli/commands.ts';
import { VERSION } from './version.ts';

/**
 * Failures with a message meant for the user: printed as one line, exit 1, no stack. Matched by name (each class sets
 * it), so that this file need not load the modules that define them: a command loads only what it uses.
 */
const EXPECTED_ERRORS = new Set(['CommandError', 'ConfigError', 'ConfigStoreError', 'SecretKeyError', 'MigrationError', 'BackupError']);

const GLOBAL_OPTIONS: ParseArgsOptionsConfig = {
  'data-dir': { type: 'string', short: 'd' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};

const GLOBAL_HELP = `Options for every command:
  -d, --data-dir DIR   data directory (env MONOLITE_DATA_DIR, default ./data)
  -h, --help           show help`;

function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: monolite [command] [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    GLOBAL_HELP,
    '  -v, --version        print the version',
    '',
    'Run "monolite <command> --help" for a command\'s options.',
  ].join('\n');
}

function commandUsage(command: Command): string {
  return `Usage:\n  ${command.usage.split('\n').join('\n  ')}\n\n${GLOBAL_HELP}`;
}

/** Flags that take a value (`--port 8080`, `-p 8080`), across every command: their values are not command names. */
const VALUE_FLAGS = new Set([
  ...Object.entries(GLOBAL_OPTIONS).filter(([, o]) => o.type === 'string').flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]),
  ...COMMANDS.flatMap((c) => c.valueFlags),
]);

/** The command name is the first argument that is neither a flag nor a flag's value. */
function splitCommand(args: string[]): { command: CommandEntry | string | undefined; rest: string[] } {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') break;
    if (VALUE_FLAGS.has(arg)) { i++; continue; }
    if (arg.startsWith('-')) continue;
    const command = COMMANDS.find((c) => c.name === arg);
    return { command: command ?? arg, rest: [...args.slice(0, i), ...args.slice(i + 1)] };
  }
  return { command: undefined, rest: args };
}

/**
 * Runs the CLI with `args`; resolves to the exit code. `io` replaces the process's streams and environment (tests);
 * without `io.stdin` a command that reads input takes process.stdin, only then (touching it opens the handle).
 */
export async function main(args: string[], io: { stdout?: Writable; stderr?: Writable; stdin?: Readable; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const { stdout = process.stdout, stderr = process.stderr, stdin, env = process.env } = io;
  const split = splitCommand(args);
  if (typeof split.command === 'string') {
    stderr.write(`monolite: unknown command "${split.command}"\n\n${mainUsage()}\n`);
    return 2;
  }
  const explicit = split.command !== undefined;
  const command = await (split.command ?? COMMANDS.find((c) => c.name === DEFAULT_COMMAND)!).load();
  const usage = explicit ? commandUsage(command) : mainUsage();
  let parsed;
  try {
    parsed = parseArgs({ args: split.rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    stderr.write(`monolite: ${(err as Error).message.replace(/\. To specify a positional.*$/, '')}\n\n${usage}\n`);
    return 2;
  }
  // A command may define its own --version (config show --version N); then it is that command's option.
  if (parsed.values.version === true && !Object.hasOwn(command.options, 'version')) {
    stdout.write(`monolite ${VERSION}\n`);
    return 0;
  }
  if (parsed.values.help) {
    const sub = explicit ? command.subcommandUsage?.(parsed.positionals) : undefined;
    stdout.write((sub === undefined ? usage : `Usage:\n  ${sub.split('\n').join('\n  ')}\n\n${GLOBAL_HELP}`) + '\n');
    return 0;
  }
  const dataDir = resolve((parsed.values['data-dir'] as string | undefined) ?? env.MONOLITE_DATA_DIR ?? './data');
  try {
    return await command.run({ values: parsed.values, positionals: parsed.positionals, dataDir, stdout, stderr, stdin, env });
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    if (err.name === 'UsageError') {
      stderr.write(`monolite: ${err.message}\n\n${commandUsage(command)}\n`);
      return 2;
    }
    if (EXPECTED_ERRORS.has(err.name) || err.message.startsWith('Cannot ')) {
      stderr.write(`monolite: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`monolite: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
