// The log store: a batching sink that keeps log records in logs.db (a database of its own, so logging never
// contends with app.db's writers), the pruning of old records, and the reader `monolite logs` uses.
//
// The sink never blocks and never throws: a record becomes a compact row in a bounded in-memory queue, or is dropped
// and counted when the queue is full. The queue is written in one transaction when it reaches `flushRecords` (on the
// next turn of the event loop, never inside the caller's request) or `flushIntervalMs` after its first record.
//
// Fields are stored as a JSON object. What JSON cannot hold is turned into what it can: an Error becomes
// `{name, message, stack, ...its own enumerable properties (code, errno…), cause}`, a bigint its decimal string,
// a Map an object and a Set an array, a reference back to an enclosing object (a cycle) the string "[circular]";
// functions, symbols and undefined are left out, as JSON.stringify leaves them out.
import { fileURLToPath } from 'node:url';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openDatabase } from '../db/open.ts';
import { migrate, type MigrationSource } from '../db/migrate.ts';
import type { LogFields, LogLevel, LogRecord, LogSink } from './logger.ts';

export interface LogStoreOptions {
  /** Records waiting to be written; beyond this, records are dropped and counted. */
  queueSize: number;
  /** Write once this many records wait… */
  flushRecords: number;
  /** …or this long after the first one started waiting. */
  flushIntervalMs: number;
  /** Records older than this are deleted by `prune()`. */
  retentionMs: number;
  /** How often the store prunes by itself (first run 10 s after opening); 0 turns it off. Default one hour. */
  pruneIntervalMs?: number;
  /**
   * Told about a flush or prune that failed (the records of a failed flush are lost and counted as dropped).
   * Default: one line on stderr. It must not log to a Logger that writes to this store.
   */
  onError?: (err: unknown, action: 'flush' | 'prune') => void;
}

export interface LogStore {
  /** The logs.db connection (migrated); the store owns it. */
  readonly db: DatabaseSync;
  /** Add to a Logger with `logger.addSink(store.sink)`. */
  readonly sink: LogSink;
  /** Records lost so far: the queue was full, the store was closed, or their flush failed. */
  dropped(): number;
  /** Transactions committed by flushes so far. */
  flushes(): number;
  /** Records waiting in the queue. */
  pending(): number;
  /** Writes every waiting record now, in one transaction; returns how many were written. Never throws. */
  flush(): number;
  /** Deletes the records older than the retention (relative to `now`, Unix ms); returns how many. */
  prune(now?: number): number;
  /** Changes the retention of later prunes (config reload). */
  setRetention(ms: number): void;
  /** Writes what waits, stops the timers and closes the database. Records sent after this are dropped. */
  close(): void;
}

/** The migrations of logs.db (`migrations/logs/`), for `migrate(db, logsMigrations())`. */
export function logsMigrations(): MigrationSource[] {
  return [{ name: 'logs', dir: fileURLToPath(new URL('../../migrations/logs/', import.meta.url)) }];
}

/** time, level, message, fields (JSON), request_id: a record as it waits in the queue. */
type QueuedRow = [string, string, string, string, string | null];

const PRUNE_BATCH = 5000;
const FIRST_PRUNE_DELAY_MS = 10_000;
const HOUR_MS = 3_600_000;

/** Opens (creating and migrating it) the log store at `path`, usually `<data-dir>/logs.db`. */
export function openLogStore(path: string, options: LogStoreOptions): LogStore {
  const queueSize = positive(options.queueSize, 'queueSize');
  const flushRecords = positive(options.flushRecords, 'flushRecords');
  const flushIntervalMs = positive(options.flushIntervalMs, 'flushIntervalMs');
  let retentionMs = positive(options.retentionMs, 'retentionMs');
  const pruneIntervalMs = options.pruneIntervalMs ?? HOUR_MS;
  const onError = options.onError ?? reportToStderr;

  const db = openDatabase(path);
  let insert: StatementSync;
  let deleteOld: StatementSync;
  try {
    migrate(db, logsMigrations());
    insert = db.prepare('INSERT INTO logs (time, level, message, fields, request_id) VALUES (?, ?, ?, ?, ?)');
    // The subquery walks the time index and stops at a batch, so one prune never holds the write lock for long.
    deleteOld = db.prepare(`DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE time < ? LIMIT ${PRUNE_BATCH})`);
  } catch (err) {
    db.close();
    throw err;
  }

  let queue: QueuedRow[] = [];
  let droppedCount = 0;
  let droppedReported = 0;
  let flushCount = 0;
  let closed = false;
  let flushTimer: NodeJS.Timeout | undefined;
  let flushImmediate: NodeJS.Immediate | undefined;
  let pruning = false;

  const sink: LogSink = (record) => {
    if (closed || queue.length >= queueSize) {
      droppedCount++;
      return;
    }
    let row: QueuedRow;
    try {
      row = toRow(record);
    } catch {
      droppedCount++; // a record whose level or request_id getter throws; serializeFields itself never throws
      return;
    }
    queue.push(row);
    if (queue.length >= flushRecords) {
      flushImmediate ??= setImmediate(flush);
    } else if (flushTimer === undefined && flushImmediate === undefined) {
      flushTimer = setTimeout(flush, flushIntervalMs).unref();
    }
  };

  function flush(): number {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    if (flushImmediate !== undefined) clearImmediate(flushImmediate);
    flushTimer = flushImmediate = undefined;
    const unreported = droppedCount - droppedReported;
    if (queue.length === 0 && unreported === 0) return 0;
    const batch = queue;
    queue = [];
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const row of batch) insert.run(row[0], row[1], row[2], row[3], row[4]);
      // Drops are not logged one by one (that would fill the queue further); one record says how many were lost
      // since the last one that did.
      if (unreported > 0) {
        const fields = JSON.stringify({ dropped: unreported, dropped_total: droppedCount, queue_size: queueSize });
        insert.run(new Date().toISOString(), 'warn', 'Log records dropped: the logs.db queue was full or a write failed', fields, null);
      }
      db.exec('COMMIT');
      flushCount++;
      droppedReported += unreported;
      return batch.length;
    } catch (err) {
      try {
        if (db.isTransaction) db.exec('ROLLBACK');
      } catch { /* the connection is unusable; the next flush fails and says so again */ }
      droppedCount += batch.length;
      safely(() => onError(err, 'flush'));
      return 0;
    }
  }

  function prune(now = Date.now()): number {
    const cutoff = new Date(now - retentionMs).toISOString();
    let total = 0;
    for (;;) {
      const deleted = Number(deleteOld.run(cutoff).changes);
      total += deleted;
      if (deleted < PRUNE_BATCH) return total;
    }
  }

  // One batch per turn of the event loop, so a large backlog never stalls requests for long.
  // TODO: the issue's "recurrent job" replaces this timer once the job queue exists (then it calls prune()).
  function pruneInBackground(): void {
    if (pruning || closed) return;
    pruning = true;
    const cutoff = new Date(Date.now() - retentionMs).toISOString();
    const step = (): void => {
      if (closed) {
        pruning = false;
        return;
      }
      try {
        if (Number(deleteOld.run(cutoff).changes) === PRUNE_BATCH) {
          setImmediate(step).unref();
          return;
        }
      } catch (err) {
        safely(() => onError(err, 'prune'));
      }
      pruning = false;
    };
    step();
  }

  const pruneTimers: NodeJS.Timeout[] = [];
  if (pruneIntervalMs > 0) {
    pruneTimers.push(setTimeout(pruneInBackground, Math.min(FIRST_PRUNE_DELAY_MS, pruneIntervalMs)).unref());
    pruneTimers.push(setInterval(pruneInBackground, pruneIntervalMs).unref());
  }

  // process.exit() (main.ts ends every command with it) and a crash skip close(); 'exit' listeners still run
  // synchronously, which is all a flush needs, so the last records before an exit are kept.
  const flushOnExit = (): void => { flush(); };
  process.on('exit', flushOnExit);

  return {
    db,
    sink,
    dropped: () => droppedCount,
    flushes: () => flushCount,
    pending: () => queue.length,
    flush,
    prune,
    setRetention(ms) {
      retentionMs = positive(ms, 'retention');
    },
    close() {
      if (closed) return;
      flush();
      closed = true;
      for (const timer of pruneTimers) clearTimeout(timer);
      process.off('exit', flushOnExit);
      if (db.isOpen) db.close();
    },
  };
}

/** Which records to read: each filter narrows the result. */
export interface LogFilter {
  /** This level and the ones above it. */
  level?: LogLevel;
  /** Records at or after this time (ISO 8601 UTC with milliseconds, as stored). */
  since?: string;
  /** Text in the message or the fields, literally (no wildcards); ASCII letters match in either case. */
  grep?: string;
}

/** A stored record as read back. */
export interface StoredLogRecord {
  id: number;
  time: string;
  level: LogLevel;
  message: string;
  fields: LogFields;
  requestId: string | null;
}

export interface LogReader {
  /** The last `limit` matching records, oldest first. */
  last(limit: number): StoredLogRecord[];
  /** The first `limit` matching records with an id above `id`, oldest first (follow mode). */
  after(id: number, limit: number): StoredLogRecord[];
}

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** A reader of the records of `db` (a logs.db, possibly opened read-only) matching `filter`, prepared once. */
export function createLogReader(db: DatabaseSync, filter: LogFilter = {}): LogReader {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.level !== undefined) {
    const levels = LEVELS.slice(LEVELS.indexOf(filter.level));
    where.push(`level IN (${levels.map(() => '?').join(', ')})`);
    params.push(...levels);
  }
  if (filter.since !== undefined) {
    where.push('time >= ?');
    params.push(filter.since);
  }
  if (filter.grep !== undefined) {
    // Fields are stored as JSON, where the text appears escaped (a quote as \"): look for that form there.
    where.push("(message LIKE ? ESCAPE '\\' OR fields LIKE ? ESCAPE '\\')");
    params.push(`%${escapeLike(filter.grep)}%`, `%${escapeLike(JSON.stringify(filter.grep).slice(1, -1))}%`);
  }
  const columns = 'id, time, level, message, fields, request_id';
  const last = db.prepare(
    `SELECT * FROM (SELECT ${columns} FROM logs${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY id DESC LIMIT ?) ORDER BY id',
  );
  const after = db.prepare(`SELECT ${columns} FROM logs WHERE ${['id > ?', ...where].join(' AND ')} ORDER BY id LIMIT ?`);
  return {
    last: (limit) => last.all(...params, limit).map(fromRow),
    after: (id, limit) => after.all(id, ...params, limit).map(fromRow),
  };
}

function fromRow(row: Record<string, unknown>): StoredLogRecord {
  let fields: LogFields;
  try {
    fields = JSON.parse(row.fields as string) as LogFields;
  } catch {
    fields = { fields: row.fields };
  }
  return {
    id: Number(row.id),
    time: row.time as string,
    level: row.level as LogLevel,
    message: row.message as string,
    fields,
    requestId: row.request_id as string | null,
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

function toRow(record: LogRecord): QueuedRow {
  const fields = record.fields;
  const id = fields == null ? undefined : fields.request_id;
  return [
    typeof record.time === 'string' ? record.time : new Date().toISOString(),
    String(record.level),
    typeof record.msg === 'string' ? record.msg : String(record.msg),
    serializeFields(fields),
    typeof id === 'string' ? id : typeof id === 'number' ? String(id) : null,
  ];
}

/** Fields as a JSON object; never throws. The common case (only primitive values) goes straight to JSON.stringify. */
function serializeFields(fields: LogFields | null | undefined): string {
  if (fields == null || typeof fields !== 'object') return '{}';
  try {
    let plain = true;
    for (const key in fields) {
      const value = fields[key];
      if ((value !== null && typeof value === 'object') || typeof value === 'bigint') {
        plain = false;
        break;
      }
    }
    return (plain ? JSON.stringify(fields) : JSON.stringify(toJsonValue(fields, []))) ?? '{}';
  } catch (err) {
    // A getter or toJSON that throws, a structure too deep for the stack: keep the record, say why the fields are not.
    let reason: string;
    try {
      reason = err instanceof Error ? err.message : String(err);
    } catch {
      reason = 'unknown';
    }
    return JSON.stringify({ fields_error: `Log fields could not be serialized: ${reason}` });
  }
}

/** `value` made JSON-safe (see the top of the file); `ancestors` are the objects enclosing it, for cycles. */
function toJsonValue(value: unknown, ancestors: object[]): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.includes(value)) return '[circular]';
  ancestors.push(value);
  try {
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: value.message };
      if (value.stack !== undefined) out.stack = value.stack;
      for (const key of Object.keys(value)) out[key] = toJsonValue((value as unknown as Record<string, unknown>)[key], ancestors);
      if (value.cause !== undefined) out.cause = toJsonValue(value.cause, ancestors);
      return out;
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJsonValue(toJSON.call(value), ancestors);
    if (Array.isArray(value)) return value.map((item) => toJsonValue(item, ancestors));
    if (value instanceof Set) return [...value].map((item) => toJsonValue(item, ancestors));
    const out: Record<string, unknown> = {};
    const entries = value instanceof Map ? [...value].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
    for (const [key, item] of entries) out[key] = toJsonValue(item, ancestors);
    return out;
  } finally {
    ancestors.pop();
  }
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

function reportToStderr(err: unknown, action: 'flush' | 'prune'): void {
  const reason = err instanceof Error ? err.message : String(err);
  process.stderr.write(`monolite: logs.db ${action} failed: ${reason}\n`);
}
