// The REST query DSL (select, where.*, ordering, limit, offset, Range headers) and request bodies, parsed into the
// plugin.ts shapes and checked against the table's real columns: nothing from the request reaches SQL but bound values.
import { HttpError } from '../http/errors.ts';
import type { AggregateName, ColumnInfo, Condition, FunctionInfo, IsTest, Operator, OrderItem, ReadQuery, Row, SelectItem, SqlValue, TableInfo } from './plugin.ts';
import { IDENTIFIER } from './plugin.ts';

type Resolve = (text: string) => string;

const OPERATORS = new Set<string>(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'like', 'ilike', 'is', 'in']);
const AGGREGATES = new Set<string>(['count', 'sum', 'avg', 'min', 'max']);
const IS_TESTS = new Set<string>(['null', 'not_null', 'true', 'false']);
/** JSON-like decimals: optional `-`, digits with an optional fraction, optional exponent. No `+`, hex, spaces, Infinity. */
const NUMERIC = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** Body values nested deeper than this are refused (they are stored as JSON text; the limit bounds the recursion). */
const MAX_BODY_DEPTH = 64;

interface ColumnIndex {
  byName: Map<string, ColumnInfo>;
  /** Columns whose values are bound as numbers when they look numeric. */
  numeric: Set<string>;
}

/** Per TableInfo (the plugin caches those until the schema changes), built on first use. */
const indexes = new WeakMap<TableInfo, ColumnIndex>();

function indexOf(table: TableInfo): ColumnIndex {
  let index = indexes.get(table);
  if (index === undefined) {
    index = { byName: new Map(), numeric: new Set() };
    for (const column of table.columns) {
      index.byName.set(column.name, column);
      if (hasNumericAffinity(column.type)) index.numeric.add(column.name);
    }
    indexes.set(table, index);
  }
  return index;
}

/**
 * SQLite's affinity rules (datatype3.html §3.1): INT → INTEGER; CHAR/CLOB/TEXT → TEXT; BLOB → BLOB;
 * REAL/FLOA/DOUB → REAL; else NUMERIC. No declared type (a view's computed column) counts as numeric here, so
 * `where.gt.total=10` compares numbers there too.
 */
function hasNumericAffinity(type: string): boolean {
  if (type === '') return true;
  const t = type.toUpperCase();
  if (t.includes('INT')) return true;
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT') || t.includes('BLOB')) return false;
  return true;
}

function unknownColumn(name: string, table: TableInfo, field: string): HttpError {
  const message = `No column ${JSON.stringify(name)} in table ${JSON.stringify(table.name)}`;
  return new HttpError(400, 'unknown_column', message, { errors: [{ field, code: 'unknown_column', message }] });
}

function invalid(code: string, field: string, message: string): HttpError {
  return new HttpError(400, code, message, { errors: [{ field, code, message }] });
}

function column(table: TableInfo, name: string, field: string): ColumnInfo {
  const found = indexOf(table).byName.get(name);
  if (found === undefined) throw unknownColumn(name, table, field);
  return found;
}

/** The one value of `key`, null when absent; a repeated key is ambiguous and refused with `code`. */
function single(params: URLSearchParams, key: string, code: string): string | null {
  const values = params.getAll(key);
  if (values.length > 1) throw invalid(code, key, `Parameter "${key}" is given ${values.length} times; expected it once`);
  return values.length === 0 ? null : values[0];
}

/** The request's read query, checked against `table`. Every error is an HttpError 400 with a stable code. */
export function parseReadQuery(params: URLSearchParams, table: TableInfo, options: {
  defaultLimit: number; maxLimit: number; resolve: Resolve;
  /** From `Range-Unit: items` + `Range: a-b` headers (overrides limit/offset params), see rangeFromHeaders. */
  range: { offset: number; limit: number } | null;
  count: boolean;
}): ReadQuery {
  const select = parseSelect(single(params, 'select', 'invalid_select'), table, options.resolve);
  const where = parseWhere(params, table, options.resolve);
  const groupBy: string[] = [];
  if (select.some((item) => item.kind === 'aggregate')) {
    for (const item of select) if (item.kind === 'column' && !groupBy.includes(item.column)) groupBy.push(item.column);
  }
  const order = parseOrdering(single(params, 'ordering', 'invalid_ordering'), table, select);
  let limit = parseCount(single(params, 'limit', 'invalid_limit'), 'limit') ?? options.defaultLimit;
  let offset = parseCount(single(params, 'offset', 'invalid_limit'), 'offset') ?? 0;
  if (options.range !== null) ({ offset, limit } = options.range);
  return { select, where, groupBy, order, limit: Math.min(limit, options.maxLimit), offset, count: options.count };
}

function parseSelect(text: string | null, table: TableInfo, resolve: Resolve): SelectItem[] {
  const items: SelectItem[] = [];
  if (text === null) return items;
  const names = new Set<string>();
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const colon = trimmed.indexOf(':');
    const alias = colon < 0 ? null : trimmed.slice(0, colon).trim();
    const raw = colon < 0 ? trimmed : trimmed.slice(colon + 1).trim();
    if (alias !== null && !IDENTIFIER.test(alias)) {
      throw invalid('invalid_alias', 'select', `Invalid alias ${JSON.stringify(alias)} in select; expected letters, digits and _, not starting with a digit`);
    }
    const item = selectItem(raw, alias, table, resolve);
    // SQLite names are case-insensitive: `a` and `A` as output names would make ordering by either ambiguous.
    const key = item.alias.toLowerCase();
    if (names.has(key)) throw invalid('invalid_select', 'select', `Output name ${JSON.stringify(item.alias)} appears twice in select; give one of them another alias`);
    names.add(key);
    items.push(item);
  }
  return items;
}

function selectItem(raw: string, alias: string | null, table: TableInfo, resolve: Resolve): SelectItem {
  if (raw.endsWith('()')) {
    if (raw.toLowerCase() === 'count()') return { kind: 'aggregate', fn: 'count', column: null, alias: alias ?? 'count' };
    const dot = raw.indexOf('.');
    const fn = dot < 0 ? '' : raw.slice(dot + 1, -2).toLowerCase();
    if (!AGGREGATES.has(fn)) {
      throw invalid('invalid_select', 'select', `Unknown aggregate ${JSON.stringify(raw)} in select; expected count(), or <column>.count(), .sum(), .avg(), .min() or .max()`);
    }
    const name = raw.slice(0, dot);
    column(table, name, 'select');
    return { kind: 'aggregate', fn: fn as AggregateName, column: name, alias: alias ?? fn };
  }
  if (raw.startsWith('erctx.') || raw.startsWith('request.')) {
    const name = alias ?? raw.replaceAll('.', '_');
    if (!IDENTIFIER.test(name)) {
      throw invalid('invalid_alias', 'select', `Select literal ${JSON.stringify(raw)} needs an alias (alias:${raw}): ${JSON.stringify(name)} is not an identifier`);
    }
    return { kind: 'literal', value: resolve(raw), alias: name };
  }
  column(table, raw, 'select');
  return { kind: 'column', column: raw, alias: alias ?? raw };
}

function parseOrdering(text: string | null, table: TableInfo, select: SelectItem[]): OrderItem[] {
  const order: OrderItem[] = [];
  if (text === null) return order;
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const descending = entry.startsWith('-');
    const key = descending ? entry.slice(1) : entry;
    if (!select.some((item) => item.alias === key)) column(table, key, 'ordering');
    order.push({ key, descending });
  }
  return order;
}

/** `limit` and `offset`: digits only (no sign, no spaces), at most 2^53 − 1. */
function parseCount(text: string | null, name: string): number | null {
  if (text === null) return null;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw invalid('invalid_limit', name, `Invalid ${name} ${JSON.stringify(text)}; expected an integer ≥ 0`);
  return n;
}

/** `Range-Unit: items` (case-insensitive) and `Range: 0-24` → {offset 0, limit 25}; null when absent; malformed → 400 invalid_range. */
export function rangeFromHeaders(rangeUnit: string | undefined, range: string | undefined): { offset: number; limit: number } | null {
  if (rangeUnit === undefined || range === undefined || rangeUnit.trim().toLowerCase() !== 'items') return null;
  // `a-` (open end, as PostgREST) asks for everything from a: the limit is then clamped to max_limit.
  const m = /^\s*(?:items=)?(\d+)-(\d*)\s*$/i.exec(range);
  const first = m === null ? NaN : Number(m[1]);
  const last = m === null ? NaN : m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) {
    throw invalid('invalid_range', 'Range', `Invalid Range ${JSON.stringify(range)}; expected "<first>-<last>" with first ≤ last, e.g. "0-24"`);
  }
  return { offset: first, limit: m?.[2] === '' ? last : last - first + 1 };
}

/** The where conditions alone (PATCH, DELETE); other parameters are ignored. */
export function parseWhere(params: URLSearchParams, table: TableInfo, resolve: Resolve): Condition[] {
  const where: Condition[] = [];
  for (const [key, value] of params) {
    if (key.startsWith('where.')) where.push(parseCondition(key, value, table, resolve));
  }
  return where;
}

function parseCondition(key: string, value: string, table: TableInfo, resolve: Resolve): Condition {
  let rest = key.slice(6);
  const not = rest.startsWith('not.');
  if (not) rest = rest.slice(4);
  const dot = rest.indexOf('.');
  if (dot < 0) throw invalid('invalid_where', key, `Invalid where parameter ${JSON.stringify(key)}; expected where.<operator>.<column> or where.not.<operator>.<column>`);
  const op = rest.slice(0, dot).toLowerCase();
  if (!OPERATORS.has(op)) {
    throw invalid('invalid_operator', key, `Unknown operator ${JSON.stringify(rest.slice(0, dot))} in ${JSON.stringify(key)}; expected one of ${[...OPERATORS].join(', ')}`);
  }
  const col = column(table, rest.slice(dot + 1), key);
  if (op === 'is') {
    const test = value.trim().toLowerCase();
    if (!IS_TESTS.has(test)) throw invalid('invalid_value', key, `Invalid value ${JSON.stringify(value)} for "is"; expected null, not_null, true or false`);
    return { column: col.name, op: 'is', not, test: test as IsTest };
  }
  if (op === 'in') {
    const elements = splitList(value, key);
    if (elements.length === 0) throw invalid('invalid_value', key, `Empty list for "in" in ${JSON.stringify(key)}; expected comma-separated values`);
    return { column: col.name, op: 'in', not, values: elements.map((element) => bindWhereValue(resolve(element), col)) };
  }
  const resolved = resolve(value);
  // LIKE patterns are text whatever the column holds: SQLite compares them as text anyway.
  const bound = op === 'like' || op === 'ilike' ? resolved : bindWhereValue(resolved, col);
  return { column: col.name, op: op as Exclude<Operator, 'is' | 'in'>, not, value: bound };
}

/**
 * An `in` list: comma-separated; a double-quoted element may hold commas, and `""` inside it for a quote. Unquoted
 * elements are trimmed and dropped when empty; quoted ones are kept exactly (`""` is an empty string).
 */
function splitList(text: string, field: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
    if (text[j] === '"') {
      let element = '';
      j++;
      for (;;) {
        if (j >= n) throw invalid('invalid_value', field, `Unterminated quoted element in "in" list ${JSON.stringify(text)}`);
        if (text[j] === '"') {
          if (text[j + 1] === '"') { element += '"'; j += 2; continue; }
          j++;
          break;
        }
        element += text[j++];
      }
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      if (j < n && text[j] !== ',') throw invalid('invalid_value', field, `Unexpected text after a quoted element in "in" list ${JSON.stringify(text)}; expected a comma`);
      out.push(element);
    } else {
      const comma = text.indexOf(',', i);
      j = comma < 0 ? n : comma;
      const element = text.slice(i, j).trim();
      if (element !== '') out.push(element);
    }
    if (j >= n) return out;
    i = j + 1;
  }
}

/**
 * A where value bound with the column's affinity (the "Decisions"): a number when it looks numeric (see
 * NUMERIC) and the column is numeric, else text. Integers beyond 2^53 become bigints (exact); beyond 64 bits, REAL.
 */
function bindWhereValue(text: string, col: ColumnInfo): SqlValue {
  if (text.length > 400 || !NUMERIC.test(text) || !hasNumericAffinity(col.type)) return text;
  if (INTEGER.test(text)) {
    if (text.length < 16) return Number(text);
    const big = BigInt(text);
    if (big >= -MAX_SAFE && big <= MAX_SAFE) return Number(big);
    if (big >= INT64_MIN && big <= INT64_MAX) return big;
  }
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** One body object (JSON, or form/CSV with string values and null for an empty CSV cell) → a Row of the table's columns. */
export function toRow(value: unknown, table: TableInfo, resolve: Resolve): Row {
  const record = bodyObject(value, `a row of table ${JSON.stringify(table.name)}`);
  const index = indexOf(table);
  const unknown = Object.keys(record).filter((key) => !index.byName.has(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => JSON.stringify(key)).join(', ');
    throw new HttpError(400, 'unknown_column', `No column ${names} in table ${JSON.stringify(table.name)}`, {
      errors: unknown.map((key) => ({ field: key, code: 'unknown_column', message: `No column ${JSON.stringify(key)} in table ${JSON.stringify(table.name)}` })),
    });
  }
  const row: Row = Object.create(null);
  for (const key of Object.keys(record)) row[key] = bodyValue(record[key], key, resolve);
  return row;
}

/** RPC body → arguments checked against fn.params (400 missing_param / unknown_param naming them). */
export function toArguments(value: unknown, fn: FunctionInfo, resolve: Resolve): Record<string, SqlValue> {
  const record = value === undefined || value === null ? {} : bodyObject(value, `the arguments of function ${JSON.stringify(fn.name)}`);
  const unknown = Object.keys(record).filter((key) => !fn.params.includes(key));
  if (unknown.length > 0) {
    throw new HttpError(400, 'unknown_param', `Function ${JSON.stringify(fn.name)} has no parameter ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected ${fn.params.length === 0 ? 'none' : fn.params.join(', ')}`, {
      errors: unknown.map((key) => ({ field: key, code: 'unknown_param', message: `Function ${JSON.stringify(fn.name)} has no parameter ${JSON.stringify(key)}` })),
    });
  }
  const missing = fn.params.filter((name) => !Object.hasOwn(record, name));
  if (missing.length > 0) {
    throw new HttpError(400, 'missing_param', `Function ${JSON.stringify(fn.name)} needs ${missing.map((k) => JSON.stringify(k)).join(', ')}`, {
      errors: missing.map((name) => ({ field: name, code: 'missing_param', message: `Parameter ${JSON.stringify(name)} is required` })),
    });
  }
  const args: Record<string, SqlValue> = Object.create(null);
  for (const name of fn.params) args[name] = bodyValue(record[name], name, resolve);
  return args;
}

function bodyObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new HttpError(400, 'invalid_body', `Expected a JSON object for ${what}, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/**
 * A body value as bound: booleans 1/0 (SQLite has no boolean), numbers and null as they are, strings through context
 * substitution, objects and arrays as JSON text (SQLite's JSON functions read it), their string leaves substituted too.
 */
function bodyValue(value: unknown, field: string, resolve: Resolve): SqlValue {
  switch (typeof value) {
    case 'string': return resolve(value);
    case 'number':
      if (!Number.isFinite(value)) throw invalid('invalid_value', field, `Invalid number for ${JSON.stringify(field)}`);
      return value;
    case 'boolean': return value ? 1 : 0;
    case 'bigint': return value;
    case 'undefined': return null;
    case 'object':
      if (value === null) return null;
      return JSON.stringify(substituteLeaves(value, field, resolve, 1));
    default:
      throw invalid('invalid_value', field, `Unsupported value for ${JSON.stringify(field)}`);
  }
}

function substituteLeaves(value: unknown, field: string, resolve: Resolve, depth: number): unknown {
  if (depth > MAX_BODY_DEPTH) throw invalid('invalid_value', field, `Value of ${JSON.stringify(field)} is nested deeper than ${MAX_BODY_DEPTH} levels`);
  if (typeof value === 'string') return resolve(value);
  if (Array.isArray(value)) return value.map((item) => substituteLeaves(item, field, resolve, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, { value: substituteLeaves((value as Record<string, unknown>)[key], field, resolve, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
