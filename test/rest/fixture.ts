// The shop database the REST engine's unit tests run on: a temp directory with shop.db (users, orders, products, a
// STRICT table holding a big integer, a view, an excluded table), and a SqlitePlugin over it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { HttpError } from '../../src/http/errors.ts';
import { createSqlitePlugin, type SqlitePlugin } from '../../src/rest/sqlite-plugin.ts';
import type { DbPluginOptions, RequestInfo, TableInfo } from '../../src/rest/plugin.ts';

export const SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, age INTEGER, created_at DATETIME);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), amount REAL, status TEXT, note TEXT,
  created_at DATETIME, shipped DATE, code TEXT
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL, price REAL CHECK (price >= 0),
  image BLOB, stock INTEGER DEFAULT 0, worth REAL GENERATED ALWAYS AS (price * stock) VIRTUAL
);
CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, label TEXT) STRICT;
CREATE TABLE internal_log (id INTEGER PRIMARY KEY, line TEXT);
CREATE TABLE "odd name" (x);
CREATE VIEW user_totals AS SELECT user_id, SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY user_id;
`;

export const DATA = `
INSERT INTO users VALUES
  (1, 'alice', 'alice@example.com', 30, '2024-03-10 12:00:00'),
  (2, 'bob', 'bob@example.com', 25, '2024-07-01 08:30:00.250'),
  (3, 'Carol', 'carol@example.com', NULL, NULL),
  (4, 'dave', NULL, 41, '2024-12-31T23:59:59Z');
INSERT INTO orders VALUES
  (1, 1, 10.5, 'paid', 'first', '2024-03-10 12:05:00', '2024-03-11', '1'),
  (2, 1, 99.0, 'paid', NULL, '2024-03-12 09:00:00', NULL, '01'),
  (3, 2, 5.25, 'pending', 'a, b', '2024-04-01 10:00:00', NULL, 'x'),
  (4, 2, 250.0, 'cancelled', 'Big', '2024-05-01 10:00:00', NULL, NULL),
  (5, 3, 42.0, 'paid', 'big', '2024-06-02T10:00:00Z', NULL, NULL),
  (6, 4, 0.0, NULL, '%_*?[', '2024-07-01 10:00:00', NULL, NULL);
INSERT INTO products (id, sku, name, price, image, stock) VALUES
  (1, 'A-1', 'Apple', 1.5, x'DEADBEEF', 10), (2, 'B-2', 'Banana', 0.25, NULL, 4), (3, 'C-3', 'Cherry', 12, NULL, 0);
INSERT INTO counters VALUES (1, 9007199254740993, 'big'), (2, 7, 'small'), (3, -9223372036854775808, 'min');
INSERT INTO internal_log VALUES (1, 'secret');
`;

export const FUNCTIONS: DbPluginOptions['functions'] = {
  rename_user: {
    sql: `-- renames a user; ':not_a_param' in a comment
      UPDATE users SET name = :name WHERE id = :id;
      SELECT id, name, ':literal' AS lit FROM users WHERE id = :id`,
    description: 'Renames a user',
  },
  close_pending: { sql: "UPDATE orders SET status = 'closed' WHERE status = 'pending'; /* done */" },
  add_order: { sql: 'INSERT INTO orders (user_id, amount) VALUES (:user, :amount); INSERT INTO orders (user_id, amount) VALUES (:user, :amount)' },
  status: { sql: "SELECT 'ok' AS status" },
};

export const REQ: RequestInfo = { userId: '', claims: {}, context: {}, tx: 'commit' };
export const ROLLBACK: RequestInfo = { ...REQ, tx: 'rollback' };

export interface Shop {
  dir: string;
  file: string;
  plugin: SqlitePlugin;
  /** Another connection to shop.db (another process, as far as the plugin can tell). */
  other: DatabaseSync;
  table(name: string): TableInfo;
  /** The rows of `sql` read through the other connection: plain objects, integers beyond 2^53 as bigints. */
  query(sql: string): Record<string, unknown>[];
  /** Another plugin over the same file (e.g. read-only). */
  open(overrides?: Partial<DbPluginOptions>): SqlitePlugin;
  close(): void;
}

export function options(dir: string, overrides: Partial<DbPluginOptions> = {}): DbPluginOptions {
  return {
    name: 'shop', uri: 'sqlite://./shop.db', dataDir: dir, exclude: { table: ['internal_log'], func: [] }, readonly: false,
    functions: FUNCTIONS, ...overrides,
  };
}

/** A fresh shop.db in a temp directory and a plugin over it. */
export function openShop(overrides: Partial<DbPluginOptions> = {}): Shop {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-rest-engine-'));
  const file = join(dir, 'shop.db');
  const other = new DatabaseSync(file);
  other.exec('PRAGMA journal_mode = WAL');
  other.exec(SCHEMA);
  other.exec(DATA);
  const plugins: SqlitePlugin[] = [];
  const open = (o: Partial<DbPluginOptions> = {}) => {
    const p = createSqlitePlugin(options(dir, { ...overrides, ...o }));
    plugins.push(p);
    return p;
  };
  const plugin = open();
  return {
    dir, file, plugin, other, open,
    table(name) {
      const info = plugin.getSchema().tables.get(name);
      if (info === undefined) throw new Error(`no table ${name}`);
      return info;
    },
    query(sql) {
      const stmt = other.prepare(sql);
      stmt.setReadBigInts(true);
      return stmt.all().map((row) => Object.fromEntries(Object.entries(row as object).map(([k, v]) =>
        [k, typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v])));
    },
    close() {
      for (const p of plugins) p.close();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Asserts that `fn` throws an HttpError with this status and code (and a detail matching `detail`). */
export function throwsHttp(fn: () => unknown, status: number, code: string, detail?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(err.status, status);
    if (detail) assert.match(err.message, detail);
    return true;
  });
}
