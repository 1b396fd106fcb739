// The SQL side of the log store, and the queue's encoding: records wait as flat runs of plain values (cheap to queue
// and to hand to another thread), and become logs.db rows here — each batch in one transaction — along with the
// deletion of old records in bounded batches. Used by the writer thread (log-writer-worker.ts) and, when no thread
// can be had, by the store itself.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { writeTransaction } from '../db/transaction.ts';
import { REQUEST_MESSAGE, requestJson, requestLevel, type RequestRecord } from './request-record.ts';

/** Queued values: a tag, then the record's values (their number depends on the tag). */
export type QueuedValue = string | number | null;

const ROW = 0; // time, level, message, fields (JSON), request_id: a record as logs.db keeps it
const REQUEST = 1; // time (Unix ms) and a RequestRecord's values, in its order

const VALUES = '(?, ?, ?, ?, ?)';
const ROWS_PER_INSERT = 32;

/** Rows one prune batch deletes at most, so a large backlog never holds the write lock for long. */
export const PRUNE_BATCH = 5000;

/** Queues a record already in logs.db's form. */
export function queueRow(queue: QueuedValue[], time: string, level: string, message: string, fields: string, requestId: string | null): void {
  queue.push(ROW, time, level, message, fields, requestId);
}

/** Queues a request record; its fields become JSON only when written. */
export function queueRequest(queue: QueuedValue[], r: RequestRecord): void {
  queue.push(REQUEST, r.time, r.method, r.route, r.path, r.status, r.bytes, r.durationMs, r.ip, r.userAgent, r.referer, r.userId, r.requestId);
}

export interface LogWriter {
  /** Inserts the queued records of `queue` in one transaction; throws (rolled back) on failure. */
  write(queue: readonly QueuedValue[]): void;
  /** Deletes up to PRUNE_BATCH records older than `cutoff` (ISO 8601 UTC); returns how many. */
  pruneBatch(cutoff: string): number;
}

/** A writer on `db`, a migrated logs.db connection; statements are prepared on first use. */
export function createLogWriter(db: DatabaseSync): LogWriter {
  let insertOne: StatementSync | undefined;
  let insertMany: StatementSync | undefined;
  let deleteOld: StatementSync | undefined;
  return {
    write(queue) {
      const one = (insertOne ??= db.prepare(`INSERT INTO logs (time, level, message, fields, request_id) VALUES ${VALUES}`));
      const many = (insertMany ??= db.prepare(`INSERT INTO logs (time, level, message, fields, request_id) VALUES ${Array(ROWS_PER_INSERT).fill(VALUES).join(', ')}`));
      const values: (string | null)[] = [];
      writeTransaction(db, () => {
        for (let i = 0; i < queue.length;) {
          if (queue[i] === ROW) {
            values.push(queue[i + 1] as string, queue[i + 2] as string, queue[i + 3] as string, queue[i + 4] as string, queue[i + 5] as string | null);
            i += 6;
          } else {
            // The fields' JSON is built here, on the writer's side: the serving thread only queues the values.
            const r = decodeRequest(queue, i + 1);
            values.push(isoTime(r.time), requestLevel(r.status), REQUEST_MESSAGE, requestJson(r), r.requestId);
            i += 13;
          }
          // Many rows per statement: each run() has a cost of its own, of the order of a row's.
          if (values.length === ROWS_PER_INSERT * 5) {
            many.run(...values);
            values.length = 0;
          }
        }
        for (let i = 0; i < values.length; i += 5) one.run(values[i], values[i + 1], values[i + 2], values[i + 3], values[i + 4]);
      });
    },
    pruneBatch(cutoff) {
      // The subquery walks the time index and stops at a batch.
      deleteOld ??= db.prepare(`DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE time < ? LIMIT ${PRUNE_BATCH})`);
      return Number(deleteOld.run(cutoff).changes);
    },
  };
}

// The second the last formatted time fell in, and its ISO 8601 text up to the milliseconds: records come in time order,
// so most share the second of the one before and only the milliseconds change (a Date and toISOString per record
// were a tenth of the writer's time).
let cachedSecond = NaN;
let cachedPrefix = '';

/** `new Date(ms).toISOString()` for a whole number of milliseconds within years 0–9999. */
function isoTime(ms: number): string {
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const text = new Date(second * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
    if (text.length !== 24) return new Date(ms).toISOString(); // a year outside 0–9999 has another form
    cachedSecond = second;
    cachedPrefix = text.slice(0, 20);
  }
  const fraction = ms - second * 1000;
  return cachedPrefix + (fraction < 10 ? '00' : fraction < 100 ? '0' : '') + fraction + 'Z';
}

function decodeRequest(q: readonly QueuedValue[], i: number): RequestRecord {
  return {
    time: q[i] as number,
    method: q[i + 1] as string,
    route: q[i + 2] as string,
    path: q[i + 3] as string,
    status: q[i + 4] as number,
    bytes: q[i + 5] as number | null,
    durationMs: q[i + 6] as number,
    ip: q[i + 7] as string,
    userAgent: q[i + 8] as string,
    referer: q[i + 9] as string,
    userId: q[i + 10] as string | number | null,
    requestId: q[i + 11] as string,
  };
}
