// Reads the records kept in logs.db (`monolite logs`, the admin API): the last N matching a filter, those after an id
// (follow mode), or pages of them newest first (keyset on the id, so a page costs the same however deep it is).
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { LOG_LEVELS, type LogFields, type LogLevel } from './logger.ts';

/** Which records to read: each filter narrows the result. */
export interface LogFilter {
  /** This level and the ones above it. */
  level?: LogLevel;
  /** Records at or after this time (ISO 8601 UTC with milliseconds, as stored). */
  since?: string;
  /** Records before this time (same form). */
  until?: string;
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
  /** The newest `limit` matching records with an id below `beforeId` (all when absent), newest first (paging). */
  newest(limit: number, beforeId?: number): StoredLogRecord[];
}


/** A reader of the records of `db` (a logs.db, possibly opened read-only) matching `filter`, prepared once, on first use. */
export function createLogReader(db: DatabaseSync, filter: LogFilter = {}): LogReader {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.level !== undefined) {
    const levels = LOG_LEVELS.slice(LOG_LEVELS.indexOf(filter.level));
    where.push(`level IN (${levels.map(() => '?').join(', ')})`);
    params.push(...levels);
  }
  if (filter.since !== undefined) {
    where.push('time >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    where.push('time < ?');
    params.push(filter.until);
  }
  if (filter.grep !== undefined) {
    // Fields are stored as JSON, where the text appears escaped (a quote as \"): look for that form there.
    where.push("(message LIKE ? ESCAPE '\\' OR fields LIKE ? ESCAPE '\\')");
    params.push(`%${escapeLike(filter.grep)}%`, `%${escapeLike(JSON.stringify(filter.grep).slice(1, -1))}%`);
  }
  const columns = 'id, time, level, message, fields, request_id';
  // Prepared on first use: a one-off query (the admin API's page of records) prepares only what it runs.
  let after: StatementSync | undefined;
  let before: StatementSync | undefined;
  const newest = (limit: number, beforeId = Number.MAX_SAFE_INTEGER): StoredLogRecord[] => {
    before ??= db.prepare(`SELECT ${columns} FROM logs WHERE ${['id < ?', ...where].join(' AND ')} ORDER BY id DESC LIMIT ?`);
    return before.all(beforeId, ...params, limit).map(fromRow);
  };
  return {
    last: (limit) => newest(limit).reverse(),
    after: (id, limit) => {
      after ??= db.prepare(`SELECT ${columns} FROM logs WHERE ${['id > ?', ...where].join(' AND ')} ORDER BY id LIMIT ?`);
      return after.all(id, ...params, limit).map(fromRow);
    },
    newest,
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
