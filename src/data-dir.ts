// Opens a data directory for any command (serve, migrate, config, …). The first open creates everything: the folder
// (0700), app.db with its schema, the secret key (0600) and the first `application` configuration version (defaults
// with freshly generated secrets). A store that exists without its key is an error, never a reason for a new key.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from './db/open.ts';
import { frameworkMigrations, migrate } from './db/migrate.ts';
import { createSecretKeyFile, readSecretKey, secretKeyPath } from './config/secret-key.ts';
import { APPLICATION_SCOPE, ConfigStore } from './config/store.ts';
import { initialDocument, writeDocument } from './config/document.ts';

/** Something that happened while opening, for the caller's log (which may not exist yet: it needs the config). */
export interface DataDirEvent {
  level: 'info' | 'warn';
  message: string;
  fields?: Record<string, unknown>;
}

export interface DataDir {
  /** Absolute path. */
  path: string;
  /** `<path>/app.db`, migrated. */
  db: DatabaseSync;
  store: ConfigStore;
  keyFile: string;
  /** True when this open created the directory or its database. */
  created: boolean;
  events: DataDirEvent[];
  /** `<path>/monolite.pid` while a server runs on it. */
  pidFile: string;
  close(): void;
}

export interface OpenDataDirOptions {
  /** For MONOLITE_SECRET_KEY_FILE (process.env by default). */
  env?: NodeJS.ProcessEnv;
}

/** Opens (creating on first use) the data directory at `path`. */
export function openDataDir(path: string, options: OpenDataDirOptions = {}): DataDir {
  const dir = resolve(path);
  const events: DataDirEvent[] = [];
  let created = false;
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    events.push({ level: 'info', message: 'Created the data directory', fields: { path: dir } });
    created = true;
  }
  const dbFile = join(dir, 'app.db');
  if (!existsSync(dbFile)) created = true;
  const db = openDatabase(dbFile);
  try {
    for (const m of migrate(db, frameworkMigrations())) {
      events.push({ level: 'info', message: 'Applied migration', fields: { source: m.source, name: m.name } });
    }
    const keyFile = secretKeyPath(dir, options.env);
    const store = new ConfigStore(db, openKey(db, keyFile, events), keyFile);
    if (store.latest(APPLICATION_SCOPE) === undefined) {
      const version = store.save(APPLICATION_SCOPE, writeDocument(initialDocument()), { description: 'Defaults, with generated secrets' });
      events.push({ level: 'info', message: 'Saved the initial configuration', fields: { scope: APPLICATION_SCOPE, version } });
    }
    return {
      path: dir, db, store, keyFile, created, events, pidFile: pidFilePath(dir),
      close: () => { if (db.isOpen) db.close(); },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The file a running server writes its pid to; `config set` signals that process to reload. */
export function pidFilePath(dataDir: string): string {
  return join(resolve(dataDir), 'monolite.pid');
}

/** The existing key; a new one only when nothing has been encrypted yet (no app_config rows). */
function openKey(db: DatabaseSync, keyFile: string, events: DataDirEvent[]) {
  const warn = (message: string) => events.push({ level: 'warn', message });
  if (existsSync(keyFile)) return readSecretKey(keyFile, warn);
  const hasTable = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'app_config'").get() !== undefined;
  const stored = hasTable && db.prepare('SELECT 1 FROM app_config LIMIT 1').get() !== undefined;
  if (stored) return readSecretKey(keyFile); // throws the "restore it" error
  const key = createSecretKeyFile(keyFile);
  events.push({ level: 'info', message: 'Created the secret key', fields: { path: keyFile } });
  return key;
}
