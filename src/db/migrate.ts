// Applies numbered .sql files from one or more folders, each file in its own transaction, and records each with a
// checksum in schema_migrations so that a file edited after it was applied is an error instead of a silent skip.
//
// A migration file must not contain its own BEGIN/COMMIT/ROLLBACK: the runner wraps each file and its
// schema_migrations row in one transaction, and a COMMIT inside the file would let a failure leave half of it applied.
//
// Timestamps, here and in every framework table: UTC ISO 8601 text with milliseconds, as `new Date().toISOString()`
// writes it (`2026-11-21T13:55:29.123Z`; in SQL `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`). The fixed width makes
// lexical order time order, so ORDER BY and range comparisons work on the text itself.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseSync } from 'node:sqlite';

/** A folder of migrations; `name` keeps its rows apart from other sources' in schema_migrations. */
export interface MigrationSource {
  name: string;
  dir: string;
}

/** One migration file and whether it is applied (`appliedAt` null means pending). */
export interface MigrationState {
  source: string;
  name: string;
  checksum: string;
  appliedAt: string | null;
}

/** A migration that cannot be applied or no longer matches what was applied; `file` is its path. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  file: string;

  constructor(file: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.file = file;
  }
}

interface MigrationFile extends MigrationState {
  path: string;
  sql: string;
}

const FILE_NAME = /^(\d+)_[a-z0-9_-]+\.sql$/;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  source     TEXT,
  name       TEXT,
  checksum   TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (source, name)
)`;

/** The framework's own migrations, from the `migrations/` folder of this checkout. */
export function frameworkMigrations(): MigrationSource[] {
  return [{ name: 'monolite', dir: fileURLToPath(new URL('../../migrations/', import.meta.url)) }];
}

/** Every migration of `sources` in the order they apply, applied or pending; throws if an applied one changed. */
export function migrationStatus(db: DatabaseSync, sources: MigrationSource[]): MigrationState[] {
  return plan(db, sources).map(({ source, name, checksum, appliedAt }) => ({ source, name, checksum, appliedAt }));
}

/** Applies the pending migrations of `sources` in order and returns those it applied; re-running is a no-op. */
export function migrate(
  db: DatabaseSync,
  sources: MigrationSource[],
  onApplied?: (state: MigrationState) => void,
): MigrationState[] {
  db.exec(CREATE_TABLE);
  const pending = plan(db, sources).filter((file) => file.appliedAt === null);
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE source = ? AND name = ?');
  const record = db.prepare('INSERT INTO schema_migrations (source, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
  const applied: MigrationState[] = [];
  for (const file of pending) {
    const state: MigrationState = { source: file.source, name: file.name, checksum: file.checksum, appliedAt: null };
    try {
      db.exec('BEGIN IMMEDIATE');
      // Another process may have applied this file between reading the plan and taking the write lock.
      if (isApplied.get(file.source, file.name)) {
        db.exec('COMMIT');
        continue;
      }
      db.exec(file.sql);
      if (!db.isTransaction) throw new Error('the file ended the transaction itself; remove its BEGIN/COMMIT');
      state.appliedAt = new Date().toISOString();
      record.run(file.source, file.name, file.checksum, state.appliedAt);
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      const reason = err instanceof Error ? err.message : String(err);
      throw new MigrationError(file.path, `Migration ${file.name} failed: ${reason}`, { cause: err });
    }
    applied.push(state);
    onApplied?.(state);
  }
  return applied;
}

/** Reads every source's files and checks each applied migration against its file. */
function plan(db: DatabaseSync, sources: MigrationSource[]): MigrationFile[] {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get();
  const selectApplied = hasTable
    ? db.prepare('SELECT name, checksum, applied_at FROM schema_migrations WHERE source = ?')
    : undefined;
  const all: MigrationFile[] = [];
  for (const source of sources) {
    const files = readSource(source);
    const rows = (selectApplied?.all(source.name) ?? []) as { name: string; checksum: string; applied_at: string }[];
    const byName = new Map(files.map((file) => [file.name, file]));
    for (const row of rows) {
      const file = byName.get(row.name);
      if (!file) {
        throw new MigrationError(
          join(source.dir, row.name),
          `Migration ${row.name} was applied but its file is missing from ${source.dir}; restore it`,
        );
      }
      if (file.checksum !== row.checksum) {
        throw new MigrationError(
          file.path,
          `Migration ${file.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… ` +
            `when applied, ${file.checksum.slice(0, 12)}… now); write a new migration instead`,
        );
      }
      file.appliedAt = row.applied_at;
    }
    all.push(...files);
  }
  return all;
}

/** The `.sql` files of one source in numeric order; a missing folder has none. */
function readSource(source: MigrationSource): MigrationFile[] {
  let names: string[];
  try {
    names = readdirSync(source.dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const numbered: { number: number; file: MigrationFile }[] = [];
  const byNumber = new Map<number, string>();
  for (const name of names) {
    if (!name.endsWith('.sql')) continue;
    const path = join(source.dir, name);
    const match = FILE_NAME.exec(name);
    if (!match) {
      throw new MigrationError(
        path,
        `Migration file name "${name}" in ${source.dir} is invalid; expected digits, "_", then [a-z0-9_-] and ".sql", ` +
          'such as "0002_add_users.sql"',
      );
    }
    const number = Number(match[1]);
    const clash = byNumber.get(number);
    if (clash !== undefined) {
      throw new MigrationError(path, `Migrations "${clash}" and "${name}" in ${source.dir} have the same number; renumber one`);
    }
    byNumber.set(number, name);
    const bytes = readFileSync(path);
    const checksum = createHash('sha256').update(bytes).digest('hex');
    numbered.push({ number, file: { source: source.name, name, checksum, appliedAt: null, path, sql: bytes.toString('utf8') } });
  }
  return numbered.sort((a, b) => a.number - b.number).map(({ file }) => file);
}

/**
 * The tables and views the framework's own migrations create, plus the migration ledger: what the automatic REST API
 * never exposes when app.db itself is served.
 */
export function frameworkTables(): string[] {
  const names = new Set(['schema_migrations']);
  for (const source of frameworkMigrations()) {
    for (const file of readdirSync(source.dir).filter((f) => FILE_NAME.test(f))) {
      const sql = readFileSync(join(source.dir, file), 'utf8');
      for (const m of sql.matchAll(/\bCREATE\s+(?:TEMP\s+|TEMPORARY\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?["`[]?([A-Za-z_][A-Za-z0-9_]*)/gi)) names.add(m[1]);
    }
  }
  return [...names];
}
