// The automatic REST API, writing: inserts (JSON object and array, form, CSV) answered with the stored rows,
// constraint violations, updates and deletes with their guards, the transaction override matrix, read-only databases
// and views, RPC functions in SQL and TypeScript, ETags (304, 412, invalidation by writes, functions and another
// process), and hostile bodies — each test starting from the same data.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { call, serveShop, token, type Served } from './rest-fixture.ts';

let s: Served;
before(async () => { s = await serveShop(); });
after(async () => { await s.close(); });
beforeEach(() => s.reset());

const WRITE = token('read write');
const count = (table: string, where = '1') => (s.other.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;
const post = (path: string, body: unknown, headers: Record<string, string> = {}, t: string | null = WRITE) => call(s.url, 'POST', path, { token: t, body, headers });

test('POST one object: 201 with the row as stored, generated id and defaults included', async () => {
  const a = await post('/api/shop/orders', { user_id: 1, amount: 7 });
  assert.equal(a.status, 201, a.text);
  assert.deepEqual(a.json, { id: 7, user_id: 1, amount: 7, status: 'new', note: null, created_at: '2024-01-01 00:00:00', big: null, data: null });
  assert.equal(count('orders'), 7);
});

test('POST an array: 201 with an array, in one transaction', async () => {
  // Rows of two shapes, the first shape again after the second (each shape has its own statement).
  const a = await post('/api/shop/orders', [{ user_id: 1, amount: 1 }, { user_id: 2, amount: 2, status: 'paid' }, { amount: 3, user_id: 3 }]);
  assert.equal(a.status, 201, a.text);
  assert.deepEqual(a.json.map((r: { id: number; status: string; user_id: number; amount: number }) => [r.id, r.status, r.user_id, r.amount]), [[7, 'new', 1, 1], [8, 'paid', 2, 2], [9, 'new', 3, 3]]);
});

test('POST a batch whose second row fails: nothing is inserted', async () => {
  const a = await post('/api/shop/orders', [{ user_id: 1, amount: 1 }, { user_id: 1, amount: -5 }]);
  assert.equal(a.status, 409, a.text);
  assert.equal(count('orders'), 6);
});

test('POST values: booleans as 1/0, objects as JSON text, context variables resolved', async () => {
  const a = await post('/api/shop/orders', { user_id: 'erctx.claims_sub', amount: 3, note: { gift: true }, big: true });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.user_id, 2);
  assert.equal(a.json.note, '{"gift":true}');
  assert.equal(a.json.big, 1);
});

test('POST a form and CSV', async () => {
  const form = await post('/api/shop/products', 'sku=D-4&name=Date&price=3.5', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(form.status, 201, form.text);
  assert.deepEqual(form.json, { id: 4, sku: 'D-4', name: 'Date', price: 3.5 });
  const csv = await post('/api/shop/products', 'sku,name,price\r\nE-5,"Elder, berry",\r\nF-6,Fig,2\r\n', { 'content-type': 'text/csv' });
  assert.equal(csv.status, 201, csv.text);
  assert.deepEqual(csv.json, [{ id: 5, sku: 'E-5', name: 'Elder, berry', price: null }, { id: 6, sku: 'F-6', name: 'Fig', price: 2 }]);
  const bad = await post('/api/shop/products', 'sku,name\r\n"unterminated\r\n', { 'content-type': 'text/csv' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.code, 'malformed_csv');
});

const WRITE_ERRORS: [string, string, unknown, number, string, RegExp?][] = [
  ['unknown column', '/api/shop/orders', { amount: 1, colour: 'red', size: 2 }, 400, 'unknown_column', /colour.*size|size.*colour/],
  ['NOT NULL', '/api/shop/orders', { user_id: 1 }, 400, 'not_null_violation', /amount/],
  ['CHECK', '/api/shop/orders', { user_id: 1, amount: -1 }, 409, 'constraint_violation'],
  ['UNIQUE', '/api/shop/users', { name: 'x', email: 'bob@example.com' }, 409, 'constraint_violation', /email/],
  ['PRIMARY KEY', '/api/shop/users', { id: 1, name: 'x', email: 'x@example.com' }, 409, 'constraint_violation'],
  ['FOREIGN KEY', '/api/shop/orders', { user_id: 999, amount: 1 }, 409, 'constraint_violation'],
  ['a view', '/api/shop/order_totals', { user_id: 1 }, 405, 'not_writable'],
  ['a read-only database', '/api/ro/orders', { user_id: 1, amount: 1 }, 403, 'readonly_database'],
  ['an unknown table', '/api/shop/nope', { a: 1 }, 404, 'unknown_table'],
  ['a JSON key with SQL', '/api/shop/orders', { amount: 1, 'id) VALUES (1); DROP TABLE orders; --': 1 }, 400, 'unknown_column'],
  ['a number', '/api/shop/orders', 42, 400, 'invalid_body'],
];

for (const [name, path, body, status, code, detail] of WRITE_ERRORS) {
  test(`POST refused: ${name} → ${status} ${code}`, async () => {
    const a = await post(path, body);
    assert.equal(a.status, status, a.text);
    assert.equal(a.json.code, code);
    if (detail) assert.match(a.json.detail, detail);
    assert.doesNotMatch(a.text, /INSERT|RETURNING/);
    assert.equal(count('orders'), 6);
    assert.equal(count('users'), 4);
  });
}

test('POST malformed bodies: 400 with the reason, nothing written', async () => {
  const cases: [string | Uint8Array, Record<string, string>, string][] = [
    ['{"amount": 1,', { 'content-type': 'application/json' }, 'malformed_json'],
    [new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { 'content-type': 'application/json' }, 'invalid_encoding'],
    ['{"a":1}', { 'content-type': 'application/xml' }, 'unsupported_media_type'],
  ];
  for (const [body, headers, code] of cases) {
    const a = await post('/api/shop/orders', body, headers);
    assert.ok(a.status === 400 || a.status === 415, `${code}: ${a.status}`);
    assert.equal(a.json.code, code);
  }
  // Bodies nested deeper than 512 levels are refused before anything recurses over them.
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const a = await post('/api/shop/orders', deep, { 'content-type': 'application/json' });
  assert.equal(a.status, 400, a.text.slice(0, 200));
  assert.equal(a.json.code, 'malformed_json');
  assert.match(a.json.detail, /deeper than 512 levels at line 1, column 513\b/);
  const nested = await post('/api/shop/orders', `{"amount":1,"note":${'['.repeat(50_000)}${']'.repeat(50_000)}}`, { 'content-type': 'application/json' });
  assert.equal(nested.json.code, 'malformed_json');
  assert.equal(count('orders'), 6);
});

test('PATCH: 200 with the number of rows updated', async () => {
  const a = await call(s.url, 'PATCH', '/api/shop/orders?where.eq.status=paid', { token: WRITE, body: { status: 'shipped' } });
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.json, { updated: 3 });
  assert.equal(count('orders', "status = 'shipped'"), 3);
});

test('PATCH guards: no where, an empty object, an array, an unknown column', async () => {
  const cases: [string, unknown, string][] = [
    ['/api/shop/orders', { status: 'x' }, 'unfiltered_write'],
    ['/api/shop/orders?where.eq.id=1', {}, 'empty_update'],
    ['/api/shop/orders?where.eq.id=1', [{ status: 'x' }, { status: 'y' }], 'invalid_body'],
    ['/api/shop/orders?where.eq.id=1', { colour: 'x' }, 'unknown_column'],
    ['/api/shop/orders?where.eq.nope=1', { status: 'x' }, 'unknown_column'],
  ];
  for (const [path, body, code] of cases) {
    const a = await call(s.url, 'PATCH', path, { token: WRITE, body });
    assert.equal(a.status, 400, `${path} ${JSON.stringify(body)}: ${a.text}`);
    assert.equal(a.json.code, code);
  }
  assert.equal(count('orders', "status = 'x'"), 0);
});

test('an in condition counts as a filter; allow_unfiltered_writes lifts the guard', async () => {
  const a = await call(s.url, 'PATCH', '/api/shop/orders?where.in.id=1,2', { token: WRITE, body: { note: 'n' } });
  assert.deepEqual(a.json, { updated: 2 });
  const all = await call(s.url, 'PATCH', '/api/open/orders', { body: { note: 'all' } });
  assert.deepEqual(all.json, { updated: 6 });
});

test('DELETE: 204, or the deleted rows with Prefer: return=representation', async () => {
  const a = await call(s.url, 'DELETE', '/api/shop/orders?where.eq.id=6', { token: WRITE });
  assert.equal(a.status, 204);
  assert.equal(count('orders'), 5);
  const b = await call(s.url, 'DELETE', '/api/shop/orders?where.eq.status=paid&where.lt.amount=50', { token: WRITE, headers: { prefer: 'return=representation' } });
  assert.equal(b.status, 200, b.text);
  assert.deepEqual(b.json.map((r: { id: number }) => r.id).sort(), [1, 5]);
  assert.match(b.headers.get('preference-applied') ?? '', /return=representation/);
  const c = await call(s.url, 'DELETE', '/api/shop/orders', { token: WRITE });
  assert.equal(c.status, 400);
  assert.equal(c.json.code, 'unfiltered_write');
  assert.equal(count('orders'), 3);
});

test('write scopes: table, wildcard, qualified; public tables still need one to write', async () => {
  const cases: [string | null, string, number][] = [
    [token('orders-write'), '/api/shop/orders', 201],
    [token('write'), '/api/shop/orders', 201],
    [token('shop.orders-write'), '/api/shop/orders', 201],
    [token('orders-read'), '/api/shop/orders', 403],
    [token('commit.orders-write'), '/api/shop/orders', 403],
    [null, '/api/shop/orders', 401],
    [null, '/api/shop/products', 401],
    [token('products-write'), '/api/shop/products', 201],
  ];
  for (const [t, path, status] of cases) {
    const body = path.endsWith('orders') ? { user_id: 1, amount: 1 } : { name: 'Kiwi' };
    const a = await post(path, body, {}, t);
    assert.equal(a.status, status, `${path}: ${a.text}`);
  }
});

test('the transaction matrix: db_tx_end × Prefer: tx', async () => {
  // [database, Prefer tx, committed?, Preference-Applied]
  const matrix: [string, string | null, boolean, string | null][] = [
    ['shop', null, true, null],
    ['shop', 'rollback', false, 'tx=rollback'],
    ['shop', 'commit', true, 'tx=commit'],
    ['commit', null, true, null],
    ['commit', 'rollback', true, null],
    ['rollback', null, false, null],
    ['rollback', 'commit', false, null],
    ['rollover', null, false, null],
    ['rollover', 'commit', true, 'tx=commit'],
    ['rollover', 'rollback', false, 'tx=rollback'],
  ];
  for (const [db, tx, committed, applied] of matrix) {
    s.reset();
    const headers: Record<string, string> = tx ? { prefer: `tx=${tx}` } : {};
    const a = await post(`/api/${db}/orders`, { user_id: 1, amount: 5 }, headers);
    const what = `${db} ${tx}`;
    assert.equal(a.status, 201, `${what}: ${a.text}`);
    assert.equal(a.json.id, 7, `${what}: the answer reports the row either way`);
    assert.equal(count('orders'), committed ? 7 : 6, what);
    assert.equal(a.headers.get('preference-applied'), applied, what);
    const u = await call(s.url, 'PATCH', `/api/${db}/orders?where.eq.id=1`, { token: WRITE, headers, body: { status: 'x' } });
    assert.deepEqual(u.json, { updated: 1 }, what);
    assert.equal(count('orders', "status = 'x'"), committed ? 1 : 0, what);
  }
});

test('Prefer accepts commas and spaces between preferences', async () => {
  const a = await post('/api/shop/orders', { user_id: 1, amount: 5 }, { prefer: 'tx=rollback, timezone=UTC' });
  assert.equal(count('orders'), 6);
  assert.match(a.headers.get('preference-applied') ?? '', /tx=rollback/);
  const b = await post('/api/shop/orders', { user_id: 1, amount: 5 }, { prefer: 'timezone=UTC tx=rollback' });
  assert.equal(b.status, 201);
  assert.equal(count('orders'), 6);
});

test('RPC in SQL: several statements in one transaction, the last one\'s rows', async () => {
  const a = await post('/api/shop/rpc/process_order', { id: 3 }, {}, token('process_order-write'));
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.json, [{ id: 3, status: 'processed' }]);
  assert.equal(count('orders', "status = 'processed'"), 1);
  const b = await post('/api/shop/rpc/archive_cancelled', {}, {}, WRITE);
  assert.deepEqual(b.json, { changes: 1 });
  assert.equal(count('orders', "id = 4"), 0, 'archived');
  const kept = await post('/api/shop/rpc/process_order/', { id: 5 }, { prefer: 'tx=rollback' });
  assert.deepEqual(kept.json, [{ id: 5, status: 'processed' }]);
  assert.equal(count('orders', "id = 5 AND status = 'paid'"), 1, 'rolled back');
});

test('RPC errors and permissions', async () => {
  const cases: [string, unknown, string | null, number, string][] = [
    ['/api/shop/rpc/process_order', {}, WRITE, 400, 'missing_param'],
    ['/api/shop/rpc/process_order', { id: 1, extra: 2 }, WRITE, 400, 'unknown_param'],
    ['/api/shop/rpc/nope', {}, WRITE, 404, 'unknown_function'],
    ['/api/shop/rpc/process_order;drop', {}, WRITE, 404, 'unknown_function'],
    ['/api/shop/rpc/process_order', { id: 1 }, null, 401, 'auth_required'],
    ['/api/shop/rpc/process_order', { id: 1 }, token('read orders-write'), 403, 'forbidden'],
  ];
  for (const [path, body, t, status, code] of cases) {
    const a = await post(path, body, {}, t);
    assert.equal(a.status, status, `${path}: ${a.text}`);
    assert.equal(a.json.code, code);
  }
  const pub = await post('/api/shop/rpc/status', {}, {}, null);
  assert.equal(pub.status, 200, pub.text);
  assert.deepEqual(pub.json, [{ status: 'ok' }]);
  const empty = await call(s.url, 'POST', '/api/shop/rpc/status', {});
  assert.deepEqual(empty.json, [{ status: 'ok' }], 'no body at all is no arguments');
});

test('RPC in TypeScript', async () => {
  const a = await post('/api/shop/rpc/double', { x: 4 });
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.json, { x2: 8 });
});

const getOrders = (etag?: string, query = 'select=id') =>
  call(s.url, 'GET', `/api/shop/orders?${query}`, { token: WRITE, headers: etag ? { 'if-none-match': etag } : {} });

test('ETags: strong and quoted, 304 on a match, another query another tag', async () => {
  const a = await getOrders();
  const etag = a.headers.get('etag')!;
  assert.match(etag, /^"[^"]+"$/);
  const b = await getOrders(etag);
  assert.equal(b.status, 304);
  assert.equal(b.text, '');
  const c = await getOrders(undefined, 'select=id,amount');
  assert.notEqual(c.headers.get('etag'), etag);
  const d = await call(s.url, 'GET', '/api/shop/orders?select=id', { token: WRITE, headers: { accept: 'text/csv' } });
  assert.notEqual(d.headers.get('etag'), etag, 'CSV is another representation');
});

test('ETags change with writes through the API, with another process\'s commits, and only for what changed', async () => {
  const first = (await getOrders()).headers.get('etag')!;
  const products = (await call(s.url, 'GET', '/api/shop/products', { token: null })).headers.get('etag')!;
  await post('/api/shop/orders', { user_id: 1, amount: 5 });
  assert.equal((await getOrders(first)).status, 200, 'a write through the API');
  assert.equal((await call(s.url, 'GET', '/api/shop/products', { headers: { 'if-none-match': products } })).status, 304, 'other tables keep theirs');
  const second = (await getOrders()).headers.get('etag')!;
  await post('/api/shop/orders', { user_id: 1, amount: 5 }, { prefer: 'tx=rollback' });
  assert.equal((await getOrders(second)).status, 304, 'a rolled-back write changes nothing');
  s.other.exec("UPDATE orders SET note = 'changed elsewhere' WHERE id = 1");
  assert.equal((await getOrders(second)).status, 200, 'a commit by another process');
});

test('ETags of a user-dependent query differ per user', async () => {
  const q = '/api/shop/orders?select=id&where.eq.user_id=erctx.claims_sub';
  const two = await call(s.url, 'GET', q, { token: token('read', { sub: '2' }) });
  const one = await call(s.url, 'GET', q, { token: token('read', { sub: '1' }), headers: { 'if-none-match': two.headers.get('etag')! } });
  assert.equal(one.status, 200);
  assert.deepEqual(one.json, [{ id: 1 }, { id: 2 }]);
});

test('If-Match: a stale tag is a 412 and nothing changes; a current one or * passes', async () => {
  const tag = (await getOrders()).headers.get('etag')!;
  await post('/api/shop/orders', { user_id: 1, amount: 5 });
  const stale = await call(s.url, 'PATCH', '/api/shop/orders?where.eq.id=1', { token: WRITE, headers: { 'if-match': tag }, body: { status: 'x' } });
  assert.equal(stale.status, 412, stale.text);
  assert.equal(count('orders', "status = 'x'"), 0);
  const current = (await getOrders()).headers.get('etag')!;
  const ok = await call(s.url, 'PATCH', '/api/shop/orders?where.eq.id=1', { token: WRITE, headers: { 'if-match': current }, body: { status: 'x' } });
  assert.equal(ok.status, 200, ok.text);
  const chained = await call(s.url, 'DELETE', '/api/shop/orders?where.eq.id=1', { token: WRITE, headers: { 'if-match': ok.headers.get('etag')! } });
  assert.equal(chained.status, 204, 'the ETag of a write answer serves the next If-Match');
  const star = await call(s.url, 'DELETE', '/api/shop/orders?where.eq.id=2', { token: WRITE, headers: { 'if-match': '*' } });
  assert.equal(star.status, 204);
});

test('RPC invalidates the ETags its cache_invalidation_map lists, and every table when it lists none', async () => {
  const orders = (await getOrders()).headers.get('etag')!;
  const products = (await call(s.url, 'GET', '/api/shop/products', { token: null })).headers.get('etag')!;
  await post('/api/shop/rpc/process_order', { id: 1 });
  assert.equal((await getOrders(orders)).status, 200);
  assert.equal((await call(s.url, 'GET', '/api/shop/products', { headers: { 'if-none-match': products } })).status, 304);
  await post('/api/shop/rpc/touch_products', { id: 1 });
  assert.equal((await call(s.url, 'GET', '/api/shop/products', { headers: { 'if-none-match': products } })).status, 200);
});

test('enable_cache = false: no ETag, preconditions ignored', async () => {
  const a = await call(s.url, 'GET', '/api/open/orders');
  assert.equal(a.headers.get('etag'), null);
  const b = await call(s.url, 'PATCH', '/api/open/orders?where.eq.id=1', { headers: { 'if-match': '"nope"' }, body: { note: 'y' } });
  assert.equal(b.status, 200);
});
