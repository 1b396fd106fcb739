// The backup thread (started by backup.ts, one per task): all the heavy work of a backup — the online copy with its
// pauses, VACUUM INTO, gzip, and the integrity check of the result — runs here, so that none of it ever holds the
// thread that serves requests. It posts progress messages and ends with one `done` or `error` message.
import { parentPort, workerData } from 'node:worker_threads';
import { backup, DatabaseSync } from 'node:sqlite';
import { chmodSync, createReadStream, createWriteStream, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { createGunzip, createGzip } from 'node:zlib';
import { openDatabase } from './open.ts';

/** What a thread is started with. Paths are temporary files the caller names and removes. */
export type BackupTask =
  | {
    /** Copy `source` to `copy`; with `gzip`, compress it there (and remove `copy`); then verify the result. */
    op: 'backup'; mode: 'online' | 'vacuum'; source: string; copy: string; gzip?: string; pagesPerStep: number; stepPauseMs: number;
  }
  /** Verify `file`; with `gunzipTo`, it is gzip: decompressed there (and left there) first. */
  | { op: 'verify'; file: string; gunzipTo?: string };

/** What a thread posts: progress (online copy), then exactly one of done or error. */
export type BackupMessage =
  | { type: 'progress'; copied: number; total: number }
  | { type: 'done'; pages?: number; restarts?: number; problems: string[] }
  | { type: 'error'; message: string };

/** Runs task `t`; resolves to the `done` message. */
async function run(t: BackupTask, post: (m: BackupMessage) => void): Promise<BackupMessage> {
  if (t.op === 'verify') return { type: 'done', problems: await verify(t.file, t.gunzipTo) };
  let copied: { pages?: number; restarts?: number } = {};
  const db = openDatabase(t.source, { readOnly: true });
  try {
    if (t.mode === 'vacuum') {
      // A consistent snapshot by itself (one read transaction); in WAL mode writers are not blocked meanwhile.
      db.exec(`VACUUM INTO '${t.copy.replaceAll("'", "''")}'`);
    } else {
      copied = await onlineCopy(db, t, post);
    }
  } finally {
    db.close();
  }
  chmodSync(t.copy, 0o600);
  if (t.gzip === undefined) return { type: 'done', ...copied, problems: await verify(t.copy) };
  // flush: the data is on disk before the file gets its backup name.
  await pipeline(createReadStream(t.copy), createGzip(), createWriteStream(t.gzip, { flags: 'wx', mode: 0o600, flush: true }));
  rmSync(t.copy);
  // The file checked is the one kept: decompressed again, into the space the copy used.
  return { type: 'done', ...copied, problems: await verify(t.gzip, t.copy) };
}

/** Problems of `file` (decompressed to `gunzipTo` first when given); [] when it passes. */
async function verify(file: string, gunzipTo?: string): Promise<string[]> {
  if (gunzipTo === undefined) return integrityProblems(file);
  try {
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(gunzipTo, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    return [`Not a readable gzip file: ${(err as Error).message}`];
  }
  return integrityProblems(gunzipTo);
}

/**
 * node:sqlite's backup() runs each sqlite3_backup_step() on the libuv thread pool and, between steps, calls
 * `progress` synchronously on this thread, then schedules the next step at once: it has no pause and does not await
 * what `progress` returns. The pause is therefore taken inside `progress` with Atomics.wait, which blocks only this
 * backup thread — exactly "wait stepPauseMs before the next step" — while the server's thread keeps running.
 *
 * SQLite restarts an online backup from page 1 whenever another connection commits between two steps: measured on a
 * 20 MB database with another process committing continuously, a copy restarted dozens to hundreds of times and
 * sometimes never finished. So the copy reads through one read transaction held on the source for its whole
 * duration: every step then sees the same snapshot (consistent by construction, no restart). In WAL mode (every
 * monolite database) other processes keep committing meanwhile; checkpoints cannot pass that snapshot until the copy
 * ends, so the WAL grows by what is written during the copy. A rollback-journal database's writers wait instead.
 */
async function onlineCopy(db: DatabaseSync, t: Extract<BackupTask, { op: 'backup' }>, post: (m: BackupMessage) => void): Promise<{ pages: number; restarts: number }> {
  db.exec('BEGIN');
  db.prepare('SELECT count(*) FROM sqlite_schema').get(); // BEGIN is deferred: this read starts the snapshot
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let restarts = 0;
  let last = 0;
  const pages = await backup(db, t.copy, {
    rate: t.pagesPerStep,
    progress: ({ totalPages, remainingPages }) => {
      const copied = totalPages - remainingPages;
      // Reported, not expected: a restart begins again at page 1, so progress goes back (or stays).
      if (last > 0 && copied <= last) restarts++;
      last = copied;
      post({ type: 'progress', copied, total: totalPages });
      if (t.stepPauseMs > 0) Atomics.wait(sleeper, 0, 0, t.stepPauseMs);
    },
  });
  db.exec('COMMIT');
  post({ type: 'progress', copied: pages, total: pages });
  return { pages, restarts };
}

/** `PRAGMA integrity_check` of the file opened as immutable (no lock, no -wal/-shm created); [] when it is "ok". */
function integrityProblems(file: string): string[] {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(`${pathToFileURL(file).href}?immutable=1`, { readOnly: true });
    const pages = (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    if (pages === 0) return ['The file is empty: it holds no database'];
    const rows = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
    if (rows.length === 1 && rows[0].integrity_check === 'ok') return [];
    // A row may hold several lines, under a "*** in database main ***" heading.
    return rows.flatMap((r) => r.integrity_check.split('\n')).filter((line) => line !== '' && !/^\*\*\* in database .* \*\*\*$/.test(line));
  } catch (err) {
    return [`Cannot read it as a SQLite database: ${(err as Error).message}`];
  } finally {
    if (db?.isOpen) db.close();
  }
}

if (parentPort) {
  const port = parentPort;
  const post = (m: BackupMessage): void => port.postMessage(m);
  run(workerData as BackupTask, post).then(post, (err: unknown) => {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  });
}
