// Backups of a SQLite database (app.db): taken while the server runs, checked, compressed, listed, pruned, restored.
//
// Modes. `online`: SQLite's backup API (node:sqlite backup()) copies `pagesPerStep` pages per step and waits
// `stepPauseMs` between steps; the copy is one consistent snapshot even while other processes keep writing (see
// backup-worker.ts for how). `vacuum`: `VACUUM INTO`, a compact copy (no free pages), also one snapshot.
// The copy, its compression and its verification run on a thread of their own (backup-worker.ts, one per call):
// a backup never stalls the thread serving requests, whatever the size of the database.
//
// Files. `<dir>/<db>-<UTC time>-<mode>.db.gz` (gzip, the default) or `.db`, e.g. `app-20261121T143005Z-online.db.gz`;
// when a backup of the same database and mode already has that second's name, the time gets milliseconds
// (`app-20261121T143005.123Z-online.db.gz`), and the next free millisecond after that. Names are claimed with a
// hard link, so two processes never overwrite each other's backup. The folder is created with mode 0700, files 0600.
//
// Guarantees. A backup is written under a hidden temporary name in the same folder (`.<db>-backup-<pid>-<id>.*`) and
// gets its final name only after it was verified: decompressed (when gzip) and `PRAGMA integrity_check` = "ok". On
// any failure every temporary file is removed and a BackupError is thrown: there is never a half-written or
// unverified file under a backup name. Temporary files left by a process that died are removed by the next backup.
// A restore checks the backup the same way before it touches the database, and keeps the database it replaces.
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, copyFileSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { threadExecArgv } from '../lib/thread-exec-argv.ts';
import { openDatabase } from './open.ts';
import { backupDbName, backupFileName, pruneBackups, type BackupMode, type PruneOptions } from './backup-files.ts';
import type { BackupMessage, BackupTask } from './backup-worker.ts';

export { listBackups, pruneBackups, parseBackupFileName, type BackupEntry, type BackupMode, type PruneOptions } from './backup-files.ts';

/** Stable codes of BackupError. */
export type BackupErrorCode = 'source_missing' | 'not_found' | 'copy_failed' | 'integrity_failed' | 'target_busy' | 'name_taken';

/** A backup or restore that did not happen; nothing was left behind and nothing was changed. */
export class BackupError extends Error {
  override name = 'BackupError';
  readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface BackupOptions {
  /** Folder of the backups (created, mode 0700). */
  dir: string;
  mode: BackupMode;
  /** gzip the file (`.db.gz`). */
  compress: boolean;
  /** online: pages copied per step (>= 1). */
  pagesPerStep: number;
  /** online: pause between two steps, in ms (>= 0). */
  stepPauseMs: number;
  /** online: called after each step with the pages copied so far and the database's page count. */
  onProgress?: (copiedPages: number, totalPages: number) => void;
  /** The time in the file name (default: now). */
  now?: Date;
}

export interface BackupResult {
  /** File name (in `dir`). */
  file: string;
  path: string;
  /** Size of the file written. */
  bytes: number;
  /** online: pages copied. */
  pages?: number;
  /** online: times SQLite restarted the copy because another connection wrote; 0, as the copy reads one snapshot. */
  restarts?: number;
  durationMs: number;
  mode: BackupMode;
}

export interface VerifyResult {
  ok: boolean;
  /** What integrity_check (or reading the file) reported; empty when ok. */
  problems: string[];
}

export interface RestoreResult {
  /** `<dbPath>.before-restore`, the database that was replaced; undefined when there was none. */
  replaced?: string;
}

/** Temporary files: `.<db>-backup-…` and `.<file>-verify-…` in a backup folder, `<db file>.restore-…` beside a database. */
const TEMP_NAME = /^(?:\..+-(?:backup|verify)|.+\.restore)-(\d+)-[0-9a-f]{8}\./;
/** Errors of link() on file systems without hard links; the name is then claimed with a check and a rename. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * A backup, then the pruning of the old ones by `keep` and `maxAgeMs` (the files removed in `pruned`): what the
 * scheduled job, the admin API and `monolite backup` run.
 */
export async function backupAndPrune(dbPath: string, options: BackupOptions & Omit<PruneOptions, 'now'>): Promise<BackupResult & { pruned: string[] }> {
  const result = await backupDatabase(dbPath, options);
  return { ...result, pruned: pruneBackups(options.dir, { keep: options.keep, maxAgeMs: options.maxAgeMs }) };
}

/** Backs up the database at `dbPath` (opened read-only, on its own connection) into `options.dir`. */
export async function backupDatabase(dbPath: string, options: BackupOptions): Promise<BackupResult> {
  const { dir, mode, compress } = options;
  if (mode !== 'online' && mode !== 'vacuum') throw new RangeError(`Invalid backup mode "${String(mode)}": expected "online" or "vacuum"`);
  if (!Number.isInteger(options.pagesPerStep) || options.pagesPerStep < 1 || options.pagesPerStep > 0x7fffffff) {
    throw new RangeError(`Invalid pagesPerStep ${String(options.pagesPerStep)}: expected a whole number from 1 to 2147483647`);
  }
  if (!Number.isFinite(options.stepPauseMs) || options.stepPauseMs < 0) {
    throw new RangeError(`Invalid stepPauseMs ${String(options.stepPauseMs)}: expected a number of milliseconds >= 0`);
  }
  if (!existsSync(dbPath)) throw new BackupError('source_missing', `Cannot back up "${dbPath}": no such database`);
  const started = options.now ?? new Date();
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  removeStaleTemps(dir);
  const db = backupDbName(dbPath);
  const base = join(dir, `.${db}-backup-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const task: BackupTask = {
      op: 'backup', mode, source: dbPath, copy: `${base}.db`, gzip: compress ? `${base}.db.gz` : undefined,
      pagesPerStep: options.pagesPerStep, stepPauseMs: options.stepPauseMs,
    };
    let done;
    try {
      done = await runTask(task, options.onProgress);
    } catch (err) {
      throw err instanceof BackupError ? err : new BackupError('copy_failed', `Backup of "${dbPath}" failed: ${(err as Error).message}`);
    }
    if (done.problems.length > 0) throw integrityError(`The backup of "${dbPath}" failed verification; nothing was kept`, done.problems);
    const file = claimName(task.gzip ?? task.copy, dir, (precise, ms) => backupFileName(db, new Date(started.getTime() + ms), mode, compress, precise));
    syncDir(dir);
    const path = join(dir, file);
    return { file, path, bytes: statSync(path).size, pages: done.pages, restarts: done.restarts, durationMs: Math.round(performance.now() - t0), mode };
  } finally {
    removeTemps(base);
  }
}

/** Checks a backup file (`.db`, or gzip whatever its name): it must decompress, open, and pass integrity_check. */
export async function verifyBackup(file: string, options: { tempDir?: string } = {}): Promise<VerifyResult> {
  if (!existsSync(file)) throw new BackupError('not_found', `No backup file "${file}"`);
  if (!isGzip(file)) return verifyFile(file);
  let dir = options.tempDir ?? dirname(file);
  // A backup on a read-only medium is decompressed in the system's temporary folder instead.
  if (options.tempDir === undefined && !writable(dir)) dir = tmpdir();
  const base = join(dir, `.${basename(file)}-verify-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    return await verifyFile(file, `${base}.db`);
  } finally {
    removeTemps(base);
  }
}

/**
 * Replaces the database at `dbPath` with the backup `file` (`.db` or gzip). The backup is checked first: a corrupt
 * one is refused with a BackupError and the database is not touched. The current database is checkpointed (so its
 * WAL's commits are in the file), kept as `<dbPath>.before-restore` (replacing an older one), its `-wal`/`-shm` are
 * removed, and the restored copy, written next to it, is renamed into place. No process may use `dbPath` meanwhile.
 */
export async function restoreBackup(file: string, dbPath: string): Promise<RestoreResult> {
  if (!existsSync(file)) throw new BackupError('not_found', `No backup file "${file}"`);
  mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 });
  removeStaleTemps(dirname(dbPath));
  const temp = `${dbPath}.restore-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const restored = `${temp}.db`;
    let check;
    if (isGzip(file)) {
      check = await verifyFile(file, restored);
    } else {
      await copyFile(file, restored);
      check = await verifyFile(restored);
    }
    if (!check.ok) throw integrityError(`Backup "${file}" is damaged; nothing was restored`, check.problems);
    let replaced: string | undefined;
    if (existsSync(dbPath)) {
      checkpoint(dbPath);
      replaced = `${dbPath}.before-restore`;
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(replaced + suffix, { force: true });
      try {
        linkSync(dbPath, replaced); // app.db never goes missing: the rename below replaces it in one step
      } catch (err) {
        if (!NO_LINKS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
        copyFileSync(dbPath, replaced);
      }
      // What a checkpoint could not bring in (a damaged database) stays with the replaced file, as its own WAL.
      for (const suffix of ['-wal', '-journal']) if (existsSync(dbPath + suffix)) renameSync(dbPath + suffix, replaced + suffix);
    }
    // A -wal or -journal left next to the new file would be replayed into it.
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(dbPath + suffix, { force: true });
    syncFile(restored);
    renameSync(restored, dbPath);
    syncDir(dirname(dbPath));
    return { replaced };
  } finally {
    removeTemps(temp);
  }
}

/** Verifies `file` on a backup thread; a gzip file is decompressed to `gunzipTo` first (left there for the caller). */
async function verifyFile(file: string, gunzipTo?: string): Promise<VerifyResult> {
  const { problems } = await runTask({ op: 'verify', file, gunzipTo });
  return { ok: problems.length === 0, problems };
}

function integrityError(what: string, problems: string[]): BackupError {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new BackupError('integrity_failed', `${what}: ${problems[0]}${more}`);
}

/** Runs one task on a backup thread; resolves to its `done` message, rejects with its error. */
function runTask(task: BackupTask, onProgress?: (copied: number, total: number) => void): Promise<Extract<BackupMessage, { type: 'done' }>> {
  const worker = new Worker(new URL('./backup-worker.ts', import.meta.url), { workerData: task, execArgv: threadExecArgv() });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on('message', (m: BackupMessage) => {
      if (m.type === 'done') settle(() => resolve(m));
      else if (m.type === 'error') settle(() => reject(new Error(m.message)));
      else if (onProgress && !settled) {
        try {
          onProgress(m.copied, m.total);
        } catch (err) {
          // Rejected once the thread is gone, so that the caller's cleanup does not race its writes.
          settle(() => void worker.terminate().then(() => reject(err), () => reject(err)));
        }
      }
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`The backup thread stopped (exit code ${code})`))));
  });
}

/** Gives `temp` the first free name from `name(precise, extraMs)`; another process's backup is never replaced. */
function claimName(temp: string, dir: string, name: (precise: boolean, extraMs: number) => string): string {
  for (let i = 0; i <= 1000; i++) {
    const file = i === 0 ? name(false, 0) : name(true, i - 1);
    const path = join(dir, file);
    try {
      linkSync(temp, path);
      return file;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') continue;
      if (!NO_LINKS.has(code)) throw err;
      if (existsSync(path)) continue;
      renameSync(temp, path);
      return file;
    }
  }
  throw new BackupError('name_taken', `Cannot name the backup: every name for ${name(false, 0)} and the second after is taken`);
}

/**
 * Brings the WAL's commits into the database file; refused when another connection keeps them from it. A database
 * too damaged to open is left as it is (a restore is how one replaces it): its WAL is then kept beside the copy.
 */
function checkpoint(dbPath: string): void {
  const busy = () => new BackupError('target_busy', `Cannot restore over "${dbPath}": another process is using it; stop it first`);
  let db;
  try {
    db = openDatabase(dbPath);
    db.exec('PRAGMA busy_timeout = 0'); // a user of the file is a reason to stop, not to wait
    db.prepare('SELECT count(*) FROM sqlite_schema').get(); // recovers a WAL or rolls back a hot journal first
    const result = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number } | undefined;
    if (result && result.busy !== 0) throw busy();
  } catch (err) {
    if (err instanceof BackupError) throw err;
    const primary = ((err as { errcode?: number }).errcode ?? 0) & 0xff;
    if (primary === 5 || primary === 6) throw busy(); // SQLITE_BUSY, SQLITE_LOCKED
  } finally {
    if (db?.isOpen) db.close();
  }
}

/** Removes `<base>.*` (the temporary files of one backup, verification or restore, and SQLite's -journal of them). */
function removeTemps(base: string): void {
  const dir = dirname(base);
  const prefix = basename(base) + '.';
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(prefix)) rmSync(join(dir, name), { force: true });
}

/** Removes the temporary files in `dir` of processes that are gone (killed in the middle of a backup or restore). */
function removeStaleTemps(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (pid > 0 && pid !== process.pid && !alive(pid)) rmSync(join(dir, name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a new name in `dir` durable (best effort: not every platform can fsync a folder). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder for fsync; the file itself is synced.
  }
}
