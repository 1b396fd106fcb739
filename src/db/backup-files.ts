// Backup file names, listing and retention. A backup is named `<db>-<UTC time>-<mode>.db[.gz]`, for example
// `app-20261121T143005Z-online.db.gz`; the time has milliseconds (`20261121T143005.123Z`) only when a backup of the
// same database and mode already took the name of that second. Only names of this shape are ever listed or pruned.
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

export type BackupMode = 'online' | 'vacuum';

/** One backup file, as read from its name (and its size from the file system). */
export interface BackupEntry {
  /** File name, e.g. `app-20261121T143005Z-online.db.gz`. */
  file: string;
  /** Absolute (or dir-relative, as `dir` was given) path. */
  path: string;
  /** The database's name: its file name without `.db` (`app`). */
  db: string;
  /** When the backup was started (UTC, from the name). */
  time: Date;
  mode: BackupMode;
  /** True for `.db.gz`. */
  compressed: boolean;
  bytes: number;
}

export interface PruneOptions {
  /** Keep this many newest backups of each database; 0: no count limit. */
  keep: number;
  /** Remove backups older than this; 0: no age limit. */
  maxAgeMs: number;
  /** "Now" for the age limit (tests). */
  now?: Date;
}

const NAME = /^(.+)-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(?:\.(\d{3}))?Z-(online|vacuum)\.db(\.gz)?$/;

/** The database name backups of `dbPath` carry: its file name without a `.db`/`.sqlite` extension. */
export function backupDbName(dbPath: string): string {
  const name = basename(dbPath);
  const ext = extname(name);
  return ext === '' || ext === name ? name : name.slice(0, -ext.length);
}

/** The file name of a backup of `db` started at `time`; `precise` adds milliseconds (a second already taken). */
export function backupFileName(db: string, time: Date, mode: BackupMode, compressed: boolean, precise = false): string {
  const iso = time.toISOString(); // 2026-11-21T14:30:05.123Z
  const stamp = iso.slice(0, 19).replace(/[-:]/g, '') + (precise ? iso.slice(19, 23) : '') + 'Z';
  return `${db}-${stamp}-${mode}.db${compressed ? '.gz' : ''}`;
}

/** Reads a backup file name; undefined for any other name (never treated as a backup). */
export function parseBackupFileName(file: string): Omit<BackupEntry, 'path' | 'bytes'> | undefined {
  const m = NAME.exec(file);
  if (!m) return undefined;
  const [, db, y, mo, d, h, mi, s, ms, mode, gz] = m;
  const time = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms ?? '000'}Z`);
  // A name such as 20261341T… is not one this module writes.
  if (Number.isNaN(time.getTime()) || !time.toISOString().startsWith(`${y}-${mo}-${d}T${h}:${mi}:${s}`)) return undefined;
  return { file, db, time, mode: mode as BackupMode, compressed: gz !== undefined };
}

/** The backups in `dir` (every database, every mode), newest first; none when `dir` does not exist. */
export function listBackups(dir: string): BackupEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: BackupEntry[] = [];
  for (const file of names) {
    const parsed = parseBackupFileName(file);
    if (!parsed) continue;
    const path = join(dir, file);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue; // removed meanwhile
    }
    if (stat.isFile()) entries.push({ ...parsed, path, bytes: stat.size });
  }
  return entries.sort(newestFirst);
}

/**
 * Applies the retention to the backups in `dir`, separately for each database: a backup is removed when `keep` > 0
 * and it is not among the `keep` newest, or when `maxAgeMs` > 0 and it is older than that. The newest backup of a
 * database is never removed. Files with other names are never touched. Returns the removed file names.
 */
export function pruneBackups(dir: string, options: PruneOptions): string[] {
  const { keep, maxAgeMs } = options;
  if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`Invalid keep ${String(keep)}: expected a whole number >= 0`);
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new RangeError(`Invalid maxAgeMs ${String(maxAgeMs)}: expected a number >= 0`);
  const now = (options.now ?? new Date()).getTime();
  const seen = new Map<string, number>(); // backups of each database met so far, newest first
  const removed: string[] = [];
  for (const entry of listBackups(dir)) {
    const rank = seen.get(entry.db) ?? 0;
    seen.set(entry.db, rank + 1);
    if (rank === 0) continue;
    const tooMany = keep > 0 && rank >= keep;
    const tooOld = maxAgeMs > 0 && now - entry.time.getTime() > maxAgeMs;
    if (!tooMany && !tooOld) continue;
    try {
      unlinkSync(entry.path);
      removed.push(entry.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}

/** Newest first; a tie (same millisecond) is broken by name, so the order is stable. */
function newestFirst(a: BackupEntry, b: BackupEntry): number {
  return b.time.getTime() - a.time.getTime() || (a.file < b.file ? 1 : a.file > b.file ? -1 : 0);
}
