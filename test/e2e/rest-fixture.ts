// The shop database the REST end-to-end suites run against, an app serving it under several configurations, and
// token and request helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { jwtKey, signJwt } from '../../src/lib/jwt.ts';

export const SECRET = 'a-shared-secret-for-rest-tests-of-32-chars';

export const SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, age INTEGER, created_at DATETIME);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), amount REAL NOT NULL CHECK (amount >= 0),
  status TEXT NOT NULL DEFAULT 'new', note TEXT, created_at DATETIME DEFAULT '2024-01-01 00:00:00', big INTEGER, data BLOB
);
CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT UNIQUE, name TEXT NOT NULL, price NUMERIC);
CREATE TABLE internal_log (id INTEGER PRIMARY KEY, line TEXT);
CREATE VIEW order_totals AS SELECT user_id, SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY user_id;
`;

export const DATA = `
DELETE FROM orders; DELETE FROM users; DELETE FROM products; DELETE FROM internal_log;
INSERT INTO users VALUES
  (1, 'alice', 'alice@example.com', 30, '2024-03-10 12:00:00'),
  (2, 'bob', 'bob@example.com', 25, '2024-03-11 08:30:00'),
  (3, 'Carol', 'carol@example.com', NULL, '2024-06-01 00:00:00'),
  (4, 'dave', 'dave@example.com', 41, '2024-12-31 23:59:59.500');
INSERT INTO orders (id, user_id, amount, status, note, created_at, big, data) VALUES
  (1, 1, 10.5, 'paid', 'first', '2024-03-10 12:05:00', 9007199254740993, NULL),
  (2, 1, 99.0, 'paid', NULL, '2024-03-12 09:00:00', NULL, x'DEADBEEF'),
  (3, 2, 5.25, 'pending', 'a, b', '2024-04-01 10:00:00', NULL, NULL),
  (4, 2, 250.0, 'cancelled', 'Big', '2024-05-01 10:00:00', NULL, NULL),
  (5, 3, 42.0, 'paid', 'big', '2024-06-02T10:00:00Z', NULL, NULL),
  (6, 4, 0.0, 'pending', '', '2024-07-01 10:00:00', NULL, NULL);
INSERT INTO products VALUES (1, 'A-1', 'Apple', 1.5), (2, 'B-2', 'Banana', 0.25), (3, 'C-3', 'Cherry', 12);
INSERT INTO internal_log VALUES (1, 'secret');
`;

const FUNCTIONS = {
  process_order: { sql: "UPDATE orders SET status = 'processed' WHERE id = :id; SELECT id, status FROM orders WHERE id = :id" },
  archive_cancelled: { sql: "DELETE FROM orders WHERE status = 'cancelled'" },
  status: { sql: "SELECT 'ok' AS status", description: 'Health of the shop' },
  touch_products: { sql: "UPDATE products SET price = price WHERE id = :id" },
};

export interface Served {
  app: App;
  url: string;
  dir: string;
  shopFile: string;
  /** A second connection to shop.db (another "process" for the server). */
  other: DatabaseSync;
  reset(): void;
  close(): Promise<void>;
}

/** A data directory with shop.db, and an app serving it as several databases that differ in one setting each. */
export async function serveShop(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-rest-'));
  const dataDir = join(dir, 'data');
  const shopFile = join(dir, 'shop.db');
  const other = new DatabaseSync(shopFile);
  other.exec('PRAGMA journal_mode = WAL');
  other.exec(SCHEMA);
  other.exec(DATA);
  const uri = `sqlite://${shopFile}`;
  const base = {
    uri, title: 'Shop API', public: { table: ['products'], func: ['status'] }, exclude: { table: ['internal_log'], func: [] },
    functions: FUNCTIONS, cache_invalidation_map: { process_order: ['orders'] },
  };
  const databases = {
    shop: base,
    small: { uri, max_limit: 2, default_limit: 2 },
    commit: { uri, db_tx_end: 'commit' },
    rollback: { uri, db_tx_end: 'rollback' },
    rollover: { uri, db_tx_end: 'rollback-allow-override' },
    ro: { uri, readonly: true },
    open: { uri, check_scope: false, allow_unfiltered_writes: true, enable_cache: false },
    core: { uri: 'sqlite://app.db' },
  };
  const app = await createApp({
    dataDir, env: {}, log: new Logger([], 'error'),
    flags: { server: { port: 0 }, auth: { external_secrets: SECRET }, block_ip: { enabled: false }, rest: { databases } } as never,
  });
  app.rest.get('shop')!.registerFunction('double', { params: ['x'], run: (args) => ({ x2: Number(args.x) * 2 }) });
  const url = (await app.listen()).url;
  return {
    app, url, dir, shopFile, other,
    reset: () => other.exec(DATA),
    async close() {
      await app.close();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token of another service (auth.external_secrets) with these scopes and claims. */
export function token(scope: string, claims: Record<string, unknown> = {}): string {
  return signJwt({ sub: '2', scope, iat: now(), exp: now() + 600, ...claims }, jwtKey(SECRET));
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined. */
  json: any;
}

/** Sends a request; `body` objects are sent as JSON unless a content-type is given. */
export async function call(url: string, method: string, path: string, options: { token?: string | null; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || options.body instanceof Uint8Array) body = options.body as string | Uint8Array;
    else {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const res = await fetch(url + path, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
