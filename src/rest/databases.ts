// The `[rest.databases.<name>]` tables of the configuration: parsed and checked when the configuration loads (a bad
// one refuses the start or the reload), with every default filled in. Pure: nothing is opened here.
import { IDENTIFIER } from './plugin.ts';

export const TX_MODES = ['commit', 'commit-allow-override', 'rollback', 'rollback-allow-override'] as const;
export type TxMode = (typeof TX_MODES)[number];

export interface RestDatabaseConfig {
  /** `sqlite://./shop.db` (relative to the data directory), `sqlite:///abs/shop.db`, or `<scheme>://…` with `plugin`. */
  uri: string;
  /** ES module (path relative to the project root) whose default export builds the plugin; '' for sqlite URIs. */
  plugin: string;
  title: string;
  db_tx_end: TxMode;
  public: { table: string[]; func: string[] };
  exclude: { table: string[]; func: string[] };
  default_limit: number;
  max_limit: number;
  readonly: boolean;
  enable_cache: boolean;
  cache_invalidation_map: Record<string, string[]>;
  allow_unfiltered_writes: boolean;
  /** Overrides `rest.check_scope` for this database (null: inherit). */
  check_scope: boolean | null;
  /** Overrides `rest.token_user_search` for this database ('' : inherit). */
  token_user_search: string;
  functions: Record<string, { sql: string; description: string }>;
}


const DEFAULTS: Omit<RestDatabaseConfig, 'uri'> = {
  plugin: '', title: '', db_tx_end: 'commit-allow-override', public: { table: [], func: [] }, exclude: { table: [], func: [] },
  default_limit: 100, max_limit: 1000, readonly: false, enable_cache: true, cache_invalidation_map: {}, allow_unfiltered_writes: false,
  check_scope: null, token_user_search: '', functions: {},
};

const KEYS = new Set(['uri', ...Object.keys(DEFAULTS)]);

/** Checks the `rest.databases` table; throws a TypeError naming the database and key at fault. */
export function parseRestDatabases(value: unknown): Record<string, RestDatabaseConfig> {
  if (!isTable(value)) throw new TypeError('expected a table of databases ([rest.databases.<name>])');
  const out: Record<string, RestDatabaseConfig> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new TypeError(`database name ${JSON.stringify(name)}: expected lower-case letters, digits and _, starting with a letter`);
    try {
      out[name] = parseDatabase(raw);
    } catch (err) {
      throw new TypeError(`database "${name}": ${(err as Error).message}`);
    }
  }
  return out;
}

function parseDatabase(raw: unknown): RestDatabaseConfig {
  if (!isTable(raw)) throw new TypeError('expected a table');
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) throw new TypeError(`unknown key "${key}"; expected one of ${[...KEYS].join(', ')}`);
  const uri = raw.uri;
  if (typeof uri !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/./i.test(uri)) throw new TypeError(`uri: expected "sqlite://<path>" or "<scheme>://…", got ${show(uri)}`);
  const plugin = str(raw, 'plugin');
  const sqlite = uri.toLowerCase().startsWith('sqlite://');
  if (!sqlite && plugin === '') throw new TypeError(`uri "${uri}" needs a plugin module (plugin = "./plugins/x.ts")`);
  const db: RestDatabaseConfig = {
    uri,
    plugin,
    title: str(raw, 'title'),
    db_tx_end: str(raw, 'db_tx_end') as TxMode,
    public: names(raw, 'public'),
    exclude: names(raw, 'exclude'),
    default_limit: int(raw, 'default_limit'),
    max_limit: int(raw, 'max_limit'),
    readonly: bool(raw, 'readonly'),
    enable_cache: bool(raw, 'enable_cache'),
    cache_invalidation_map: invalidationMap(raw.cache_invalidation_map),
    allow_unfiltered_writes: bool(raw, 'allow_unfiltered_writes'),
    check_scope: raw.check_scope === undefined ? null : bool(raw, 'check_scope'),
    token_user_search: str(raw, 'token_user_search'),
    functions: functions(raw.functions),
  };
  if (!TX_MODES.includes(db.db_tx_end)) throw new TypeError(`db_tx_end: expected one of ${TX_MODES.join(', ')}, got ${show(raw.db_tx_end)}`);
  if (db.max_limit < 1) throw new TypeError(`max_limit: expected an integer ≥ 1, got ${db.max_limit}`);
  if (db.default_limit > db.max_limit) throw new TypeError(`default_limit (${db.default_limit}) is above max_limit (${db.max_limit})`);
  return db;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(typeof value === 'bigint' ? Number(value) : value) ?? String(value);
}

function str(raw: Record<string, unknown>, key: keyof typeof DEFAULTS): string {
  const v = raw[key] ?? DEFAULTS[key];
  if (typeof v !== 'string') throw new TypeError(`${key}: expected a string, got ${show(v)}`);
  return v;
}

function bool(raw: Record<string, unknown>, key: keyof typeof DEFAULTS): boolean {
  const v = raw[key] ?? DEFAULTS[key];
  if (typeof v !== 'boolean') throw new TypeError(`${key}: expected true or false, got ${show(v)}`);
  return v;
}

function int(raw: Record<string, unknown>, key: 'default_limit' | 'max_limit'): number {
  const v = raw[key] ?? DEFAULTS[key];
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new TypeError(`${key}: expected an integer ≥ 0, got ${show(v)}`);
  return n;
}

function identifiers(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${what}: expected an array of names, got ${show(value)}`);
  for (const v of value) if (typeof v !== 'string' || !IDENTIFIER.test(v)) throw new TypeError(`${what}: expected names (letters, digits, _), got ${show(v)}`);
  return [...value] as string[];
}

function names(raw: Record<string, unknown>, key: 'public' | 'exclude'): { table: string[]; func: string[] } {
  const v = raw[key];
  if (v === undefined) return { table: [], func: [] };
  if (!isTable(v)) throw new TypeError(`${key}: expected { table = [...], func = [...] }`);
  for (const k of Object.keys(v)) if (k !== 'table' && k !== 'func') throw new TypeError(`${key}: unknown key "${k}"; expected table or func`);
  return { table: identifiers(v.table ?? [], `${key}.table`), func: identifiers(v.func ?? [], `${key}.func`) };
}

function invalidationMap(value: unknown): Record<string, string[]> {
  if (value === undefined) return {};
  if (!isTable(value)) throw new TypeError('cache_invalidation_map: expected { function = ["table", …] }');
  const out: Record<string, string[]> = {};
  for (const [func, tables] of Object.entries(value)) {
    if (!IDENTIFIER.test(func)) throw new TypeError(`cache_invalidation_map: ${show(func)} is not a function name`);
    out[func] = identifiers(tables, `cache_invalidation_map.${func}`);
  }
  return out;
}

function functions(value: unknown): Record<string, { sql: string; description: string }> {
  if (value === undefined) return {};
  if (!isTable(value)) throw new TypeError('functions: expected [functions.<name>] tables with sql = "…"');
  const out: Record<string, { sql: string; description: string }> = {};
  for (const [name, def] of Object.entries(value)) {
    if (!IDENTIFIER.test(name)) throw new TypeError(`functions: ${show(name)} is not a function name (letters, digits, _)`);
    if (!isTable(def) || typeof def.sql !== 'string' || def.sql.trim() === '') throw new TypeError(`functions.${name}: expected sql = "<statements>"`);
    for (const k of Object.keys(def)) if (k !== 'sql' && k !== 'description') throw new TypeError(`functions.${name}: unknown key "${k}"; expected sql or description`);
    if (def.description !== undefined && typeof def.description !== 'string') throw new TypeError(`functions.${name}.description: expected a string`);
    out[name] = { sql: def.sql, description: (def.description as string | undefined) ?? '' };
  }
  return out;
}

/** The configuration back as TOML values (the defaults included, so that `config show` tells the whole story). */
export function restDatabasesToToml(value: Record<string, RestDatabaseConfig>): unknown {
  const out: Record<string, unknown> = {};
  for (const [name, db] of Object.entries(value)) {
    const { check_scope, ...rest } = db;
    out[name] = check_scope === null ? rest : db;
  }
  return out;
}
