// The two API documents of a REST database, built from its schema: Swagger 2.0 (GET /api/<db>/, EasyREST's shape
// with its mistakes corrected) and OpenAPI 3.1 (GET /api/<db>/openapi.json). Both come from one list of operations.
import type { ColumnInfo, DbSchema, FunctionInfo, TableInfo } from './plugin.ts';
import { IDENTIFIER } from './plugin.ts';

export interface ApiDocOptions {
  /** Database name, basePath /api/<name>. */
  name: string;
  /** '' → `<name> API`. */
  title: string;
  /** monolite's version. */
  version: string;
  /** Request Host header ('' → omitted). */
  host: string;
  /** ['https'] when the request came over TLS, else ['http']. */
  schemes: string[];
  /** Public resources: security [] (no token). */
  public: { table: string[]; func: string[] };
  checkScope: boolean;
  /** No write operations documented. */
  readonly: boolean;
}

type Schema = Record<string, unknown>;
type Kind = 'read' | 'insert' | 'update' | 'delete' | 'rpc';

interface Param {
  name: string;
  in: 'query' | 'header';
  description: string;
  schema: Schema;
}

/** A parameter shared by every table: a name under `parameters` (Swagger) or `components.parameters` (3.1). */
type ParamEntry = Param | { ref: string };

interface Operation {
  path: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  kind: Kind;
  id: string;
  summary: string;
  description: string;
  tag: string;
  /** null: public, no token; []: a token, scopes unchecked; else: a token with any one of these scopes. */
  scopes: string[] | null;
  params: ParamEntry[];
  table?: TableInfo;
  fn?: FunctionInfo;
}

const OPERATORS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'like', 'ilike', 'is', 'in'] as const;
const IS_TESTS = ['null', 'not_null', 'true', 'false'];
// Names the HTTP layer can address; anything else cannot be reached through a URL and is left out.
// A dot cannot occur in a table name (identifiers only), so monolite's own schemas never collide with a table's.
const PROBLEM = 'monolite.Problem';
const BEARER = 'bearerAuth';
const PROBLEM_JSON = 'application/problem+json';

const OPERATOR_TEXT: Record<(typeof OPERATORS)[number], string> = {
  eq: 'equals the value',
  neq: 'differs from the value',
  lt: 'is less than the value',
  lte: 'is less than or equal to the value',
  gt: 'is greater than the value',
  gte: 'is greater than or equal to the value',
  like: 'matches the LIKE pattern (% any text, _ one character), case-sensitive',
  ilike: 'matches the LIKE pattern (% any text, _ one character), ASCII case-insensitive',
  is: 'IS NULL (null), IS NOT NULL (not_null), IS TRUE (true) or IS FALSE (false)',
  in: 'is one of a comma-separated list; a double-quoted element may hold commas, with "" for a quote inside it',
};

const SHARED_PARAMS: Record<string, Param> = {
  select: {
    name: 'select', in: 'query', schema: { type: 'array', items: { type: 'string' } },
    description: 'Output columns, comma-separated: `col`, `alias:col`, `count()`, `col.sum()` (also avg, min, max, count), ' +
      '`alias:erctx.<key>` or `alias:request.<path>` context values. With an aggregate, the plain columns group the rows.',
  },
  limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'Rows to return at most (0: none; above the database\'s max_limit: clamped).' },
  offset: { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'Rows to skip.' },
  format: { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'csv'] }, description: 'Response format; overrides the Accept header (application/json or text/csv).' },
  'Range-Unit': { name: 'Range-Unit', in: 'header', schema: { type: 'string', enum: ['items'] }, description: 'With `Range`: paging by header.' },
  Range: { name: 'Range', in: 'header', schema: { type: 'string', pattern: '^[0-9]+-[0-9]+$' }, description: 'First and last row, 0-based (`0-24`); overrides limit and offset.' },
  PreferRead: {
    name: 'Prefer', in: 'header', schema: { type: 'string' },
    description: '`count=exact`: the total in Content-Range; `timezone=<IANA zone>`: DATETIME and TIMESTAMP columns rendered in that zone. Comma- or space-separated.',
  },
  PreferWrite: {
    name: 'Prefer', in: 'header', schema: { type: 'string' },
    description: '`tx=commit` or `tx=rollback` (honored when the database allows the override: see Preference-Applied); ' +
      '`return=representation` (DELETE: answer 200 with the deleted rows); `timezone=<IANA zone>`.',
  },
  'If-None-Match': { name: 'If-None-Match', in: 'header', schema: { type: 'string' }, description: 'An ETag from an earlier answer: 304 while it is current.' },
  'If-Match': { name: 'If-Match', in: 'header', schema: { type: 'string' }, description: 'An ETag of the table: the write is refused (412) unless it is current.' },
};

const RESPONSE_HEADERS: Record<string, string> = {
  'Content-Range': 'Rows returned, `first-last/total` (`*` without `Prefer: count=exact`; `*/0` when empty).',
  ETag: 'When the database caches: a strong validator of this answer (GET), or the table\'s new version for If-Match (writes).',
  'Preference-Applied': 'The preferences of `Prefer` that were applied.',
};

const ERRORS: Record<string, { name: string; description: string }> = {
  '400': { name: 'BadRequest', description: 'Malformed request: unknown column, bad operator or value, bad body (see `code`).' },
  '401': { name: 'Unauthorized', description: 'No valid token (a token that is sent must be valid, also on public resources).' },
  '403': { name: 'Forbidden', description: 'The token lacks the scope named in `detail`.' },
  '404': { name: 'NotFound', description: 'Unknown table, view or function.' },
  '409': { name: 'Conflict', description: 'A UNIQUE, PRIMARY KEY, FOREIGN KEY or CHECK constraint failed (`constraint_violation`).' },
  '412': { name: 'PreconditionFailed', description: '`If-Match` does not name the current ETag; nothing was written.' },
};

/** Swagger 2.0, shaped as EasyREST's (§6) but correct: `-col` ordering values it really accepts, where.not.* documented, is/in as they work, count/Range/Prefer headers, problem+json error responses. */
export function swaggerDocument(schema: DbSchema, options: ApiDocOptions): Record<string, unknown> {
  const ops = operations(schema, options);
  const definitions: Schema = {};
  for (const table of tablesOf(schema)) definitions[table.name] = rowSchema(table, swaggerColumn);
  definitions[PROBLEM] = problemSchema();
  const paths: Record<string, Schema> = {};
  for (const op of ops) {
    const parameters: unknown[] = op.params.map((p) => ('ref' in p ? { $ref: `#/parameters/${p.ref}` } : swaggerParam(p)));
    const body = swaggerBody(op);
    if (body !== null) parameters.push(body);
    const operation: Schema = { ...operationHead(op), parameters, security: op.scopes === null ? [] : [{ [BEARER]: [] }], responses: swaggerResponses(op) };
    if (op.kind !== 'update') operation.produces = ['application/json', 'text/csv', PROBLEM_JSON];
    if (op.kind === 'insert') operation.consumes = ['application/json', 'text/csv'];
    (paths[op.path] ??= {})[op.method] = operation;
  }
  const doc: Schema = { swagger: '2.0', info: info(options) };
  if (options.host !== '') doc.host = options.host;
  Object.assign(doc, {
    basePath: `/api/${options.name}`,
    schemes: options.schemes,
    consumes: ['application/json'],
    produces: ['application/json', PROBLEM_JSON],
    paths,
    definitions,
    parameters: Object.fromEntries(Object.entries(SHARED_PARAMS).map(([key, p]) => [key, swaggerParam(p)])),
    responses: Object.fromEntries(Object.values(ERRORS).map((e) => [e.name, { description: e.description, schema: { $ref: `#/definitions/${PROBLEM}` } }])),
    securityDefinitions: { [BEARER]: { type: 'apiKey', in: 'header', name: 'Authorization', description: securityText(options) } },
  });
  return doc;
}

/** OpenAPI 3.1: the same API — components.schemas per table/view (JSON Schema 2020-12 types with "null" in type arrays for nullable columns), bearer JWT security scheme with the read/write scopes, parameters, request bodies (application/json object or array, application/x-www-form-urlencoded, text/csv), responses (200/201/204/304/400/401/403/404/409/412 with application/problem+json), RPC functions as POST /rpc/<func> with their params as body properties. */
export function openApiDocument(schema: DbSchema, options: ApiDocOptions): Record<string, unknown> {
  const ops = operations(schema, options);
  const schemas: Schema = {};
  for (const table of tablesOf(schema)) schemas[table.name] = rowSchema(table, oasColumn);
  schemas[PROBLEM] = problemSchema();
  const paths: Record<string, Schema> = {};
  for (const op of ops) {
    const operation: Schema = { ...operationHead(op) };
    if (op.params.length > 0) operation.parameters = op.params.map((p) => ('ref' in p ? { $ref: `#/components/parameters/${p.ref}` } : oasParam(p)));
    const body = oasBody(op);
    if (body !== null) operation.requestBody = body;
    operation.responses = oasResponses(op);
    operation.security = op.scopes === null ? [] : op.scopes.length === 0 ? [{ [BEARER]: [] }] : op.scopes.map((s) => ({ [BEARER]: [s] }));
    (paths[op.path] ??= {})[op.method] = operation;
  }
  const base = `/api/${options.name}`;
  return {
    openapi: '3.1.0',
    info: info(options),
    servers: options.host === '' ? [{ url: base }] : options.schemes.map((s) => ({ url: `${s}://${options.host}${base}` })),
    paths,
    components: {
      schemas,
      parameters: Object.fromEntries(Object.entries(SHARED_PARAMS).map(([key, p]) => [key, oasParam(p)])),
      headers: Object.fromEntries(Object.entries(RESPONSE_HEADERS).map(([key, description]) => [key, { description, schema: { type: 'string' } }])),
      responses: Object.fromEntries(Object.values(ERRORS).map((e) => [e.name, { description: e.description, content: { [PROBLEM_JSON]: { schema: ref(PROBLEM) } } }])),
      securitySchemes: { [BEARER]: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: securityText(options) } },
    },
  };
}

function tablesOf(schema: DbSchema): TableInfo[] {
  return sortedByName([...schema.tables.values()]).filter((t) => IDENTIFIER.test(t.name));
}

// Code-unit order, not localeCompare: the documents must not depend on the machine's locale.
function sortedByName<T extends { name: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function operations(schema: DbSchema, options: ApiDocOptions): Operation[] {
  const ops: Operation[] = [];
  const scopes = (resource: string, action: 'read' | 'write'): string[] => (options.checkScope ? [`${resource}-${action}`, action] : []);
  const shared = (...keys: string[]): ParamEntry[] => keys.map((ref) => ({ ref }));
  for (const table of tablesOf(schema)) {
    const path = `/${table.name}/`;
    const where = whereParams(table);
    const write = scopes(table.name, 'write');
    const what = table.kind === 'view' ? `the view ${table.name}` : table.name;
    ops.push({
      path, method: 'get', kind: 'read', id: `get_${table.name}`, tag: table.name, summary: `Read ${what}`, description: 'Rows matching every where.* condition.',
      scopes: options.public.table.includes(table.name) ? null : scopes(table.name, 'read'), table,
      params: [...shared('select'), orderingParam(table), ...shared('limit', 'offset', 'format'), ...where, ...shared('Range-Unit', 'Range', 'PreferRead', 'If-None-Match')],
    });
    if (table.kind !== 'table' || options.readonly) continue;
    ops.push(
      { path, method: 'post', kind: 'insert', id: `post_${table.name}`, tag: table.name, summary: `Insert into ${what}`, description: 'One row (an object) or several (an array), in one transaction; answers the rows as stored.', scopes: write, table, params: shared('format', 'PreferWrite', 'If-Match') },
      { path, method: 'patch', kind: 'update', id: `patch_${table.name}`, tag: table.name, summary: `Update ${what}`, description: 'Sets the body\'s columns on every row matching the where.* conditions (at least one, unless the database allows unfiltered writes).', scopes: write, table, params: [...where, ...shared('PreferWrite', 'If-Match')] },
      { path, method: 'delete', kind: 'delete', id: `delete_${table.name}`, tag: table.name, summary: `Delete from ${what}`, description: 'Deletes every row matching the where.* conditions (at least one, unless the database allows unfiltered writes).', scopes: write, table, params: [...where, ...shared('format', 'PreferWrite', 'If-Match')] },
    );
  }
  for (const fn of sortedByName([...schema.functions.values()]).filter((f) => IDENTIFIER.test(f.name))) {
    ops.push({
      path: `/rpc/${fn.name}/`, method: 'post', kind: 'rpc', id: `rpc_${fn.name}`, tag: 'rpc', summary: `Call ${fn.name}`, description: fn.description ?? '',
      scopes: options.public.func.includes(fn.name) ? null : scopes(fn.name, 'write'), fn, params: shared('format', 'PreferWrite'),
    });
  }
  return ops;
}

function operationHead(op: Operation): Schema {
  const access = op.scopes === null ? 'Public: no token needed.' : op.scopes.length === 0 ? 'Needs a valid token.' : `Needs a token with scope ${op.scopes.map((s) => `\`${s}\``).join(' or ')}.`;
  return { tags: [op.tag], summary: op.summary, description: `${op.description} ${access}`.trim(), operationId: op.id };
}

function info(options: ApiDocOptions): Schema {
  return {
    title: options.title === '' ? `${options.name} API` : options.title,
    version: options.version,
    description: `Tables, views and functions of the database "${options.name}", served by monolite. ` +
      'Every path also answers without its trailing slash. Errors are RFC 9457 application/problem+json documents with a stable `code`. ' +
      'Where values, select literals and body values may be context references (`erctx.<key>`, `request.<path>`).',
  };
}

function securityText(options: ApiDocOptions): string {
  return options.checkScope
    ? 'A JWT sent as `Authorization: Bearer <token>`. Its `scope` claim grants `<table>-read` (GET), `<table>-write` (POST, PATCH, DELETE), ' +
        '`<func>-write` (RPC), or every table and function with `read` / `write`; `<db>.<table>-read` grants one database only.'
    : 'A JWT sent as `Authorization: Bearer <token>`; scopes are not checked on this database.';
}

/** What the column holds, from its declared type (SQLite affinity, with dates, booleans and decimals told apart). */
function columnType(declared: string): { type?: 'integer' | 'number' | 'string'; format?: 'date-time' | 'date' | 'byte' } {
  const t = declared.toUpperCase();
  if (t === '') return {};
  if (t.includes('INT')) return { type: 'integer' };
  if (/CHAR|CLOB|TEXT/.test(t)) return { type: 'string' };
  if (t.includes('BLOB')) return { type: 'string', format: 'byte' };
  if (/REAL|FLOA|DOUB/.test(t)) return { type: 'number' };
  if (/DATETIME|TIMESTAMP/.test(t)) return { type: 'string', format: 'date-time' };
  if (t.includes('DATE')) return { type: 'string', format: 'date' };
  // SQLite has no boolean: it stores 0 and 1.
  if (t.includes('BOOL')) return { type: 'integer' };
  if (/NUMERIC|DECIMAL/.test(t)) return { type: 'number' };
  return {};
}

// An INTEGER PRIMARY KEY is the rowid: SQLite fills it in and it is never NULL, whatever PRAGMA table_info says.
function nullable(col: ColumnInfo): boolean {
  return !col.notNull && !(col.primaryKey > 0 && col.hasDefault && col.type.toUpperCase() === 'INTEGER');
}

function swaggerColumn(col: ColumnInfo): Schema {
  const out: Schema = { ...columnType(col.type) };
  if (nullable(col)) out['x-nullable'] = true;
  if (col.primaryKey > 0 && col.hasDefault) out.readOnly = true;
  return out;
}

function oasColumn(col: ColumnInfo): Schema {
  const { type, format } = columnType(col.type);
  const out: Schema = {};
  if (type !== undefined) out.type = nullable(col) ? [type, 'null'] : type;
  if (format === 'byte') out.contentEncoding = 'base64';
  else if (format !== undefined) out.format = format;
  if (col.primaryKey > 0 && col.hasDefault) out.readOnly = true;
  return out;
}

/** A row as stored and returned; no `required`, since `select` may return fewer columns (see writeSchema). */
function rowSchema(table: TableInfo, column: (col: ColumnInfo) => Schema): Schema {
  const properties: Schema = {};
  for (const col of table.columns) properties[col.name] = column(col);
  // The primary key's columns in key order: what identifies one row (the table browser edits rows by it). Views and
  // tables without a declared key have none.
  const key = table.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey).map((c) => c.name);
  return key.length > 0 ? { type: 'object', properties, 'x-primary-key': key } : { type: 'object', properties };
}

/** The columns an insert must set: NOT NULL without a default. */
function requiredColumns(table: TableInfo): string[] {
  return table.columns.filter((c) => c.notNull && !c.hasDefault).map((c) => c.name);
}

function problemSchema(): Schema {
  const str = { type: 'string' };
  return {
    type: 'object',
    required: ['type', 'title', 'status', 'code', 'detail'],
    properties: {
      type: str, title: str, status: { type: 'integer' }, code: { type: 'string', description: 'Stable snake_case machine code.' }, detail: str,
      errors: { type: 'array', items: { type: 'object', required: ['field', 'code', 'message'], properties: { field: str, code: str, message: str } } },
    },
  };
}

function orderingParam(table: TableInfo): Param {
  const names = table.columns.map((c) => c.name).filter((n) => IDENTIFIER.test(n));
  return {
    name: 'ordering', in: 'query', schema: { type: 'array', items: { type: 'string', enum: names.flatMap((n) => [n, `-${n}`]) } },
    description: 'Sort keys, comma-separated; `-` before a key sorts descending. A select alias is accepted too.',
  };
}

function whereParams(table: TableInfo): Param[] {
  const params: Param[] = [];
  for (const not of [false, true]) {
    for (const col of table.columns) {
      if (!IDENTIFIER.test(col.name)) continue;
      const { type, format } = columnType(col.type);
      // A text value never equals a BLOB: only the IS tests make sense on one.
      const ops = format === 'byte' ? (['is'] as const) : OPERATORS;
      for (const op of ops) {
        const schema = op === 'is' ? { type: 'string', enum: IS_TESTS } : op === 'in' || op === 'like' || op === 'ilike' ? { type: 'string' } : { type: type ?? 'string' };
        const text = `${col.name} ${OPERATOR_TEXT[op]}`;
        params.push({
          name: `where.${not ? 'not.' : ''}${op}.${col.name}`, in: 'query', schema,
          description: not ? `Rows where NOT (${text})${op === 'is' ? '' : '; a NULL never matches'}.` : `Rows where ${text}.`,
        });
      }
    }
  }
  return params;
}

function swaggerParam(p: Param): Schema {
  const { type, items, ...rest } = p.schema;
  const out: Schema = { name: p.name, in: p.in, description: p.description, required: false, type: type ?? 'string', ...rest };
  if (type === 'array') Object.assign(out, { items, collectionFormat: 'csv' });
  return out;
}

function oasParam(p: Param): Schema {
  const out: Schema = { name: p.name, in: p.in, description: p.description, required: false, schema: p.schema };
  if (p.schema.type === 'array') Object.assign(out, { style: 'form', explode: false });
  return out;
}

function ref(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

function rpcBodySchema(fn: FunctionInfo): Schema {
  const schema: Schema = { type: 'object', properties: Object.fromEntries(fn.params.map((p) => [p, {}])), additionalProperties: false };
  if (fn.params.length > 0) schema.required = [...fn.params];
  return schema;
}

function swaggerBody(op: Operation): Schema | null {
  const row = { $ref: `#/definitions/${op.table?.name}` };
  switch (op.kind) {
    case 'insert': {
      const required = requiredColumns(op.table!);
      return {
        name: 'body', in: 'body', required: true, schema: { type: 'array', items: required.length > 0 ? { allOf: [row, { required }] } : row },
        description: 'An array of rows, or a single row object (answered with an object). Also accepted: application/x-www-form-urlencoded (one row) ' +
          'and text/csv (a header row, then rows; an empty unquoted cell is NULL).',
      };
    }
    case 'update':
      return { name: 'body', in: 'body', required: true, schema: row, description: 'The columns to set (at least one); also as application/x-www-form-urlencoded.' };
    case 'rpc':
      return { name: 'body', in: 'body', required: op.fn!.params.length > 0, schema: rpcBodySchema(op.fn!), description: 'The named parameters.' };
    default:
      return null;
  }
}

function oasBody(op: Operation): Schema | null {
  if (op.kind === 'rpc') {
    const schema = rpcBodySchema(op.fn!);
    return { required: op.fn!.params.length > 0, content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } } };
  }
  if (op.kind !== 'insert' && op.kind !== 'update') return null;
  const table = op.table!;
  // unevaluatedProperties sees through the $ref: a key that is not a column is refused (400 unknown_column).
  const row: Schema = { ...ref(table.name), unevaluatedProperties: false };
  if (op.kind === 'update') {
    const schema = { ...row, minProperties: 1 };
    return { required: true, content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } } };
  }
  const required = requiredColumns(table);
  const one = required.length > 0 ? { ...row, required } : row;
  return {
    required: true,
    description: 'One row (answered with an object) or an array of rows (answered with an array), inserted in one transaction.',
    content: {
      'application/json': { schema: { oneOf: [one, { type: 'array', items: one }] } },
      'application/x-www-form-urlencoded': { schema: one },
      'text/csv': { schema: { type: 'string', description: 'A header row naming columns, then rows; an empty unquoted cell is NULL, `""` the empty string.' } },
    },
  };
}

/** Status codes an operation answers, success first. */
function statuses(op: Operation): string[] {
  const auth = op.scopes === null || op.scopes.length === 0 ? ['401'] : ['401', '403'];
  switch (op.kind) {
    case 'read': return ['200', '304', '400', ...auth, '404'];
    case 'insert': return ['201', '400', ...auth, '404', '409', '412'];
    case 'update': return ['200', '400', ...auth, '404', '409', '412'];
    case 'delete': return ['200', '204', '400', ...auth, '404', '409', '412'];
    case 'rpc': return ['200', '400', ...auth, '404', '409'];
  }
}

function successText(op: Operation, status: string): string {
  if (status === '304') return 'Not modified: the ETag in If-None-Match is current.';
  if (status === '204') return 'Rows deleted.';
  return { read: 'The matching rows ([] when none).', insert: 'The rows as stored (generated ids and defaults included).', update: 'How many rows were updated.', delete: 'The deleted rows (Prefer: return=representation).', rpc: 'The last statement\'s rows, {"changes": n}, or the function\'s own value.' }[op.kind];
}

/** The success body of an operation, given how a row is referenced. */
function successSchema(op: Operation, status: string, row: (name: string) => Schema): Schema | null {
  if (status === '204' || status === '304') return null;
  if (op.kind === 'update') return { type: 'object', required: ['updated'], properties: { updated: { type: 'integer' } } };
  if (op.kind === 'rpc') return {};
  return { type: 'array', items: row(op.table!.name) };
}

function headersOf(op: Operation, status: string): string[] {
  if (status === '304') return ['ETag'];
  if (op.kind === 'read') return ['Content-Range', 'ETag', 'Preference-Applied'];
  return op.kind === 'rpc' ? ['Preference-Applied'] : ['ETag', 'Preference-Applied'];
}

function swaggerResponses(op: Operation): Schema {
  const out: Schema = {};
  for (const status of statuses(op)) {
    if (status in ERRORS) {
      out[status] = { $ref: `#/responses/${ERRORS[status].name}` };
      continue;
    }
    const response: Schema = { description: successText(op, status) };
    const schema = successSchema(op, status, (name) => ({ $ref: `#/definitions/${name}` }));
    if (schema !== null) response.schema = schema;
    response.headers = Object.fromEntries(headersOf(op, status).map((h) => [h, { type: 'string', description: RESPONSE_HEADERS[h] }]));
    out[status] = response;
  }
  return out;
}

function oasResponses(op: Operation): Schema {
  const out: Schema = {};
  for (const status of statuses(op)) {
    if (status in ERRORS) {
      out[status] = { $ref: `#/components/responses/${ERRORS[status].name}` };
      continue;
    }
    const response: Schema = { description: successText(op, status) };
    response.headers = Object.fromEntries(headersOf(op, status).map((h) => [h, { $ref: `#/components/headers/${h}` }]));
    let schema = successSchema(op, status, ref);
    // A single-object POST is answered with an object, an array POST with an array.
    if (schema !== null && op.kind === 'insert') schema = { oneOf: [ref(op.table!.name), schema] };
    if (schema !== null) {
      const content: Schema = { 'application/json': { schema } };
      if (op.kind !== 'update') content['text/csv'] = { schema: { type: 'string' } };
      response.content = content;
    }
    out[status] = response;
  }
  return out;
}
