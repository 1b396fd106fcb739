// The query DSL and request bodies parsed into plugin.ts shapes: select, where, ordering, paging, Range headers,
// rows and RPC arguments, every error with its stable code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from '../../src/http/errors.ts';
import { parseReadQuery, parseWhere, rangeFromHeaders, toArguments, toRow } from '../../src/rest/query.ts';
import type { ColumnInfo, FunctionInfo, ReadQuery, TableInfo } from '../../src/rest/plugin.ts';
import { throwsHttp } from './fixture.ts';

const col = (name: string, type: string): ColumnInfo => ({ name, type, notNull: false, hasDefault: false, primaryKey: 0 });
const ORDERS: TableInfo = {
  name: 'orders',
  kind: 'table',
  columns: [col('id', 'INTEGER'), col('user_id', 'INTEGER'), col('amount', 'REAL'), col('status', 'TEXT'), col('code', 'varchar(10)'),
    col('price', 'DECIMAL(10,2)'), col('data', 'BLOB'), col('anything', ''), col('created_at', 'DATETIME'), col('Mixed', 'TEXT')],
};
const VIEW: TableInfo = { name: 'totals', kind: 'view', columns: [col('user_id', 'INTEGER'), col('total', '')] };

const context: Record<string, string> = { 'erctx.claims_sub': 'u-1', 'request.claims.sub': 'u-1', 'erctx.n': '42', 'erctx.evil': "x' OR '1'='1" };
const resolve = (text: string) => context[text] ?? text;

function read(query: string, options: Partial<Parameters<typeof parseReadQuery>[2]> = {}, table = ORDERS): ReadQuery {
  return parseReadQuery(new URLSearchParams(query), table, { defaultLimit: 100, maxLimit: 1000, resolve, range: null, count: false, ...options });
}


test('defaults: every column, no conditions, default limit, offset 0', () => {
  assert.deepEqual(read(''), { select: [], where: [], groupBy: [], order: [], limit: 100, offset: 0, count: false });
  assert.equal(read('', { count: true }).count, true);
  assert.deepEqual(read('format=csv&unknown=1&whereabouts=2').where, []);
});

test('select: columns, aliases, aggregates (any case) and their default aliases', () => {
  assert.deepEqual(read('select=id, name:status ,count(),total:amount.sum(),amount.AVG(),m:id.max()').select, [
    { kind: 'column', column: 'id', alias: 'id' },
    { kind: 'column', column: 'status', alias: 'name' },
    { kind: 'aggregate', fn: 'count', column: null, alias: 'count' },
    { kind: 'aggregate', fn: 'sum', column: 'amount', alias: 'total' },
    { kind: 'aggregate', fn: 'avg', column: 'amount', alias: 'avg' },
    { kind: 'aggregate', fn: 'max', column: 'id', alias: 'm' },
  ]);
  throwsHttp(() => read('select=count(),COUNT()'), 400, 'invalid_select', /twice/);
  assert.deepEqual(read('select=n:COUNT(),m:id.MIN()').select, [
    { kind: 'aggregate', fn: 'count', column: null, alias: 'n' },
    { kind: 'aggregate', fn: 'min', column: 'id', alias: 'm' },
  ]);
  assert.deepEqual(read('select=,id,,').select, [{ kind: 'column', column: 'id', alias: 'id' }]);
});

test('GROUP BY the plain columns only when an aggregate is present', () => {
  assert.deepEqual(read('select=status,user_id,s:status,count()').groupBy, ['status', 'user_id']);
  assert.deepEqual(read('select=status,user_id').groupBy, []);
  assert.deepEqual(read('select=total:amount.sum()').groupBy, []);
});

test('select literals from the context: bound values, default alias with . → _', () => {
  assert.deepEqual(read('select=id,me:erctx.claims_sub,request.claims.sub,erctx.missing').select.slice(1), [
    { kind: 'literal', value: 'u-1', alias: 'me' },
    { kind: 'literal', value: 'u-1', alias: 'request_claims_sub' },
    { kind: 'literal', value: 'erctx.missing', alias: 'erctx_missing' },
  ]);
  throwsHttp(() => read('select=request.headers.x-custom'), 400, 'invalid_alias', /needs an alias/);
  assert.deepEqual(read('select=h:request.headers.x-custom').select, [{ kind: 'literal', value: 'request.headers.x-custom', alias: 'h' }]);
});

const selectErrors: [string, string, RegExp][] = [
  ['select=nope', 'unknown_column', /No column "nope" in table "orders"/],
  ['select=*', 'unknown_column', /"\*"/],
  ['select=mixed', 'unknown_column', /"mixed"/], // column names match exactly
  ['select=id;DROP TABLE orders', 'unknown_column', /DROP TABLE/],
  ['select=nope.sum()', 'unknown_column', /"nope"/],
  ['select=amount.median()', 'invalid_select', /median/],
  ['select=sum()', 'invalid_select', /sum\(\)/],
  ['select=.count()', 'unknown_column', /""/],
  ['select=amount.sum', 'unknown_column', /amount\.sum/],
  ['select=evil--alias:id', 'invalid_alias', /evil--alias/],
  ['select=1a:id', 'invalid_alias', /1a/],
  ['select=:id', 'invalid_alias', /""/],
  ['select=a b:id', 'invalid_alias', /a b/],
  ['select=id,id', 'invalid_select', /twice/],
  ['select=x:id,X:amount', 'invalid_select', /twice/],
  ['select=sum:amount,amount.sum()', 'invalid_select', /twice/],
  ['select=id&select=amount', 'invalid_select', /2 times/],
];

for (const [query, code, detail] of selectErrors) {
  test(`select error: ${query} → 400 ${code}`, () => throwsHttp(() => read(query), 400, code, detail));
}

test('where: every operator, not., several on one field AND-ed, operator case-insensitive', () => {
  assert.deepEqual(read('where.eq.status=paid&where.neq.status=x&where.lt.id=3&where.lte.id=4&where.gt.amount=10&where.gte.amount=1.5'
    + '&where.like.status=p%25&where.ilike.status=P%25&where.not.eq.user_id=2&where.EQ.id=1').where, [
    { column: 'status', op: 'eq', not: false, value: 'paid' },
    { column: 'status', op: 'neq', not: false, value: 'x' },
    { column: 'id', op: 'lt', not: false, value: 3 },
    { column: 'id', op: 'lte', not: false, value: 4 },
    { column: 'amount', op: 'gt', not: false, value: 10 },
    { column: 'amount', op: 'gte', not: false, value: 1.5 },
    { column: 'status', op: 'like', not: false, value: 'p%' },
    { column: 'status', op: 'ilike', not: false, value: 'P%' },
    { column: 'user_id', op: 'eq', not: true, value: 2 },
    { column: 'id', op: 'eq', not: false, value: 1 },
  ]);
});

test('where is: null, not_null, true, false (any case), with not.', () => {
  assert.deepEqual(read('where.is.status=null&where.is.amount=NOT_NULL&where.not.is.id=true&where.is.user_id=False').where, [
    { column: 'status', op: 'is', not: false, test: 'null' },
    { column: 'amount', op: 'is', not: false, test: 'not_null' },
    { column: 'id', op: 'is', not: true, test: 'true' },
    { column: 'user_id', op: 'is', not: false, test: 'false' },
  ]);
});

const inCases: [string, unknown[]][] = [
  ['1,2, 3', [1, 2, 3]],
  ['paid, new ,,', ['paid', 'new']],
  ['"a, b",c', ['a, b', 'c']],
  ['"say ""hi""", " padded "', ['say "hi"', ' padded ']],
  ['""', ['']],
  ['erctx.claims_sub,"erctx.claims_sub",x', ['u-1', 'u-1', 'x']],
  ['a"b', ['a"b']],
];

for (const [list, values] of inCases) {
  test(`where.in.status=${list}`, () => {
    const column = typeof values[0] === 'number' ? 'id' : 'status';
    assert.deepEqual(read(`where.in.${column}=${encodeURIComponent(list)}`).where, [{ column, op: 'in', not: false, values }]);
  });
}

const whereErrors: [string, string, RegExp][] = [
  ['where.in.status=', 'invalid_value', /Empty list/],
  ['where.in.status=%20,%20,', 'invalid_value', /Empty list/],
  ['where.in.status=%22abc', 'invalid_value', /Unterminated/],
  ['where.in.status=%22a%22b', 'invalid_value', /after a quoted element/],
  ['where.is.status=nothing', 'invalid_value', /null, not_null, true or false/],
  ['where.is.status=', 'invalid_value', /is/],
  ['where.foo.status=1', 'invalid_operator', /"foo"/],
  ['where.not.not.eq.status=1', 'invalid_operator', /"not"/],
  ['where.status=1', 'invalid_where', /where.status/],
  ['where.eq=1', 'invalid_where', /where.eq/],
  ['where.eq.nope=1', 'unknown_column', /"nope" in table "orders"/],
  ['where.eq.id;DROP TABLE orders=1', 'unknown_column', /DROP TABLE/],
  ['where.eq.status.x=1', 'unknown_column', /status\.x/],
];

for (const [query, code, detail] of whereErrors) {
  test(`where error: ${query} → 400 ${code}`, () => throwsHttp(() => read(query), 400, code, detail));
}

test('a where error lists the parameter in errors[]', () => {
  assert.throws(() => read('where.eq.nope=1'), (err: HttpError) => {
    assert.deepEqual(err.errors?.map((e) => [e.field, e.code]), [['where.eq.nope', 'unknown_column']]);
    return true;
  });
});

const affinity: [string, string, unknown][] = [
  // [column, value, bound]
  ['status', '1', '1'], // TEXT: text even when numeric
  ['code', '01', '01'], // varchar → TEXT affinity
  ['data', '5', '5'], // BLOB
  ['amount', '10', 10],
  ['amount', '-1.5e2', -150],
  ['amount', '.5', 0.5],
  ['id', '007', 7],
  ['id', '9007199254740993', 9007199254740993n],
  ['id', '-9223372036854775808', -9223372036854775808n],
  ['id', '99999999999999999999', 1e20],
  ['id', '+1', '+1'],
  ['id', '0x10', '0x10'],
  ['id', ' 1', ' 1'],
  ['id', '1e999', '1e999'],
  ['id', 'Infinity', 'Infinity'],
  ['id', 'abc', 'abc'],
  ['id', '', ''],
  ['price', '2.50', 2.5], // DECIMAL → NUMERIC affinity
  ['created_at', '2024', 2024], // DATETIME → NUMERIC
  ['created_at', '2024-01-01', '2024-01-01'],
  ['anything', '3', 3], // no declared type: numeric
  ['id', 'erctx.n', 42], // substituted, then bound by affinity
  ['status', 'erctx.evil', "x' OR '1'='1"],
];

for (const [column, value, bound] of affinity) {
  test(`affinity: where.eq.${column}=${JSON.stringify(value)} binds ${typeof bound} ${String(bound)}`, () => {
    const [condition] = read(`where.eq.${column}=${encodeURIComponent(value)}`).where;
    assert.deepEqual(condition, { column, op: 'eq', not: false, value: bound });
  });
}

test('affinity: a view column without declared type binds numbers; like patterns stay text', () => {
  assert.deepEqual(read('where.gt.total=10', {}, VIEW).where[0], { column: 'total', op: 'gt', not: false, value: 10 });
  assert.deepEqual(read('where.like.id=1%25').where[0], { column: 'id', op: 'like', not: false, value: '1%' });
  assert.deepEqual(read('where.like.id=12').where[0], { column: 'id', op: 'like', not: false, value: '12' });
});

test('ordering: ascending, -descending, by table column or select alias', () => {
  assert.deepEqual(read('ordering=-amount, id').order, [{ key: 'amount', descending: true }, { key: 'id', descending: false }]);
  assert.deepEqual(read('select=status,n:count()&ordering=-n,status').order, [{ key: 'n', descending: true }, { key: 'status', descending: false }]);
  assert.deepEqual(read('select=id&ordering=amount').order, [{ key: 'amount', descending: false }]);
  assert.deepEqual(read('ordering=').order, []);
});

const orderingErrors: [string, string][] = [
  ['ordering=nope', 'unknown_column'],
  ['ordering=--id', 'unknown_column'],
  ['ordering=id desc', 'unknown_column'],
  ['ordering=id;DROP TABLE orders', 'unknown_column'],
  ['ordering=n', 'unknown_column'], // an alias only counts when selected
  ['ordering=id&ordering=amount', 'invalid_ordering'],
];

for (const [query, code] of orderingErrors) {
  test(`ordering error: ${query} → 400 ${code}`, () => throwsHttp(() => read(query), 400, code));
}

test('limit and offset: digits, clamped to max_limit, limit=0 allowed, default limit clamped too', () => {
  assert.deepEqual([read('limit=5&offset=10').limit, read('limit=5&offset=10').offset], [5, 10]);
  assert.equal(read('limit=0').limit, 0);
  assert.equal(read('limit=5000').limit, 1000);
  assert.equal(read('limit=99999999999999999999999'.slice(0, 16)).limit, 1000);
  assert.equal(read('', { defaultLimit: 5000 }).limit, 1000);
  assert.equal(read('limit=007').limit, 7);
});

for (const query of ['limit=-1', 'limit=+5', 'limit=1.5', 'limit=abc', 'limit=', 'limit=5abc', 'limit=%205', 'offset=-1', 'offset=1e3',
  'offset=99999999999999999999', 'limit=1&limit=2', 'offset=1&offset=2']) {
  test(`paging error: ${query} → 400 invalid_limit`, () => throwsHttp(() => read(query), 400, 'invalid_limit'));
}

test('Range headers override limit/offset params and are clamped', () => {
  assert.deepEqual(rangeFromHeaders('items', '0-24'), { offset: 0, limit: 25 });
  assert.deepEqual(rangeFromHeaders('ITEMS', ' 10-10 '), { offset: 10, limit: 1 });
  assert.deepEqual(rangeFromHeaders('items', 'items=5-9'), { offset: 5, limit: 5 });
  assert.deepEqual(rangeFromHeaders('items', '10-')?.offset, 10);
  assert.equal(rangeFromHeaders(undefined, '0-24'), null);
  assert.equal(rangeFromHeaders('items', undefined), null);
  assert.equal(rangeFromHeaders('bytes', '0-24'), null);
  const q = read('limit=5&offset=1', { range: { offset: 20, limit: 5000 } });
  assert.deepEqual([q.offset, q.limit], [20, 1000]);
  assert.equal(read('', { range: rangeFromHeaders('items', '10-') }).limit, 1000);
});

for (const range of ['24-0', 'a-b', '-5', '0-24, 30-40', '', '1-2-3', '0--1']) {
  test(`Range ${JSON.stringify(range)} → 400 invalid_range`, () => throwsHttp(() => rangeFromHeaders('items', range), 400, 'invalid_range'));
}

test('parseWhere ignores everything but where parameters', () => {
  assert.deepEqual(parseWhere(new URLSearchParams('select=nope&ordering=nope&limit=x&where.in.id=1,2'), ORDERS, resolve), [
    { column: 'id', op: 'in', not: false, values: [1, 2] },
  ]);
  throwsHttp(() => parseWhere(new URLSearchParams('where.eq.nope=1'), ORDERS, resolve), 400, 'unknown_column');
});

test('toRow: booleans 1/0, numbers, null, strings substituted, objects and arrays as JSON text (leaves substituted)', () => {
  const row = toRow({ id: 7, status: 'erctx.claims_sub', amount: 1.5, user_id: true, code: false, price: null, anything: { a: ['erctx.claims_sub', 1] }, data: [1, 2] }, ORDERS, resolve);
  assert.equal(Object.getPrototypeOf(row), null);
  assert.deepEqual({ ...row }, { id: 7, status: 'u-1', amount: 1.5, user_id: 1, code: 0, price: null, anything: '{"a":["u-1",1]}', data: '[1,2]' });
  assert.deepEqual({ ...toRow({}, ORDERS, resolve) }, {});
});

test('toRow: every unknown key named in one 400 unknown_column, __proto__ and injection-shaped keys included', () => {
  const body = JSON.parse('{"id":1,"nope":2,"__proto__":{"x":1},"status; DROP TABLE orders":3}');
  assert.throws(() => toRow(body, ORDERS, resolve), (err: HttpError) => {
    assert.equal(err.code, 'unknown_column');
    assert.deepEqual(err.errors?.map((e) => e.field), ['nope', '__proto__', 'status; DROP TABLE orders']);
    assert.match(err.message, /"nope", "__proto__", "status; DROP TABLE orders"/);
    return true;
  });
});

for (const [name, body] of [['an array', [{ id: 1 }]], ['null', null], ['a string', 'x'], ['a number', 1]] as [string, unknown][]) {
  test(`toRow: ${name} → 400 invalid_body`, () => throwsHttp(() => toRow(body, ORDERS, resolve), 400, 'invalid_body'));
}

test('toRow: nesting deeper than 64 levels → 400 invalid_value', () => {
  let deep: unknown = 'x';
  for (let i = 0; i < 10000; i++) deep = [deep];
  throwsHttp(() => toRow({ anything: deep }, ORDERS, resolve), 400, 'invalid_value', /nested/);
});

const FN: FunctionInfo = { name: 'rename', params: ['id', 'name'] };

test('toArguments: checked against the parameters, values converted and substituted', () => {
  assert.deepEqual({ ...toArguments({ id: 1, name: 'erctx.claims_sub' }, FN, resolve) }, { id: 1, name: 'u-1' });
  assert.deepEqual({ ...toArguments({ id: true, name: { a: 1 } }, FN, resolve) }, { id: 1, name: '{"a":1}' });
  assert.deepEqual({ ...toArguments(undefined, { name: 'f', params: [] }, resolve) }, {});
  assert.deepEqual({ ...toArguments({}, { name: 'f', params: [] }, resolve) }, {});
});

test('toArguments: unknown keys → 400 unknown_param, missing ones → 400 missing_param, both naming them', () => {
  assert.throws(() => toArguments({ id: 1, name: 'x', extra: 1, other: 2 }, FN, resolve), (err: HttpError) =>
    err.code === 'unknown_param' && err.status === 400 && /"extra", "other"/.test(err.message) && err.errors?.length === 2);
  assert.throws(() => toArguments({}, FN, resolve), (err: HttpError) =>
    err.code === 'missing_param' && /"id", "name"/.test(err.message) && err.errors?.map((e) => e.field).join() === 'id,name');
  throwsHttp(() => toArguments([1], FN, resolve), 400, 'invalid_body');
});
