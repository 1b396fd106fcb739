// `GET|POST|PATCH|DELETE /api/<db>/<table>/`: the table resource. Order of checks: the table exists (404), scopes
// (401/403), writability (403 readonly_database, 405 not_writable), preconditions (304, 412), parameters and body
// (400), then the plugin call in one transaction.
import type { Context, Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { requestScopes } from '../http/scopes.ts';
import type { DbSchema, ReadQuery, ReadResult, TableInfo } from './plugin.ts';
import type { RestDatabase } from './database.ts';
import { checkScope } from './permissions.ts';
import { CSV_TYPE, JSON_TYPE, readObjects, RestRequest } from './request.ts';
import { parseReadQuery, parseWhere, rangeFromHeaders, toRow } from './query.ts';
import { renderRows } from './render.ts';
import { formatCsv } from './csv.ts';
import { etagFor, matchesVersion } from './etag.ts';
import { noneMatch } from '../lib/etag.ts';

/** The handler of the table routes of `db`; synchronous as long as the plugin is (the SQLite one always is). */
export function tableHandler(db: RestDatabase): Handler {
  const handle = (ctx: Context, schema: DbSchema): void | Promise<void> => {
    const table = findTable(schema, ctx.params.table, db.name);
    const read = ctx.method === 'GET' || ctx.method === 'HEAD';
    if (db.checkScope && !(read && db.isPublicTable(table.name))) checkScope(requestScopes(ctx), db.name, table.name, read ? 'read' : 'write');
    if (read) return getRows(ctx, db, table);
    if (db.config.readonly) throw new HttpError(403, 'readonly_database', `Database "${db.name}" is read-only`);
    if (table.kind === 'view') throw new HttpError(405, 'not_writable', `"${table.name}" is a view; it can only be read`, { headers: { allow: 'GET, HEAD' } });
    const req = new RestRequest(ctx, db, { write: true });
    checkIfMatch(ctx, db, table);
    switch (ctx.method) {
      case 'POST': return createRows(req, table);
      case 'PATCH': return updateRows(req, table);
      default: return deleteRows(req, table);
    }
  };
  return (ctx) => {
    const schema = db.schema();
    return schema instanceof Promise ? schema.then((s) => handle(ctx, s)) : handle(ctx, schema);
  };
}

export function findTable(schema: DbSchema, name: string, database: string): TableInfo {
  const table = schema.tables.get(name);
  if (table === undefined) throw new HttpError(404, 'unknown_table', `No table or view "${name}" in database "${database}"`);
  return table;
}

function getRows(ctx: Context, db: RestDatabase, table: TableInfo): void | Promise<void> {
  const req = new RestRequest(ctx, db, { write: false });
  const count = req.prefer.count === 'exact';
  if (count) req.applied.push('count=exact');
  const headers = ctx.req.headers;
  const range = rangeFromHeaders(header(headers['range-unit']), header(headers.range));
  const query = readQuery(req, table, range, count);
  let etag: string | undefined;
  if (db.versions !== null) {
    db.versions.sync();
    // Everything the answer depends on besides the data: the query, its range, the format, the preferences, and the
    // values of the context variables it used (the same query string reads other rows for another user).
    const representation = `${req.format}\n${ctx.rawQuery}\n${headers.range ?? ''}\n${req.timezone ?? ''}\n${count}\n${req.resolved.join('\n')}`;
    etag = etagFor(db.versions.tag(table.kind === 'view' ? null : table.name), representation);
    if (noneMatch(header(headers['if-none-match']), etag)) return ctx.empty(304, req.headers({ etag }));
  }
  const answer = (result: ReadResult) => {
    const rows = renderRows(result.columns, result.rows, req.timezone);
    const extra: Record<string, string> = { 'content-range': contentRange(query.offset, rows.length, query.limit, result.total), 'range-unit': 'items' };
    if (etag !== undefined) extra.etag = etag;
    if (req.format === 'csv') ctx.send(200, formatCsv(result.columns.map((c) => c.name), rows), CSV_TYPE, req.headers(extra));
    else ctx.send(200, JSON.stringify(rows), JSON_TYPE, req.headers(extra));
  };
  const result = db.plugin.tableGet(table.name, query, req.info);
  return result instanceof Promise ? result.then(answer) : answer(result);
}

// Parsed read queries, per table (a schema re-read makes new TableInfo objects, so old entries go with them) and per
// request shape. A client tends to ask the same few queries again and again; parsing one and building its SQL cost
// as much as the rest of a small read. Queries that used a context variable depend on the requester: never kept.
const parsedQueries = new WeakMap<TableInfo, Map<string, ReadQuery>>();
const PARSED_QUERIES_PER_TABLE = 1000;

function readQuery(req: RestRequest, table: TableInfo, range: { offset: number; limit: number } | null, count: boolean): ReadQuery {
  const { default_limit: defaultLimit, max_limit: maxLimit } = req.db.config;
  const key = `${req.ctx.rawQuery}\n${range === null ? '' : `${range.offset}-${range.limit}`}\n${count}\n${defaultLimit}\n${maxLimit}`;
  let known = parsedQueries.get(table);
  const hit = known?.get(key);
  if (hit !== undefined) return hit;
  const resolvedBefore = req.resolved.length;
  const query = parseReadQuery(req.ctx.query, table, { defaultLimit, maxLimit, resolve: req.resolve, range, count });
  if (req.resolved.length === resolvedBefore) {
    if (known === undefined) parsedQueries.set(table, (known = new Map()));
    if (known.size >= PARSED_QUERIES_PER_TABLE) known.clear();
    known.set(key, deepFreeze(query));
  }
  return query;
}

/** Freezes `value` and everything in it: a kept query is shared by requests, so no plugin may change it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * PostgREST's Content-Range: `<first>-<last>/<total>`, `*` for an unknown total, `*​/<total>` for no rows. The total is
 * known when counted, or when the page came back short (it holds the last row).
 */
function contentRange(offset: number, n: number, limit: number, counted: number | undefined): string {
  let total = counted;
  if (total === undefined && n < limit && (n > 0 || offset === 0)) total = offset + n;
  const t = total === undefined ? '*' : String(total);
  return n === 0 ? `*/${t}` : `${offset}-${offset + n - 1}/${t}`;
}

function checkIfMatch(ctx: Context, db: RestDatabase, table: TableInfo): void {
  const ifMatch = header(ctx.req.headers['if-match']);
  if (ifMatch === undefined || db.versions === null) return;
  db.versions.sync();
  if (!matchesVersion(ifMatch, db.versions.tag(table.name))) {
    throw new HttpError(412, 'precondition_failed', `"${table.name}" changed since the ETag in If-Match was issued`);
  }
}

/** After a committed write: new versions for the table, and an ETag whose version part later If-Match headers can use. */
function written(req: RestRequest, table: TableInfo, changed: boolean): Record<string, string> {
  const versions = req.db.versions;
  if (versions === null) return {};
  if (changed && req.info.tx === 'commit') versions.bump([table.name]);
  return { etag: etagFor(versions.tag(table.name), 'write') };
}

async function createRows(req: RestRequest, table: TableInfo): Promise<void> {
  const { items, single } = await readObjects(req.ctx);
  const rows = items.map((item) => toRow(item, table, req.resolve));
  const result = rows.length === 0 ? { columns: [], rows: [] } : await req.db.plugin.tableCreate(table.name, rows, req.info);
  const out = renderRows(result.columns, result.rows, req.timezone);
  const headers = req.headers(written(req, table, rows.length > 0));
  if (req.format === 'csv') req.ctx.send(201, formatCsv(result.columns.map((c) => c.name), out), CSV_TYPE, headers);
  else req.ctx.send(201, JSON.stringify(single ? out[0] : out), JSON_TYPE, headers);
}

function filter(req: RestRequest, table: TableInfo) {
  const where = parseWhere(req.ctx.query, table, req.resolve);
  if (where.length === 0 && !req.db.config.allow_unfiltered_writes) {
    throw new HttpError(400, 'unfiltered_write', `${req.ctx.method} needs at least one where.<op>.<column> condition (database "${req.db.name}" does not allow unfiltered writes)`);
  }
  return where;
}

async function updateRows(req: RestRequest, table: TableInfo): Promise<void> {
  const where = filter(req, table);
  const { items, single } = await readObjects(req.ctx);
  if (!single && items.length !== 1) throw new HttpError(400, 'invalid_body', 'PATCH takes one object: the values to set');
  const data = toRow(items[0], table, req.resolve);
  if (Object.keys(data).length === 0) throw new HttpError(400, 'empty_update', 'The object to set is empty; name at least one column');
  const updated = await req.db.plugin.tableUpdate(table.name, data, where, req.info);
  req.ctx.send(200, JSON.stringify({ updated }), JSON_TYPE, req.headers(written(req, table, updated > 0)));
}

async function deleteRows(req: RestRequest, table: TableInfo): Promise<void> {
  const where = filter(req, table);
  const returning = req.prefer.return === 'representation';
  if (returning) req.applied.push('return=representation');
  const result = await req.db.plugin.tableDelete(table.name, where, req.info, returning);
  const headers = req.headers(written(req, table, result.count > 0));
  if (!returning) return req.ctx.empty(204, headers);
  const columns = result.rows?.columns ?? [];
  const out = renderRows(columns, result.rows?.rows ?? [], req.timezone);
  if (req.format === 'csv') req.ctx.send(200, formatCsv(columns.map((c) => c.name), out), CSV_TYPE, headers);
  else req.ctx.send(200, JSON.stringify(out), JSON_TYPE, headers);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
