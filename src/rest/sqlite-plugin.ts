// The built-in DbPlugin over node:sqlite: the schema read from the database (and re-read when PRAGMA schema_version
// moves), reads and writes from the checked query shapes, RPC functions as SQL scripts or registered TypeScript.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { HttpError } from '../http/errors.ts';
import { openDatabase } from '../db/open.ts';
import { checkpointInBackground } from '../db/checkpoints.ts';
import { remember } from '../lib/cache.ts';
import type {
  ColumnInfo, Condition, DbPlugin, DbPluginOptions, DbSchema, FunctionInfo, FunctionResult, ReadQuery, ReadResult,
  RequestInfo, ResultColumn, Row, SqlValue, TableInfo, TsFunction, WriteResult,
} from './plugin.ts';
import { deleteSql, insertSql, selectSql, updateSql, type SqlDialect } from './sql.ts';
import { scriptParams, splitSqlScript, type SqlStatement } from './sql-script.ts';
import { IDENTIFIER } from './plugin.ts';

/** Prepared statements kept per connection; least recently used ones are dropped first. */
const MAX_STATEMENTS = 256;

// SQLite result codes (sqlite.org/rescode.html) that are the client's fault.
const SQLITE_READONLY = 8;
const SQLITE_CONSTRAINT = 19;
const SQLITE_MISMATCH = 20;
const SQLITE_CONSTRAINT_NOTNULL = 1299;
const SQLITE_CONSTRAINT_DATATYPE = 3091;

interface SqlFunction {
  statements: SqlStatement[];
  info: FunctionInfo;
}

interface TableMeta {
  info: TableInfo;
  names: Set<string>;
  /** Generated columns: readable, never writable. */
  generated: Set<string>;
}

/** The built-in plugin for `sqlite://` URIs. */
export function createSqlitePlugin(options: DbPluginOptions): SqlitePlugin {
  return new SqlitePlugin(options);
}

/** `sqlite://./x.db` and `sqlite://x.db` relative to the data directory, `sqlite:///abs/x.db` absolute; %-escapes decoded. */
export function sqliteFilePath(uri: string, dataDir: string): string {
  const m = /^sqlite:\/\/(.+)$/is.exec(uri);
  if (m === null) throw new Error(`Database URI "${uri}" is not a sqlite://<path> URI`);
  if (m[1].includes('?')) throw new Error(`Database URI "${uri}": query parameters are not supported (use readonly = true for a read-only database)`);
  let path: string;
  try {
    path = decodeURIComponent(m[1]);
  } catch {
    throw new Error(`Database URI "${uri}": malformed %-escape in the path`);
  }
  return isAbsolute(path) ? path : resolvePath(dataDir, path);
}

export class SqlitePlugin implements DbPlugin {
  readonly path: string;
  readonly db: DatabaseSync;
  readonly #options: DbPluginOptions;
  readonly #dialect: SqlDialect;
  readonly #statements = new Map<string, StatementSync>();
  /** The SQL of read queries seen before (the REST layer keeps and reuses parsed queries, frozen). */
  readonly #selects = new WeakMap<ReadQuery, ReturnType<typeof selectSql>>();
  /** INSERT texts by table and column list (rows of one shape are the rule). */
  readonly #inserts = new Map<string, string>();
  readonly #versions: StatementSync;
  readonly #totalChanges: StatementSync;
  #releaseCheckpoints: () => void = () => {};
  readonly #sqlFunctions = new Map<string, SqlFunction>();
  readonly #tsFunctions = new Map<string, TsFunction>();
  readonly #excludedTables: Set<string>;
  readonly #excludedFunctions: Set<string>;
  #schema: DbSchema | null = null;
  #tables = new Map<string, TableMeta>();
  #version = -1;
  #dataVersion = 0;
  /** True until the end of this event-loop turn once the versions were read (see #refresh). */
  #fresh = false;
  readonly #expire = () => { this.#fresh = false; };

  constructor(options: DbPluginOptions) {
    this.#options = options;
    this.path = sqliteFilePath(options.uri, options.dataDir);
    if (!existsSync(this.path)) throw new Error(`Database "${options.name}": file ${this.path} does not exist (monolite does not create REST databases)`);
    // Exclusions compare case-insensitively, as SQLite resolves names: excluding "users" must also hide "Users".
    this.#excludedTables = new Set(options.exclude.table.map((t) => t.toLowerCase()));
    this.#excludedFunctions = new Set(options.exclude.func.map((f) => f.toLowerCase()));
    for (const [name, fn] of Object.entries(options.functions)) {
      if (!IDENTIFIER.test(name)) throw new Error(`Database "${options.name}": function name "${name}" is not an identifier`);
      if (this.#excludedFunctions.has(name.toLowerCase())) continue;
      let statements: SqlStatement[];
      try {
        statements = splitSqlScript(fn.sql);
      } catch (err) {
        throw new Error(`Database "${options.name}", function "${name}": ${(err as Error).message}`);
      }
      if (statements.length === 0) throw new Error(`Database "${options.name}", function "${name}": the SQL holds no statement`);
      const info: FunctionInfo = { name, params: scriptParams(statements) };
      if (fn.description) info.description = fn.description;
      this.#sqlFunctions.set(name, { statements, info });
    }
    this.db = openDatabase(this.path, { readOnly: options.readonly });
    try {
      if (options.readonly) this.db.exec('PRAGMA query_only = ON');
      // SQLite's LIKE is ASCII case-insensitive unless built otherwise: `ilike` uses it when it is, lower() when not.
      const probe = this.db.prepare("SELECT 'a' LIKE 'A' AS nocase").get() as { nocase: number };
      this.#dialect = { nocaseLike: probe.nocase === 1 };
      this.#versions = this.db.prepare('SELECT s.schema_version AS s, d.data_version AS d FROM pragma_schema_version AS s, pragma_data_version AS d');
      this.#totalChanges = this.db.prepare('SELECT total_changes() AS n');
      // Its WAL is copied into the file off the serving thread (db/checkpoints.ts says why).
      if (!options.readonly) this.#releaseCheckpoints = checkpointInBackground(this.db, this.path);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  /** The schema now: cached, re-read when PRAGMA schema_version moved (another connection's ALTER TABLE included). */
  getSchema(): DbSchema {
    this.#refresh();
    return this.#schema!;
  }

  /**
   * Reads schema_version and data_version, at most once per event-loop turn: the two pragmas cost about 9 µs (they
   * take the WAL read lock), more than the rest of a small read. Requests served in the same turn share one reading;
   * a commit by another process is seen from the next turn on — the same as if it had landed a moment later. Our own
   * writes expire the reading at once (#transaction), since a function may change the schema.
   */
  #refresh(): void {
    if (this.#fresh) return;
    this.#fresh = true;
    setImmediate(this.#expire);
    const v = this.#versions.get() as { s: number; d: number };
    this.#dataVersion = Number(v.d);
    if (this.#schema === null || v.s !== this.#version) {
      this.#statements.clear();
      this.#schema = this.#readSchema();
      this.#version = v.s;
    }
  }

  #readSchema(): DbSchema {
    const tables = new Map<string, TableInfo>();
    const metas = new Map<string, TableMeta>();
    const list = this.db.prepare("SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main' ORDER BY name").all() as { name: string; type: string; wr: number }[];
    const xinfo = this.db.prepare('SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?)');
    for (const entry of list) {
      // Shadow tables are a virtual table's storage; `sqlite_` names are SQLite's own.
      if (entry.type === 'shadow' || /^sqlite_/i.test(entry.name) || !IDENTIFIER.test(entry.name)) continue;
      if (this.#excludedTables.has(entry.name.toLowerCase())) continue;
      let rows: { name: string; type: string; notnull: number; dflt_value: string | null; pk: number; hidden: number }[];
      try {
        rows = xinfo.all(entry.name) as typeof rows;
      } catch {
        continue; // a view over a dropped table cannot be read: it is not offered
      }
      const pkCount = rows.filter((r) => r.pk > 0).length;
      const columns: ColumnInfo[] = [];
      const generated = new Set<string>();
      for (const r of rows) {
        if (r.hidden === 1) continue; // virtual tables' hidden columns
        if (r.hidden === 2 || r.hidden === 3) generated.add(r.name);
        // An INTEGER PRIMARY KEY of a rowid table is the rowid: SQLite fills it in.
        const rowidAlias = entry.type !== 'view' && entry.wr === 0 && pkCount === 1 && r.pk === 1 && r.type.toUpperCase() === 'INTEGER';
        columns.push({
          name: r.name,
          type: r.type,
          notNull: r.notnull === 1,
          hasDefault: r.dflt_value !== null || rowidAlias || generated.has(r.name),
          primaryKey: r.pk,
        });
      }
      const info: TableInfo = { name: entry.name, kind: entry.type === 'view' ? 'view' : 'table', columns };
      tables.set(entry.name, info);
      metas.set(entry.name, { info, names: new Set(columns.map((c) => c.name)), generated });
    }
    this.#tables = metas;
    const functions = new Map<string, FunctionInfo>();
    for (const [name, fn] of this.#sqlFunctions) functions.set(name, fn.info);
    for (const [name, fn] of this.#tsFunctions) {
      const info: FunctionInfo = { name, params: [...fn.params] };
      if (fn.description) info.description = fn.description;
      functions.set(name, info);
    }
    return { tables, functions };
  }

  tableGet(table: string, query: ReadQuery, _req: RequestInfo): ReadResult {
    this.#table(table);
    let sql = this.#selects.get(query);
    if (sql === undefined) this.#selects.set(query, (sql = selectSql(table, query, this.#dialect)));
    const { rows: select, count } = sql;
    // The page and its total from one snapshot: another process may commit between the two statements.
    if (count !== null) this.db.exec('BEGIN');
    try {
      const stmt = this.#prepare(select.sql);
      const params = bindable(select.params);
      let rows: Row[];
      try {
        rows = stmt.all(...params) as Row[];
      } catch (err) {
        if ((err as { code?: string }).code !== 'ERR_OUT_OF_RANGE') throw err;
        // An integer beyond 2^53 in the result: read again as bigints, which render exactly.
        rows = readingBigInts(stmt, () => stmt.all(...params) as Row[]);
      }
      const result: ReadResult = { columns: resultColumns(stmt), rows };
      if (count !== null) result.total = Number((this.#prepare(count.sql).get(...bindable(count.params)) as { n: number }).n);
      return result;
    } finally {
      if (count !== null && this.db.isTransaction) this.db.exec('COMMIT');
    }
  }

  tableCreate(table: string, rows: Row[], req: RequestInfo): WriteResult {
    const meta = this.#writable(table);
    for (const row of rows) this.#checkColumns(meta, row);
    const stored: Row[] = [];
    let columns: ResultColumn[] = meta.info.columns.map((c) => ({ name: c.name, type: c.type }));
    if (rows.length === 0) return { columns, rows: stored };
    this.#transaction(req, true, () => {
      // Rows of one shape (the usual batch) share one statement, reading bigints throughout (a write is never re-run).
      let shape = '';
      let stmt: StatementSync | undefined;
      try {
        for (const row of rows) {
          const names = Object.keys(row);
          const key = names.join('\0');
          if (stmt === undefined || key !== shape) {
            stmt?.setReadBigInts(false);
            stmt = this.#prepare(this.#insertText(table, key, names));
            stmt.setReadBigInts(true);
            shape = key;
            columns = resultColumns(stmt);
          }
          const values: SqlValue[] = [];
          for (const name of names) values.push(bindValue(row[name]));
          for (const r of stmt.all(...values) as Row[]) stored.push(r);
        }
      } finally {
        stmt?.setReadBigInts(false);
      }
    }, rows.length === 1 ? 'statement' : 'statements');
    return { columns, rows: stored };
  }

  tableUpdate(table: string, data: Row, where: Condition[], req: RequestInfo): number {
    const meta = this.#writable(table);
    this.#checkColumns(meta, data);
    if (Object.keys(data).length === 0) throw new HttpError(400, 'invalid_body', `Nothing to update in table ${JSON.stringify(table)}: the body has no column`);
    const { sql, params } = updateSql(table, data, where, this.#dialect);
    return this.#transaction(req, true, () => Number(this.#prepare(sql).run(...bindable(params)).changes), 'statement');
  }

  tableDelete(table: string, where: Condition[], req: RequestInfo, returning: boolean): { count: number; rows?: WriteResult } {
    this.#writable(table);
    const { sql, params } = deleteSql(table, where, returning, this.#dialect);
    return this.#transaction(req, true, () => {
      const stmt = this.#prepare(sql);
      if (!returning) return { count: Number(stmt.run(...bindable(params)).changes) };
      const rows = readingBigInts(stmt, () => stmt.all(...bindable(params)) as Row[]);
      return { count: rows.length, rows: { columns: resultColumns(stmt), rows } };
    }, 'statement');
  }

  callFunction(name: string, args: Record<string, SqlValue>, req: RequestInfo): FunctionResult {
    const write = !this.#options.readonly;
    const ts = this.#tsFunctions.get(name);
    if (ts !== undefined) {
      const value = this.#transaction(req, write, () => {
        const out = ts.run(args, req, this.db);
        if (out !== null && typeof out === 'object' && typeof (out as { then?: unknown }).then === 'function') {
          (out as PromiseLike<unknown>).then(undefined, () => {}); // its rejection would otherwise go unhandled
          throw new Error(`TypeScript function "${name}" returned a promise; functions of the SQLite plugin must be synchronous`);
        }
        return out;
      }, 'function');
      return { kind: 'value', value };
    }
    const fn = this.#sqlFunctions.get(name);
    if (fn === undefined) throw new HttpError(404, 'unknown_function', `No function ${JSON.stringify(name)} in database ${JSON.stringify(this.#options.name)}`);
    return this.#transaction(req, write, () => {
      const before = Number((this.#totalChanges.get() as { n: number }).n);
      let last: FunctionResult | null = null;
      for (const statement of fn.statements) {
        const stmt = this.#prepare(statement.sql);
        const bound: Record<string, SqlValue> = Object.create(null);
        for (const param of statement.params) bound[param] = bindValue(args[param] ?? null);
        if (resultColumns(stmt).length > 0) {
          const rows = readingBigInts(stmt, () => stmt.all(bound) as Row[]);
          last = { kind: 'rows', columns: resultColumns(stmt), rows };
        } else {
          stmt.run(bound);
          last = null;
        }
      }
      // Changes of the whole call, triggers included (total_changes counts them; a statement's own count does not).
      return last ?? { kind: 'changes', changes: Number((this.#totalChanges.get() as { n: number }).n) - before };
    }, 'function');
  }

  registerFunction(name: string, fn: TsFunction): void {
    if (!IDENTIFIER.test(name)) throw new Error(`Function name "${name}" is not an identifier`);
    if (this.#sqlFunctions.has(name) || this.#tsFunctions.has(name)) throw new Error(`Database "${this.#options.name}" already has a function "${name}"`);
    if (this.#excludedFunctions.has(name.toLowerCase())) return;
    this.#tsFunctions.set(name, fn);
    this.#schema = null;
  }

  externalVersion(): number {
    this.#refresh();
    return this.#dataVersion;
  }

  close(): void {
    this.#statements.clear();
    this.#releaseCheckpoints();
    if (this.db.isOpen) this.db.close();
  }

  #table(name: string): TableMeta {
    this.getSchema();
    const meta = this.#tables.get(name);
    if (meta === undefined) throw new HttpError(404, 'unknown_table', `No table ${JSON.stringify(name)} in database ${JSON.stringify(this.#options.name)}`);
    return meta;
  }

  #writable(name: string): TableMeta {
    const meta = this.#table(name);
    if (this.#options.readonly) throw new HttpError(403, 'readonly_database', `Database ${JSON.stringify(this.#options.name)} is read-only`);
    if (meta.info.kind === 'view') throw new HttpError(405, 'not_writable', `${JSON.stringify(name)} is a view: it can be read, not written`, { headers: { Allow: 'GET, HEAD' } });
    return meta;
  }

  /** Identifiers are quoted, so this is no injection guard: it turns SQLite's generic errors into precise 400s. */
  #checkColumns(meta: TableMeta, row: Row): void {
    for (const key of Object.keys(row)) {
      if (!meta.names.has(key)) throw new HttpError(400, 'unknown_column', `No column ${JSON.stringify(key)} in table ${JSON.stringify(meta.info.name)}`);
      if (meta.generated.has(key)) throw new HttpError(400, 'generated_column', `Column ${JSON.stringify(key)} of table ${JSON.stringify(meta.info.name)} is generated: it cannot be written`);
    }
  }

  /** The INSERT text for `names` (joined as `key`) into `table`, built once per table and shape. */
  #insertText(table: string, key: string, names: string[]): string {
    return remember(this.#inserts, `${table}\0\0${key}`, MAX_STATEMENTS, () => insertSql(table, names));
  }

  #prepare(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (stmt !== undefined) {
      this.#statements.delete(sql);
      this.#statements.set(sql, stmt);
      return stmt;
    }
    stmt = this.db.prepare(sql);
    if (this.#statements.size >= MAX_STATEMENTS) this.#statements.delete(this.#statements.keys().next().value as string);
    this.#statements.set(sql, stmt);
    return stmt;
  }

  /**
   * Runs `fn` in one transaction (BEGIN IMMEDIATE for writes, so read-then-write cannot race another writer) and ends
   * it as `req.tx` says: a rollback reports what would have happened and changes nothing. Errors roll back and come
   * out as the client's HttpErrors when they are constraint failures.
   */
  #transaction<T>(req: RequestInfo, write: boolean, fn: () => T, kind: 'statement' | 'statements' | 'function' = 'statements'): T {
    // A function's SQL may be DDL: the schema is read again after it. A row write cannot change the schema, nor
    // PRAGMA data_version (which moves for other connections' commits only), so the turn's reading stays good.
    if (kind === 'function') this.#fresh = false;
    // One statement that commits is atomic on its own: SQLite's autocommit gives the same result without the two
    // extra round trips (BEGIN IMMEDIATE and COMMIT were a third of a 1-row POST's SQLite time).
    if (kind === 'statement' && req.tx === 'commit' && !this.db.isTransaction) {
      try {
        return fn();
      } catch (err) {
        throw clientError(err);
      }
    }
    this.db.exec(write ? 'BEGIN IMMEDIATE' : 'BEGIN');
    try {
      const result = fn();
      this.db.exec(req.tx === 'rollback' ? 'ROLLBACK' : 'COMMIT');
      return result;
    } catch (err) {
      try {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
      } catch { /* the connection is unusable; the original error says why */ }
      throw clientError(err);
    }
  }
}

/**
 * node:sqlite binds every JS number as REAL, so a JSON 7 would be stored as 7.0 where no column affinity converts it
 * (untyped columns, RPC expressions: `'n' || :n` gives 'n7.0'). Whole numbers are bound as integers instead.
 */
function bindValue(value: SqlValue): SqlValue {
  return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
}

function bindable(params: SqlValue[]): SqlValue[] {
  return params.map(bindValue);
}

/** Statements that write are never run twice, so they read bigints from the start (an ERR_OUT_OF_RANGE retry would). */
function readingBigInts<T>(stmt: StatementSync, run: () => T): T {
  stmt.setReadBigInts(true);
  try {
    return run();
  } finally {
    stmt.setReadBigInts(false);
  }
}

/** Per prepared statement (a schema change clears the statement cache, so these never go stale). */
const columnsOf = new WeakMap<StatementSync, ResultColumn[]>();

function resultColumns(stmt: StatementSync): ResultColumn[] {
  let columns = columnsOf.get(stmt);
  if (columns === undefined) {
    columns = stmt.columns().map((c) => ({ name: c.name, type: c.type ?? '' }));
    columnsOf.set(stmt, columns);
  }
  return columns;
}

/** SQLite's constraint failures as the issue maps them; anything else unchanged (a 500). */
function clientError(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  const code = (err as { errcode?: unknown }).errcode;
  if (typeof code !== 'number') return err;
  const message = (err as Error).message;
  if (code === SQLITE_CONSTRAINT_NOTNULL) {
    // "NOT NULL constraint failed: products.name"
    const qualified = message.slice(message.lastIndexOf(': ') + 2);
    const dot = qualified.indexOf('.');
    const table = dot < 0 ? '' : qualified.slice(0, dot);
    const column = qualified.slice(dot + 1);
    const detail = `Column ${JSON.stringify(column)}${table === '' ? '' : ` of table ${JSON.stringify(table)}`} may not be null`;
    return new HttpError(400, 'not_null_violation', detail, { errors: [{ field: column, code: 'not_null_violation', message: detail }] });
  }
  if (code === SQLITE_CONSTRAINT_DATATYPE || code === SQLITE_MISMATCH) return new HttpError(400, 'invalid_value', `Value refused by the column's type: ${message}`);
  if ((code & 0xff) === SQLITE_CONSTRAINT) return new HttpError(409, 'constraint_violation', message);
  if ((code & 0xff) === SQLITE_READONLY) return new HttpError(403, 'readonly_database', `The database is read-only: ${message}`);
  return err;
}
