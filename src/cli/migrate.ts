// `monolite migrate [status|up]`: shows and applies the framework's migrations on <data-dir>/app.db.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { Writable } from 'node:stream';
import { openDatabase } from '../db/open.ts';
import { openDataDir } from '../data-dir.ts';
import { frameworkMigrations, migrate, migrationStatus, MigrationError } from '../db/migrate.ts';
import type { MigrationState } from '../db/migrate.ts';
import { UsageError } from './command.ts';
import type { Command, CommandIO } from './command.ts';
import { printTable } from './table.ts';

/** The `migrate` command. */
export const migrateCommand: Command = {
  name: 'migrate',
  usage: [
    'monolite migrate [status]   list every migration and whether it is applied',
    'monolite migrate up         apply the pending migrations, each in its own transaction',
  ].join('\n'),
  options: {},
  async run(io: CommandIO): Promise<number> {
    if (io.positionals.length > 1) throw new UsageError(`Too many arguments: "${io.positionals.join(' ')}"`);
    const action = io.positionals[0] ?? 'status';
    if (action !== 'status' && action !== 'up') {
      throw new UsageError(`Unknown migrate action "${action}"; expected "status" or "up"`);
    }
    const file = join(io.dataDir, 'app.db');
    // A data directory opened for the first time is created whole (schema, key, first configuration version).
    if (!existsSync(file)) openDataDir(io.dataDir, { env: io.env }).close();
    const db = openDatabase(file);
    try {
      if (action === 'status') printStatus(io.stdout, migrationStatus(db, frameworkMigrations()));
      else applyPending(io.stdout, db);
      return 0;
    } catch (err) {
      if (!(err instanceof MigrationError)) throw err;
      io.stderr.write(`monolite: ${err.message}\n`);
      return 1;
    } finally {
      db.close();
    }
  },
};

/** Prints each file as it is applied, so a failure further on still shows what went in before it. */
function applyPending(out: Writable, db: DatabaseSync): void {
  const applied = migrate(db, frameworkMigrations(), (state) => {
    out.write(`Applied ${state.source} ${state.name}\n`);
  });
  const count = applied.length;
  out.write(count === 0 ? 'Up to date\n' : `${count} migration${count === 1 ? '' : 's'} applied\n`);
}

function printStatus(out: Writable, states: MigrationState[]): void {
  const rows = [
    ['SOURCE', 'NAME', 'STATE'],
    ...states.map((s) => [s.source, s.name, s.appliedAt === null ? 'pending' : `applied ${s.appliedAt}`]),
  ];
  printTable(out, rows);
  const pending = states.filter((s) => s.appliedAt === null).length;
  out.write(`${states.length - pending} applied, ${pending} pending\n`);
}
