// The JSON-file DbPlugin (test/support/json-file-plugin.ts), called directly through the DbPlugin interface as the
// HTTP layer would: schema, reads with every operator, grouping and ordering, writes, tx rollback, persistence.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Condition, DbPlugin, DbPluginFactory, DbPluginOptions, ReadQuery, RequestInfo, Row } from '../../src/rest/plugin.ts';

const FACTORY_URL = pathToFileURL(join(import.meta.dirname, '../support/json-file-plugin.ts')).href;
const createPlugin = ((await import(FACTORY_URL)) as { default: DbPluginFactory }).default;

const FIXTURE = {
  tables: {
    users: {
      columns: [
        { name: 'id', type: 'INTEGER', primaryKey: true },
        { name: 'name', type: 'TEXT', notNull: true },
        { name: 'email', type: 'TEXT' },
        { name: 'age', type: 'INTEGER' },
      ],
      rows: [
        { id: 1, name: 'Alice', email: 'alice@example.com', age: 30 },
        { id: 2, name: 'bob', email: null, age: 25 },
        { id: 3, name: 'Carol', email: 'carol@example.com', age: null },
        { id: 4, name: 'ALICE2', email: 'a2@example.com', age: 41 },
      ],
    },
    orders: {
      columns: [
        { name: 'id', type: 'INTEGER', primaryKey: true },
        { name: 'user_id', type: 'INTEGER', notNull: true },
        { name: 'amount', type: 'REAL', notNull: true },
        { name: 'status', type: 'TEXT', notNull: true, default: 'new' },
      ],
      rows: [
        { id: 1, user_id: 1, amount: 10, status: 'paid' },
        { id: 2, user_id: 1, amount: 20.5, status: 'new' },
        { id: 3, user_id: 2, amount: 5, status: 'paid' },
      ],
    },
    secrets: { columns: [{ name: 'k', type: 'TEXT' }], rows: [{ k: 'hidden' }] },
  },
};

const ROOT = mkdtempSync(join(tmpdir(), 'monolite-jsonfile-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

const COMMIT: RequestInfo = { userId: '', claims: {}, context: {}, tx: 'commit' };
const ROLLBACK: RequestInfo = { ...COMMIT, tx: 'rollback' };

/** A fresh data directory holding the fixture as shop.json, and a plugin over it. */
function setup(over: Partial<DbPluginOptions> = {}): { plugin: DbPlugin; dir: string; file: string; reopen: () => DbPlugin } {
  const dir = mkdtempSync(join(ROOT, 'db-'));
  const file = join(dir, 'shop.json');
  writeFileSync(file, JSON.stringify(FIXTURE));
  const options: DbPluginOptions = { name: 'shop', uri: 'jsonfile://shop.json', dataDir: dir, exclude: { table: ['secrets'], func: [] }, readonly: false, functions: {}, ...over };
  const reopen = () => createPlugin(options) as DbPlugin;
  return { plugin: reopen(), dir, file, reopen };
}

function q(over: Partial<ReadQuery> = {}): ReadQuery {
  return { select: [], where: [], groupBy: [], order: [], limit: 100, offset: 0, count: false, ...over };
}

/** Null-prototype rows as plain objects. */
function plain(rows: Row[]): Record<string, unknown>[] {
  return rows.map((r) => ({ ...r }));
}

async function ids(plugin: DbPlugin, table: string, query: Partial<ReadQuery>): Promise<unknown[]> {
  return (await plugin.tableGet(table, q(query), COMMIT)).rows.map((r) => r.id);
}

test('getSchema: tables with their columns, exclusions applied, the stats function', async () => {
  const { plugin } = setup();
  const schema = await plugin.getSchema();
  assert.deepEqual([...schema.tables.keys()], ['users', 'orders']);
  assert.deepEqual(schema.tables.get('orders')!.columns, [
    { name: 'id', type: 'INTEGER', notNull: true, hasDefault: true, primaryKey: 1 },
    { name: 'user_id', type: 'INTEGER', notNull: true, hasDefault: false, primaryKey: 0 },
    { name: 'amount', type: 'REAL', notNull: true, hasDefault: false, primaryKey: 0 },
    { name: 'status', type: 'TEXT', notNull: true, hasDefault: true, primaryKey: 0 },
  ]);
  assert.equal(schema.tables.get('users')!.kind, 'table');
  assert.deepEqual([...schema.functions.keys()], ['stats']);
  const hidden = await setup({ exclude: { table: [], func: ['stats'] } }).plugin.getSchema();
  assert.deepEqual([...hidden.tables.keys()], ['users', 'orders', 'secrets']);
  assert.equal(hidden.functions.size, 0);
});

test('tableGet: every column by default, with their declared types', async () => {
  const { plugin } = setup();
  const result = await plugin.tableGet('orders', q(), COMMIT);
  assert.deepEqual(result.columns, [{ name: 'id', type: 'INTEGER' }, { name: 'user_id', type: 'INTEGER' }, { name: 'amount', type: 'REAL' }, { name: 'status', type: 'TEXT' }]);
  assert.deepEqual(plain(result.rows), FIXTURE.tables.orders.rows);
  assert.equal(Object.getPrototypeOf(result.rows[0]), null);
  assert.equal(result.total, undefined);
});

test('tableGet: where operators, NOT and NULLs as in SQL', async () => {
  const { plugin } = setup();
  const cases: [Condition, number[]][] = [
    [{ column: 'age', op: 'eq', not: false, value: 30 }, [1]],
    [{ column: 'age', op: 'neq', not: false, value: 30 }, [2, 4]],
    [{ column: 'age', op: 'lt', not: false, value: 30 }, [2]],
    [{ column: 'age', op: 'lte', not: false, value: 30 }, [1, 2]],
    [{ column: 'age', op: 'gt', not: false, value: 30 }, [4]],
    [{ column: 'age', op: 'gte', not: false, value: 30 }, [1, 4]],
    [{ column: 'age', op: 'eq', not: true, value: 30 }, [2, 4]],
    [{ column: 'name', op: 'like', not: false, value: 'Al%' }, [1]],
    [{ column: 'name', op: 'like', not: false, value: '_ob' }, [2]],
    [{ column: 'name', op: 'ilike', not: false, value: 'al%' }, [1, 4]],
    [{ column: 'name', op: 'ilike', not: true, value: 'al%' }, [2, 3]],
    [{ column: 'email', op: 'like', not: false, value: '%.com' }, [1, 3, 4]],
    [{ column: 'email', op: 'like', not: true, value: '%.com' }, []],
    [{ column: 'email', op: 'is', not: false, test: 'null' }, [2]],
    [{ column: 'email', op: 'is', not: true, test: 'null' }, [1, 3, 4]],
    [{ column: 'age', op: 'is', not: false, test: 'not_null' }, [1, 2, 4]],
    [{ column: 'age', op: 'is', not: false, test: 'true' }, [1, 2, 4]],
    [{ column: 'age', op: 'is', not: false, test: 'false' }, []],
    [{ column: 'id', op: 'in', not: false, values: [1, 3, 9] }, [1, 3]],
    [{ column: 'id', op: 'in', not: true, values: [1, 3] }, [2, 4]],
    [{ column: 'age', op: 'in', not: true, values: [30] }, [2, 4]],
    [{ column: 'id', op: 'in', not: true, values: [1, null] }, []],
    [{ column: 'name', op: 'eq', not: false, value: 'alice' }, []],
    [{ column: 'name', op: 'like', not: false, value: 'a.c%' }, []],
  ];
  for (const [cond, want] of cases) assert.deepEqual(await ids(plugin, 'users', { where: [cond] }), want, JSON.stringify(cond));
  const both: Condition[] = [{ column: 'age', op: 'gte', not: false, value: 25 }, { column: 'age', op: 'lt', not: false, value: 41 }];
  assert.deepEqual(await ids(plugin, 'users', { where: both }), [1, 2], 'conditions are AND-ed');
});

test('tableGet: select columns, aliases and literals; ordering both ways, by alias, by an unselected column', async () => {
  const { plugin } = setup();
  const result = await plugin.tableGet('users', q({
    select: [{ kind: 'column', column: 'name', alias: 'who' }, { kind: 'literal', value: 'u-7', alias: 'me' }],
    order: [{ key: 'age', descending: true }],
  }), COMMIT);
  assert.deepEqual(result.columns, [{ name: 'who', type: 'TEXT' }, { name: 'me', type: '' }]);
  assert.deepEqual(plain(result.rows), [{ who: 'ALICE2', me: 'u-7' }, { who: 'Alice', me: 'u-7' }, { who: 'bob', me: 'u-7' }, { who: 'Carol', me: 'u-7' }]);
  assert.deepEqual(await ids(plugin, 'users', { order: [{ key: 'age', descending: false }] }), [3, 2, 1, 4], 'NULL first ascending');
  assert.deepEqual(await ids(plugin, 'users', { order: [{ key: 'name', descending: false }] }), [4, 1, 3, 2], 'binary text order');
  const byAlias = await plugin.tableGet('users', q({ select: [{ kind: 'column', column: 'id', alias: 'id' }, { kind: 'column', column: 'email', alias: 'e' }], order: [{ key: 'e', descending: true }] }), COMMIT);
  assert.deepEqual(byAlias.rows.map((r) => r.id), [3, 1, 4, 2]);
  const twoKeys = await plugin.tableGet('orders', q({ order: [{ key: 'status', descending: false }, { key: 'amount', descending: true }] }), COMMIT);
  assert.deepEqual(twoKeys.rows.map((r) => r.id), [2, 1, 3]);
});

test('tableGet: limit, offset and the exact count', async () => {
  const { plugin } = setup();
  const order = [{ key: 'id', descending: false }];
  assert.deepEqual(await ids(plugin, 'users', { order, limit: 2, offset: 1 }), [2, 3]);
  assert.deepEqual(await ids(plugin, 'users', { order, limit: 0 }), []);
  assert.deepEqual(await ids(plugin, 'users', { order, offset: 10 }), []);
  const counted = await plugin.tableGet('users', q({ order, limit: 1, count: true, where: [{ column: 'age', op: 'is', not: false, test: 'not_null' }] }), COMMIT);
  assert.deepEqual(counted.rows.map((r) => r.id), [1]);
  assert.equal(counted.total, 3);
});

test('tableGet: aggregates, with GROUP BY on the plain columns and without (one row, also over no rows)', async () => {
  const { plugin } = setup();
  const grouped = await plugin.tableGet('orders', q({
    select: [
      { kind: 'column', column: 'user_id', alias: 'user_id' },
      { kind: 'aggregate', fn: 'count', column: null, alias: 'count' },
      { kind: 'aggregate', fn: 'sum', column: 'amount', alias: 'total' },
      { kind: 'aggregate', fn: 'avg', column: 'amount', alias: 'avg' },
      { kind: 'aggregate', fn: 'min', column: 'status', alias: 'min' },
      { kind: 'aggregate', fn: 'max', column: 'amount', alias: 'max' },
    ],
    groupBy: ['user_id'],
    order: [{ key: 'total', descending: true }],
  }), COMMIT);
  assert.deepEqual(plain(grouped.rows), [
    { user_id: 1, count: 2, total: 30.5, avg: 15.25, min: 'new', max: 20.5 },
    { user_id: 2, count: 1, total: 5, avg: 5, min: 'paid', max: 5 },
  ]);
  assert.deepEqual(grouped.columns.map((c) => c.type), ['INTEGER', '', '', '', '', '']);
  const none = await plugin.tableGet('users', q({
    select: [{ kind: 'aggregate', fn: 'count', column: null, alias: 'count' }, { kind: 'aggregate', fn: 'sum', column: 'age', alias: 'sum' }, { kind: 'aggregate', fn: 'count', column: 'age', alias: 'n' }],
    where: [{ column: 'id', op: 'gt', not: false, value: 100 }],
  }), COMMIT);
  assert.deepEqual(plain(none.rows), [{ count: 0, sum: null, n: 0 }]);
  const nulls = await plugin.tableGet('users', q({ select: [{ kind: 'aggregate', fn: 'count', column: 'age', alias: 'n' }, { kind: 'aggregate', fn: 'avg', column: 'age', alias: 'avg' }] }), COMMIT);
  assert.deepEqual(plain(nulls.rows), [{ n: 3, avg: 32 }], 'NULLs are skipped');
});

test('unknown tables (and excluded ones) are 404, unknown columns 400', async () => {
  const { plugin } = setup();
  for (const table of ['nope', 'secrets']) {
    await assert.rejects(async () => plugin.tableGet(table, q(), COMMIT), { status: 404, code: 'unknown_table' });
    await assert.rejects(async () => plugin.tableDelete(table, [], COMMIT, false), { status: 404, code: 'unknown_table' });
  }
  await assert.rejects(async () => plugin.tableGet('users', q({ where: [{ column: 'nope', op: 'eq', not: false, value: 1 }] }), COMMIT), { status: 400, code: 'unknown_column' });
  await assert.rejects(async () => plugin.tableGet('users', q({ order: [{ key: 'nope', descending: false }] }), COMMIT), { status: 400, code: 'unknown_column' });
  await assert.rejects(async () => plugin.tableCreate('users', [row({ name: 'x', nope: 1 })], COMMIT), { status: 400, code: 'unknown_column' });
});

function row(values: Record<string, unknown>): Row {
  return Object.assign(Object.create(null), values) as Row;
}

test('tableCreate: rows as stored (next id, defaults), saved to the file', async () => {
  const { plugin, file, dir } = setup();
  const result = await plugin.tableCreate('orders', [row({ user_id: 2, amount: 7 }), row({ id: 10, user_id: 3, amount: 1.5, status: 'paid' }), row({ id: null, user_id: 1, amount: 2 })], COMMIT);
  assert.deepEqual(plain(result.rows), [
    { id: 4, user_id: 2, amount: 7, status: 'new' },
    { id: 10, user_id: 3, amount: 1.5, status: 'paid' },
    { id: 11, user_id: 1, amount: 2, status: 'new' },
  ]);
  assert.deepEqual(result.columns.map((c) => c.name), ['id', 'user_id', 'amount', 'status']);
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(saved.tables.orders.rows.length, 6);
  assert.deepEqual(saved.tables.secrets, FIXTURE.tables.secrets, 'the rest of the file is kept');
  assert.deepEqual(readdirSync(dir), ['shop.json'], 'no temporary file left');
});

test('tableCreate: constraint failures reject the whole batch', async () => {
  const { plugin, file } = setup();
  const before = readFileSync(file, 'utf8');
  await assert.rejects(async () => plugin.tableCreate('users', [row({ name: 'ok' }), row({ email: 'x' })], COMMIT), { status: 400, code: 'not_null_violation', message: /"name"/ });
  await assert.rejects(async () => plugin.tableCreate('users', [row({ name: 'ok' }), row({ id: 1, name: 'dup' })], COMMIT), { status: 409, code: 'constraint_violation', message: /users\.id/ });
  assert.deepEqual(await ids(plugin, 'users', {}), [1, 2, 3, 4]);
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('tableUpdate: sets the data on the matching rows and answers their count', async () => {
  const { plugin, reopen } = setup();
  const where: Condition[] = [{ column: 'user_id', op: 'eq', not: false, value: 1 }];
  assert.equal(await plugin.tableUpdate('orders', row({ status: 'shipped' }), where, COMMIT), 2);
  assert.equal(await plugin.tableUpdate('orders', row({ status: 'x' }), [{ column: 'id', op: 'eq', not: false, value: 99 }], COMMIT), 0);
  const after = await reopen().tableGet('orders', q({ select: [{ kind: 'column', column: 'status', alias: 'status' }] }), COMMIT);
  assert.deepEqual(after.rows.map((r) => r.status), ['shipped', 'shipped', 'paid']);
  await assert.rejects(async () => plugin.tableUpdate('orders', row({ amount: null }), where, COMMIT), { status: 400, code: 'not_null_violation' });
  await assert.rejects(async () => plugin.tableUpdate('orders', row({ id: 3 }), [{ column: 'id', op: 'eq', not: false, value: 1 }], COMMIT), { status: 409, code: 'constraint_violation' });
});

test('tableDelete: the count, and the rows when asked', async () => {
  const { plugin, reopen } = setup();
  assert.deepEqual(await plugin.tableDelete('orders', [{ column: 'status', op: 'eq', not: false, value: 'new' }], COMMIT, false), { count: 1 });
  const gone = await plugin.tableDelete('orders', [{ column: 'amount', op: 'lt', not: false, value: 100 }], COMMIT, true);
  assert.equal(gone.count, 2);
  assert.deepEqual(plain(gone.rows!.rows), [FIXTURE.tables.orders.rows[0], FIXTURE.tables.orders.rows[2]]);
  assert.deepEqual(await ids(reopen(), 'orders', {}), []);
  assert.deepEqual(await ids(plugin, 'users', {}), [1, 2, 3, 4]);
});

test('tx rollback: every write reports what it would have done and changes nothing, in memory or on disk', async () => {
  const { plugin, file } = setup();
  const before = readFileSync(file, 'utf8');
  const created = await plugin.tableCreate('orders', [row({ user_id: 1, amount: 3 })], ROLLBACK);
  assert.equal(created.rows[0].id, 4);
  assert.equal(await plugin.tableUpdate('orders', row({ amount: 0 }), [], ROLLBACK), 3);
  assert.equal((await plugin.tableDelete('users', [], ROLLBACK, true)).count, 4);
  assert.equal(readFileSync(file, 'utf8'), before);
  assert.deepEqual(plain((await plugin.tableGet('orders', q(), COMMIT)).rows), FIXTURE.tables.orders.rows);
  assert.deepEqual(await ids(plugin, 'users', {}), [1, 2, 3, 4]);
  // And the next committed insert takes the id the rolled-back one would have had.
  assert.equal((await plugin.tableCreate('orders', [row({ user_id: 1, amount: 3 })], COMMIT)).rows[0].id, 4);
});

test('persistence: a new plugin over the same file sees every committed write', async () => {
  const { plugin, reopen } = setup();
  await plugin.tableCreate('users', [row({ name: 'Dave', age: 50 })], COMMIT);
  await plugin.tableUpdate('users', row({ email: 'bob@example.com' }), [{ column: 'id', op: 'eq', not: false, value: 2 }], COMMIT);
  await plugin.tableDelete('users', [{ column: 'id', op: 'eq', not: false, value: 3 }], COMMIT, false);
  await plugin.close();
  const again = reopen();
  assert.deepEqual(plain((await again.tableGet('users', q({ where: [{ column: 'id', op: 'in', not: false, values: [2, 3, 5] }] }), COMMIT)).rows), [
    { id: 2, name: 'bob', email: 'bob@example.com', age: 25 },
    { id: 5, name: 'Dave', email: null, age: 50 },
  ]);
});

test('callFunction: the built-in stats, registered TypeScript functions, unknown names 404', async () => {
  const { plugin } = setup();
  assert.deepEqual(await plugin.callFunction('stats', {}, COMMIT), { kind: 'value', value: { tables: 2 } });
  await assert.rejects(async () => plugin.callFunction('nope', {}, COMMIT), { status: 404, code: 'unknown_function' });
  plugin.registerFunction!('greet', { params: ['who'], description: 'Says hello.', run: (args, req) => `hello ${args.who} from ${req.userId || 'nobody'}` });
  assert.deepEqual((await plugin.getSchema()).functions.get('greet'), { name: 'greet', params: ['who'], description: 'Says hello.' });
  assert.deepEqual(await plugin.callFunction('greet', { who: 'Ann' }, { ...COMMIT, userId: 'u1' }), { kind: 'value', value: 'hello Ann from u1' });
  const hidden = setup({ exclude: { table: [], func: ['stats'] } }).plugin;
  await assert.rejects(async () => hidden.callFunction('stats', {}, COMMIT), { status: 404 });
});

test('options: readonly refuses writes (403), SQL functions are refused at creation, absolute paths work', async () => {
  const { plugin } = setup({ readonly: true });
  await assert.rejects(async () => plugin.tableCreate('users', [row({ name: 'x' })], COMMIT), { status: 403, code: 'readonly_database' });
  await assert.rejects(async () => plugin.tableUpdate('users', row({ name: 'x' }), [], COMMIT), { status: 403, code: 'readonly_database' });
  await assert.rejects(async () => plugin.tableDelete('users', [], COMMIT, false), { status: 403, code: 'readonly_database' });
  assert.equal((await plugin.tableGet('users', q(), COMMIT)).rows.length, 4);
  assert.throws(() => setup({ functions: { f: { sql: 'SELECT 1' } } }), /runs no SQL functions/);
  const { file } = setup();
  const absolute = createPlugin({ name: 'abs', uri: `jsonfile://${file}`, dataDir: '/nonexistent', exclude: { table: [], func: [] }, readonly: false, functions: {} }) as DbPlugin;
  assert.deepEqual([...(await absolute.getSchema()).tables.keys()], ['users', 'orders', 'secrets']);
  assert.throws(() => createPlugin({ name: 'x', uri: 'jsonfile://', dataDir: '/', exclude: { table: [], func: [] }, readonly: false, functions: {} }), /expected jsonfile:\/\/<path>/);
});
