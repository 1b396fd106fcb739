// One write transaction helper for every module that writes app.db or logs.db: BEGIN IMMEDIATE (the write lock is
// taken before the first read, so read-then-write cannot race another writer), COMMIT, or ROLLBACK on a throw. Inside
// a transaction already open it becomes a savepoint, so a caller can group writes that use it themselves.
import type { DatabaseSync } from 'node:sqlite';

/** Runs `fn` in a write transaction on `db` (a savepoint when one is open); rolls back and rethrows when it throws. */
export function writeTransaction<T>(db: DatabaseSync, fn: () => T): T {
  const nested = db.isTransaction;
  db.exec(nested ? 'SAVEPOINT nested_write' : 'BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec(nested ? 'RELEASE nested_write' : 'COMMIT');
    return result;
  } catch (err) {
    try {
      if (nested) db.exec('ROLLBACK TO nested_write; RELEASE nested_write');
      else if (db.isTransaction) db.exec('ROLLBACK');
    } catch { /* the connection is unusable; the original error says why */ }
    throw err;
  }
}
