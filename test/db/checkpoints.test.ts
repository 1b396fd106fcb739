// WAL checkpoints off the serving thread: a registered connection never copies its WAL into the database file, even
// the backlog a long-held snapshot leaves behind; the checkpoint thread does, once the WAL has grown; an idle database
// never starts it; released connections get SQLite's automatic checkpoints back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../src/db/open.ts';
import { checkpointInBackground, checkpointThreadRunning } from '../../src/db/checkpoints.ts';
import { DatabaseSync } from 'node:sqlite';
import { createApp } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { until } from '../support/until.ts';

const MB = 1024 * 1024;

function tempDb(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-checkpoints-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'app.db');
}

const fileBytes = (path: string) => statSync(path).size;
const autocheckpoint = (db: ReturnType<typeof openDatabase>) => (db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint;

test('an idle database does not start the checkpoint thread; a released connection checkpoints by itself again', async (t) => {
  const file = tempDb(t);
  const db = openDatabase(file);
  t.after(() => db.close());
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT)');
  const release = checkpointInBackground(db, file);
  assert.equal(autocheckpoint(db), 0);
  db.prepare('INSERT INTO items (note) VALUES (?)').run('a few bytes');
  await sleep(1500); // more than one look at the WAL's size
  assert.equal(checkpointThreadRunning(), false, 'a small WAL does not start the thread');
  release();
  assert.equal(autocheckpoint(db), 1000);
});

test('the backlog a held snapshot leaves is copied by the checkpoint thread, not by the next commit', async (t) => {
  const file = tempDb(t);
  const writer = openDatabase(file);
  const reader = openDatabase(file);
  t.after(() => { writer.close(); reader.close(); });
  writer.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT)');
  const release = checkpointInBackground(writer, file);
  t.after(release);

  // The reader's snapshot (an online backup holds one for its whole copy) keeps every later frame in the WAL.
  reader.exec('BEGIN');
  reader.prepare('SELECT count(*) FROM items').get();
  const insert = writer.prepare('INSERT INTO items (note) VALUES (?)');
  const note = 'n'.repeat(3000);
  for (let i = 0; i < 2500; i++) insert.run(note); // ~10 MB of WAL, commit by commit
  const walAfterWrites = statSync(`${file}-wal`).size;
  assert.ok(walAfterWrites > 8 * MB, `WAL of ${walAfterWrites} bytes`);
  reader.exec('COMMIT');

  // With SQLite's automatic checkpoint this commit would copy the whole backlog (measured: seconds for a large one).
  const before = fileBytes(file);
  insert.run(note);
  assert.ok(fileBytes(file) < 1 * MB, `the commit after the snapshot did not copy the backlog (database file ${fileBytes(file)} bytes, was ${before})`);

  // The thread copies it within a few of its rounds (one a second).
  await until(() => fileBytes(file) > 8 * MB, () => `the checkpoint thread to copy the WAL (database file ${fileBytes(file)} bytes)`, 15_000);
  assert.equal(checkpointThreadRunning(), true);
  assert.equal((writer.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n, 2501);
  release();
  assert.equal(checkpointThreadRunning(), false, 'the last release stops the thread');
});

test('a running app hands app.db and its REST databases to the checkpoint thread, and gives them back on close', async (t) => {
  const file = tempDb(t);
  const shopFile = join(file, '..', 'shop.db');
  const shop = new DatabaseSync(shopFile);
  shop.exec('CREATE TABLE items (id INTEGER PRIMARY KEY)');
  shop.close();
  const app = await createApp({
    dataDir: join(file, '..', 'data'), env: {}, log: new Logger([], 'error'),
    flags: { rest: { databases: { shop: { uri: `sqlite://${shopFile}` } } } as never },
  });
  const restDb = (app.rest.get('shop')!.plugin as unknown as { db: DatabaseSync }).db;
  assert.equal(autocheckpoint(app.db), 0, 'app.db');
  assert.equal(autocheckpoint(restDb), 0, 'the REST database');
  await app.close();
  assert.equal(checkpointThreadRunning(), false);
});
