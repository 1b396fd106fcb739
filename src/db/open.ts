// Opens a SQLite database with the pragmas every monolite database uses.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** Milliseconds a connection waits for another writer's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating it and its directory unless `readOnly`) the database at `path`, or `:memory:`. */
export function openDatabase(path: string, options: { readOnly?: boolean } = {}): DatabaseSync {
  const readOnly = options.readOnly ?? false;
  if (!readOnly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { readOnly, timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
  try {
    // WAL is a property of the file, not the connection: a read-only connection cannot switch it and does not need to.
    if (!readOnly) db.exec('PRAGMA journal_mode = WAL');
    // NORMAL is durable in WAL mode except for the last commits before a power loss; it never corrupts the file.
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
