// writeTransaction: commits, rolls back on a throw, and nests as a savepoint whose rollback leaves the outer
// transaction's own writes in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { writeTransaction } from '../../src/db/transaction.ts';

function table(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE t (v TEXT)');
  return db;
}
const values = (db: DatabaseSync) => (db.prepare('SELECT v FROM t ORDER BY rowid').all() as { v: string }[]).map((r) => r.v);

test('commits what fn wrote and returns its result', () => {
  const db = table();
  assert.equal(writeTransaction(db, () => { db.exec("INSERT INTO t VALUES ('a')"); return 42; }), 42);
  assert.deepEqual(values(db), ['a']);
  assert.equal(db.isTransaction, false);
});

test('a throw rolls everything back and is rethrown', () => {
  const db = table();
  assert.throws(() => writeTransaction(db, () => { db.exec("INSERT INTO t VALUES ('a')"); throw new Error('boom'); }), /boom/);
  assert.deepEqual(values(db), []);
  assert.equal(db.isTransaction, false);
});

test('nested: the inner one is a savepoint; its rollback keeps the outer writes', () => {
  const db = table();
  writeTransaction(db, () => {
    db.exec("INSERT INTO t VALUES ('outer')");
    assert.throws(() => writeTransaction(db, () => { db.exec("INSERT INTO t VALUES ('inner')"); throw new Error('inner fails'); }));
    writeTransaction(db, () => db.exec("INSERT INTO t VALUES ('inner ok')"));
    assert.equal(db.isTransaction, true);
  });
  assert.deepEqual(values(db), ['outer', 'inner ok']);
});
