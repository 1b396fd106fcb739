// Admin API, backups: the list of backups in backup.dir, a backup run now — answered 202 at once with a run id whose
// progress (pages copied of the total) is read at /backups/runs/:id — and the download of one backup file, streamed.
// A run does what the scheduled backup job does (back up app.db with the [backup] settings, then prune by
// backup.keep/max_age) on the backup module's own thread. One run at a time: a second is refused while one runs.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RouteGroup } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Config } from '../config/schema.ts';
import { backupSettings } from '../config/backup-settings.ts';
import { backupAndPrune, listBackups } from '../db/backup.ts';
import { checkQueryNames } from './params.ts';
import { adminId } from './guard.ts';

/** One backup started through the API. */
interface BackupRun {
  id: string;
  status: 'running' | 'done' | 'failed';
  /** Pages copied and the database's page count (online mode; 0 and null until the first step, or with vacuum). */
  copiedPages: number;
  totalPages: number | null;
  started: string;
  finished: string | null;
  file: string | null;
  bytes: number | null;
  pruned: string[];
  error: string | null;
  adminId: number;
}

export interface AdminBackupParts {
  dataDir: string;
  config: () => Config;
  log: Logger;
}

/** Runs remembered for their progress page; older ones are forgotten. */
const KEPT_RUNS = 20;

/** Registers the /backups routes on the admin group. */
export function registerBackupRoutes(admin: RouteGroup<Handler>, parts: AdminBackupParts): void {
  const { dataDir, log } = parts;
  const runs = new Map<string, BackupRun>();
  let seq = 0;
  const settings = () => backupSettings(dataDir, parts.config().backup);

  admin.get('/backups', (ctx) => {
    checkQueryNames(ctx, []);
    const dir = settings().dir;
    ctx.json(200, {
      dir,
      backups: listBackups(dir).map((b) => ({ name: b.file, db: b.db, time: b.time.toISOString(), mode: b.mode, compressed: b.compressed, bytes: b.bytes })),
      running: [...runs.values()].find((r) => r.status === 'running')?.id ?? null,
    });
  });

  admin.post('/backups', (ctx) => {
    checkQueryNames(ctx, []);
    const busy = [...runs.values()].find((r) => r.status === 'running');
    if (busy !== undefined) throw new HttpError(409, 'backup_running', `Backup run ${busy.id} is still running; follow it at /api/admin/backups/runs/${busy.id}`);
    const s = settings();
    const run: BackupRun = {
      id: String(++seq), status: 'running', copiedPages: 0, totalPages: null, started: new Date().toISOString(), finished: null,
      file: null, bytes: null, pruned: [], error: null, adminId: adminId(ctx),
    };
    runs.set(run.id, run);
    for (const id of runs.keys()) if (runs.size > KEPT_RUNS) runs.delete(id);
    log.info('Admin started a backup', { admin_id: run.adminId, run: run.id, dir: s.dir, mode: s.mode });
    void (async () => {
      try {
        const result = await backupAndPrune(join(dataDir, 'app.db'), {
          ...s,
          onProgress: (copied, total) => {
            run.copiedPages = copied;
            run.totalPages = total;
          },
        });
        Object.assign(run, { status: 'done', file: result.file, bytes: result.bytes, pruned: result.pruned });
        log.info('Backup written', { file: result.path, bytes: result.bytes, mode: result.mode, duration_ms: Math.round(result.durationMs), pruned: result.pruned, admin_id: run.adminId });
      } catch (err) {
        Object.assign(run, { status: 'failed', error: (err as Error).message });
        log.error('Backup failed', { error: (err as Error).message, admin_id: run.adminId, run: run.id });
      } finally {
        run.finished = new Date().toISOString();
      }
    })();
    ctx.json(202, runJson(run));
  });

  admin.get('/backups/runs/:id', (ctx) => {
    checkQueryNames(ctx, []);
    const run = runs.get(ctx.params.id);
    if (run === undefined) throw new HttpError(404, 'not_found', `No backup run "${ctx.params.id}" (runs are kept in memory, the last ${KEPT_RUNS})`);
    ctx.json(200, runJson(run));
  });

  admin.get('/backups/:name', async (ctx) => {
    checkQueryNames(ctx, []);
    const name = ctx.params.name;
    // Only a name the listing shows is served: nothing else of the folder, and no path leaves it.
    const entry = listBackups(settings().dir).find((b) => b.file === name);
    if (entry === undefined) throw new HttpError(404, 'not_found', `No backup named ${JSON.stringify(name.slice(0, 200))}`);
    const stream = createReadStream(entry.path);
    // Opened before anything is sent, so a file removed meanwhile (pruned) is still a clean 404.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new HttpError(404, 'not_found', `No backup named ${JSON.stringify(name)}`) : err));
    });
    ctx.writeHead(200, {
      'content-type': entry.compressed ? 'application/gzip' : 'application/vnd.sqlite3',
      'content-length': entry.bytes,
      'content-disposition': `attachment; filename="${entry.file}"`,
      'cache-control': 'no-store',
    });
    log.info('Admin downloaded a backup', { admin_id: adminId(ctx), file: entry.file });
    // A client that goes away ends the pipeline (and closes the file); the rejection is not an error of ours.
    await pipeline(stream, ctx.res).catch(() => stream.destroy());
  });
}

function runJson(run: BackupRun): Record<string, unknown> {
  return {
    id: run.id, status: run.status, copied_pages: run.copiedPages, total_pages: run.totalPages,
    progress: run.status === 'done' ? 1 : run.totalPages ? Math.min(1, run.copiedPages / run.totalPages) : null,
    started: run.started, finished: run.finished, file: run.file, bytes: run.bytes, pruned: run.pruned, error: run.error,
  };
}
