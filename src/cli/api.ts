// `monolite api check`: checks a declared-endpoints definition against its handlers module offline, the same checks
// the server runs at boot, printing every problem.
import { relative, resolve } from 'node:path';
import { checkApi } from '../api/check.ts';
import { PROJECT_ROOT } from '../version.ts';
import { CommandError, pickSubcommand, readConfig, subcommandUsage, type Command, type CommandIO, type SubcommandSpec } from './command.ts';

interface Subcommand extends SubcommandSpec {
  run(io: CommandIO): Promise<number>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  check: {
    usage: 'monolite api check [--definition FILE] [--handlers FILE]\n' +
      '  check the endpoint definition against its handlers module (types, paths, scopes, handlers), printing every problem;\n' +
      '  exit 0 when valid, 1 otherwise\n' +
      '      --definition FILE   the JSON definition (default: api.definition of the config)\n' +
      '      --handlers FILE     the handlers module (default: api.handlers of the config)',
    options: ['definition', 'handlers'], args: [0, 0],
    async run(io) {
      const files = locate(io);
      const { services, problems } = await checkApi(files);
      const names = `${shown(files.definitionFile)} (handlers ${shown(files.handlersFile)})`;
      if (problems.length === 0) {
        io.stdout.write(`${names}: ${services.length} service${services.length === 1 ? '' : 's'}, every one with its handler; no problem found\n`);
        return 0;
      }
      io.stderr.write(`monolite: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${names}:\n${problems.map((p) => `  - ${p}\n`).join('')}`);
      return 1;
    },
  },
};

/** The files to check: the flags (relative to the working directory), else the config (relative to the project). */
function locate(io: CommandIO): { definitionFile: string; handlersFile: string } {
  let definition = io.values.definition as string | undefined;
  let handlers = io.values.handlers as string | undefined;
  if (definition !== undefined) definition = resolve(definition);
  if (handlers !== undefined) handlers = resolve(handlers);
  if (definition === undefined || handlers === undefined) {
    const api = readConfig(io).api;
    definition ??= api.definition === '' ? undefined : resolve(PROJECT_ROOT, api.definition);
    handlers ??= api.handlers === '' ? undefined : resolve(PROJECT_ROOT, api.handlers);
  }
  if (definition === undefined) throw new CommandError('No definition to check: pass --definition FILE or set api.definition');
  if (handlers === undefined) throw new CommandError('No handlers module to check: pass --handlers FILE or set api.handlers');
  return { definitionFile: definition, handlersFile: handlers };
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') ? rel : file;
}

/** The `api` command. */
export const apiCommand: Command = {
  name: 'api',
  usage: Object.values(SUBCOMMANDS).map((s) => s.usage.split('\n')[0]).join('\n'),
  options: { definition: { type: 'string' }, handlers: { type: 'string' } },
  subcommandUsage: (positionals) => subcommandUsage(SUBCOMMANDS, positionals),
  async run(io) {
    const { sub } = pickSubcommand(apiCommand, SUBCOMMANDS, io, { fallback: 'check' });
    return sub.run(io);
  },
};
