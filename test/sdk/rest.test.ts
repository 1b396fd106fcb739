// The SDK's REST query builder against a real server over the shop fixture database (test/e2e/rest-fixture.ts):
// filters (with `in` elements holding commas and quotes), ordering, paging and Content-Range, count, ETags and
// If-None-Match, create/update/delete, RPC, the OpenAPI document, the database list, and errors and scopes.
// Runs against the source SDK and the minified one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveShop, token, type Served } from '../e2e/rest-fixture.ts';
import { jwtKey, signJwt } from '../../src/lib/jwt.ts';
import { forEachVariant, memoryStorage } from './variants.ts';

let s: Served;
before(async () => { s = await serveShop(); });
after(async () => { await s.close(); });

await forEachVariant(({ Monolite, MonoliteError }) => {
  type Err = InstanceType<typeof MonoliteError>;
  type Client = InstanceType<typeof Monolite>;
  type Order = { id: number; user_id: number; amount: number; status: string; note: string | null };
  /** A client holding a token with `scope` (or none). */
  const client = (scope?: string): Client => {
    const ml = new Monolite(s.url, { storage: memoryStorage() });
    if (scope !== undefined) ml.auth.save(token(scope), null);
    return ml;
  };
  const orders = (ml = client('read write')) => ml.db('shop').table<Order>('orders');
  const failure = (promise: Promise<unknown>) => promise.then(() => assert.fail('resolved'), (e: Err) => e);

  test('databases() lists the served databases with their titles', async () => {
    const list = await client().databases();
    assert.deepEqual(list.find((d) => d.name === 'shop'), { name: 'shop', title: 'Shop API' });
    assert.deepEqual(list.find((d) => d.name === 'small'), { name: 'small', title: 'small' });
  });

  type Query = ReturnType<typeof orders>;
  // [name, builder (on orders, selecting id), ids of the rows in order]
  const filters: [string, (q: Query) => Query, number[]][] = [
    ['gt', (q) => q.where('amount', 'gt', 42).order('id'), [2, 4]],
    ['gte and lte on one column', (q) => q.where('id', 'gte', 2).where('id', 'lte', 3).order('id'), [2, 3]],
    ['in with an element holding a comma', (q) => q.where('note', 'in', ['a, b', 'first']).order('id'), [1, 3]],
    ['in on integers', (q) => q.where('id', 'in', [1, 3, 5]).order('id'), [1, 3, 5]],
    ['not eq', (q) => q.where('status', 'eq', 'paid', true).order('id'), [3, 4, 6]],
    ['not in', (q) => q.where('status', 'in', ['paid', 'pending'], true).order('id'), [4]],
    ['is null', (q) => q.where('note', 'is', null).order('id'), [2]],
    ['ilike', (q) => q.where('note', 'ilike', 'B%').order('id'), [4, 5]],
    ['an empty string', (q) => q.where('note', 'eq', '').order('id'), [6]],
    ['descending with a limit', (q) => q.order('-amount').limit(2), [4, 2]],
    ['two orderings', (q) => q.order('user_id', '-amount'), [2, 1, 4, 3, 5, 6]],
    ['offset', (q) => q.order('id').offset(4), [5, 6]],
  ];
  for (const [name, build, ids] of filters) {
    test(`filter: ${name}`, async () => {
      const rows = await build(orders().select('id')).rows();
      assert.deepEqual(rows.map((r) => r.id), ids);
    });
  }

  test('get(): a page, its Content-Range with the exact total, and the ETag', async () => {
    const page = await orders().select('id', 'amount').order('id').limit(2).offset(2).get();
    assert.ok(page !== null);
    assert.deepEqual(page.rows, [{ id: 3, amount: 5.25 }, { id: 4, amount: 250 }]);
    assert.deepEqual(page.range, { from: 2, to: 3, total: 6 });
    assert.match(page.etag ?? '', /^"/);
    const none = await orders().where('status', 'eq', 'nothing like it').get();
    assert.deepEqual(none, { rows: [], range: { from: 0, to: -1, total: 0 }, etag: none!.etag });
    const paid = await orders().where('status', 'eq', 'paid').limit(1).get();
    assert.equal(paid!.range!.total, 3);
  });

  test('count(), aliases and aggregates', async () => {
    assert.equal(await orders().count(), 6);
    assert.equal(await orders().where('status', 'eq', 'paid').count(), 3);
    const totals = await orders().select('status', 'n:count()', 'total:amount.sum()').order('status').rows() as unknown as { status: string; n: number; total: number }[];
    assert.deepEqual(totals.find((t) => t.status === 'paid'), { status: 'paid', n: 3, total: 151.5 });
  });

  test('If-None-Match: null while nothing changed, rows after a write', async () => {
    try {
      const first = await orders().where('status', 'eq', 'paid').get();
      assert.equal(await orders().where('status', 'eq', 'paid').ifNoneMatch(first!.etag!).get(), null);
      await orders().create({ user_id: 1, amount: 1, status: 'paid' });
      const after = await orders().where('status', 'eq', 'paid').ifNoneMatch(first!.etag!).get();
      assert.equal(after!.rows.length, 4);
    } finally {
      s.reset();
    }
  });

  test('create, update and delete; an in-list element with quotes and a comma', async () => {
    try {
      const created = await orders().create([{ user_id: 1, amount: 3, note: 'say "hi", twice' }, { user_id: 2, amount: 4, note: 'x' }]);
      assert.deepEqual(created.map((r) => [r.amount, r.status, r.note]), [[3, 'new', 'say "hi", twice'], [4, 'new', 'x']]);
      const one = await orders().create({ user_id: 3, amount: 5 });
      assert.equal(one.length, 1);
      const ids = [...created, ...one].map((r) => r.id);
      const found = await orders().select('id').where('note', 'in', ['say "hi", twice', 'nope']).rows();
      assert.deepEqual(found.map((r) => r.id), [ids[0]]);
      assert.equal(await orders().where('id', 'in', ids).update({ status: 'shipped' }), 3);
      assert.equal(await orders().where('status', 'eq', 'shipped').count(), 3);
      const deleted = await orders().where('id', 'in', ids.slice(0, 2)).delete();
      assert.deepEqual(deleted.map((r) => r.id).sort(), ids.slice(0, 2).sort());
      assert.equal(await orders().count(), 7);
    } finally {
      s.reset();
    }
  });

  test('prefer(): a timezone for reads, tx=rollback for writes', async () => {
    const [row] = await orders().select('id', 'created_at').where('id', 'eq', 1).prefer('timezone=Europe/Paris').rows() as unknown as { created_at: string }[];
    assert.equal(row.created_at, '2024-03-10T13:05:00+01:00');
    const rolled = client('read write').db('rollover').table('orders');
    const created = await rolled.prefer('tx=rollback').create({ user_id: 1, amount: 9 });
    assert.equal(created.length, 1, 'answers what it would have done');
    assert.equal(await client('read write').db('rollover').table('orders').count(), 6, 'and changed nothing');
  });

  test('rpc(): SQL and TypeScript functions, a public one without a token; schema()', async () => {
    try {
      assert.deepEqual(await client('write').db('shop').rpc('process_order', { id: 3 }), [{ id: 3, status: 'processed' }]);
      assert.deepEqual(await client('write').db('shop').rpc('double', { x: 21 }), { x2: 42 });
      assert.deepEqual(await client().db('shop').rpc('status'), [{ status: 'ok' }]);
      const missing = await failure(client('write').db('shop').rpc('process_order'));
      assert.deepEqual([missing.status, missing.code], [400, 'missing_param']);
    } finally {
      s.reset();
    }
    const doc = await client().db('shop').schema() as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\.1/);
    assert.ok(Object.keys(doc.paths).some((p) => p.includes('orders')));
  });

  test('errors and scopes: MonoliteError with the server\'s code; a public table without a token', async () => {
    const unknown = await failure(orders().select('nope').rows());
    assert.deepEqual([unknown.status, unknown.code], [400, 'unknown_column']);
    assert.match(unknown.detail, /nope/);
    const anonymous = await failure(orders(client()).rows());
    assert.deepEqual([anonymous.status, anonymous.code], [401, 'auth_required']);
    const readOnly = await failure(orders(client('orders-read')).create({ user_id: 1, amount: 1 }));
    assert.deepEqual([readOnly.status, readOnly.code], [403, 'forbidden']);
    const table = await failure(client('read').db('shop').table('nope').rows());
    assert.deepEqual([table.status, table.code], [404, 'unknown_table']);
    const products = await client().db('shop').table('products').select('sku').order('sku').rows();
    assert.deepEqual(products, [{ sku: 'A-1' }, { sku: 'B-2' }, { sku: 'C-3' }]);
  });

  test('a token the server refuses clears the store', async () => {
    const ml = new Monolite(s.url, { storage: memoryStorage() });
    const now = Math.floor(Date.now() / 1000);
    ml.auth.save(signJwt({ sub: '2', scope: 'read', iat: now, exp: now + 600 }, jwtKey('not-the-shared-secret-of-32-chars!!')), null);
    assert.equal(ml.auth.isValid, true);
    const err = await failure(orders(ml).rows());
    assert.deepEqual([err.status, err.code], [401, 'token_signature']);
    assert.equal(ml.auth.token, '');
  });
});
