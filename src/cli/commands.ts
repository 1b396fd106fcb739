// The command table src/main.ts dispatches on: what it needs before choosing a command (names, summaries, the flags
// that take a value), and a loader for each command's module, so a start loads only the command it runs.
import type { Command } from './command.ts';

export interface CommandEntry {
  name: string;
  /** One line for the command list. */
  summary: string;
  /**
   * The command's options that take a value, as written on the command line (`--port`, `-p`): main.ts must not take
   * their values for command names (`monolite --port 8080`). test/cli/commands.test.ts checks them against `options`.
   */
  valueFlags: string[];
  /** Imports the command's module (its dependencies with it). */
  load(): Promise<Command>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: 'serve', summary: 'Serve HTTP (the default command)', valueFlags: ['--port', '-p', '--host'],
    load: async () => (await import('./serve.ts')).serveCommand,
  },
  {
    name: 'migrate', summary: 'Show or apply database migrations', valueFlags: [],
    load: async () => (await import('./migrate.ts')).migrateCommand,
  },
  {
    name: 'backup', summary: 'Back up, list, verify and restore app.db', valueFlags: ['--mode'],
    load: async () => (await import('./backup.ts')).backupCommand,
  },
  {
    name: 'config', summary: 'Show, change, import, export, diff and roll back the stored configuration',
    valueFlags: ['--scope', '-s', '--version', '--message', '-m', '--format'],
    load: async () => (await import('./config.ts')).configCommand,
  },
  {
    name: 'logs', summary: 'Show the log records kept in logs.db', valueFlags: ['--level', '-l', '--since', '--grep', '-g', '--limit', '-n'],
    load: async () => (await import('./logs.ts')).logsCommand,
  },
  {
    name: 'jobs', summary: 'List, show, retry, remove and enqueue background jobs',
    valueFlags: ['--status', '--type', '--limit', '-n', '--run-at', '--max-attempts', '--dedup-key'],
    load: async () => (await import('./jobs.ts')).jobsCommand,
  },
  {
    name: 'mail', summary: 'Preview mail templates and send a test message', valueFlags: [],
    load: async () => (await import('./mail.ts')).mailCommand,
  },
  {
    name: 'users', summary: 'Create, list, change and delete accounts; revoke sessions; mint session tokens',
    valueFlags: ['--search', '--limit', '-n', '--scopes'],
    load: async () => (await import('./users.ts')).usersCommand,
  },
  {
    name: 'api', summary: 'Check the declared endpoints: definition against handlers', valueFlags: ['--definition', '--handlers'],
    load: async () => (await import('./api.ts')).apiCommand,
  },
];

/** The command run when the command line names none. */
export const DEFAULT_COMMAND = 'serve';
