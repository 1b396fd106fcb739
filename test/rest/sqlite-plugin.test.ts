// The SQLite plugin on the shop fixture: schema, every operator through real SQL, aggregates, paging and count,
// writes with constraint mapping and tx rollback, RPC (SQL and TypeScript), schema reload, data_version, big
// integers and injection attempts that must leave the database unchanged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HttpError } from '../../src/http/errors.ts';
import { parseReadQuery, parseWhere, toRow } from '../../src/rest/query.ts';
import { renderRows } from '../../src/rest/render.ts';
import { createSqlitePlugin } from '../../src/rest/sqlite-plugin.ts';
import { whereSql } from '../../src/rest/sql.ts';
import type { Row } from '../../src/rest/plugin.ts';
import { openShop, options, REQ, ROLLBACK, throwsHttp, type Shop } from './fixture.ts';

const context: Record<string, string> = {
  'erctx.claims_sub': 'u-1', 'erctx.evil': "x' OR '1'='1", 'erctx.claims_status': 'paid', 'request.claims.uid': '2', 'erctx.one': '1',
};
const resolve = (text: string) => context[text] ?? text;

function get(shop: Shop, table: string, qs: string, count = false) {
  const query = parseReadQuery(new URLSearchParams(qs), shop.table(table), { defaultLimit: 100, maxLimit: 1000, resolve, range: null, count });
  const result = shop.plugin.tableGet(table, query, REQ);
  return { ...result, json: JSON.parse(JSON.stringify(renderRows(result.columns, result.rows, null))) as Record<string, unknown>[] };
}

const ids = (rows: Record<string, unknown>[]) => rows.map((r) => r.id);


/** Every table's rows, to prove a hostile or rolled-back request changed nothing. */
function snapshot(shop: Shop): string {
  return JSON.stringify(['users', 'orders', 'products', 'counters', 'internal_log'].map((t) => shop.query(`SELECT * FROM ${t} ORDER BY id`)),
    (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}

describe('reads', () => {
  let shop: Shop;
  before(() => { shop = openShop(); });
  after(() => shop.close());

  test('schema: tables and the view with columns, exclusions and odd names left out, functions with their parameters', () => {
    const schema = shop.plugin.getSchema();
    assert.deepEqual([...schema.tables.keys()], ['counters', 'orders', 'products', 'user_totals', 'users']);
    assert.equal(schema.tables.get('user_totals')?.kind, 'view');
    assert.deepEqual(schema.tables.get('user_totals')?.columns.map((c) => [c.name, c.type]), [['user_id', 'INTEGER'], ['total', ''], ['n', '']]);
    const products = schema.tables.get('products');
    assert.deepEqual(products?.columns.map((c) => [c.name, c.type, c.notNull, c.hasDefault, c.primaryKey]), [
      ['id', 'INTEGER', false, true, 1], ['sku', 'TEXT', true, false, 0], ['name', 'TEXT', true, false, 0], ['price', 'REAL', false, false, 0],
      ['image', 'BLOB', false, false, 0], ['stock', 'INTEGER', false, true, 0], ['worth', 'REAL', false, true, 0],
    ]);
    assert.deepEqual(schema.functions.get('rename_user'), { name: 'rename_user', params: ['name', 'id'], description: 'Renames a user' });
    assert.deepEqual(schema.functions.get('close_pending'), { name: 'close_pending', params: [] });
    assert.equal(shop.plugin.getSchema(), schema, 'cached while schema_version stays');
  });

  test('exclusions compare case-insensitively (SQLite names do)', () => {
    const p = shop.open({ exclude: { table: ['USERS', 'Internal_Log'], func: ['STATUS'] } });
    assert.equal(p.getSchema().tables.has('users'), false);
    assert.equal(p.getSchema().tables.has('internal_log'), false);
    assert.equal(p.getSchema().functions.has('status'), false);
    throwsHttp(() => p.tableGet('users', { select: [], where: [], groupBy: [], order: [], limit: 1, offset: 0, count: false }, REQ), 404, 'unknown_table');
  });

  const operators: [string, number[]][] = [
    ['where.eq.status=paid', [1, 2, 5]],
    ['where.neq.status=paid', [3, 4]], // NULL status (6) never matches
    ['where.not.eq.status=paid', [3, 4]],
    ['where.lt.amount=10', [3, 6]],
    ['where.lte.amount=10.5', [1, 3, 6]],
    ['where.gt.amount=42', [2, 4]],
    ['where.gte.amount=42', [2, 4, 5]],
    ['where.not.gt.amount=42', [1, 3, 5, 6]],
    ['where.gt.amount=10', [1, 2, 4, 5]], // numeric, not text order
    ['where.gte.id=2&where.lte.id=3', [2, 3]],
    ['where.eq.code=1', [1]], // TEXT column: '01' is not '1'
    ['where.like.note=b%25', [5]], // like is case-sensitive
    ['where.like.note=B%25', [4]],
    ['where.ilike.note=b%25', [4, 5]],
    ['where.ilike.note=FIRST', [1]],
    ['where.like.note=_irst', [1]],
    ['where.like.note=%25b%25', [3, 5]],
    ['where.not.like.note=%25b%25', [1, 4, 6]], // NULL note (2) never matches
    ['where.like.note=%25[%25', [6]], // GLOB's own specials are literal in a like pattern
    ['where.like.note=%25*%25', [6]],
    ['where.like.note=%25%3F%25', [6]],
    ['where.like.note=*', []],
    ['where.in.id=1,3', [1, 3]],
    ['where.not.in.id=1,3', [2, 4, 5, 6]],
    ['where.in.status=%22paid%22,pending', [1, 2, 3, 5]],
    ['where.in.note=%22a, b%22,first', [1, 3]],
    ['where.not.in.status=paid', [3, 4]],
    ['where.is.status=null', [6]],
    ['where.is.status=not_null', [1, 2, 3, 4, 5]],
    ['where.not.is.status=null', [1, 2, 3, 4, 5]],
    ['where.is.amount=true', [1, 2, 3, 4, 5]],
    ['where.is.amount=false', [6]],
    ['where.not.is.amount=false', [1, 2, 3, 4, 5]],
    ['where.eq.status=', []],
    ['where.eq.status=erctx.claims_status', [1, 2, 5]],
    ['where.in.user_id=request.claims.uid,%22erctx.one%22', [1, 2, 3, 4]],
    ['where.not.eq.user_id=request.claims.uid', [1, 2, 5, 6]],
    ['where.eq.status=erctx.unknown', []],
    ['where.eq.status=erctx.evil', []],
    ['where.eq.status=paid%27%20OR%20%271%27=%271', []],
  ];

  for (const [qs, expected] of operators) {
    test(`orders?${qs} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(ids(get(shop, 'orders', `${qs}&ordering=id`).json), expected);
    });
  }

  test('a view column without declared type compares numerically (bound by affinity)', () => {
    assert.deepEqual(get(shop, 'user_totals', 'where.gt.total=100&ordering=user_id').json, [{ user_id: 1, total: 109.5, n: 2 }, { user_id: 2, total: 255.25, n: 2 }]);
  });

  test('select with aliases and result columns with declared types ("" when computed)', () => {
    const r = get(shop, 'orders', 'select=id,total:amount,me:erctx.claims_sub,created_at&where.eq.id=1');
    assert.deepEqual(r.json, [{ id: 1, total: 10.5, me: 'u-1', created_at: '2024-03-10 12:05:00' }]);
    assert.deepEqual(r.columns, [{ name: 'id', type: 'INTEGER' }, { name: 'total', type: 'REAL' }, { name: 'me', type: '' }, { name: 'created_at', type: 'DATETIME' }]);
  });

  test('a select literal holding SQL is a plain value', () => {
    assert.deepEqual(get(shop, 'orders', 'select=id,v:erctx.evil&where.eq.id=2').json, [{ id: 2, v: "x' OR '1'='1" }]);
  });

  test('aggregates without grouping: one row', () => {
    assert.deepEqual(get(shop, 'orders', 'select=count(),amount.sum(),amount.min(),amount.max(),n:id.count()').json, [{ count: 6, sum: 406.75, min: 0, max: 250, n: 6 }]);
    assert.deepEqual(get(shop, 'orders', 'select=count()&where.eq.status=none').json, [{ count: 0 }]);
    assert.deepEqual(get(shop, 'orders', 'select=a:amount.AVG()&where.in.id=1,3').json, [{ a: 7.875 }]);
  });

  test('aggregates with grouping by the plain columns, ordered by an alias', () => {
    assert.deepEqual(get(shop, 'orders', 'select=status,n:count(),total:amount.sum()&ordering=-n,status').json, [
      { status: 'paid', n: 3, total: 151.5 }, { status: null, n: 1, total: 0 }, { status: 'cancelled', n: 1, total: 250 }, { status: 'pending', n: 1, total: 5.25 },
    ]);
  });

  test('ordering both ways, several keys', () => {
    assert.deepEqual(ids(get(shop, 'orders', 'ordering=-amount').json), [4, 2, 5, 1, 3, 6]);
    assert.deepEqual(ids(get(shop, 'orders', 'ordering=user_id,-amount').json), [2, 1, 4, 3, 5, 6]);
  });

  test('ordering by a table column is not captured by an alias equal to it but for case', () => {
    assert.deepEqual(get(shop, 'orders', 'select=AMOUNT:id&ordering=-amount&limit=3').json, [{ AMOUNT: 4 }, { AMOUNT: 2 }, { AMOUNT: 5 }]);
  });

  test('limit, offset, limit=0, offset past the end', () => {
    assert.deepEqual(ids(get(shop, 'orders', 'ordering=id&limit=2&offset=1').json), [2, 3]);
    assert.deepEqual(get(shop, 'orders', 'limit=0').json, []);
    assert.deepEqual(get(shop, 'orders', 'offset=100').json, []);
    const clamped = parseReadQuery(new URLSearchParams('limit=1000000000'), shop.table('orders'), { defaultLimit: 2, maxLimit: 4, resolve, range: null, count: false });
    assert.equal(shop.plugin.tableGet('orders', clamped, REQ).rows.length, 4);
  });

  test('count: every matching row regardless of limit; groups when grouping; 1 for a bare aggregate', () => {
    assert.equal(get(shop, 'orders', 'limit=2', true).total, 6);
    assert.equal(get(shop, 'orders', 'limit=0&where.eq.status=paid', true).total, 3);
    assert.equal(get(shop, 'orders', 'select=status,count()&limit=1', true).total, 4);
    assert.equal(get(shop, 'orders', 'select=count()', true).total, 1);
    assert.equal(get(shop, 'orders', '').total, undefined);
  });

  test('big integers come back exact, as bigints rendered as strings; they can be matched exactly', () => {
    const r = get(shop, 'counters', 'ordering=id');
    assert.equal(r.rows[0].n, 9007199254740993n);
    assert.deepEqual(r.json.map((row) => row.n), ['9007199254740993', 7, '-9223372036854775808']);
    assert.deepEqual(ids(get(shop, 'counters', 'where.eq.n=9007199254740993').json), [1]);
    assert.deepEqual(get(shop, 'counters', 'where.eq.n=9007199254740992').json, []);
    assert.deepEqual(get(shop, 'counters', 'where.eq.id=2').json, [{ id: 2, n: 7, label: 'small' }]);
  });

  test('BLOBs come back as bytes, rendered base64; generated columns are readable', () => {
    const r = get(shop, 'products', 'select=id,image,worth&where.eq.id=1');
    assert.ok(r.rows[0].image instanceof Uint8Array);
    assert.deepEqual(r.json, [{ id: 1, image: '3q2+7w==', worth: 15 }]);
  });

  test('DATETIME columns render in a zone; DATE columns do not', () => {
    const r = get(shop, 'orders', 'select=created_at,shipped&where.eq.id=1');
    assert.deepEqual(renderRows(r.columns, r.rows, 'Europe/Paris'), [Object.assign(Object.create(null), { created_at: '2024-03-10T13:05:00+01:00', shipped: '2024-03-11' })]);
  });

  test('unknown and excluded tables → 404 unknown_table; injection-shaped names too', () => {
    const q = { select: [], where: [], groupBy: [], order: [], limit: 1, offset: 0, count: false };
    for (const name of ['nope', 'internal_log', 'odd name', 'sqlite_schema', 'users; DROP TABLE users', 'users"--']) {
      throwsHttp(() => shop.plugin.tableGet(name, q, REQ), 404, 'unknown_table');
    }
  });

  const hostile = [
    "where.eq.status=paid'; DROP TABLE users; --",
    'where.eq.status=paid%22; DELETE FROM orders; --',
    'where.in.id=1); DELETE FROM orders; --',
    'where.in.status=%22a%22%22); DELETE FROM orders; --%22',
    'where.like.note=%25\'; DELETE FROM orders; --',
    'where.eq.id; DELETE FROM orders; --=1',
    'where.eq.id%22 OR 1=1 --=1',
    'where.eq%3B DELETE FROM orders.id=1',
    'select=id; DELETE FROM orders',
    'select=id%22, (SELECT group_concat(line) FROM internal_log) AS %22x',
    'select=x%22 FROM users; --:id',
    'select=a:erctx.evil',
    'select=amount.sum() FROM users; --()',
    'ordering=id; DELETE FROM orders',
    'ordering=-id%22 DESC, (SELECT 1)--',
    'ordering=(CASE WHEN 1 THEN id END)',
    'limit=1; DELETE FROM orders',
    'offset=0 UNION SELECT * FROM internal_log',
  ];

  for (const qs of hostile) {
    test(`hostile query ${JSON.stringify(qs)}: refused with a 400 or run as plain values, nothing changed`, () => {
      const before = snapshot(shop);
      try {
        const r = get(shop, 'orders', qs);
        assert.ok(!JSON.stringify(r.json).includes('secret'), 'no data from an excluded table');
      } catch (err) {
        assert.ok(err instanceof HttpError && err.status === 400, String(err));
      }
      assert.equal(snapshot(shop), before);
    });
  }

  test('the connection keeps SQLite\'s own LIKE for the database\'s SQL (RPC, views): only the API\'s like is case-sensitive', () => {
    const p = shop.open({ functions: { probe: { sql: "SELECT 'a' LIKE 'A' AS r" } } });
    const result = p.callFunction('probe', {}, REQ);
    assert.equal(result.kind, 'rows');
    assert.equal(result.kind === 'rows' ? Number(result.rows[0].r) : -1, 1);
  });
});

test('on a build whose LIKE is case-sensitive, ilike falls back to lower() LIKE lower() and like stays exact', () => {
  const shop = openShop();
  try {
    shop.other.exec('PRAGMA case_sensitive_like = ON'); // stands in for such a build
    const matching = (qs: string, nocaseLike: boolean) => {
      const params: (string | number | bigint | null | Uint8Array)[] = [];
      const where = whereSql('orders', parseWhere(new URLSearchParams(qs), shop.table('orders'), resolve), { nocaseLike }, params);
      return shop.other.prepare(`SELECT id FROM orders${where} ORDER BY id`).all(...params).map((r) => r.id);
    };
    assert.deepEqual(matching('where.ilike.note=b%25', false), [4, 5]);
    assert.deepEqual(matching('where.ilike.note=b%25', true), [5], 'what the probe at open avoids');
    assert.deepEqual(matching('where.like.note=b%25', false), [5]);
  } finally {
    shop.close();
  }
});

describe('writes', () => {
  let shop: Shop;
  before(() => { shop = openShop(); });
  after(() => shop.close());
  const users = () => shop.query('SELECT id, name FROM users ORDER BY id');

  test('create: rows as stored (ids, defaults, generated columns), differing column sets, an empty row', () => {
    const result = shop.plugin.tableCreate('products', [
      toRow({ sku: 'D-4', name: 'Date', price: 2 }, shop.table('products'), resolve),
      toRow({ sku: 'E-5', name: 'erctx.claims_sub', stock: 3, price: 1 }, shop.table('products'), resolve),
    ], REQ);
    assert.deepEqual(JSON.parse(JSON.stringify(renderRows(result.columns, result.rows, null))), [
      { id: 4, sku: 'D-4', name: 'Date', price: 2, image: null, stock: 0, worth: 0 },
      { id: 5, sku: 'E-5', name: 'u-1', price: 1, image: null, stock: 3, worth: 3 },
    ]);
    assert.deepEqual(result.columns.map((c) => c.name), ['id', 'sku', 'name', 'price', 'image', 'stock', 'worth']);
    const empty = shop.plugin.tableCreate('orders', [Object.create(null)], REQ);
    assert.equal(empty.rows[0].id, 7n);
    assert.deepEqual(shop.query('SELECT COUNT(*) AS n FROM products'), [{ n: 5 }]);
    assert.deepEqual(shop.plugin.tableCreate('orders', [], REQ).rows, []);
  });

  test('create: hostile strings are stored as plain values', () => {
    const evil = "'); DROP TABLE users; --";
    const result = shop.plugin.tableCreate('orders', [toRow({ note: evil, status: 'erctx.evil' }, shop.table('orders'), resolve)], REQ);
    assert.equal(result.rows[0].note, evil);
    assert.deepEqual(shop.query(`SELECT note, status FROM orders WHERE id = ${Number(result.rows[0].id)}`), [{ note: evil, status: "x' OR '1'='1" }]);
    assert.equal(users().length, 4);
  });

  const failures: [string, string, Row[], number, string, RegExp][] = [
    ['NOT NULL', 'products', [{ sku: 'Z-1' }], 400, 'not_null_violation', /Column "name" of table "products" may not be null/],
    ['UNIQUE', 'products', [{ sku: 'A-1', name: 'dup' }], 409, 'constraint_violation', /UNIQUE constraint failed: products\.sku/],
    ['PRIMARY KEY', 'products', [{ id: 1, sku: 'Q-1', name: 'dup' }], 409, 'constraint_violation', /UNIQUE constraint failed: products\.id/],
    ['CHECK', 'products', [{ sku: 'Z-2', name: 'neg', price: -1 }], 409, 'constraint_violation', /CHECK constraint failed/],
    ['FOREIGN KEY', 'orders', [{ user_id: 999 }], 409, 'constraint_violation', /FOREIGN KEY constraint failed/],
    ['STRICT datatype', 'counters', [{ n: 'abc' }], 400, 'invalid_value', /cannot store TEXT value in INTEGER column counters\.n/],
    ['rowid datatype', 'orders', [{ id: 'abc' }], 400, 'invalid_value', /datatype mismatch/],
    ['generated column', 'products', [{ sku: 'Z-3', name: 'x', worth: 1 }], 400, 'generated_column', /"worth"/],
    ['unknown column (JSON key)', 'orders', [{ 'note") VALUES (1); DROP TABLE users; --': 1 }], 400, 'unknown_column', /DROP TABLE/],
    ['a batch is atomic', 'products', [{ sku: 'OK-1', name: 'fine' }, { sku: 'OK-1', name: 'dup' }], 409, 'constraint_violation', /UNIQUE/],
  ];

  for (const [name, table, rows, status, code, detail] of failures) {
    test(`create: ${name} → ${status} ${code}, nothing written`, () => {
      const before = snapshot(shop);
      throwsHttp(() => shop.plugin.tableCreate(table, rows.map((r) => Object.assign(Object.create(null), r) as Row), REQ), status, code, detail);
      assert.equal(snapshot(shop), before);
      assert.equal(shop.plugin.db.isTransaction, false);
    });
  }

  test('NOT NULL violation lists the column in errors[]', () => {
    assert.throws(() => shop.plugin.tableCreate('users', [Object.assign(Object.create(null), { email: 'x@y' })], REQ), (err: HttpError) =>
      err.errors?.[0]?.field === 'name' && err.errors[0].code === 'not_null_violation');
  });

  test('update: the matching rows, their count; constraint failures mapped; no match → 0', () => {
    const where = parseWhere(new URLSearchParams('where.in.id=1,2'), shop.table('users'), resolve);
    assert.equal(shop.plugin.tableUpdate('users', toRow({ age: 50 }, shop.table('users'), resolve), where, REQ), 2);
    assert.deepEqual(shop.query('SELECT id FROM users WHERE age = 50 ORDER BY id'), [{ id: 1 }, { id: 2 }]);
    assert.equal(shop.plugin.tableUpdate('users', toRow({ age: 1 }, shop.table('users'), resolve), parseWhere(new URLSearchParams('where.eq.id=99'), shop.table('users'), resolve), REQ), 0);
    throwsHttp(() => shop.plugin.tableUpdate('users', toRow({ email: 'bob@example.com' }, shop.table('users'), resolve), parseWhere(new URLSearchParams('where.eq.id=1'), shop.table('users'), resolve), REQ), 409, 'constraint_violation');
    throwsHttp(() => shop.plugin.tableUpdate('users', toRow({ name: null }, shop.table('users'), resolve), [], REQ), 400, 'not_null_violation');
    throwsHttp(() => shop.plugin.tableUpdate('users', Object.create(null), [], REQ), 400, 'invalid_body');
  });

  test('update with an injection-shaped value changes nothing else', () => {
    const before = users();
    const where = parseWhere(new URLSearchParams("where.eq.name=x' OR '1'='1"), shop.table('users'), resolve);
    assert.equal(shop.plugin.tableUpdate('users', toRow({ name: 'hacked' }, shop.table('users'), resolve), where, REQ), 0);
    assert.deepEqual(users(), before);
  });

  test('delete: count, or the deleted rows with returning', () => {
    shop.other.exec("INSERT INTO internal_log VALUES (10, 'a'), (11, 'b'), (12, 'c')");
    const p = shop.open({ exclude: { table: [], func: [] } });
    const log = p.getSchema().tables.get('internal_log');
    assert.ok(log);
    assert.deepEqual(p.tableDelete('internal_log', parseWhere(new URLSearchParams('where.eq.id=10'), log, resolve), REQ, false), { count: 1 });
    const r = p.tableDelete('internal_log', parseWhere(new URLSearchParams('where.gte.id=11'), log, resolve), REQ, true);
    assert.equal(r.count, 2);
    assert.deepEqual(JSON.parse(JSON.stringify(renderRows(r.rows?.columns ?? [], r.rows?.rows ?? [], null))), [{ id: 11, line: 'b' }, { id: 12, line: 'c' }]);
    assert.deepEqual(shop.query('SELECT id FROM internal_log'), [{ id: 1 }]);
  });

  test('tx rollback: create, update and delete report what they would have done and change nothing', () => {
    const before = snapshot(shop);
    const created = shop.plugin.tableCreate('users', [toRow({ name: 'ghost' }, shop.table('users'), resolve)], ROLLBACK);
    assert.equal(created.rows[0].name, 'ghost');
    assert.equal(typeof created.rows[0].id, 'bigint');
    const all = parseWhere(new URLSearchParams('where.gt.id=0'), shop.table('users'), resolve);
    assert.equal(shop.plugin.tableUpdate('users', toRow({ age: 1 }, shop.table('users'), resolve), all, ROLLBACK), users().length);
    const deleted = shop.plugin.tableDelete('orders', parseWhere(new URLSearchParams('where.eq.status=paid'), shop.table('orders'), resolve), ROLLBACK, true);
    assert.equal(deleted.count, 3);
    assert.equal(deleted.rows?.rows.length, 3);
    assert.equal(snapshot(shop), before);
  });

  test('views → 405 not_writable; read-only databases → 403 readonly_database, reads still served', () => {
    throwsHttp(() => shop.plugin.tableCreate('user_totals', [Object.create(null)], REQ), 405, 'not_writable');
    throwsHttp(() => shop.plugin.tableDelete('user_totals', [], REQ, false), 405, 'not_writable');
    const ro = shop.open({ readonly: true });
    const before = snapshot(shop);
    throwsHttp(() => ro.tableCreate('users', [toRow({ name: 'x' }, shop.table('users'), resolve)], REQ), 403, 'readonly_database');
    throwsHttp(() => ro.tableUpdate('users', toRow({ name: 'x' }, shop.table('users'), resolve), [], REQ), 403, 'readonly_database');
    throwsHttp(() => ro.tableDelete('users', [], REQ, false), 403, 'readonly_database');
    throwsHttp(() => ro.callFunction('close_pending', {}, REQ), 403, 'readonly_database');
    assert.deepEqual(ro.callFunction('status', {}, REQ), { kind: 'rows', columns: [{ name: 'status', type: '' }], rows: [Object.assign(Object.create(null), { status: 'ok' })] });
    assert.equal(ro.tableGet('users', { select: [], where: [], groupBy: [], order: [], limit: 10, offset: 0, count: true }, REQ).total, users().length);
    assert.equal(snapshot(shop), before);
  });
});

describe('functions', () => {
  let shop: Shop;
  before(() => { shop = openShop(); });
  after(() => shop.close());

  test('SQL: several statements in one transaction, each bound its own parameters; the last rows returned', () => {
    const result = shop.plugin.callFunction('rename_user', { name: 'Alicia', id: 1 }, REQ);
    assert.equal(result.kind, 'rows');
    if (result.kind !== 'rows') return;
    assert.deepEqual(JSON.parse(JSON.stringify(renderRows(result.columns, result.rows, null))), [{ id: 1, name: 'Alicia', lit: ':literal' }]);
    assert.deepEqual(shop.query('SELECT name FROM users WHERE id = 1'), [{ name: 'Alicia' }]);
  });

  test('SQL: no rows from the last statement → the changes of the whole call', () => {
    assert.deepEqual(shop.plugin.callFunction('add_order', { user: 1, amount: 3 }, REQ), { kind: 'changes', changes: 2 });
    assert.deepEqual(shop.plugin.callFunction('close_pending', {}, REQ), { kind: 'changes', changes: 1 });
    assert.deepEqual(shop.plugin.callFunction('close_pending', {}, REQ), { kind: 'changes', changes: 0 });
  });

  test('SQL: tx rollback reports the result and changes nothing; a failing statement undoes the earlier ones', () => {
    const before = snapshot(shop);
    assert.deepEqual(shop.plugin.callFunction('add_order', { user: 2, amount: 1 }, ROLLBACK), { kind: 'changes', changes: 2 });
    const renamed = shop.plugin.callFunction('rename_user', { name: 'Nobody', id: 2 }, ROLLBACK);
    assert.equal(renamed.kind === 'rows' ? renamed.rows[0].name : null, 'Nobody');
    assert.equal(snapshot(shop), before);
    throwsHttp(() => shop.plugin.callFunction('add_order', { user: 999, amount: 1 }, REQ), 409, 'constraint_violation', /FOREIGN KEY/);
    assert.equal(snapshot(shop), before);
  });

  test('SQL: arguments are values, never SQL', () => {
    const before = shop.query('SELECT COUNT(*) AS n FROM users');
    shop.plugin.callFunction('rename_user', { name: "x'; DROP TABLE users; --", id: '1 OR 1=1' }, REQ);
    assert.deepEqual(shop.query('SELECT COUNT(*) AS n FROM users'), before);
    assert.deepEqual(shop.query("SELECT COUNT(*) AS n FROM users WHERE name LIKE 'x''%'"), [{ n: 0 }]);
  });

  test('SQL scripts: ; and :names inside quotes, identifiers and comments are neither separators nor parameters', () => {
    const sql = `SELECT ':x;' AS a, "id" AS [b;c], \`n\` FROM (SELECT 1 AS id, 2 AS n) WHERE :p = :p -- :q;
      /* :r; */ ; SELECT :p AS p, 'it''s;' AS s, :second AS second_param;`;
    const p = shop.open({ functions: { tricky: { sql } } });
    assert.deepEqual(p.getSchema().functions.get('tricky')?.params, ['p', 'second']);
    const result = p.callFunction('tricky', { p: 'v', second: 2 }, REQ);
    assert.deepEqual(result.kind === 'rows' ? { ...result.rows[0] } : null, { p: 'v', s: "it's;", second_param: 2n });
  });

  test('whole numbers are bound as integers, not REAL (no 7.0 where no affinity converts it)', () => {
    const p = shop.open({ functions: { echo: { sql: "SELECT 'n' || :n AS s, typeof(:n) AS t, typeof(:f) AS tf" } } });
    const result = p.callFunction('echo', { n: 7, f: 1.5 }, REQ);
    assert.deepEqual(result.kind === 'rows' ? { ...result.rows[0] } : null, { s: 'n7', t: 'integer', tf: 'real' });
  });

  const badScripts: [string, string, RegExp][] = [
    ['positional parameter', 'SELECT * FROM users WHERE id = ?', /only :name/],
    ['@ parameter', 'SELECT * FROM users WHERE id = @id', /only :name/],
    ['unterminated quote', "SELECT 'abc", /Unterminated/],
    ['unterminated comment', 'SELECT 1 /* x', /Unterminated/],
    ['no statement', ' ; -- nothing\n ;', /no statement/],
  ];

  for (const [name, sql, message] of badScripts) {
    test(`SQL function with ${name} is refused at creation`, () => {
      assert.throws(() => shop.open({ functions: { f: { sql } } }), message);
    });
  }

  test('a function name that is not an identifier is refused at creation', () => {
    assert.throws(() => shop.open({ functions: { 'bad-name': { sql: 'SELECT 1' } } }), /not an identifier/);
  });

  test('TypeScript functions: listed in the schema, run in the transaction with the connection', () => {
    const p = shop.open();
    p.registerFunction('count_users', {
      params: ['min_age'],
      description: 'Users at least this old',
      run: (args, req, db) => {
        const row = (db as typeof p.db).prepare('SELECT COUNT(*) AS n FROM users WHERE age >= ?').get(args.min_age) as { n: number };
        return { n: row.n, user: req.userId };
      },
    });
    assert.deepEqual(p.getSchema().functions.get('count_users'), { name: 'count_users', params: ['min_age'], description: 'Users at least this old' });
    assert.deepEqual(p.callFunction('count_users', { min_age: 30 }, { ...REQ, userId: 'u-9' }), { kind: 'value', value: { n: 2, user: 'u-9' } });
    assert.throws(() => p.registerFunction('count_users', { params: [], run: () => 1 }), /already has/);
    assert.throws(() => p.registerFunction('status', { params: [], run: () => 1 }), /already has/);
    assert.throws(() => p.registerFunction('x y', { params: [], run: () => 1 }), /not an identifier/);
  });

  test('TypeScript functions: a throw or a returned promise rolls their writes back; tx rollback too', async () => {
    const p = shop.open();
    const write = (db: unknown) => (db as typeof p.db).exec("INSERT INTO internal_log (line) VALUES ('from ts')");
    p.registerFunction('throws', { params: [], run: (_a, _r, db) => { write(db); throw new HttpError(422, 'nope', 'Refused'); } });
    p.registerFunction('async_fn', { params: [], run: async (_a, _r, db) => { write(db); throw new Error('rejected later'); } });
    p.registerFunction('writes', { params: [], run: (_a, _r, db) => { write(db); return 'done'; } });
    const before = snapshot(shop);
    throwsHttp(() => p.callFunction('throws', {}, REQ), 422, 'nope');
    assert.throws(() => p.callFunction('async_fn', {}, REQ), /returned a promise/);
    assert.deepEqual(p.callFunction('writes', {}, ROLLBACK), { kind: 'value', value: 'done' });
    assert.equal(snapshot(shop), before);
    assert.deepEqual(p.callFunction('writes', {}, REQ), { kind: 'value', value: 'done' });
    assert.deepEqual(shop.query("SELECT COUNT(*) AS n FROM internal_log WHERE line = 'from ts'"), [{ n: 1 }]);
    await new Promise((r) => setImmediate(r)); // the async function's rejection must not surface as unhandled
  });

  test('an excluded function is neither listed nor callable', () => {
    const p = shop.open({ exclude: { table: [], func: ['rename_user', 'hidden_ts'] } });
    p.registerFunction('hidden_ts', { params: [], run: () => 1 });
    assert.equal(p.getSchema().functions.has('rename_user'), false);
    assert.equal(p.getSchema().functions.has('hidden_ts'), false);
    throwsHttp(() => p.callFunction('rename_user', {}, REQ), 404, 'unknown_function');
    throwsHttp(() => p.callFunction('hidden_ts', {}, REQ), 404, 'unknown_function');
  });
});

describe('other connections and the database file', () => {
  test('the schema is re-read after another connection\'s ALTER TABLE; SELECT * sees the new column', async () => {
    const shop = openShop();
    try {
      const before = shop.plugin.getSchema();
      assert.equal(get(shop, 'users', 'where.eq.id=1').json[0].nickname, undefined);
      shop.other.exec("ALTER TABLE users ADD COLUMN nickname TEXT DEFAULT 'n'");
      assert.equal(shop.plugin.getSchema(), before, 'within one event-loop turn the versions are read once');
      await nextTurn();
      const after = shop.plugin.getSchema();
      assert.notEqual(after, before);
      assert.deepEqual(after.tables.get('users')?.columns.at(-1), { name: 'nickname', type: 'TEXT', notNull: false, hasDefault: true, primaryKey: 0 });
      assert.equal(get(shop, 'users', 'where.eq.id=1').json[0].nickname, 'n');
      shop.other.exec('CREATE TABLE extra (id INTEGER PRIMARY KEY)');
      await nextTurn();
      assert.ok(shop.plugin.getSchema().tables.has('extra'));
      shop.other.exec('CREATE VIEW broken AS SELECT id FROM extra; DROP TABLE extra');
      await nextTurn();
      const schema = shop.plugin.getSchema();
      assert.equal(schema.tables.has('extra'), false);
      assert.equal(schema.tables.has('broken'), false, 'a view that cannot be read is not offered');
    } finally {
      shop.close();
    }
  });

  test('externalVersion moves when another connection commits (seen from the next event-loop turn), not for the plugin\'s own writes', async () => {
    const shop = openShop();
    try {
      const v1 = shop.plugin.externalVersion();
      shop.plugin.tableCreate('orders', [Object.create(null)], REQ);
      assert.equal(shop.plugin.externalVersion(), v1);
      shop.other.exec("UPDATE users SET name = 'x' WHERE id = 1");
      await nextTurn();
      const v2 = shop.plugin.externalVersion();
      assert.notEqual(v2, v1);
      assert.equal(shop.plugin.externalVersion(), v2);
    } finally {
      shop.close();
    }
  });

  test('URIs: relative to the data directory with or without ./, absolute with ///; a missing file is not created', () => {
    const shop = openShop();
    try {
      for (const uri of ['sqlite://shop.db', 'sqlite://./shop.db', `sqlite://${shop.file}`]) {
        const p = createSqlitePlugin(options(shop.dir, { uri }));
        assert.equal(p.path, shop.file);
        assert.ok(p.getSchema().tables.has('users'));
        p.close();
        assert.equal(p.db.isOpen, false);
      }
      assert.throws(() => createSqlitePlugin(options(shop.dir, { uri: 'sqlite://./missing.db' })), /does not exist/);
      assert.equal(existsSync(join(shop.dir, 'missing.db')), false);
      assert.throws(() => createSqlitePlugin(options(shop.dir, { uri: 'sqlite://./shop.db?mode=ro' })), /query parameters/);
    } finally {
      shop.close();
    }
  });

  test('many distinct statements (in-lists of every length) stay correct with the bounded statement cache', () => {
    const shop = openShop();
    try {
      for (let n = 1; n <= 300; n++) {
        const list = Array.from({ length: n }, (_, i) => i + 1).join(',');
        assert.equal(get(shop, 'orders', `where.in.id=${list}`).rows.length, Math.min(n, 6));
      }
      assert.equal(get(shop, 'orders', 'where.in.id=1').rows.length, 1);
    } finally {
      shop.close();
    }
  });
});

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
