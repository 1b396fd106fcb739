// The database plugin interface behind the automatic REST API (EasyREST's DBPlugin, in TypeScript), and the query
// shapes the HTTP layer hands to it: already parsed and checked against the schema, values typed and bound, never text
// to splice into SQL. The built-in implementation is src/rest/sqlite-plugin.ts; external plugins are ES modules whose
// default export is a DbPluginFactory.

/** Names of tables, columns, functions and aliases the API accepts (EasyREST's rule, ASCII). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value as stored: what a plugin binds and returns. BLOBs are Uint8Arrays; integers beyond 2^53 are bigints. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** One result row, column (or alias) → value. A null-prototype object. */
export type Row = Record<string, SqlValue>;

export interface ColumnInfo {
  name: string;
  /** The declared type as written (`INTEGER`, `varchar(20)`, `DATETIME`), '' when none (view expressions). */
  type: string;
  notNull: boolean;
  /** True when the column has a DEFAULT (or is an INTEGER PRIMARY KEY, which SQLite fills in). */
  hasDefault: boolean;
  /** 1-based position in the primary key, 0 when not part of it. */
  primaryKey: number;
}

export interface TableInfo {
  name: string;
  kind: 'table' | 'view';
  /** In declaration order. */
  columns: ColumnInfo[];
}

export interface FunctionInfo {
  name: string;
  /** Named parameters the body must supply (RPC body keys), in order of first appearance. */
  params: string[];
  /** Optional human description for the API documents. */
  description?: string;
}

/** What a database offers, after exclusions. Names are case-sensitive as stored. */
export interface DbSchema {
  tables: Map<string, TableInfo>;
  functions: Map<string, FunctionInfo>;
}

export type AggregateName = 'count' | 'sum' | 'avg' | 'min' | 'max';

export type SelectItem =
  /** A column, output under `alias` (the column name when none was given). */
  | { kind: 'column'; column: string; alias: string }
  /** `count()` (column null: COUNT(*)) or `col.sum()` etc. */
  | { kind: 'aggregate'; fn: AggregateName; column: string | null; alias: string }
  /** A context value selected as a constant (`username:erctx.claims_sub`), bound as a parameter. */
  | { kind: 'literal'; value: string; alias: string };

export type Operator = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'like' | 'ilike' | 'is' | 'in';

/** `is` tests: SQL `IS NULL`, `IS NOT NULL`, `IS TRUE`, `IS FALSE`. */
export type IsTest = 'null' | 'not_null' | 'true' | 'false';

export type Condition =
  | { column: string; op: Exclude<Operator, 'is' | 'in'>; not: boolean; value: SqlValue }
  | { column: string; op: 'in'; not: boolean; values: SqlValue[] }
  | { column: string; op: 'is'; not: boolean; test: IsTest };

/** `key` is a column of the table or an alias of the select list. */
export interface OrderItem {
  key: string;
  descending: boolean;
}

export interface ReadQuery {
  /** Empty: every column of the table. */
  select: SelectItem[];
  /** AND-ed. */
  where: Condition[];
  /** The plain columns of `select` when it holds an aggregate; else empty. */
  groupBy: string[];
  order: OrderItem[];
  /** Rows to return (already clamped to the database's max_limit); 0 returns none. */
  limit: number;
  offset: number;
  /** `Prefer: count=exact`: also count every row matching `where` (ignoring limit and offset). */
  count: boolean;
}

/** Who asks and how the transaction ends; the same object for every plugin call of one request. */
export interface RequestInfo {
  /** The `token_user_search` claim of the token ('' without one). */
  userId: string;
  /** The token's claims, top-level keys lower-cased ({} without a token). */
  claims: Record<string, unknown>;
  /** The context map (EasyREST §3): claims, headers, method, path, query, timezone, prefer. */
  context: Record<string, unknown>;
  /** `commit`, or `rollback`: do everything, report it, change nothing. */
  tx: 'commit' | 'rollback';
}

/** A result column: its name in the rows and the declared type of the column it comes from ('' when computed). */
export interface ResultColumn {
  name: string;
  type: string;
}

export interface ReadResult {
  columns: ResultColumn[];
  rows: Row[];
  /** With `query.count`: every matching row, ignoring limit and offset. */
  total?: number;
}

export interface WriteResult {
  columns: ResultColumn[];
  rows: Row[];
}

export type FunctionResult =
  | { kind: 'rows'; columns: ResultColumn[]; rows: Row[] }
  | { kind: 'changes'; changes: number }
  /** A TypeScript function's own JSON-able value. */
  | { kind: 'value'; value: unknown };

/**
 * One database behind `/api/<name>/`. Methods may answer synchronously (the SQLite plugin does) or with a promise.
 * Errors: throw an HttpError for what the client did wrong (constraint violations: 400 not_null_violation, 409
 * constraint_violation); anything else becomes a 500 with nothing of it shown.
 */
export interface DbPlugin {
  /** The schema now (cheap to call per request: cache it and re-read when it changed). */
  getSchema(): DbSchema | Promise<DbSchema>;
  /** `query` is frozen: a parsed query is kept and shared by the requests that ask it again. */
  tableGet(table: string, query: ReadQuery, req: RequestInfo): ReadResult | Promise<ReadResult>;
  /** Inserts every row in one transaction; returns them as stored (generated ids and defaults included). */
  tableCreate(table: string, rows: Row[], req: RequestInfo): WriteResult | Promise<WriteResult>;
  /** Sets `data` on every row matching `where`; returns how many rows changed. */
  tableUpdate(table: string, data: Row, where: Condition[], req: RequestInfo): number | Promise<number>;
  /** Deletes every row matching `where`; returns their count, and the rows themselves when `returning`. */
  tableDelete(table: string, where: Condition[], req: RequestInfo, returning: boolean): { count: number; rows?: WriteResult } | Promise<{ count: number; rows?: WriteResult }>;
  /** Runs a function with named arguments (already checked against FunctionInfo.params). */
  callFunction(name: string, args: Record<string, SqlValue>, req: RequestInfo): FunctionResult | Promise<FunctionResult>;
  /**
   * A number that changes whenever another process (or connection) commits to the database, so that ETags are never
   * stale (SQLite: PRAGMA data_version). Plugins that cannot tell leave it out; their ETags then follow writes
   * made through the API only.
   */
  externalVersion?(): number;
  /**
   * Adds a function written in TypeScript (app code); optional. The SQLite plugin runs it synchronously inside the
   * request's transaction, with its DatabaseSync as `db` (a returned promise is refused: the transaction cannot span
   * an await on a shared connection).
   */
  registerFunction?(name: string, fn: TsFunction): void;
  close(): void | Promise<void>;
}

export interface TsFunction {
  params: string[];
  description?: string;
  run(args: Record<string, SqlValue>, req: RequestInfo, db: unknown): unknown;
}

/** A function defined in the configuration: SQL statements with `:name` parameters (several run in one transaction). */
export interface SqlFunctionConfig {
  sql: string;
  description?: string;
}

/** What a plugin is built from: the database's configuration. */
export interface DbPluginOptions {
  /** The database's name (the `/api/<name>/` segment). */
  name: string;
  /** The `uri` setting as written. */
  uri: string;
  /** The data directory, against which relative paths resolve. */
  dataDir: string;
  /** Tables and functions to hide (exclude lists, the framework's own tables). */
  exclude: { table: string[]; func: string[] };
  readonly: boolean;
  /** `[rest.databases.<name>.functions.<func>]`: functions as SQL (plugins without SQL may refuse them). */
  functions: Record<string, SqlFunctionConfig>;
}

/** The default export of an external plugin module. */
export type DbPluginFactory = (options: DbPluginOptions) => DbPlugin | Promise<DbPlugin>;
