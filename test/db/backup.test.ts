// Backups of a SQLite database through the public functions of src/db/backup.ts, on real files in a temporary folder:
// an online copy while another process writes, gzip, vacuum, naming, verification, retention and restore.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../src/db/open.ts';
import {
  backupDatabase, BackupError, listBackups, parseBackupFileName, pruneBackups, restoreBackup, verifyBackup, type BackupOptions,
} from '../../src/db/backup.ts';

const WRITER = path.join(import.meta.dirname, 'fixtures', 'backup-writer.ts');
const DAY = 86_400_000;

let tmp: string;
let dbPath: string;
let dir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-backup-'));
  dbPath = path.join(tmp, 'app.db');
  dir = path.join(tmp, 'backups');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const FAST: BackupOptions = { dir: '', mode: 'online', compress: true, pagesPerStep: 100, stepPauseMs: 0 };

function options(extra: Partial<BackupOptions> = {}): BackupOptions {
  return { ...FAST, dir, ...extra };
}

/** A database with the writer fixture's tables, `pairs` whole pairs, and `padKiB` KiB of filler (more pages). */
function createDb(file: string, pairs: number, padKiB = 0): void {
  const db = openDatabase(file);
  db.exec(`CREATE TABLE pairs (id INTEGER PRIMARY KEY, tx INTEGER NOT NULL, v INTEGER NOT NULL);
    CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
    CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB);
    INSERT INTO accounts VALUES (1, 1000), (2, 1000);`);
  const insert = db.prepare('INSERT INTO pairs (tx, v) VALUES (?, ?)');
  const fill = db.prepare('INSERT INTO filler (data) VALUES (?)');
  db.exec('BEGIN');
  for (let tx = 1; tx <= pairs; tx++) {
    insert.run(tx, 1);
    insert.run(tx, -1);
  }
  for (let i = 0; i < padKiB; i++) fill.run(Buffer.alloc(1000, i % 251));
  db.exec('COMMIT');
  db.close();
}

/** Opens a database file (a backup) without creating -wal/-shm beside it. */
function openCopy(file: string): DatabaseSync {
  return new DatabaseSync(`file:${file}?immutable=1`, { readOnly: true });
}

function count(db: DatabaseSync, sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

/** Rows of `pairs`, from a .db or .db.gz file. */
function pairRows(file: string): number {
  let target = file;
  if (file.endsWith('.gz')) {
    target = path.join(tmp, 'inspect.db');
    fs.writeFileSync(target, gunzipSync(fs.readFileSync(file)));
  }
  const db = openCopy(target);
  try {
    return count(db, 'SELECT count(*) AS n FROM pairs');
  } finally {
    db.close();
  }
}

/** Writes `length` garbage bytes into the middle of `file`. */
function damage(file: string, length = 4096): void {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.alloc(length, 0xa5), 0, length, Math.floor(size / 2) - length / 2);
  fs.closeSync(fd);
}

/** A database whose file opens but whose table b-tree is damaged (integrity_check fails, reading it fails). */
function createCorruptDb(file: string): void {
  const db = openDatabase(file);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)');
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  db.exec('BEGIN');
  for (let i = 0; i < 2000; i++) insert.run(`row ${i}`.padEnd(60));
  db.exec('COMMIT');
  db.close();
  damage(file, 2048);
}

describe('online backup while another process writes', () => {
  test('the copy is one consistent snapshot, passes integrity_check and ends (no restart)', async () => {
    createDb(dbPath, 100, 3000); // ~3 MB: about 8 steps of 100 pages
    const writer = spawn(process.execPath, [WRITER, dbPath], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const [ready] = await once(writer.stdout!, 'data');
      assert.match(String(ready), /ready/);
      const live = openDatabase(dbPath, { readOnly: true });
      const before = count(live, 'SELECT count(*) AS n FROM pairs');
      const progress: [number, number][] = [];
      const result = await backupDatabase(dbPath, options({ compress: false, stepPauseMs: 5, onProgress: (c, t) => progress.push([c, t]) }));
      const after = count(live, 'SELECT count(*) AS n FROM pairs');
      live.close();
      assert.ok(after > before, `the writer kept committing during the backup (${before} → ${after} rows)`);

      assert.equal(result.restarts, 0);
      assert.ok(result.pages! > 700, `pages: ${result.pages}`);
      assert.ok(progress.length >= Math.floor(result.pages! / 100), `one progress call per step: ${progress.length}`);
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i][0] > progress[i - 1][0], 'progress only goes forward');
      assert.deepEqual(progress.at(-1), [result.pages, result.pages]);

      const copy = openCopy(result.path);
      try {
        assert.deepEqual(copy.prepare('PRAGMA integrity_check').all().map((r) => r.integrity_check), ['ok']);
        assert.equal(count(copy, 'SELECT count(*) AS n FROM (SELECT tx FROM pairs GROUP BY tx HAVING count(*) != 2 OR sum(v) != 0)'), 0, 'every pair whole');
        assert.equal(count(copy, 'SELECT sum(balance) AS n FROM accounts'), 2000, 'balances sum to 2000');
        const moved = 1000 - count(copy, 'SELECT balance AS n FROM accounts WHERE id = 1');
        const rows = count(copy, 'SELECT count(*) AS n FROM pairs');
        assert.ok(rows >= before && rows <= after, `rows in the copy ${rows}, expected between ${before} and ${after}`);
        assert.equal(moved / 5, rows / 2 - 100, 'the transfers match the pairs of the same snapshot');
      } finally {
        copy.close();
      }
    } finally {
      writer.kill('SIGTERM');
      await once(writer, 'exit');
    }
  });
});

describe('backupDatabase', () => {
  test('gzip round trip: backup, verify, restore gives the same rows', async () => {
    createDb(dbPath, 50);
    const result = await backupDatabase(dbPath, options({ now: new Date('2026-11-21T14:30:05.123Z') }));
    assert.equal(result.file, 'app-20261121T143005Z-online.db.gz');
    assert.equal(result.path, path.join(dir, result.file));
    assert.equal(result.bytes, fs.statSync(result.path).size);
    assert.deepEqual([...fs.readFileSync(result.path).subarray(0, 2)], [0x1f, 0x8b]);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(result.path).mode & 0o777, 0o600);
    assert.deepEqual(await verifyBackup(result.path), { ok: true, problems: [] });

    const db = openDatabase(dbPath);
    db.exec('DELETE FROM pairs WHERE tx > 10');
    db.close();
    await restoreBackup(result.path, dbPath);
    assert.equal(pairRows(dbPath), 100);
  });

  test('vacuum mode writes a compact copy', async () => {
    createDb(dbPath, 50, 500);
    const db = openDatabase(dbPath);
    db.exec('DELETE FROM filler');
    db.close();
    const online = await backupDatabase(dbPath, options({ compress: false }));
    const vacuum = await backupDatabase(dbPath, options({ mode: 'vacuum', compress: false }));
    assert.match(vacuum.file, /^app-\d{8}T\d{6}(\.\d{3})?Z-vacuum\.db$/);
    assert.equal(vacuum.mode, 'vacuum');
    assert.ok(vacuum.bytes < online.bytes / 4, `vacuum ${vacuum.bytes} bytes, online ${online.bytes}`);
    assert.equal(pairRows(vacuum.path), 100);
    assert.deepEqual(await verifyBackup(vacuum.path), { ok: true, problems: [] });
  });

  test('backups started in the same second get milliseconds, then the next free millisecond', async () => {
    createDb(dbPath, 1);
    const now = new Date('2026-11-21T14:30:05.123Z');
    const names = [];
    for (let i = 0; i < 3; i++) names.push((await backupDatabase(dbPath, options({ now }))).file);
    assert.deepEqual(names, [
      'app-20261121T143005Z-online.db.gz',
      'app-20261121T143005.123Z-online.db.gz',
      'app-20261121T143005.124Z-online.db.gz',
    ]);
    assert.deepEqual(listBackups(dir).map((e) => e.file), [...names].reverse());
    const other = await backupDatabase(dbPath, options({ now, compress: false }));
    assert.equal(other.file, 'app-20261121T143005Z-online.db', 'another extension is another name');
  });

  test('no temporary file is left, after a success or a failure', async () => {
    createDb(dbPath, 10);
    await backupDatabase(dbPath, options());
    await backupDatabase(dbPath, options({ mode: 'vacuum', compress: false }));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.')), []);
    assert.equal(fs.readdirSync(dir).length, 2);

    const corrupt = path.join(tmp, 'corrupt.db');
    createCorruptDb(corrupt);
    const failed = path.join(tmp, 'failed');
    // The online copy copies the damaged pages as they are; the check of the copy catches them.
    await assert.rejects(backupDatabase(corrupt, options({ dir: failed })), (err: BackupError) => {
      assert.ok(err instanceof BackupError);
      assert.equal(err.code, 'integrity_failed');
      assert.match(err.message, /failed verification; nothing was kept: .+/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(failed), []);
    // VACUUM INTO reads every row: it fails while copying.
    await assert.rejects(backupDatabase(corrupt, options({ dir: failed, mode: 'vacuum' })), { name: 'BackupError', code: 'copy_failed' });
    assert.deepEqual(fs.readdirSync(failed), []);
  });

  test('temporary files of a backup whose process died are removed by the next backup', async () => {
    createDb(dbPath, 1);
    fs.mkdirSync(dir);
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    const dead = `.app-backup-${child.pid}-0123abcd.db.gz`;
    const living = `.app-backup-${process.ppid}-0123abcd.db`;
    fs.writeFileSync(path.join(dir, dead), 'partial');
    fs.writeFileSync(path.join(dir, living), 'in progress');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const result = await backupDatabase(dbPath, options());
    assert.deepEqual(fs.readdirSync(dir).sort(), [living, result.file, 'notes.txt'].sort());
  });

  test('a missing database and invalid options are refused', async () => {
    await assert.rejects(backupDatabase(dbPath, options()), { name: 'BackupError', code: 'source_missing' });
    assert.equal(fs.existsSync(dbPath), false, 'not created');
    createDb(dbPath, 1);
    await assert.rejects(backupDatabase(dbPath, options({ pagesPerStep: 0 })), RangeError);
    await assert.rejects(backupDatabase(dbPath, options({ stepPauseMs: -1 })), RangeError);
    await assert.rejects(backupDatabase(dbPath, options({ mode: 'copy' as 'online' })), RangeError);
  });
});

describe('verifyBackup', () => {
  test('garbage in the middle of a .db or a .db.gz is reported; the file is not changed', async () => {
    createDb(dbPath, 300, 100);
    const plain = await backupDatabase(dbPath, options({ compress: false }));
    const gz = await backupDatabase(dbPath, options({ compress: true }));
    damage(plain.path);
    damage(gz.path, 64);
    const bytes = fs.readFileSync(plain.path);

    const plainResult = await verifyBackup(plain.path);
    assert.equal(plainResult.ok, false);
    assert.ok(plainResult.problems.length > 0);
    assert.deepEqual(fs.readFileSync(plain.path), bytes);
    const gzResult = await verifyBackup(gz.path);
    assert.equal(gzResult.ok, false);
    assert.match(gzResult.problems.join('\n'), /gzip|integrity|malformed|Tree|page/i);

    fs.writeFileSync(path.join(tmp, 'notes.db'), 'not a database at all, just text that is long enough to have a header');
    const text = await verifyBackup(path.join(tmp, 'notes.db'));
    assert.equal(text.ok, false);
    assert.match(text.problems[0], /^Cannot read it as a SQLite database: /);
    fs.writeFileSync(path.join(tmp, 'empty.db'), '');
    assert.deepEqual(await verifyBackup(path.join(tmp, 'empty.db')), { ok: false, problems: ['The file is empty: it holds no database'] });

    await assert.rejects(verifyBackup(path.join(tmp, 'nope.db.gz')), { name: 'BackupError', code: 'not_found' });
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no decompressed copy left');
  });
});

describe('restoreBackup', () => {
  test('swaps the database in and keeps the replaced one, its WAL commits included, as .before-restore', async () => {
    createDb(dbPath, 5);
    const backup = await backupDatabase(dbPath, options());

    // A crash image: commits still in app.db-wal only (the connection never closed).
    const live = openDatabase(dbPath);
    live.exec('PRAGMA wal_autocheckpoint = 0');
    live.exec('INSERT INTO pairs (tx, v) VALUES (6, 1), (6, -1)');
    const crashed = path.join(tmp, 'crashed');
    fs.mkdirSync(crashed);
    const target = path.join(crashed, 'app.db');
    fs.copyFileSync(dbPath, target);
    fs.copyFileSync(`${dbPath}-wal`, `${target}-wal`);
    live.close();
    assert.ok(fs.statSync(`${target}-wal`).size > 0);
    fs.writeFileSync(`${target}.before-restore`, 'an older one');

    const { replaced } = await restoreBackup(backup.path, target);
    assert.equal(replaced, `${target}.before-restore`);
    assert.equal(pairRows(target), 10);
    assert.equal(pairRows(replaced), 12, 'the commits that were only in the WAL are in the kept database');
    assert.deepEqual(fs.readdirSync(crashed).sort(), ['app.db', 'app.db.before-restore']);
    const reopened = openDatabase(target);
    assert.equal(count(reopened, 'SELECT count(*) AS n FROM pairs'), 10, 'no stale WAL replayed into the restored database');
    reopened.close();
  });

  test('a damaged backup is refused and the database is not touched', async () => {
    createDb(dbPath, 300, 100);
    const backup = await backupDatabase(dbPath, options({ compress: false }));
    damage(backup.path);
    const before = fs.readFileSync(dbPath);
    const names = fs.readdirSync(tmp).sort();
    await assert.rejects(restoreBackup(backup.path, dbPath), (err: BackupError) => {
      assert.equal(err.code, 'integrity_failed');
      assert.match(err.message, /^Backup ".+" is damaged; nothing was restored: /);
      return true;
    });
    assert.deepEqual(fs.readFileSync(dbPath), before);
    assert.deepEqual(fs.readdirSync(tmp).sort(), names, 'no temporary file, no .before-restore');
  });

  test('replaces a database too damaged to open, keeping it as it was', async () => {
    createDb(dbPath, 3);
    const backup = await backupDatabase(dbPath, options());
    const garbage = Buffer.alloc(8192, 0x5a);
    fs.writeFileSync(dbPath, garbage);
    const { replaced } = await restoreBackup(backup.path, dbPath);
    assert.equal(pairRows(dbPath), 6);
    assert.deepEqual(fs.readFileSync(replaced!), garbage);
  });

  test('restores where no database exists yet; refuses while another connection reads it', async () => {
    createDb(dbPath, 3);
    const backup = await backupDatabase(dbPath, options());
    const fresh = path.join(tmp, 'new', 'app.db');
    assert.deepEqual(await restoreBackup(backup.path, fresh), { replaced: undefined });
    assert.equal(pairRows(fresh), 6);

    const reader = openDatabase(fresh);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM pairs').get();
    const writer = openDatabase(fresh);
    writer.exec('INSERT INTO pairs (tx, v) VALUES (4, 1), (4, -1)'); // in the WAL, behind the reader's snapshot
    writer.close();
    await assert.rejects(restoreBackup(backup.path, fresh), { name: 'BackupError', code: 'target_busy' });
    reader.exec('COMMIT');
    reader.close();
  });
});

describe('listBackups and pruneBackups', () => {
  const NOW = new Date('2026-11-21T12:00:00Z');
  /** Backup files named for each age in days (content irrelevant), plus files that are not backups. */
  function files(days: number[], db = 'app'): string[] {
    fs.mkdirSync(dir, { recursive: true });
    return days.map((d) => {
      const time = new Date(NOW.getTime() - d * DAY).toISOString().slice(0, 19).replace(/[-:]/g, '');
      const name = `${db}-${time}Z-${d % 2 === 0 ? 'online' : 'vacuum'}.db${d % 3 === 0 ? '' : '.gz'}`;
      fs.writeFileSync(path.join(dir, name), 'x'.repeat(d + 1));
      return name;
    });
  }
  const FOREIGN = ['notes.txt', 'app-20200101T000000Z-online.db.bak', 'app-20201341T000000Z-online.db', '.app-backup-1-0123abcd.db', 'app.db'];
  function foreign(): void {
    for (const name of FOREIGN) fs.writeFileSync(path.join(dir, name), 'keep me');
  }
  const left = () => fs.readdirSync(dir).sort();

  test('lists backups newest first with what their names say', () => {
    assert.deepEqual(listBackups(dir), [], 'no folder: no backups');
    const names = files([3, 0, 1]);
    foreign();
    const list = listBackups(dir);
    assert.deepEqual(list.map((e) => e.file), [names[1], names[2], names[0]]);
    assert.deepEqual(list[0], {
      file: 'app-20261121T120000Z-online.db', path: path.join(dir, names[1]), db: 'app',
      time: NOW, mode: 'online', compressed: false, bytes: 1,
    });
    assert.equal(list[1].compressed, true);
    assert.equal(list[1].mode, 'vacuum');
    assert.equal(parseBackupFileName('my-app-20261121T120000.250Z-vacuum.db.gz')?.db, 'my-app');
    assert.equal(parseBackupFileName('my-app-20261121T120000.250Z-vacuum.db.gz')?.time.toISOString(), '2026-11-21T12:00:00.250Z');
    assert.equal(parseBackupFileName('app-20261121T250000Z-online.db'), undefined);
  });

  test('keep N: the N newest stay; other files are never touched', () => {
    const names = files([0, 1, 2, 3, 4]);
    foreign();
    assert.deepEqual(pruneBackups(dir, { keep: 3, maxAgeMs: 0, now: NOW }), [names[3], names[4]]);
    assert.deepEqual(left(), [...names.slice(0, 3), ...FOREIGN].sort());
    assert.deepEqual(pruneBackups(dir, { keep: 3, maxAgeMs: 0, now: NOW }), []);
  });

  test('max age: older ones go, but the newest backup is never removed', () => {
    const names = files([0, 1, 2, 3, 4]);
    assert.deepEqual(pruneBackups(dir, { keep: 0, maxAgeMs: 2.5 * DAY, now: NOW }), [names[3], names[4]]);
    const old = files([10, 11], 'logs');
    assert.deepEqual(pruneBackups(dir, { keep: 0, maxAgeMs: DAY / 2, now: NOW }).sort(), [names[1], names[2], old[1]].sort());
    assert.deepEqual(left(), [names[0], old[0]].sort(), 'each database keeps its newest');
  });

  test('both limits: a backup goes when either excludes it; 0 and 0 keeps everything', () => {
    const names = files([0, 1, 2, 3, 4, 5]);
    assert.deepEqual(pruneBackups(dir, { keep: 0, maxAgeMs: 0, now: NOW }), []);
    assert.deepEqual(pruneBackups(dir, { keep: 4, maxAgeMs: 1.5 * DAY, now: NOW }), names.slice(2));
    assert.deepEqual(left(), names.slice(0, 2).sort());
    assert.throws(() => pruneBackups(dir, { keep: -1, maxAgeMs: 0 }), RangeError);
  });

  test('keep counts each database on its own', () => {
    const app = files([0, 1, 2]);
    const logs = files([0, 1, 2], 'logs');
    assert.deepEqual(pruneBackups(dir, { keep: 1, maxAgeMs: 0, now: NOW }).sort(), [...app.slice(1), ...logs.slice(1)].sort());
    assert.deepEqual(left(), [app[0], logs[0]].sort());
  });
});
