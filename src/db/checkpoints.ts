// WAL checkpoints of the server's databases, taken off the thread that serves requests.
//
// SQLite's automatic checkpoint runs inside the commit that crosses 1000 WAL pages, on whatever thread commits. It
// copies every WAL frame that no reader still needs into the database file and syncs it. While a reader holds an old
// snapshot — an online backup holds one for its whole copy, another process may too — no frame can be copied, and the
// first commit after the reader lets go copies all that piled up meanwhile. Measured here: after a 10-second snapshot
// under continuous writes, that one commit took 2.4 s, a stall of every request on the serving thread.
//
// So a connection handed to checkpointInBackground() never checkpoints (wal_autocheckpoint = 0); a timer looks at the
// size of each registered database's -wal file once a second, and once one passes WAL_LIMIT_BYTES (SQLite's own
// threshold, 1000 pages of 4 KiB) a checkpoint thread starts and runs PRAGMA wal_checkpoint(PASSIVE) on every
// registered database each second from then on (nothing to copy costs it microseconds). An idle or lightly written
// server never starts the thread (it is a second V8 isolate, ~14 MB of RSS). If the thread cannot start or dies, the
// connections get their automatic checkpoints back.
import { statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { threadExecArgv } from '../lib/thread-exec-argv.ts';

/** SQLite's default wal_autocheckpoint, restored on release; at the default page size, the WAL size that starts the thread. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
const WAL_LIMIT_BYTES = SQLITE_AUTOCHECKPOINT_PAGES * 4096;
const CHECK_INTERVAL_MS = 1000;

interface Registered { db: DatabaseSync; path: string }

const registered = new Set<Registered>();
let timer: NodeJS.Timeout | undefined;
let thread: Worker | undefined;
let inFlight = false;
let failed = false;
// The last error reported per database, so that one that persists (a full disk) is reported once, not every second.
const lastErrors = new Map<string, string>();

/** What the checkpoint thread reports for one round. */
export interface CheckpointRound { path: string; error?: string }

/**
 * Moves the automatic checkpoints of `db` (a writable connection to the file at `path`, in WAL mode) off this thread.
 * Returns the function to call before closing `db`: it gives the connection its automatic checkpoints back.
 */
export function checkpointInBackground(db: DatabaseSync, path: string): () => void {
  if (failed || path === ':memory:') return () => {};
  db.exec('PRAGMA wal_autocheckpoint = 0');
  const entry: Registered = { db, path };
  registered.add(entry);
  timer ??= setInterval(tick, CHECK_INTERVAL_MS).unref();
  return () => {
    if (!registered.delete(entry)) return;
    if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    if (registered.size === 0) stop();
  };
}

/** True once the checkpoint thread runs (for tests and diagnostics). */
export function checkpointThreadRunning(): boolean {
  return thread !== undefined;
}

function paths(): string[] {
  return [...new Set([...registered].map((r) => r.path))];
}

function walBytes(path: string): number {
  return statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
}

function tick(): void {
  if (inFlight) return; // a round still copying (a large backlog): the next tick asks again
  const files = paths();
  if (thread === undefined) {
    if (!files.some((p) => walBytes(p) > WAL_LIMIT_BYTES)) return;
    if (!start()) return;
  }
  inFlight = true;
  thread!.postMessage(files);
}

function start(): boolean {
  try {
    const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { execArgv: threadExecArgv() });
    worker.unref();
    worker.on('message', (rounds: CheckpointRound[]) => {
      inFlight = false;
      for (const r of rounds) {
        if (r.error !== undefined && lastErrors.get(r.path) !== r.error) process.emitWarning(`WAL checkpoint of ${r.path} failed: ${r.error}`);
        if (r.error === undefined) lastErrors.delete(r.path);
        else lastErrors.set(r.path, r.error);
      }
    });
    worker.on('error', fallBack);
    worker.on('exit', (code) => { if (thread === worker && code !== 0) fallBack(new Error(`exited with code ${code}`)); });
    thread = worker;
    return true;
  } catch (err) {
    fallBack(err);
    return false;
  }
}

/** Without a thread, every registered connection checkpoints by itself again, as SQLite does by default. */
function fallBack(err: unknown): void {
  if (failed) return;
  failed = true;
  process.emitWarning(`The WAL checkpoint thread stopped (${(err as Error)?.message ?? err}); checkpoints go back to the connections`);
  for (const { db } of registered) if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  registered.clear();
  stop();
}

function stop(): void {
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  inFlight = false;
  const worker = thread;
  thread = undefined;
  // The thread closes its connections and ends by itself ('close'); nothing waits for it.
  worker?.postMessage('close');
}
