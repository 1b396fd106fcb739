// `monolite backup now|list|verify|restore` on a temporary data directory: in process through main() (own streams and
// environment), and once through a subprocess for the real exit code.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/main.ts';
import { openDatabase } from '../../src/db/open.ts';
import { ROOT } from '../support/process.ts';

let tmp: string;
let dataDir: string;
let backups: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-cli-backup-'));
  dataDir = path.join(tmp, 'data');
  backups = path.join(dataDir, 'backups');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Result { status: number; stdout: string; stderr: string }

/** Runs `monolite backup <args> --data-dir <tmp>` in process; `tty` makes stderr claim to be a terminal. */
async function backup(args: string[], options: { env?: NodeJS.ProcessEnv; tty?: boolean } = {}): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough().on('data', (c) => out.push(String(c)));
  const stderr = Object.assign(new PassThrough().on('data', (c) => err.push(String(c))), { isTTY: options.tty === true });
  const status = await main(['backup', ...args, '--data-dir', dataDir], { stdout, stderr, env: options.env ?? {} });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

async function ok(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await backup(args, { env });
  assert.equal(r.status, 0, `backup ${args.join(' ')} failed: ${r.stderr}`);
  assert.equal(r.stderr, '', 'nothing on stderr when it is not a terminal');
  return r.stdout;
}

/** The path `backup now` printed. */
function written(stdout: string): string {
  const m = /^Backed up app\.db to (.+) \(\d+(?:\.\d)? (?:B|KiB|MiB)(?:, \d+ pages)?, \d+\.\d s\)$/m.exec(stdout);
  assert.ok(m, stdout);
  return m[1];
}

function rows(): number {
  const db = openDatabase(path.join(dataDir, 'app.db'), { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'marker'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function addMarker(): void {
  const db = openDatabase(path.join(dataDir, 'app.db'));
  db.exec('CREATE TABLE marker (id INTEGER PRIMARY KEY)');
  db.close();
}

describe('backup now', () => {
  test('on a fresh data directory: an online gzip backup in <data-dir>/backups (0700), verified', async () => {
    const file = written(await ok(['now']));
    assert.equal(path.dirname(file), backups);
    assert.match(path.basename(file), /^app-\d{8}T\d{6}Z-online\.db\.gz$/);
    assert.equal(fs.statSync(backups).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(backups), [path.basename(file)]);
  });

  test('--mode vacuum --no-compress; the environment sets the folder (relative to the data directory)', async () => {
    const file = written(await ok(['now', '--mode', 'vacuum', '--no-compress'], { MONOLITE_BACKUP_DIR: 'elsewhere' }));
    assert.equal(path.dirname(file), path.join(dataDir, 'elsewhere'));
    assert.match(path.basename(file), /^app-\d{8}T\d{6}(\.\d{3})?Z-vacuum\.db$/);
    const configured = written(await ok(['now', '--compress'], { MONOLITE_BACKUP_COMPRESS: 'false', MONOLITE_BACKUP_MODE: 'vacuum' }));
    assert.match(configured, /-vacuum\.db\.gz$/);
  });

  test('applies backup.keep after a successful backup and says what it pruned', async () => {
    const env = { MONOLITE_BACKUP_KEEP: '2' };
    const first = written(await ok(['now'], env));
    await ok(['now'], env);
    const third = await ok(['now'], env);
    assert.match(third, new RegExp(`^Pruned ${path.basename(first).replace(/\./g, '\\.')}$`, 'm'));
    assert.equal(fs.readdirSync(backups).length, 2);
  });

  test('a progress bar on a terminal, cleared at the end', async () => {
    const r = await backup(['now', '--no-compress'], { tty: true });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^\rBacking up \[#+\] 100% (\d+)\/\1 pages\x1b\[K/m);
    assert.ok(r.stderr.endsWith('\r\x1b[K'), JSON.stringify(r.stderr.slice(-20)));
  });

  test('usage mistakes exit 2', async () => {
    for (const args of [[], ['bogus'], ['now', '--mode', 'fast'], ['now', '--compress', '--no-compress'], ['now', 'extra'], ['list', '--mode', 'online'], ['verify'], ['restore', 'a', 'b']]) {
      const r = await backup(args);
      assert.equal(r.status, 2, `backup ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^monolite: .+\n\nUsage:\n  monolite backup now/, r.stderr);
    }
  });
});

describe('backup list / verify / restore', () => {
  test('list: a table, newest first; none yet says so', async () => {
    assert.equal(await ok(['list']), `No backups in ${backups}\n`);
    const first = path.basename(written(await ok(['now'])));
    const second = path.basename(written(await ok(['now', '--mode', 'vacuum', '--no-compress'])));
    const lines = (await ok(['list'])).trimEnd().split('\n');
    assert.match(lines[0], /^FILE\s+SIZE\s+TIME\s+MODE$/);
    assert.match(lines[1], new RegExp(`^${second.replace(/\./g, '\\.')}\\s+\\d+\\.\\d KiB\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+vacuum$`));
    assert.match(lines[2], new RegExp(`^${first.replace(/\./g, '\\.')}\\s+.+\\s+online$`));
    assert.equal(lines.length, 3);
  });

  test('verify: ok (by path or by name in the backup folder); a damaged file exits 1 with its problems', async () => {
    const file = written(await ok(['now', '--no-compress']));
    assert.equal(await ok(['verify', file]), `${file}: ok\n`);
    assert.equal(await ok(['verify', path.basename(file)]), `${file}: ok\n`);

    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(size / 2, 0xa5), 0, size / 2, size / 4);
    fs.closeSync(fd);
    const bad = await backup(['verify', file]);
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, new RegExp(`^monolite: ${file.replace(/\./g, '\\.')} is damaged:\n  .+`));

    const missing = await backup(['verify', 'app-20200101T000000Z-online.db.gz']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'monolite: No backup file "app-20200101T000000Z-online.db.gz"\n');
  });

  test('restore: swaps app.db and keeps the replaced one; a damaged backup is refused', async () => {
    const file = written(await ok(['now']));
    addMarker();
    assert.equal(rows(), 1);
    const out = await ok(['restore', path.basename(file)]);
    const db = path.join(dataDir, 'app.db');
    assert.equal(out, `Restored ${db} from ${file}\nThe database it replaced is kept as ${db}.before-restore\n`);
    assert.equal(rows(), 0, 'the marker table came after the backup');
    assert.ok(fs.existsSync(`${db}.before-restore`));

    fs.writeFileSync(path.join(tmp, 'junk.db.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]));
    const before = fs.readFileSync(db);
    const junk = await backup(['restore', path.join(tmp, 'junk.db.gz')]);
    assert.equal(junk.status, 1);
    assert.match(junk.stderr, /^monolite: Backup ".*junk\.db\.gz" is damaged; nothing was restored: Not a readable gzip file: .+\n$/);
    assert.deepEqual(fs.readFileSync(db), before);
  });

  test('restore is refused while a server runs on the data directory', async () => {
    const file = written(await ok(['now']));
    fs.writeFileSync(path.join(dataDir, 'monolite.pid'), `${process.pid}\n`);
    const r = await backup(['restore', file]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `monolite: Cannot restore while the server (pid ${process.pid}) runs on ${dataDir}; stop it first\n`);
  });

  test('through the real command line: a damaged backup exits 1', async () => {
    const file = written(await ok(['now', '--no-compress']));
    fs.writeFileSync(file, 'not a database, not even close to one, but long enough for a header');
    const verify = spawnSync(process.execPath, ['src/main.ts', 'backup', 'verify', file, '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(verify.status, 1);
    assert.equal(verify.stderr, `monolite: ${file} is damaged:\n  Cannot read it as a SQLite database: file is not a database\n`);
  });
});
