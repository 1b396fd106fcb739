// The log store: a batching sink that keeps log records in logs.db (a database of its own, so logging never
// contends with app.db's writers), and the pruning of old records.
//
// The sink never blocks and never throws: a record becomes a compact row in a bounded in-memory queue, or is dropped
// and counted when the queue is full. The queue is handed over when it reaches `flushRecords` (on the next turn of
// the event loop, never inside the caller's request) or `flushIntervalMs` after its first record, and each batch is
// written in one transaction. flush() and close() write synchronously, so their results are exact and a process that
// exits still writes what waits; prune() resolves when its batches are done (the app runs it as a recurrent job).
//
// Where batches are written (`writer`): on a writer thread, so that SQLite's work, the fsyncs of WAL checkpoints
// included, never stalls the thread that serves requests — or on the calling thread. The default, 'auto', starts on
// the calling thread and starts the writer thread the first time the load calls for it: a handed-over batch of
// `flushRecords` records or more, an inline write slower than `slowWriteMs`, or a prune that finds a backlog (a full
// batch to delete); from then on the thread writes. Why: the thread is a second V8 isolate (~14 MB of RSS and ~40 ms
// of CPU to start), which an idle or lightly used server does not need, while a busy one gets it within its first
// `flushRecords` requests. flush() and close() never start it (they wait for their write either way). When the
// thread cannot start or stops answering, the store writes on the calling thread from then on, and what the thread
// had not answered is counted as dropped.
import { fileURLToPath } from 'node:url';
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../db/open.ts';
import { migrate, type MigrationSource } from '../db/migrate.ts';
import type { LogSink } from './logger.ts';
import { fieldsToJson } from './json-fields.ts';
import { createLogWriter, queueRequest, queueRow, PRUNE_BATCH, type QueuedValue } from './log-writer.ts';
import type { RequestSink } from './request-record.ts';
import { startLogWriterThread, type LogWriterThread, type WriterAnswer } from './log-writer-thread.ts';

export interface LogStoreOptions {
  /** Records waiting to be written; beyond this, records are dropped and counted. */
  queueSize: number;
  /** Write once this many records wait… */
  flushRecords: number;
  /** …or this long after the first one started waiting. */
  flushIntervalMs: number;
  /** Records older than this are deleted by `prune()`. */
  retentionMs: number;
  /**
   * Where batches are written: 'auto' (the default) on the calling thread until the load calls for the writer thread
   * (see the module comment), 'thread' on the writer thread from the start, 'inline' always on the calling thread.
   */
  writer?: 'auto' | 'thread' | 'inline';
  /** With `writer: 'auto'`: an inline write slower than this (ms) moves later writes to the thread. Default 5. */
  slowWriteMs?: number;
  /**
   * Told about a flush that failed (its records are lost and counted as dropped), or a writer thread that stopped.
   * Default: one line on stderr. It must not log to a Logger that writes to this store.
   */
  onError?: (err: unknown, action: 'flush') => void;
}

export interface LogStore {
  /** The store's own logs.db connection (migrated), for reading; the store owns it. */
  readonly db: DatabaseSync;
  /** Add to a Logger with `logger.addSink(store.sink)`. */
  readonly sink: LogSink;
  /** For the request-log middleware: request records skip the Logger and become JSON on the writer thread. */
  readonly requests: RequestSink;
  /** Records lost so far: the queue was full, the store was closed, or their flush failed. */
  dropped(): number;
  /** Transactions committed by flushes so far. */
  flushes(): number;
  /** Records waiting in the queue (not yet handed to the writer). */
  pending(): number;
  /** True while batches go to the writer thread (false before 'auto' starts it, and after it failed). */
  threaded(): boolean;
  /**
   * Writes every waiting record now, in one transaction, and waits until every batch handed over earlier is written
   * too; returns how many of the waiting records were written. Never throws.
   */
  flush(): number;
  /**
   * Deletes the records older than the retention (relative to `now`, Unix ms) in batches, writes going between
   * them; resolves to how many. Rejects when a batch fails (what was deleted stays deleted).
   */
  prune(now?: number): Promise<number>;
  /** Changes the retention of later prunes (config reload). */
  setRetention(ms: number): void;
  /** Writes what waits, stops the writer and the timers, and closes the database. Records sent after this are dropped. */
  close(): void;
}

/** The migrations of logs.db (`migrations/logs/`), for `migrate(db, logsMigrations())`. */
export function logsMigrations(): MigrationSource[] {
  return [{ name: 'logs', dir: fileURLToPath(new URL('../../migrations/logs/', import.meta.url)) }];
}

/** How long flush() and close() wait for the writer thread before writing on their own. */
const WAIT_MS = 10_000;
/** An inline write slower than this (ms) starts the writer thread in 'auto' mode, unless told otherwise. */
const SLOW_WRITE_MS = 5;

/** Opens (creating and migrating it) the log store at `path`, usually `<data-dir>/logs.db`. */
export function openLogStore(path: string, options: LogStoreOptions): LogStore {
  const queueSize = positive(options.queueSize, 'queueSize');
  const flushRecords = positive(options.flushRecords, 'flushRecords');
  const flushIntervalMs = positive(options.flushIntervalMs, 'flushIntervalMs');
  let retentionMs = positive(options.retentionMs, 'retentionMs');
  const onError = options.onError ?? reportToStderr;
  const mode = options.writer ?? 'auto';
  const slowWriteMs = options.slowWriteMs ?? SLOW_WRITE_MS;

  const db = openDatabase(path);
  try {
    migrate(db, logsMigrations());
  } catch (err) {
    db.close();
    throw err;
  }
  const local = createLogWriter(db);

  // Waiting records, flattened (log-writer.ts encodes them).
  let queue: QueuedValue[] = [];
  let queued = 0;
  let droppedCount = 0;
  let droppedReported = 0;
  let flushCount = 0;
  let closed = false;
  let flushTimer: NodeJS.Timeout | undefined;
  let flushImmediate: NodeJS.Immediate | undefined;
  // Prunes handed to the thread: seq → their promise's settle functions.
  const prunes = new Map<number, { resolve: (n: number) => void; reject: (err: unknown) => void }>();

  // Writes handed to the thread and not answered yet: seq → [records, drops the batch reports].
  const inFlight = new Map<number, [number, number]>();
  let lastWrite = 0;
  let thread: LogWriterThread | null = null;
  // 'auto' wants the thread once the load calls for it; never again after it failed (or in 'inline' mode).
  let mayStartThread = mode !== 'inline';
  let wantThread = mode === 'thread';
  if (wantThread) startThread();

  function startThread(): void {
    mayStartThread = false;
    try {
      thread = startLogWriterThread(path, onAnswer, (err) => abandonThread(err));
    } catch (err) {
      safely(() => onError(err, 'flush'));
    }
  }

  function onAnswer(answer: WriterAnswer): void {
    if (answer.op === 'write') {
      const batch = inFlight.get(answer.seq);
      if (batch === undefined) return; // the thread was abandoned meanwhile; its batches were counted as dropped
      inFlight.delete(answer.seq);
      if (answer.error === undefined) flushCount++;
      else failedBatch(batch[0], batch[1], answer.error);
    } else if (answer.op === 'prune') {
      const waiting = prunes.get(answer.seq);
      prunes.delete(answer.seq);
      if (answer.error !== undefined) waiting?.reject(answer.error);
      else waiting?.resolve(answer.count);
    }
  }

  function failedBatch(records: number, reported: number, err: unknown): void {
    droppedCount += records;
    droppedReported -= reported; // the notice was in the lost batch: report those drops again
    safely(() => onError(err, 'flush'));
  }

  /** Writes on this thread from now on; what the thread had not answered is counted as lost. */
  function abandonThread(err: unknown): void {
    if (thread === null) return;
    thread.terminate();
    thread = null;
    for (const waiting of prunes.values()) waiting.reject(err);
    prunes.clear();
    for (const [records, reported] of inFlight.values()) {
      droppedCount += records;
      droppedReported -= reported;
    }
    inFlight.clear();
    safely(() => onError(err, 'flush'));
  }

  const sink: LogSink = (record) => {
    if (closed || queued >= queueSize) {
      droppedCount++;
      return;
    }
    let time: string, level: string, message: string, fields: string, requestId: string | null;
    try {
      const f = record.fields;
      const id = f == null ? undefined : f.request_id;
      time = typeof record.time === 'string' ? record.time : new Date().toISOString();
      level = String(record.level);
      message = typeof record.msg === 'string' ? record.msg : String(record.msg);
      fields = fieldsToJson(f);
      requestId = typeof id === 'string' ? id : typeof id === 'number' ? String(id) : null;
    } catch {
      droppedCount++; // a record whose level or request_id getter throws; fieldsToJson itself never throws
      return;
    }
    queueRow(queue, time, level, message, fields, requestId);
    queued++;
    scheduleHandOver();
  };

  const requests: RequestSink = (record) => {
    if (closed || queued >= queueSize) {
      droppedCount++;
      return;
    }
    queueRequest(queue, record);
    queued++;
    scheduleHandOver();
  };

  function scheduleHandOver(): void {
    if (queued >= flushRecords) {
      flushImmediate ??= setImmediate(handOver);
    } else if (flushTimer === undefined && flushImmediate === undefined) {
      flushTimer = setTimeout(handOver, flushIntervalMs).unref();
    }
  }

  interface Batch {
    rows: QueuedValue[];
    records: number;
    /** Drops reported by the notice at its end. */
    reported: number;
  }

  /** Takes the waiting records out of the queue, with a notice of the drops not reported yet; null when none. */
  function takeBatch(): Batch | null {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    if (flushImmediate !== undefined) clearImmediate(flushImmediate);
    flushTimer = flushImmediate = undefined;
    const reported = droppedCount - droppedReported;
    if (queued === 0 && reported === 0) return null;
    const batch: Batch = { rows: queue, records: queued, reported };
    queue = [];
    queued = 0;
    // Drops are not logged one by one (that would fill the queue further); one record says how many were lost
    // since the last one that did.
    if (reported > 0) {
      const fields = JSON.stringify({ dropped: reported, dropped_total: droppedCount, queue_size: queueSize });
      queueRow(batch.rows, new Date().toISOString(), 'warn', 'Log records dropped: the logs.db queue was full or a write failed', fields, null);
      droppedReported += reported;
    }
    return batch;
  }

  function send(batch: Batch, to: LogWriterThread): number {
    lastWrite = to.send({ op: 'write', rows: batch.rows, records: batch.records });
    inFlight.set(lastWrite, [batch.records, batch.reported]);
    return lastWrite;
  }

  /** Writes `batch` on this thread; returns how many records were written. */
  function writeHere(batch: Batch): number {
    const started = mayStartThread ? performance.now() : 0;
    try {
      local.write(batch.rows);
      flushCount++;
      return batch.records;
    } catch (err) {
      failedBatch(batch.records, batch.reported, err);
      return 0;
    } finally {
      if (mayStartThread && performance.now() - started > slowWriteMs) wantThread = true;
    }
  }

  /** The timers' flush: hands the batch over without waiting. */
  function handOver(): void {
    const batch = takeBatch();
    if (batch === null) return;
    if (mayStartThread && (wantThread || batch.records >= flushRecords)) startThread();
    if (thread !== null) send(batch, thread);
    else writeHere(batch);
  }

  function flush(): number {
    const batch = takeBatch();
    if (thread === null) return batch === null ? 0 : writeHere(batch);
    const seq = batch === null ? 0 : send(batch, thread);
    if (!inFlight.has(lastWrite)) return 0;
    try {
      // Writes are answered in order: the answer to the last one means every earlier one is done.
      const answer = thread.wait(lastWrite, WAIT_MS);
      return seq !== 0 && answer.error === undefined ? batch!.records : 0;
    } catch (err) {
      abandonThread(err);
      return 0;
    }
  }

  function prune(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - retentionMs).toISOString();
    if (closed) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      let total = 0;
      const step = (): void => {
        if (thread !== null) {
          const seq = thread.send({ op: 'prune', cutoff }); // one batch per turn there
          prunes.set(seq, { resolve: (count) => resolve(total + count), reject });
          return;
        }
        // Here, one batch per turn of the event loop, so a large backlog never stalls requests for long; and a
        // backlog (a full batch) is work for the thread in 'auto' mode, which takes the rest.
        try {
          const deleted = closed ? 0 : local.pruneBatch(cutoff);
          total += deleted;
          if (deleted < PRUNE_BATCH) {
            resolve(total);
            return;
          }
          if (mayStartThread) startThread();
          setImmediate(step);
        } catch (err) {
          reject(err);
        }
      };
      step();
    });
  }

  // process.exit() (main.ts ends every command with it) and a crash skip close(); 'exit' listeners still run
  // synchronously, and the writer thread still runs while they do, which is all a flush needs.
  const flushOnExit = (): void => { flush(); };
  process.on('exit', flushOnExit);

  return {
    db,
    sink,
    requests,
    dropped: () => droppedCount,
    flushes: () => flushCount,
    pending: () => queued,
    threaded: () => thread !== null,
    flush,
    prune,
    setRetention(ms) {
      retentionMs = positive(ms, 'retention');
    },
    close() {
      if (closed) return;
      flush();
      closed = true;
      mayStartThread = false;
      process.off('exit', flushOnExit);
      if (thread !== null) {
        try {
          thread.wait(thread.send({ op: 'close' }), WAIT_MS);
        } catch {
          thread.terminate();
        }
        thread = null;
      }
      if (db.isOpen) db.close();
    },
  };
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`Log store ${name} must be a positive number, got ${value}`);
  return value;
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch { /* a failing error handler must not turn a lost batch into a crash */ }
}

function reportToStderr(err: unknown, action: 'flush'): void {
  const reason = err instanceof Error ? err.message : String(err);
  process.stderr.write(`monolite: logs.db ${action} failed: ${reason}\n`);
}
