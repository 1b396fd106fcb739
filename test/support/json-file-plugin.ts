// A second database plugin, over a JSON file, to prove the DbPlugin interface works without SQL: every method is
// implemented in plain JS. uri `jsonfile://<path>` (relative to the data directory, or absolute with `jsonfile:///`).
// File: { "tables": { "<name>": { "columns": [{ "name", "type", "notNull"?, "primaryKey"?, "default"? }], "rows": [] } } }
// It is read once at creation and written back (temp file + rename) after every committed write.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { HttpError } from '../../src/http/errors.ts';
import type {
  ColumnInfo, Condition, DbPlugin, DbPluginFactory, DbPluginOptions, DbSchema, FunctionInfo, ReadQuery, ReadResult, RequestInfo,
  ResultColumn, Row, SelectItem, SqlValue, TableInfo, TsFunction,
} from '../../src/rest/plugin.ts';

type JsonValue = string | number | null;
interface JsonColumn { name: string; type: string; notNull?: boolean; primaryKey?: boolean; default?: JsonValue }
interface JsonTable { columns: JsonColumn[]; rows: Record<string, JsonValue>[] }
interface JsonFile { tables: Record<string, JsonTable> }

/** Every read query any instance was given, in order: for tests of what the REST layer hands to plugins. */
export const readQueries: ReadQuery[] = [];

const STATS: FunctionInfo = { name: 'stats', params: [], description: 'How many tables the file holds.' };

/** The plugin factory (the module's default export). */
const createJsonFilePlugin: DbPluginFactory = (options: DbPluginOptions): DbPlugin => {
  if (Object.keys(options.functions).length > 0) throw new TypeError('the jsonfile plugin runs no SQL functions; remove [functions] from this database');
  const file = filePath(options.uri, options.dataDir);
  const data = load(file);
  const hidden = new Set(options.exclude.table);
  const tsFunctions = new Map<string, TsFunction>();
  let schema: DbSchema | null = null;

  function tableOf(name: string): JsonTable {
    if (hidden.has(name) || !Object.hasOwn(data.tables, name)) throw new HttpError(404, 'unknown_table', `No table "${name}" in database "${options.name}"`);
    return data.tables[name];
  }

  function writable(name: string): JsonTable {
    if (options.readonly) throw new HttpError(403, 'readonly_database', `Database "${options.name}" is read-only`);
    return tableOf(name);
  }

  /** Replaces the table's rows and saves the file, unless the request asked for a rollback. */
  function commit(table: JsonTable, rows: Record<string, JsonValue>[], req: RequestInfo): void {
    if (req.tx === 'rollback') return;
    const before = table.rows;
    table.rows = rows;
    try {
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(data, null, 2) + '\n');
      renameSync(temp, file);
    } catch (err) {
      table.rows = before;
      throw err;
    }
  }

  return {
    getSchema(): DbSchema {
      if (schema !== null) return schema;
      const tables = new Map<string, TableInfo>();
      for (const [name, table] of Object.entries(data.tables)) {
        if (!hidden.has(name)) tables.set(name, { name, kind: 'table', columns: columnInfos(table) });
      }
      const functions = new Map<string, FunctionInfo>();
      if (!options.exclude.func.includes('stats')) functions.set('stats', STATS);
      for (const [name, fn] of tsFunctions) functions.set(name, { name, params: fn.params, description: fn.description });
      return (schema = { tables, functions });
    },

    tableGet(name: string, query: ReadQuery): ReadResult {
      readQueries.push(query);
      const table = tableOf(name);
      const found = matching(table.rows, query.where, table);
      const select: SelectItem[] = query.select.length > 0 ? query.select : table.columns.map((c) => ({ kind: 'column', column: c.name, alias: c.name }));
      for (const item of select) if (item.kind !== 'literal' && item.column !== null) column(table, item.column);
      const aggregated = select.some((item) => item.kind === 'aggregate');
      // Each output row is kept with a source row, so that ordering may name a column that is not selected.
      let out: { source: Record<string, JsonValue>; row: Row }[];
      if (aggregated) {
        const groups = new Map<string, Record<string, JsonValue>[]>();
        for (const row of found) {
          const key = JSON.stringify(query.groupBy.map((c) => row[c] ?? null));
          const group = groups.get(key);
          if (group === undefined) groups.set(key, [row]);
          else group.push(row);
        }
        // Aggregates without GROUP BY answer one row, even over no rows (count 0).
        if (groups.size === 0 && query.groupBy.length === 0) groups.set('[]', []);
        out = [...groups.values()].map((rows) => ({ source: rows[0] ?? {}, row: project(select, rows) }));
      } else {
        out = found.map((row) => ({ source: row, row: project(select, [row]) }));
      }
      for (const o of query.order) if (!select.some((item) => item.alias === o.key)) column(table, o.key);
      out.sort((a, b) => {
        for (const o of query.order) {
          const key = o.key;
          const x = key in a.row ? a.row[key] : a.source[key] ?? null;
          const y = key in b.row ? b.row[key] : b.source[key] ?? null;
          const c = compare(x as JsonValue, y as JsonValue);
          if (c !== 0) return o.descending ? -c : c;
        }
        return 0;
      });
      const columns: ResultColumn[] = select.map((item) => ({ name: item.alias, type: item.kind === 'column' ? column(table, item.column).type : '' }));
      const result: ReadResult = { columns, rows: out.slice(query.offset, query.offset + query.limit).map((o) => o.row) };
      if (query.count) result.total = out.length;
      return result;
    },

    tableCreate(name: string, rows: Row[], req: RequestInfo) {
      const table = writable(name);
      const all = [...table.rows];
      const created: Row[] = [];
      for (const input of rows) {
        const row: Record<string, JsonValue> = Object.create(null);
        for (const key of Object.keys(input)) column(table, key);
        for (const col of table.columns) {
          let value: JsonValue;
          if (Object.hasOwn(input, col.name) && !(autoIncremented(table, col) && input[col.name] === null)) value = toJson(input[col.name], col.name);
          else if (autoIncremented(table, col)) value = all.reduce((max, r) => Math.max(max, typeof r[col.name] === 'number' ? (r[col.name] as number) : 0), 0) + 1;
          else value = col.default ?? null;
          row[col.name] = value;
        }
        checkRow(name, table, row, all, -1);
        all.push(row);
        created.push(copy(row));
      }
      commit(table, all, req);
      return { columns: resultColumns(table), rows: created };
    },

    tableUpdate(name: string, data: Row, where: Condition[], req: RequestInfo): number {
      const table = writable(name);
      for (const key of Object.keys(data)) column(table, key);
      const all = [...table.rows];
      const targets = new Set(matching(all, where, table));
      for (let i = 0; i < all.length; i++) {
        if (!targets.has(all[i])) continue;
        const row = copy(all[i]) as Record<string, JsonValue>;
        for (const key of Object.keys(data)) row[key] = toJson(data[key], key);
        checkRow(name, table, row, all, i);
        all[i] = row;
      }
      commit(table, all, req);
      return targets.size;
    },

    tableDelete(name: string, where: Condition[], req: RequestInfo, returning: boolean) {
      const table = writable(name);
      const gone = matching(table.rows, where, table);
      const kept = matching(table.rows, where, table, false);
      commit(table, kept, req);
      return returning ? { count: gone.length, rows: { columns: resultColumns(table), rows: gone.map(copy) } } : { count: gone.length };
    },

    callFunction(name: string, args: Record<string, SqlValue>, req: RequestInfo) {
      const fn = tsFunctions.get(name);
      if (fn !== undefined) return { kind: 'value', value: fn.run(args, req, data) };
      if (name !== 'stats' || options.exclude.func.includes('stats')) throw new HttpError(404, 'unknown_function', `No function "${name}" in database "${options.name}"`);
      return { kind: 'value', value: { tables: Object.keys(data.tables).filter((t) => !hidden.has(t)).length } };
    },

    registerFunction(name: string, fn: TsFunction): void {
      tsFunctions.set(name, fn);
      schema = null;
    },

    close(): void {},
  };
};

export default createJsonFilePlugin;

function filePath(uri: string, dataDir: string): string {
  if (!uri.startsWith('jsonfile://') || uri.length === 'jsonfile://'.length) throw new TypeError(`uri "${uri}": expected jsonfile://<path>`);
  const path = decodeURIComponent(uri.slice('jsonfile://'.length));
  return isAbsolute(path) ? path : resolve(dataDir, path);
}

function load(file: string): JsonFile {
  const data = JSON.parse(readFileSync(file, 'utf8')) as JsonFile;
  if (typeof data?.tables !== 'object' || data.tables === null) throw new TypeError(`${file}: expected {"tables": {…}}`);
  for (const [name, table] of Object.entries(data.tables)) {
    if (!Array.isArray(table?.columns) || !Array.isArray(table.rows)) throw new TypeError(`${file}: table "${name}" needs "columns" and "rows" arrays`);
  }
  return data;
}

function columnInfos(table: JsonTable): ColumnInfo[] {
  let pk = 0;
  return table.columns.map((c) => ({
    name: c.name, type: c.type, notNull: c.notNull === true || autoIncremented(table, c),
    hasDefault: c.default !== undefined || autoIncremented(table, c), primaryKey: c.primaryKey === true ? ++pk : 0,
  }));
}

function resultColumns(table: JsonTable): ResultColumn[] {
  return table.columns.map((c) => ({ name: c.name, type: c.type }));
}

function column(table: JsonTable, name: string): JsonColumn {
  const col = table.columns.find((c) => c.name === name);
  if (col === undefined) throw new HttpError(400, 'unknown_column', `No column "${name}"`);
  return col;
}

/** A lone INTEGER primary key is numbered like SQLite's rowid when a row comes without it. */
function autoIncremented(table: JsonTable, col: JsonColumn): boolean {
  return col.primaryKey === true && /INT/i.test(col.type) && table.columns.filter((c) => c.primaryKey === true).length === 1;
}

/** NOT NULL and primary key uniqueness, against every other row (`self` is the row's own index, -1 when new). */
function checkRow(name: string, table: JsonTable, row: Record<string, JsonValue>, all: Record<string, JsonValue>[], self: number): void {
  for (const col of table.columns) {
    if ((col.notNull === true || col.primaryKey === true) && row[col.name] === null) {
      throw new HttpError(400, 'not_null_violation', `Column "${col.name}" cannot be null`);
    }
  }
  const keys = table.columns.filter((c) => c.primaryKey === true).map((c) => c.name);
  if (keys.length === 0) return;
  const key = JSON.stringify(keys.map((k) => row[k]));
  if (all.some((other, i) => i !== self && JSON.stringify(keys.map((k) => other[k])) === key)) {
    throw new HttpError(409, 'constraint_violation', `UNIQUE constraint failed: ${keys.map((k) => `${name}.${k}`).join(', ')}`);
  }
}

function toJson(value: SqlValue, name: string): JsonValue {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value instanceof Uint8Array) throw new HttpError(400, 'invalid_value', `Column "${name}": the jsonfile plugin stores no binary values`);
  return value;
}

function copy(row: Record<string, JsonValue>): Row {
  return Object.assign(Object.create(null) as Row, row);
}

function project(select: SelectItem[], rows: Record<string, JsonValue>[]): Row {
  const out: Row = Object.create(null);
  for (const item of select) {
    if (item.kind === 'literal') out[item.alias] = item.value;
    else if (item.kind === 'column') out[item.alias] = rows[0]?.[item.column] ?? null;
    else out[item.alias] = aggregate(item.fn, item.column, rows);
  }
  return out;
}

function aggregate(fn: string, col: string | null, rows: Record<string, JsonValue>[]): JsonValue {
  if (col === null) return rows.length;
  const values = rows.map((r) => r[col] ?? null).filter((v) => v !== null);
  if (fn === 'count') return values.length;
  if (values.length === 0) return null;
  if (fn === 'min' || fn === 'max') return values.reduce((a, b) => ((compare(a, b) <= 0) === (fn === 'min') ? a : b));
  const sum = values.reduce<number>((s, v) => s + (Number(v) || 0), 0);
  return fn === 'sum' ? sum : sum / values.length;
}

/** SQLite's order: NULL, then numbers, then text (binary). */
function compare(a: JsonValue, b: JsonValue): number {
  const rank = (v: JsonValue) => (v === null ? 0 : typeof v === 'number' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (a === null || b === null) return 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The rows for which every condition is true (SQL's three values: a NULL comparison is never true, not even under NOT). */
function matching(rows: Record<string, JsonValue>[], where: Condition[], table: JsonTable, keep = true): Record<string, JsonValue>[] {
  for (const cond of where) column(table, cond.column);
  const matches = (row: Record<string, JsonValue>) => where.every((cond) => {
    const result = test(row[cond.column] ?? null, cond);
    return result !== null && result !== cond.not;
  });
  return rows.filter((row) => matches(row) === keep);
}

function test(v: JsonValue, cond: Condition): boolean | null {
  if (cond.op === 'is') {
    if (cond.test === 'null') return v === null;
    if (cond.test === 'not_null') return v !== null;
    return v !== null && (Number(v) !== 0 && !Number.isNaN(Number(v))) === (cond.test === 'true');
  }
  if (v === null) return null;
  if (cond.op === 'in') {
    const values = cond.values.map((x) => toJson(x, cond.column));
    if (values.some((x) => x !== null && compare(v, x) === 0)) return true;
    return values.includes(null) ? null : false;
  }
  const value = toJson(cond.value, cond.column);
  if (value === null) return null;
  switch (cond.op) {
    case 'eq': return compare(v, value) === 0;
    case 'neq': return compare(v, value) !== 0;
    case 'lt': return compare(v, value) < 0;
    case 'lte': return compare(v, value) <= 0;
    case 'gt': return compare(v, value) > 0;
    case 'gte': return compare(v, value) >= 0;
    case 'like': return like(String(v), String(value), false);
    case 'ilike': return like(String(v), String(value), true);
  }
}

/** SQL LIKE: % any text, _ one character; `foldAscii` ignores the case of A–Z only, as SQLite does. */
function like(text: string, pattern: string, foldAscii: boolean): boolean {
  const fold = (s: string) => (foldAscii ? s.replace(/[A-Z]/g, (c) => c.toLowerCase()) : s);
  const source = [...fold(pattern)].map((c) => (c === '%' ? '[\\s\\S]*' : c === '_' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 'u').test(fold(text));
}
