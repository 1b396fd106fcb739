// The migration runner and openDatabase, against real SQLite files in temporary folders.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../src/db/open.ts';
import { frameworkMigrations, migrate, migrationStatus, MigrationError } from '../../src/db/migrate.ts';
import type { MigrationSource } from '../../src/db/migrate.ts';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let tmp: string;
let db: DatabaseSync;
let source: MigrationSource;

function write(name: string, sql: string): void {
  fs.writeFileSync(path.join(source.dir, name), sql);
}

function tables(): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
  return rows.map((row) => String(row.name));
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-migrate-'));
  source = { name: 'app', dir: path.join(tmp, 'migrations') };
  fs.mkdirSync(source.dir);
  db = openDatabase(path.join(tmp, 'data', 'app.db'));
});

afterEach(() => {
  if (db.isOpen) db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('migrate', () => {
  test('applies files in numeric order, once', () => {
    // 10 sorts before 9 as text: the order must be numeric.
    write('10_add_email.sql', 'ALTER TABLE users ADD COLUMN email TEXT;');
    write('9_users.sql', 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);');
    write('README.md', 'not a migration');

    const applied = migrate(db, [source]);
    assert.deepEqual(applied.map((m) => m.name), ['9_users.sql', '10_add_email.sql']);
    for (const m of applied) {
      assert.equal(m.source, 'app');
      assert.match(m.appliedAt ?? '', ISO_MS);
      assert.match(m.checksum, /^[0-9a-f]{64}$/);
    }
    db.exec("INSERT INTO users (name, email) VALUES ('ann', 'ann@example.com')");

    assert.deepEqual(migrate(db, [source]), []);
    const rows = db.prepare('SELECT source, name FROM schema_migrations ORDER BY applied_at, name').all();
    assert.equal(rows.length, 2);
  });

  test('applies sources in the given order', () => {
    const other: MigrationSource = { name: 'other', dir: path.join(tmp, 'other') };
    fs.mkdirSync(other.dir);
    fs.writeFileSync(path.join(other.dir, '0001_b.sql'), 'CREATE TABLE b (a_id INTEGER REFERENCES a(id));');
    write('0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);');
    const applied = migrate(db, [source, other]);
    assert.deepEqual(applied.map((m) => `${m.source}/${m.name}`), ['app/0001_a.sql', 'other/0001_b.sql']);
  });

  test('status lists pending then applied files', () => {
    write('0001_a.sql', 'CREATE TABLE a (id INTEGER);');
    write('0002_b.sql', 'CREATE TABLE b (id INTEGER);');

    const before = migrationStatus(db, [source]);
    assert.deepEqual(before.map((m) => [m.name, m.appliedAt]), [['0001_a.sql', null], ['0002_b.sql', null]]);
    assert.ok(!tables().includes('schema_migrations'), 'status must not write');

    const applied = migrate(db, [source]);
    const after = migrationStatus(db, [source]);
    assert.deepEqual(after, applied);

    write('0003_c.sql', 'CREATE TABLE c (id INTEGER);');
    assert.deepEqual(migrationStatus(db, [source]).map((m) => m.appliedAt === null), [false, false, true]);
  });

  test('a missing folder has no migrations', () => {
    const missing = { name: 'none', dir: path.join(tmp, 'nope') };
    assert.deepEqual(migrationStatus(db, [missing]), []);
    assert.deepEqual(migrate(db, [missing]), []);
  });

  test('refuses a file changed after it was applied, and applies nothing after it', () => {
    write('0001_init.sql', 'CREATE TABLE a (id INTEGER);');
    migrate(db, [source]);
    write('0001_init.sql', 'CREATE TABLE a (id INTEGER, x TEXT);');
    write('0002_next.sql', 'CREATE TABLE b (id INTEGER);');

    for (const run of [() => migrate(db, [source]), () => migrationStatus(db, [source])]) {
      assert.throws(run, (err: unknown) => {
        assert.ok(err instanceof MigrationError);
        assert.match(err.message, /^Migration 0001_init\.sql was changed after it was applied \(checksum .+\); write a new migration instead$/);
        assert.equal(err.file, path.join(source.dir, '0001_init.sql'));
        return true;
      });
    }
    assert.ok(!tables().includes('b'));
  });

  test('refuses an applied migration whose file is gone', () => {
    write('0001_init.sql', 'CREATE TABLE a (id INTEGER);');
    migrate(db, [source]);
    fs.rmSync(path.join(source.dir, '0001_init.sql'));
    assert.throws(() => migrate(db, [source]), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /^Migration 0001_init\.sql was applied but its file is missing/);
      return true;
    });
  });

  test('a failing file leaves nothing of itself; earlier files stay, later ones are not attempted', () => {
    write('0001_ok.sql', 'CREATE TABLE ok (id INTEGER);');
    write('0002_bad.sql', 'CREATE TABLE half (id INTEGER);\nINSERT INTO no_such_table VALUES (1);');
    write('0003_later.sql', 'CREATE TABLE later (id INTEGER);');

    assert.throws(() => migrate(db, [source]), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.equal(err.message, 'Migration 0002_bad.sql failed: no such table: no_such_table');
      assert.equal(err.file, path.join(source.dir, '0002_bad.sql'));
      return true;
    });
    assert.deepEqual(tables().filter((t) => t !== 'schema_migrations'), ['ok']);
    assert.equal(db.isTransaction, false);
    assert.deepEqual(
      migrationStatus(db, [source]).map((m) => [m.name, m.appliedAt !== null]),
      [['0001_ok.sql', true], ['0002_bad.sql', false], ['0003_later.sql', false]],
    );

    // Fixing the pending file is allowed: it was never applied.
    write('0002_bad.sql', 'CREATE TABLE half (id INTEGER);');
    assert.deepEqual(migrate(db, [source]).map((m) => m.name), ['0002_bad.sql', '0003_later.sql']);
  });

  test('a file that commits on its own is reported, not recorded as applied', () => {
    write('0001_commit.sql', 'CREATE TABLE a (id INTEGER);\nCOMMIT;');
    assert.throws(() => migrate(db, [source]), /^MigrationError: Migration 0001_commit\.sql failed: .*BEGIN\/COMMIT/);
    assert.equal(db.isTransaction, false);
  });

  for (const name of ['init.sql', '0001-init.sql', '0001_Init.sql', '0001_.sql', 'x0001_init.sql']) {
    test(`rejects the file name "${name}"`, () => {
      write('0001_ok.sql', 'CREATE TABLE ok (id INTEGER);');
      write(name, 'SELECT 1;');
      for (const run of [() => migrate(db, [source]), () => migrationStatus(db, [source])]) {
        assert.throws(run, (err: unknown) => {
          assert.ok(err instanceof MigrationError);
          assert.ok(err.message.includes(`"${name}"`), err.message);
          return true;
        });
      }
      assert.ok(!tables().includes('ok'));
    });
  }

  test('rejects two files with the same number', () => {
    write('0001_a.sql', 'SELECT 1;');
    write('1_b.sql', 'SELECT 1;');
    assert.throws(() => migrate(db, [source]), /have the same number/);
  });

  test('the framework migrations apply cleanly on a fresh database', () => {
    const applied = migrate(db, frameworkMigrations());
    assert.ok(applied.length > 0);
    assert.equal(applied[0].name, '0001_instance.sql');
    const instance = db.prepare('SELECT id, instance_id, created_at FROM instance').all();
    assert.equal(instance.length, 1);
    assert.equal(instance[0].id, 1);
    assert.match(String(instance[0].instance_id), /^[0-9a-f]{32}$/);
    assert.match(String(instance[0].created_at), ISO_MS);
    assert.throws(() => db.exec("INSERT INTO instance VALUES (2, 'x', 'y')"), /CHECK constraint failed/);
    assert.deepEqual(migrate(db, frameworkMigrations()), []);
  });
});

describe('openDatabase', () => {
  function pragma(name: string): unknown {
    return Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
  }

  test('creates the folder and sets the pragmas', () => {
    assert.ok(fs.existsSync(path.join(tmp, 'data', 'app.db')));
    assert.equal(pragma('journal_mode'), 'wal');
    assert.equal(pragma('foreign_keys'), 1);
    assert.equal(pragma('synchronous'), 1); // NORMAL
    assert.equal(pragma('busy_timeout'), 5000);
  });

  test('enforces foreign keys', () => {
    db.exec('CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p_id INTEGER REFERENCES p(id));');
    assert.throws(() => db.exec('INSERT INTO c VALUES (42)'), /FOREIGN KEY constraint failed/);
  });

  test('opens read-only without writing', () => {
    db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);');
    db.close();
    db = openDatabase(path.join(tmp, 'data', 'app.db'), { readOnly: true });
    assert.equal(db.prepare('SELECT x FROM t').get()?.x, 7);
    assert.equal(pragma('journal_mode'), 'wal');
    assert.throws(() => db.exec('INSERT INTO t VALUES (8)'), /readonly/);
  });

  test('read-only does not create a missing folder', () => {
    assert.throws(() => openDatabase(path.join(tmp, 'absent', 'app.db'), { readOnly: true }));
    assert.ok(!fs.existsSync(path.join(tmp, 'absent')));
  });

  test('works in memory', () => {
    const mem = openDatabase(':memory:');
    try {
      assert.equal(Object.values(mem.prepare('PRAGMA foreign_keys').get() ?? {})[0], 1);
      assert.equal(Object.values(mem.prepare('PRAGMA busy_timeout').get() ?? {})[0], 5000);
      assert.deepEqual(migrate(mem, frameworkMigrations()).map((m) => m.name).slice(0, 1), ['0001_instance.sql']);
    } finally {
      mem.close();
    }
  });
});
