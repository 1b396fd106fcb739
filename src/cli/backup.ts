// `monolite backup now|list|verify|restore`: backs up <data-dir>/app.db with the settings of [backup] (also while the
// server runs), lists and checks the backups, and restores one while the server is stopped.
import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { Writable } from 'node:stream';
import { pidFilePath } from '../data-dir.ts';
import { backupSettings, type BackupSettings } from '../config/backup-settings.ts';
import { readLivePid } from '../lib/pid-file.ts';
import { backupAndPrune, listBackups, restoreBackup, verifyBackup } from '../db/backup.ts';
import { CommandError, UsageError, pickSubcommand, readConfig, subcommandUsage, type Command, type CommandIO, type SubcommandSpec } from './command.ts';
import { printTable } from './table.ts';

/** Problems of a damaged backup printed by `verify`; the rest are counted. */
const MAX_PROBLEMS_SHOWN = 20;

interface Subcommand extends SubcommandSpec {
  run(io: CommandIO, args: string[]): Promise<number>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  now: {
    usage: 'monolite backup now [--mode online|vacuum] [--compress|--no-compress]\n' +
      '  back up app.db into backup.dir (default <data-dir>/backups), verify it, then prune by backup.keep/max_age;\n' +
      '  the server may keep running. Defaults: the [backup] settings',
    options: ['mode', 'compress', 'no-compress'], args: [0, 0],
    run: backupNow,
  },
  list: {
    usage: 'monolite backup list\n  the backups in backup.dir, newest first',
    options: [], args: [0, 0],
    async run(io) {
      const settings = loadSettings(io);
      const entries = listBackups(settings.dir);
      if (entries.length === 0) {
        io.stdout.write(`No backups in ${settings.dir}\n`);
        return 0;
      }
      printTable(io.stdout, [
        ['FILE', 'SIZE', 'TIME', 'MODE'],
        ...entries.map((e) => [e.file, formatBytes(e.bytes), e.time.toISOString(), e.mode]),
      ]);
      return 0;
    },
  },
  verify: {
    usage: 'monolite backup verify FILE\n  check a backup (.db or .db.gz): it must open and pass PRAGMA integrity_check; FILE may be a name in backup.dir',
    options: [], args: [1, 1],
    async run(io, [arg]) {
      const file = findBackupFile(io, arg);
      const result = await verifyBackup(file);
      if (result.ok) {
        io.stdout.write(`${file}: ok\n`);
        return 0;
      }
      const shown = result.problems.slice(0, MAX_PROBLEMS_SHOWN);
      const more = result.problems.length - shown.length;
      io.stderr.write(`monolite: ${file} is damaged:\n${shown.map((p) => `  ${p}\n`).join('')}${more > 0 ? `  … and ${more} more\n` : ''}`);
      return 1;
    },
  },
  restore: {
    usage: 'monolite backup restore FILE\n' +
      '  replace <data-dir>/app.db with a verified backup (the server must be stopped); the replaced database is kept\n' +
      '  as app.db.before-restore. FILE may be a name in backup.dir',
    options: [], args: [1, 1],
    async run(io, [arg]) {
      const pid = readLivePid(pidFilePath(io.dataDir));
      if (pid !== undefined) {
        throw new CommandError(`Cannot restore while the server (pid ${pid}) runs on ${io.dataDir}; stop it first`);
      }
      const file = findBackupFile(io, arg);
      const dbPath = join(io.dataDir, 'app.db');
      const { replaced } = await restoreBackup(file, dbPath);
      io.stdout.write(`Restored ${dbPath} from ${file}\n`);
      if (replaced !== undefined) io.stdout.write(`The database it replaced is kept as ${replaced}\n`);
      return 0;
    },
  },
};

/** The `backup` command. */
export const backupCommand: Command = {
  name: 'backup',
  usage: Object.values(SUBCOMMANDS).map((s) => s.usage.split('\n')[0]).join('\n'),
  options: {
    mode: { type: 'string' },
    compress: { type: 'boolean' },
    'no-compress': { type: 'boolean' },
  },
  subcommandUsage: (positionals) => subcommandUsage(SUBCOMMANDS, positionals),
  async run(io) {
    const { sub, args } = pickSubcommand(backupCommand, SUBCOMMANDS, io);
    return sub.run(io, args);
  },
};

async function backupNow(io: CommandIO): Promise<number> {
  const mode = io.values.mode;
  if (mode !== undefined && mode !== 'online' && mode !== 'vacuum') {
    throw new UsageError(`Invalid --mode "${String(mode)}": expected "online" or "vacuum"`);
  }
  if (io.values.compress === true && io.values['no-compress'] === true) throw new UsageError('Use --compress or --no-compress, not both');
  const settings = loadSettings(io);
  const compress = io.values['no-compress'] === true ? false : io.values.compress === true ? true : settings.compress;
  const bar = progressBar(io.stderr);
  let result;
  try {
    result = await backupAndPrune(join(io.dataDir, 'app.db'), { ...settings, mode: mode ?? settings.mode, compress, onProgress: bar?.update });
  } finally {
    bar?.clear();
  }
  const pages = result.pages === undefined ? '' : `, ${result.pages} pages`;
  io.stdout.write(`Backed up app.db to ${result.path} (${formatBytes(result.bytes)}${pages}, ${(result.durationMs / 1000).toFixed(1)} s)\n`);
  for (const file of result.pruned) io.stdout.write(`Pruned ${file}\n`);
  return 0;
}

/** The [backup] settings in force (stored configuration, then the environment); opens (or creates) the data directory. */
function loadSettings(io: CommandIO): BackupSettings {
  return backupSettings(io.dataDir, readConfig(io).backup);
}

/**
 * FILE as given (relative to the working directory), else — for a bare file name — the file of that name in the
 * backup folder. The default folder is tried before the configured one, so that a data directory whose app.db cannot
 * be opened (the reason to restore) still finds its backups.
 */
function findBackupFile(io: CommandIO, arg: string): string {
  const direct = resolve(arg);
  if (existsSync(direct)) return direct;
  if (!arg.includes(sep) && !arg.includes('/') && existsSync(join(io.dataDir, 'app.db'))) {
    const inDefault = join(io.dataDir, 'backups', arg);
    if (existsSync(inDefault)) return inDefault;
    let configured: string | undefined;
    try {
      configured = join(loadSettings(io).dir, arg);
    } catch {
      // An unreadable data directory: only the paths above are tried.
    }
    if (configured !== undefined && existsSync(configured)) return configured;
  }
  throw new CommandError(`No backup file "${arg}"`);
}

/** A one-line progress bar on a terminal (`stream.isTTY`); undefined elsewhere (logs, pipes, tests). */
function progressBar(stream: Writable): { update: (copied: number, total: number) => void; clear: () => void } | undefined {
  if ((stream as Writable & { isTTY?: boolean }).isTTY !== true) return undefined;
  const width = 30;
  let shown = '';
  let drawn = false;
  return {
    update(copied, total) {
      const ratio = total > 0 ? Math.min(1, copied / total) : 1;
      const filled = Math.round(ratio * width);
      const line = `Backing up [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${copied}/${total} pages`;
      if (line === shown) return;
      shown = line;
      drawn = true;
      stream.write(`\r${line}\x1b[K`);
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
