// Bench peer for scripts/bench/load: Fastify + better-sqlite3 + fast-jwt serving what the load bench asks of
// `monolite serve` — GET /api/health with monolite's headers and body, the shop's /api/shop/orders read and 1-row write
// behind an HS256 bearer token with a scope check (the same SQL, the same JSON), and a password login on scrypt with
// monolite's cost. Prints {"port":N,"token":"…"} (a token with the read and write scopes).
// Usage: node fastify.ts SHOP_DB   (the shop file is opened as it is; the bench creates it with servers/shop-data.ts)
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { requirePeer } from '../peers.ts';
import { loadBetterSqlite3 } from '../jobs-peers/better-sqlite3.ts';
import { announce, stopOn } from './lifecycle.ts';

/** The part of Fastify's API used here. */
interface Reply {
  code(status: number): Reply;
  headers(values: Record<string, string>): Reply;
  type(value: string): Reply;
  send(body: string): Reply;
}
interface Request {
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body: unknown;
}
type Route = (req: Request, reply: Reply) => Reply | Promise<Reply>;
interface FastifyApp {
  get(path: string, handler: Route): void;
  post(path: string, handler: Route): void;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
  server: { address(): { port: number } };
}
type Fastify = (options: Record<string, unknown>) => FastifyApp;
interface FastJwt {
  createVerifier(options: { key: string; algorithms: string[] }): (token: string) => Record<string, unknown>;
  createSigner(options: { key: string; algorithm: string; expiresIn: number }): (payload: Record<string, unknown>) => string;
}

// The secret the bench signs tokens with; the same one `monolite serve` gets as auth.external_secrets.
export const BENCH_JWT_SECRET = 'bench-secret-for-external-tokens-of-32-chars';
export const BENCH_LOGIN = { identity: 'bench@example.com', password: 'a long bench password 42' };
// monolite's password cost (src/auth/password.ts).
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

const shopFile = process.argv[2];
if (shopFile === undefined && import.meta.main) throw new Error('Usage: node fastify.ts SHOP_DB');

if (import.meta.main) await serve(shopFile!);

async function serve(file: string): Promise<void> {
  const fastify = requirePeer<{ default?: Fastify } & Fastify>('fastify');
  const { createVerifier, createSigner } = requirePeer<FastJwt>('fast-jwt');
  const Database = loadBetterSqlite3();
  const db = new Database(file) as unknown as {
    pragma(sql: string): unknown;
    prepare(sql: string): { all(...p: unknown[]): unknown[]; get(...p: unknown[]): unknown; run(...p: unknown[]): unknown };
    exec(sql: string): void;
  };
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const select = db.prepare('SELECT * FROM orders WHERE amount > ? LIMIT ?');
  const insert = db.prepare('INSERT INTO orders (user_id, amount, status) VALUES (?, ?, ?) RETURNING *');
  // The login's account table, with a hash of monolite's cost (scrypt N=2^15, r=8, p=1, 32-byte key).
  db.exec('CREATE TABLE IF NOT EXISTS bench_users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL)');
  const salt = randomBytes(16);
  db.prepare('INSERT OR REPLACE INTO bench_users (id, email, salt, hash) VALUES (1, ?, ?, ?)').run(BENCH_LOGIN.identity, salt, scryptSync(BENCH_LOGIN.password, salt, 32, SCRYPT));
  const findUser = db.prepare('SELECT id, email, salt, hash FROM bench_users WHERE email = ?');

  const verify = createVerifier({ key: BENCH_JWT_SECRET, algorithms: ['HS256'] });
  const sign = createSigner({ key: BENCH_JWT_SECRET, algorithm: 'HS256', expiresIn: 45 * 60_000 });
  const version: string = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
  const started = Date.now();
  const idPrefix = randomBytes(6).toString('base64url');
  let idCounter = 0;
  // monolite's security headers for API responses (src/middleware/security-headers.ts) and its request id.
  const headers = () => ({
    'x-request-id': idPrefix + '-' + (++idCounter).toString(36),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
  });
  const JSON_TYPE = 'application/json; charset=utf-8';
  const send = (reply: Reply, status: number, body: string, type = JSON_TYPE) => reply.code(status).headers(headers()).type(type).send(body);
  const problem = (reply: Reply, status: number, code: string) =>
    send(reply, status, JSON.stringify({ type: 'about:blank', title: code, status, code }), 'application/problem+json');
  /** The claims of a valid bearer token holding `scope`, or null after answering 401/403. */
  const authorize = (req: Request, reply: Reply, scope: string): Record<string, unknown> | null => {
    const auth = req.headers.authorization;
    if (auth === undefined || !auth.startsWith('Bearer ')) return problem(reply, 401, 'auth_required'), null;
    let claims: Record<string, unknown>;
    try {
      claims = verify(auth.slice(7));
    } catch {
      return problem(reply, 401, 'token_invalid'), null;
    }
    const scopes = String(claims.scope ?? '').split(' ');
    if (!scopes.includes(scope) && !scopes.includes(`orders-${scope}`)) return problem(reply, 403, 'forbidden'), null;
    return claims;
  };

  const app = (fastify.default ?? fastify)({ logger: false });
  app.get('/api/health', (_req, reply) => send(reply, 200, JSON.stringify({ status: 'ok', version, uptime_s: Math.floor((Date.now() - started) / 1000) })));
  app.get('/api/shop/orders', (req, reply) => {
    if (authorize(req, reply, 'read') === null) return reply;
    return send(reply, 200, JSON.stringify(select.all(Number(req.query['where.gt.amount']), Number(req.query.limit ?? 100))));
  });
  app.post('/api/shop/orders', (req, reply) => {
    if (authorize(req, reply, 'write') === null) return reply;
    const row = req.body as { user_id: number; amount: number; status: string };
    // all(), not get(): get() leaves an INSERT … RETURNING statement unfinished, and while it is, SQLite cannot
    // checkpoint the WAL — it grew to 363 MB in one bench run, a saving no real server can keep (monolite reads
    // RETURNING with all() too).
    return send(reply, 201, JSON.stringify(insert.all(row.user_id, row.amount, row.status)[0]));
  });
  app.post('/api/auth-with-password', async (req, reply) => {
    const { identity, password } = (req.body ?? {}) as { identity?: string; password?: string };
    const user = typeof identity === 'string' ? findUser.get(identity) as { id: number; email: string; salt: Buffer; hash: Buffer } | undefined : undefined;
    if (user === undefined || typeof password !== 'string') return problem(reply, 401, 'invalid_credentials');
    const key = await new Promise<Buffer>((resolve, reject) => scrypt(password, user.salt, 32, SCRYPT, (err, k) => (err ? reject(err) : resolve(k))));
    if (!timingSafeEqual(key, user.hash)) return problem(reply, 401, 'invalid_credentials');
    const token = sign({ sub: String(user.id), scope: '' });
    return send(reply, 200, JSON.stringify({ token_type: 'Bearer', access_token: token, expires_in: 2700, record: { id: user.id, email: user.email, name: '', avatar: '', verified: true } }));
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const now = Math.floor(Date.now() / 1000);
  const benchToken = sign({ sub: 'bench', scope: 'read write', iat: now });
  announce(app.server.address().port, { token: benchToken });
  stopOn(() => app.close());
}
