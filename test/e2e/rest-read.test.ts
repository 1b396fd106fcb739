// The automatic REST API, reading: every query-DSL operator, selects with aliases and aggregates, ordering, paging
// by parameters and by Range headers, counts, CSV, value rendering, timezones, views, scopes, public and excluded
// resources, context variables — table-driven, through a real server over a fixture database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, serveShop, token, type Answer, type Served } from './rest-fixture.ts';

let s: Served;
before(async () => { s = await serveShop(); });
after(async () => { await s.close(); });

const READ = token('read');

interface Case {
  name: string;
  path: string;
  token?: string | null;
  headers?: Record<string, string>;
  status?: number;
  code?: string;
  /** The ids of the rows returned, in order. */
  ids?: number[];
  json?: unknown;
  check?: (a: Answer) => void;
}

const ids = (q: string) => `/api/shop/orders?select=id&ordering=id&${q}`;

const CASES: Case[] = [
  // Operators
  { name: 'no filter', path: ids(''), ids: [1, 2, 3, 4, 5, 6] },
  { name: 'eq', path: ids('where.eq.status=paid'), ids: [1, 2, 5] },
  { name: 'eq on an integer column', path: ids('where.eq.user_id=1'), ids: [1, 2] },
  { name: 'neq (NULLs never match)', path: ids('where.neq.note=big'), ids: [1, 3, 4, 6] },
  { name: 'gt', path: ids('where.gt.amount=42'), ids: [2, 4] },
  { name: 'gte', path: ids('where.gte.amount=42'), ids: [2, 4, 5] },
  { name: 'lt', path: ids('where.lt.amount=5.25'), ids: [6] },
  { name: 'lte', path: ids('where.lte.amount=5.25'), ids: [3, 6] },
  { name: 'gt compares numbers, not text', path: ids('where.gt.amount=100'), ids: [4] },
  { name: 'like is case-sensitive', path: ids('where.like.note=b%25'), ids: [5] },
  { name: 'ilike is not', path: ids('where.ilike.note=B%25'), ids: [4, 5] },
  { name: 'like with _', path: ids('where.like.status=p_id'), ids: [1, 2, 5] },
  { name: 'is null', path: ids('where.is.note=null'), ids: [2] },
  { name: 'is not_null', path: ids('where.is.note=not_null'), ids: [1, 3, 4, 5, 6] },
  { name: 'is on a column without NULLs', path: ids('where.is.status=null'), ids: [] },
  { name: 'in', path: ids('where.in.status=paid,pending'), ids: [1, 2, 3, 5, 6] },
  { name: 'in with a quoted comma', path: ids('where.in.note=%22a,%20b%22,first'), ids: [1, 3] },
  { name: 'in with one element', path: ids('where.in.id=4'), ids: [4] },
  { name: 'in on integers', path: ids('where.in.id=1,3,5'), ids: [1, 3, 5] },
  { name: 'not eq', path: ids('where.not.eq.status=paid'), ids: [3, 4, 6] },
  { name: 'not is null', path: ids('where.not.is.note=null'), ids: [1, 3, 4, 5, 6] },
  { name: 'not in', path: ids('where.not.in.status=paid,pending'), ids: [4] },
  { name: 'not like', path: ids('where.not.like.note=%25i%25'), ids: [3, 6] },
  { name: 'two conditions on one column are AND-ed', path: ids('where.gte.id=2&where.lte.id=3'), ids: [2, 3] },
  { name: 'conditions on two columns', path: ids('where.eq.status=paid&where.gt.amount=20'), ids: [2, 5] },
  { name: 'an empty value compares with the empty string', path: ids('where.eq.note='), ids: [6] },
  { name: 'a number against a TEXT column compares as text', path: ids('where.eq.status=1'), ids: [] },
  { name: 'a word against a REAL column matches nothing', path: ids('where.gt.amount=abc'), ids: [] },
  { name: 'operators are case-insensitive', path: ids('where.EQ.status=paid'), ids: [1, 2, 5] },
  { name: 'unknown parameters are ignored', path: ids('foo=bar'), ids: [1, 2, 3, 4, 5, 6] },
  // Operator errors
  { name: 'unknown operator', path: ids('where.between.id=1'), status: 400, code: 'invalid_operator' },
  { name: 'unknown column in where', path: ids('where.eq.nope=1'), status: 400, code: 'unknown_column' },
  { name: 'where without a column', path: ids('where.eq=1'), status: 400 },
  { name: 'is with another word', path: ids('where.is.note=maybe'), status: 400, code: 'invalid_value' },
  { name: 'empty in list', path: ids('where.in.status='), status: 400 },

  // Select
  { name: 'columns', path: '/api/shop/orders?select=id,amount&where.eq.id=1', json: [{ id: 1, amount: 10.5 }] },
  { name: 'alias', path: '/api/shop/orders?select=order_id:id,amount&where.eq.id=1', json: [{ order_id: 1, amount: 10.5 }] },
  { name: 'count()', path: '/api/shop/orders?select=count()', json: [{ count: 6 }] },
  { name: 'count() with a filter', path: '/api/shop/orders?select=count()&where.eq.status=paid', json: [{ count: 3 }] },
  { name: 'aliased count', path: '/api/shop/orders?select=n:count()', json: [{ n: 6 }] },
  {
    name: 'grouped count', path: '/api/shop/orders?select=status,count()&ordering=status',
    json: [{ status: 'cancelled', count: 1 }, { status: 'paid', count: 3 }, { status: 'pending', count: 2 }],
  },
  {
    name: 'grouped sum ordered by its alias, descending', path: '/api/shop/orders?select=status,total:amount.sum()&ordering=-total',
    json: [{ status: 'cancelled', total: 250 }, { status: 'paid', total: 151.5 }, { status: 'pending', total: 5.25 }],
  },
  { name: 'avg', path: '/api/shop/orders?select=amount.avg()', json: [{ avg: 406.75 / 6 }] },
  { name: 'min, upper case', path: '/api/shop/orders?select=amount.MIN()', json: [{ min: 0 }] },
  {
    name: 'max per user', path: '/api/shop/orders?select=user_id,amount.max()&ordering=user_id',
    json: [{ user_id: 1, max: 99 }, { user_id: 2, max: 250 }, { user_id: 3, max: 42 }, { user_id: 4, max: 0 }],
  },
  { name: 'no GROUP BY without an aggregate', path: '/api/shop/orders?select=status', check: (a) => assert.equal(a.json.length, 6) },
  { name: 'aggregate over nothing', path: '/api/shop/orders?select=count(),amount.sum()&where.eq.status=none', json: [{ count: 0, sum: null }] },
  { name: 'unknown column in select', path: '/api/shop/orders?select=nope', status: 400, code: 'unknown_column' },
  { name: 'bad alias', path: '/api/shop/orders?select=bad-alias:id', status: 400 },
  { name: 'unknown function', path: '/api/shop/orders?select=amount.median()', status: 400 },
  { name: 'star', path: '/api/shop/orders?select=*', status: 400 },
  { name: 'duplicate output names', path: '/api/shop/orders?select=id,id', status: 400 },

  // Ordering and paging
  { name: 'descending', path: '/api/shop/orders?select=id&ordering=-amount', ids: [4, 2, 5, 1, 3, 6] },
  { name: 'two keys', path: '/api/shop/orders?select=id&ordering=user_id,-id', ids: [2, 1, 4, 3, 5, 6] },
  { name: 'ordering by an unknown column', path: '/api/shop/orders?ordering=nope', status: 400, code: 'unknown_column' },
  { name: 'ordering with SQL words', path: '/api/shop/orders?ordering=id%20desc', status: 400 },
  { name: 'limit', path: ids('limit=2'), ids: [1, 2], check: (a) => assert.equal(a.headers.get('content-range'), '0-1/*') },
  { name: 'limit and offset', path: ids('limit=2&offset=4'), ids: [5, 6], check: (a) => assert.equal(a.headers.get('content-range'), '4-5/*') },
  { name: 'a short page tells the total', path: ids('limit=10&offset=4'), ids: [5, 6], check: (a) => assert.equal(a.headers.get('content-range'), '4-5/6') },
  { name: 'a range past the end', path: ids('offset=100'), ids: [], check: (a) => assert.equal(a.headers.get('content-range'), '*/*') },
  { name: 'an empty result', path: ids('where.eq.status=none'), ids: [], check: (a) => assert.equal(a.headers.get('content-range'), '*/0') },
  {
    name: 'Range headers', path: ids(''), headers: { 'range-unit': 'items', range: '1-3' }, ids: [2, 3, 4],
    check: (a) => assert.equal(a.headers.get('content-range'), '1-3/*'),
  },
  {
    name: 'count=exact', path: ids('limit=2'), headers: { prefer: 'count=exact' }, ids: [1, 2],
    check: (a) => {
      assert.equal(a.headers.get('content-range'), '0-1/6');
      assert.match(a.headers.get('preference-applied') ?? '', /count=exact/);
    },
  },
  { name: 'count with a filter', path: ids('where.eq.status=paid&limit=1'), headers: { prefer: 'count=exact' }, check: (a) => assert.equal(a.headers.get('content-range'), '0-0/3') },
  { name: 'limit=0 with a count', path: ids('limit=0'), headers: { prefer: 'count=exact' }, ids: [], check: (a) => assert.equal(a.headers.get('content-range'), '*/6') },
  { name: 'negative limit', path: ids('limit=-1'), status: 400, code: 'invalid_limit' },
  { name: 'limit that is not a number', path: ids('limit=ten'), status: 400, code: 'invalid_limit' },
  { name: 'negative offset', path: ids('offset=-2'), status: 400, code: 'invalid_limit' },
  { name: 'a limit above max_limit is clamped', path: '/api/small/orders?select=id&ordering=id&limit=100', ids: [1, 2] },
  { name: 'default_limit', path: '/api/small/orders?select=id&ordering=id', ids: [1, 2] },
  { name: 'a limit beyond any integer', path: ids('limit=99999999999999999999999'), status: 400, code: 'invalid_limit' },

  // Values and formats
  { name: 'integers beyond 2^53 as strings, never rounded', path: '/api/shop/orders?select=big&where.eq.id=1', json: [{ big: '9007199254740993' }] },
  { name: 'a BLOB as base64', path: '/api/shop/orders?select=data&where.eq.id=2', json: [{ data: '3q2+7w==' }] },
  { name: 'datetimes as stored by default', path: '/api/shop/orders?select=created_at&where.eq.id=1', json: [{ created_at: '2024-03-10 12:05:00' }] },
  {
    name: 'Prefer timezone renders UTC instants in that zone', path: '/api/shop/orders?select=id,created_at&where.in.id=1,5&ordering=id',
    headers: { prefer: 'timezone=Europe/Paris' },
    json: [{ id: 1, created_at: '2024-03-10T13:05:00+01:00' }, { id: 5, created_at: '2024-06-02T12:00:00+02:00' }],
    check: (a) => assert.match(a.headers.get('preference-applied') ?? '', /timezone=Europe\/Paris/),
  },
  { name: 'timezone keeps fractions and crosses the year', path: '/api/shop/users?select=created_at&where.eq.id=4', headers: { prefer: 'timezone=Europe/Paris' }, json: [{ created_at: '2025-01-01T00:59:59.500+01:00' }] },
  { name: 'UTC', path: '/api/shop/users?select=created_at&where.eq.id=1', headers: { prefer: 'timezone=UTC' }, json: [{ created_at: '2024-03-10T12:00:00+00:00' }] },
  { name: 'an unknown timezone', path: '/api/shop/users', headers: { prefer: 'timezone=Mars/Olympus' }, status: 400, code: 'invalid_timezone' },
  {
    name: 'CSV', path: '/api/shop/orders?select=id,note&where.in.id=1,2,3&ordering=id', headers: { accept: 'text/csv' },
    check: (a) => {
      assert.match(a.headers.get('content-type') ?? '', /^text\/csv/);
      assert.equal(a.text, 'id,note\r\n1,first\r\n2,\r\n3,"a, b"\r\n');
    },
  },
  { name: 'CSV of nothing is a header', path: '/api/shop/orders?select=id,note&where.eq.id=99', headers: { accept: 'text/csv' }, check: (a) => assert.equal(a.text, 'id,note\r\n') },
  { name: 'format=csv', path: '/api/shop/orders?select=id&where.eq.id=6&format=csv', check: (a) => assert.equal(a.text, 'id\r\n6\r\n') },
  { name: 'an unacceptable Accept', path: '/api/shop/orders', headers: { accept: 'image/png' }, status: 406 },

  // Views, excluded and framework tables, trailing slashes
  {
    name: 'a view', path: '/api/shop/order_totals?ordering=user_id',
    json: [{ user_id: 1, total: 109.5, n: 2 }, { user_id: 2, total: 255.25, n: 2 }, { user_id: 3, total: 42, n: 1 }, { user_id: 4, total: 0, n: 1 }],
  },
  { name: 'a view filtered on a computed column', path: '/api/shop/order_totals?select=user_id&where.gt.total=100&ordering=user_id', json: [{ user_id: 1 }, { user_id: 2 }] },
  { name: 'the trailing slash is optional', path: '/api/shop/orders/?select=id&where.eq.id=3', ids: [3] },
  { name: 'an unknown table', path: '/api/shop/nope', status: 404, code: 'unknown_table' },
  { name: 'an excluded table', path: '/api/shop/internal_log', status: 404, code: 'unknown_table' },
  { name: 'an excluded table elsewhere is visible', path: '/api/commit/internal_log', json: [{ id: 1, line: 'secret' }] },
  { name: 'the framework users table of app.db', path: '/api/core/users', status: 404, code: 'unknown_table' },
  { name: 'the framework job queue', path: '/api/core/job_queue', status: 404, code: 'unknown_table' },
  { name: 'the migration ledger', path: '/api/core/schema_migrations', status: 404, code: 'unknown_table' },
  { name: 'an unknown database', path: '/api/nodb/orders', status: 404 },

  // Scopes
  { name: 'no token', path: '/api/shop/orders', token: null, status: 401, code: 'auth_required' },
  { name: 'another table\'s scope', path: '/api/shop/orders', token: token('products-read'), status: 403, code: 'forbidden', check: (a) => assert.match(a.json.detail, /orders-read/) },
  { name: 'the table scope', path: ids('where.eq.id=1'), token: token('orders-read'), ids: [1] },
  { name: 'the read wildcard', path: ids('where.eq.id=1'), token: token('read'), ids: [1] },
  { name: 'the database-qualified scope', path: ids('where.eq.id=1'), token: token('shop.orders-read'), ids: [1] },
  { name: 'another database\'s qualified scope', path: ids('where.eq.id=1'), token: token('commit.orders-read'), status: 403 },
  { name: 'a write scope does not read', path: '/api/shop/orders', token: token('orders-write write'), status: 403 },
  { name: 'a public table without a token', path: '/api/shop/products?select=sku&ordering=sku', token: null, json: [{ sku: 'A-1' }, { sku: 'B-2' }, { sku: 'C-3' }] },
  { name: 'a public table with a bad token', path: '/api/shop/products', token: 'not.a.token', status: 401 },
  { name: 'an expired token', path: '/api/shop/products', token: token('read', { exp: 1000 }), status: 401, code: 'token_expired' },
  { name: 'check_scope off', path: '/api/open/orders?select=id&where.eq.id=2', token: null, ids: [2] },

  // Context variables
  { name: 'erctx claim in where', path: ids('where.eq.user_id=erctx.claims_sub'), ids: [3, 4] },
  { name: 'request claim path in where', path: ids('where.eq.user_id=request.claims.sub'), ids: [3, 4] },
  { name: 'context inside an in list', path: ids('where.in.user_id=erctx.claims_sub,3'), ids: [3, 4, 5] },
  { name: 'a custom claim, keys lower-cased', path: ids('where.eq.status=erctx.claims_tier'), token: token('read', { Tier: 'paid' }), ids: [1, 2, 5] },
  { name: 'a header', path: ids('where.eq.status=request.headers.x-status'), headers: { 'x-status': 'pending' }, ids: [3, 6] },
  { name: 'a header, flat', path: ids('where.eq.status=erctx.headers_x_status'), headers: { 'x-status': 'cancelled' }, ids: [4] },
  { name: 'the method', path: '/api/shop/orders?select=m:request.method&where.eq.id=1', json: [{ m: 'GET' }] },
  { name: 'a select literal', path: '/api/shop/orders?select=id,who:erctx.claims_sub&where.eq.id=1', json: [{ id: 1, who: '2' }] },
  { name: 'an unresolvable reference stays literal', path: ids('where.eq.status=erctx.nothing_here'), ids: [] },
  { name: 'the timezone preference', path: '/api/shop/orders?select=tz:request.timezone&where.eq.id=1', headers: { prefer: 'timezone=Asia/Tokyo' }, json: [{ tz: 'Asia/Tokyo' }] },

  // Hostile input: rejected, or plain values
  { name: 'SQL in a value', path: ids('where.eq.id=1%20OR%201=1'), ids: [] },
  { name: 'SQL in a quoted value', path: ids("where.eq.status=paid'%20OR%20'1'='1"), ids: [] },
  { name: 'SQL in a column name', path: ids('where.eq.id;DROP%20TABLE%20orders--=1'), status: 400 },
  { name: 'SQL in select', path: '/api/shop/orders?select=id;DROP%20TABLE%20orders', status: 400 },
  { name: 'SQL in an alias', path: '/api/shop/orders?select=x%20FROM%20users--:id', status: 400 },
  { name: 'a quoted identifier in select', path: '/api/shop/orders?select=%22id%22', status: 400 },
  { name: 'SQL in ordering', path: '/api/shop/orders?ordering=(SELECT%201)', status: 400 },
  { name: 'SQL in the table name', path: '/api/shop/orders;DROP%20TABLE%20orders', status: 404 },
  { name: 'a subquery as an aggregate column', path: '/api/shop/orders?select=(SELECT%20email%20FROM%20users).max()', status: 400 },
  { name: 'invalid percent-encoding in a value', path: ids('where.eq.status=%FF%FE'), ids: [] },
  { name: 'an in list of injections', path: ids("where.in.status=paid')%20OR%20('1'='1"), ids: [] },
];

for (const c of CASES) {
  test(`GET ${c.name}`, async () => {
    const a = await call(s.url, 'GET', c.path, { token: c.token === undefined ? READ : c.token, headers: c.headers });
    const status = c.status ?? 200;
    assert.equal(a.status, status, `${c.path}: ${a.text}`);
    if (c.code !== undefined) assert.equal(a.json?.code, c.code, a.text);
    if (status >= 400) {
      assert.match(a.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.doesNotMatch(a.text, /FROM "|RETURNING|sqlite|SQLITE|\.ts:\d/, 'no SQL nor stack in an error');
    }
    if (c.ids !== undefined) assert.deepEqual(a.json.map((r: { id: number }) => r.id), c.ids);
    if (c.json !== undefined) assert.deepEqual(a.json, c.json);
    c.check?.(a);
  });
}

test('a query asked again is answered afresh: other users\' context values, other data, other limits', async () => {
  // Parsed queries are kept and reused (src/rest/table-routes.ts): nothing of one answer may leak into the next.
  const mine = ids('where.eq.user_id=erctx.claims_sub');
  for (const [sub, expected] of [['1', [1, 2]], ['2', [3, 4]], ['1', [1, 2]], ['4', [6]]] as const) {
    const a = await call(s.url, 'GET', mine, { token: token('read', { sub }) });
    assert.deepEqual(a.json.map((r: { id: number }) => r.id), expected, `user ${sub}`);
  }
  const plain = '/api/shop/orders?select=id,note&where.eq.id=3';
  for (const note of ['a, b', 'changed', 'a, b']) {
    s.other.prepare('UPDATE orders SET note = ? WHERE id = 3').run(note);
    const a = await call(s.url, 'GET', plain, { token: READ });
    assert.deepEqual(a.json, [{ id: 3, note }]);
  }
  for (const [range, expected] of [['0-1', [1, 2]], ['2-2', [3]], ['0-1', [1, 2]]] as const) {
    const a = await call(s.url, 'GET', ids(''), { token: READ, headers: { 'range-unit': 'items', range } });
    assert.deepEqual(a.json.map((r: { id: number }) => r.id), expected, `range ${range}`);
  }
  // The same query string on another table is that table's query.
  const other = await call(s.url, 'GET', '/api/shop/users?select=id&ordering=id&where.lte.id=2', { token: READ });
  const again = await call(s.url, 'GET', '/api/shop/orders?select=id&ordering=id&where.lte.id=2', { token: READ });
  assert.deepEqual([other.json, again.json], [[{ id: 1 }, { id: 2 }], [{ id: 1 }, { id: 2 }]]);
});

test('the database is unchanged after the hostile reads', async () => {
  const rows = s.other.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number };
  assert.equal(rows.n, 6);
  const tables = s.other.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
  assert.deepEqual(tables, ['internal_log', 'orders', 'products', 'users']);
});

test('a table created in app.db by the app is served; the framework\'s are not', async () => {
  s.app.db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES (\'hello\')');
  const a = await call(s.url, 'GET', '/api/core/notes', { token: READ });
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.json, [{ id: 1, text: 'hello' }]);
  const doc = await call(s.url, 'GET', '/api/core/');
  assert.deepEqual(Object.keys(doc.json.paths).filter((p) => /users|job_queue|app_config|instance|schema_migrations/.test(p)), []);
});

test('the schema is re-read when it changes: a new column is usable at once', async () => {
  s.other.exec('ALTER TABLE products ADD COLUMN color TEXT');
  try {
    const a = await call(s.url, 'GET', '/api/shop/products?select=sku,color&where.is.color=null&ordering=sku&limit=1', { token: null });
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json, [{ sku: 'A-1', color: null }]);
  } finally {
    s.other.exec('ALTER TABLE products DROP COLUMN color');
  }
});

test('GET /api/databases lists every database by name and title, without a token', async () => {
  const res = await call(s.url, 'GET', '/api/databases');
  assert.equal(res.status, 200);
  const names = res.json.databases.map((d: { name: string }) => d.name);
  assert.deepEqual(names, ['shop', 'small', 'commit', 'rollback', 'rollover', 'ro', 'open', 'core']);
  assert.deepEqual(res.json.databases[0], { name: 'shop', title: 'Shop API' });
  assert.deepEqual(res.json.databases[1], { name: 'small', title: 'small' }, 'an untitled database is titled by its name');
});

test('HEAD answers like GET without a body', async () => {
  const res = await fetch(`${s.url}/api/shop/products`, { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
  assert.ok(res.headers.get('etag'));
});

test('Swagger 2.0 and OpenAPI 3.1 documents list the tables, views and functions, not the excluded ones', async () => {
  const swagger = await call(s.url, 'GET', '/api/shop/');
  assert.equal(swagger.status, 200);
  assert.equal(swagger.json.swagger, '2.0');
  assert.equal(swagger.json.info.title, 'Shop API');
  for (const p of ['/orders/', '/products/', '/order_totals/', '/rpc/process_order/']) assert.ok(swagger.json.paths[p], p);
  assert.equal(swagger.json.paths['/internal_log/'], undefined);
  assert.equal(swagger.json.paths['/order_totals/'].post, undefined, 'a view is read-only');
  const openapi = await call(s.url, 'GET', '/api/shop/openapi.json');
  assert.equal(openapi.status, 200);
  assert.match(openapi.json.openapi, /^3\.1/);
  assert.ok(openapi.json.paths['/rpc/double/'] ?? openapi.json.paths['/rpc/double'], 'TypeScript functions are documented');
  assert.equal(JSON.stringify(openapi.json).includes('internal_log'), false);
});
