// `monolite migrate`: through the real CLI in a subprocess, and the command's error paths in process.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { migrateCommand } from '../../src/cli/migrate.ts';
import { UsageError } from '../../src/cli/command.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

let tmp: string;
let dataDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-cli-migrate-'));
  dataDir = path.join(tmp, 'data');
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** An app.db that exists but has nothing applied (a database from before the migrations existed). */
function emptyDatabase(): void {
  fs.mkdirSync(dataDir, { recursive: true });
  new DatabaseSync(path.join(dataDir, 'app.db')).close();
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['src/main.ts', ...args, '--data-dir', dataDir], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('monolite migrate (subprocess)', () => {
  test('status on a fresh folder creates the whole data directory', () => {
    const run = cli('migrate');
    assert.equal(run.status, 0, run.stderr);
    assert.ok(fs.existsSync(path.join(dataDir, 'app.db')));
    assert.ok(fs.existsSync(path.join(dataDir, 'secret.key')));
    assert.match(run.stdout, /^monolite\s+0001_instance\.sql\s+applied /m);
    assert.match(run.stdout, /^\d+ applied, 0 pending$/m);
  });

  test('on an existing database: status lists pending, up applies, then is up to date', () => {
    emptyDatabase();
    const pending = cli('migrate');
    assert.equal(pending.status, 0, pending.stderr);
    assert.match(pending.stdout, /^monolite\s+0001_instance\.sql\s+pending$/m);
    assert.match(pending.stdout, /^0 applied, \d+ pending$/m);

    const first = cli('migrate', 'up');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /0001_instance\.sql/);
    assert.match(first.stdout, /^\d+ migrations? applied$/m);

    const again = cli('migrate', 'up');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, 'Up to date\n');

    const status = cli('migrate', 'status');
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^monolite\s+0001_instance\.sql\s+applied \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    assert.match(status.stdout, /^\d+ applied, 0 pending$/m);
  });

  test('an unknown action exits 2 with the usage on stderr', () => {
    const run = cli('migrate', 'bogus');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /"bogus"/);
    assert.match(run.stderr, /Usage/i);
    assert.match(run.stderr, /monolite migrate \[status\]/);
  });
});

describe('migrateCommand (in process)', () => {
  function io(positionals: string[]) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: string[] = [];
    const err: string[] = [];
    stdout.on('data', (chunk) => out.push(String(chunk)));
    stderr.on('data', (chunk) => err.push(String(chunk)));
    return {
      io: { values: {}, positionals, dataDir, stdout, stderr, env: {} },
      stdout: () => out.join(''),
      stderr: () => err.join(''),
    };
  }

  test('rejects an unknown action and extra arguments with a UsageError', async () => {
    await assert.rejects(migrateCommand.run(io(['down']).io), (e: unknown) => e instanceof UsageError && /"down"/.test(e.message));
    await assert.rejects(migrateCommand.run(io(['up', 'now']).io), UsageError);
  });

  test('a migration error goes to stderr with exit 1', async () => {
    emptyDatabase();
    const ok = io(['up']);
    assert.equal(await migrateCommand.run(ok.io), 0);
    assert.match(ok.stdout(), /^Applied monolite 0001_instance\.sql$/m);

    // Forge a changed checksum, as if the shipped file had been edited after it was applied.
    const db = new DatabaseSync(path.join(dataDir, 'app.db'));
    db.exec("UPDATE schema_migrations SET checksum = 'deadbeef' WHERE name = '0001_instance.sql'");
    db.close();

    const bad = io(['status']);
    assert.equal(await migrateCommand.run(bad.io), 1);
    assert.equal(bad.stdout(), '');
    assert.match(bad.stderr(), /^monolite: Migration 0001_instance\.sql was changed after it was applied/);
  });
});
