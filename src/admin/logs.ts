// Admin API, logs: the records kept in logs.db by level, time range and text, newest first, in pages that continue
// below the last id seen (`before`), so a page costs the same however far back it is and new records never shift it.
// Records reach logs.db in batches (log.flush_interval), so the newest second or so may not be there yet.
import type { DatabaseSync } from 'node:sqlite';
import type { RouteGroup } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { createLogReader, type LogFilter } from '../log/log-reader.ts';
import { LOG_LEVELS } from '../log/logger.ts';
import { checkQueryNames, invalidInput, queryChoice, queryInteger, queryText, queryTime } from './params.ts';

const MAX_LIMIT = 1000;

/** Registers GET /logs on the admin group; `logs` is the log store's connection (undefined when log.store is off). */
export function registerLogRoutes(admin: RouteGroup<Handler>, logs: () => DatabaseSync | undefined): void {
  admin.get('/logs', (ctx) => {
    checkQueryNames(ctx, ['level', 'since', 'until', 'q', 'limit', 'before']);
    const filter: LogFilter = {
      level: queryChoice(ctx, 'level', LOG_LEVELS),
      since: queryTime(ctx, 'since'),
      until: queryTime(ctx, 'until'),
      grep: queryText(ctx, 'q', 500),
    };
    if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
      throw invalidInput('until', `Invalid until "${ctx.query.get('until')}": expected a time after since "${ctx.query.get('since')}"`);
    }
    const limit = queryInteger(ctx, 'limit', 100, 1, MAX_LIMIT);
    const before = queryInteger(ctx, 'before', undefined, 1, Number.MAX_SAFE_INTEGER);
    const db = logs();
    if (db === undefined) throw new HttpError(404, 'logs_not_stored', 'Log records are not kept: log.store is off');
    const records = createLogReader(db, filter).newest(limit, before);
    ctx.json(200, {
      records: records.map((r) => ({ id: r.id, time: r.time, level: r.level, message: r.message, fields: r.fields, request_id: r.requestId })),
      // Where the next (older) page starts; null once a page came back short.
      next_before: records.length === limit ? records[records.length - 1].id : null,
    });
  });
}
