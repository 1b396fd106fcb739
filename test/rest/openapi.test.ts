// The Swagger 2.0 and OpenAPI 3.1 documents of a fixture schema (users, orders, products, a view, two functions):
// paths and methods for the plain, public, readonly and unscoped variants, parameters, security, the type mapping,
// determinism, and a structural check of both documents (refs resolve, responses, path parameters, operationIds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiDocument, swaggerDocument, type ApiDocOptions } from '../../src/rest/openapi.ts';
import type { ColumnInfo, DbSchema, FunctionInfo, TableInfo } from '../../src/rest/plugin.ts';

type Json = Record<string, any>;

function col(name: string, type: string, flags: { notNull?: boolean; hasDefault?: boolean; primaryKey?: number } = {}): ColumnInfo {
  return { name, type, notNull: flags.notNull ?? false, hasDefault: flags.hasDefault ?? false, primaryKey: flags.primaryKey ?? 0 };
}

const TABLES: TableInfo[] = [
  { name: 'users', kind: 'table', columns: [
    col('id', 'INTEGER', { hasDefault: true, primaryKey: 1 }),
    col('email', 'TEXT', { notNull: true }),
    col('name', 'VARCHAR(40)'),
    col('is_admin', 'BOOLEAN', { notNull: true, hasDefault: true }),
    col('avatar', 'BLOB'),
    col('created_at', 'DATETIME', { notNull: true, hasDefault: true }),
  ] },
  { name: 'orders', kind: 'table', columns: [
    col('id', 'INTEGER', { hasDefault: true, primaryKey: 1 }),
    col('user_id', 'INTEGER', { notNull: true }),
    col('amount', 'DECIMAL(10,2)', { notNull: true }),
    col('placed_on', 'DATE'),
    col('status', 'TEXT', { notNull: true, hasDefault: true }),
    col('note', ''),
  ] },
  { name: 'products', kind: 'table', columns: [
    col('sku', 'TEXT', { notNull: true, primaryKey: 1 }),
    col('price', 'NUMERIC'),
    col('weight', 'REAL'),
  ] },
  { name: 'order_totals', kind: 'view', columns: [col('user_id', 'INTEGER'), col('total', ''), col('n', '')] },
  // Not addressable through a URL: left out of both documents.
  { name: 'bad-name', kind: 'table', columns: [col('x', 'TEXT')] },
];

const FUNCTIONS: FunctionInfo[] = [
  { name: 'process_order', params: ['order_id', 'user_id'], description: 'Marks an order processed.' },
  { name: 'status', params: [] },
];

function schemaOf(tables: TableInfo[], functions: FunctionInfo[]): DbSchema {
  return { tables: new Map(tables.map((t) => [t.name, t])), functions: new Map(functions.map((f) => [f.name, f])) };
}

const SCHEMA = schemaOf(TABLES, FUNCTIONS);

function options(over: Partial<ApiDocOptions> = {}): ApiDocOptions {
  return { name: 'shop', title: 'Shop API', version: '1.2.3', host: 'api.example.com', schemes: ['https'], public: { table: [], func: [] }, checkScope: true, readonly: false, ...over };
}

/** Follows a local `#/a/b` reference. */
function resolveRef(doc: Json, ref: string): any {
  assert.ok(ref.startsWith('#/'), `local ref ${ref}`);
  return ref.slice(2).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~')).reduce((node: any, key) => node?.[key], doc);
}

function deref(doc: Json, node: any): any {
  return node !== null && typeof node === 'object' && typeof node.$ref === 'string' ? resolveRef(doc, node.$ref) : node;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation as [path, method, operation]. */
function operationsOf(doc: Json): [string, string, Json][] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.entries(item as Json).filter(([m]) => METHODS.includes(m)).map(([m, op]) => [path, m, op as Json] as [string, string, Json]));
}

function paramNames(doc: Json, op: Json): string[] {
  return (op.parameters ?? []).map((p: Json) => deref(doc, p)).map((p: Json) => p.name);
}

function param(doc: Json, op: Json, name: string): Json {
  const found = (op.parameters ?? []).map((p: Json) => deref(doc, p)).find((p: Json) => p.name === name);
  assert.ok(found, `parameter ${name}`);
  return found;
}

/** Problems with a document's structure; [] when sound. Works for both versions. */
function structuralProblems(doc: Json): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && resolveRef(doc, value) === undefined) problems.push(`${at}: $ref ${value} does not resolve`);
      walk(value, `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    }
  };
  walk(doc, '#');
  const ids = new Set<string>();
  for (const [path, method, op] of operationsOf(doc)) {
    const where = `${method.toUpperCase()} ${path}`;
    if (op.responses === undefined || Object.keys(op.responses).length === 0) problems.push(`${where}: no responses`);
    for (const [status, r] of Object.entries(op.responses ?? {})) {
      if (!/^([1-5][0-9][0-9]|default)$/.test(status)) problems.push(`${where}: bad status ${status}`);
      if (typeof deref(doc, r)?.description !== 'string') problems.push(`${where} ${status}: no description`);
    }
    if (typeof op.operationId !== 'string') problems.push(`${where}: no operationId`);
    else if (ids.has(op.operationId)) problems.push(`${where}: duplicate operationId ${op.operationId}`);
    else ids.add(op.operationId);
    const params = (op.parameters ?? []).map((p: Json) => deref(doc, p));
    const declared = new Set(params.filter((p: Json) => p.in === 'path').map((p: Json) => p.name));
    for (const m of path.matchAll(/\{([^}]+)\}/g)) if (!declared.has(m[1])) problems.push(`${where}: path parameter ${m[1]} not declared`);
    const seen = new Set<string>();
    for (const p of params) {
      if (typeof p.name !== 'string' || typeof p.in !== 'string') problems.push(`${where}: parameter without name or in`);
      if (seen.has(`${p.in} ${p.name}`)) problems.push(`${where}: parameter ${p.name} twice`);
      seen.add(`${p.in} ${p.name}`);
      if (doc.openapi !== undefined && p.schema === undefined && p.content === undefined) problems.push(`${where}: parameter ${p.name} without schema`);
      if (doc.swagger !== undefined && p.in !== 'body' && typeof p.type !== 'string') problems.push(`${where}: parameter ${p.name} without type`);
    }
    for (const requirement of op.security ?? []) {
      const schemes = doc.openapi !== undefined ? doc.components.securitySchemes : doc.securityDefinitions;
      for (const name of Object.keys(requirement)) if (schemes?.[name] === undefined) problems.push(`${where}: unknown security scheme ${name}`);
    }
  }
  if (doc.openapi !== undefined) {
    for (const [kind, entries] of Object.entries(doc.components as Json)) {
      for (const key of Object.keys(entries as Json)) if (!/^[a-zA-Z0-9.\-_]+$/.test(key)) problems.push(`components.${kind}: bad key ${key}`);
    }
    if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') problems.push('info: title and version required');
  }
  return problems;
}

for (const [label, build] of [['Swagger 2.0', swaggerDocument], ['OpenAPI 3.1', openApiDocument]] as const) {
  test(`${label}: paths, methods and operationIds: tables get all four, the view GET only, functions POST; sorted by name`, () => {
    const doc = build(SCHEMA, options()) as Json;
    assert.deepEqual(Object.keys(doc.paths), ['/order_totals/', '/orders/', '/products/', '/users/', '/rpc/process_order/', '/rpc/status/']);
    for (const t of ['orders', 'products', 'users']) assert.deepEqual(Object.keys(doc.paths[`/${t}/`]), ['get', 'post', 'patch', 'delete'], t);
    assert.deepEqual(Object.keys(doc.paths['/order_totals/']), ['get']);
    assert.deepEqual(Object.keys(doc.paths['/rpc/status/']), ['post']);
    assert.equal(doc.paths['/orders/'].delete.operationId, 'delete_orders');
    assert.equal(doc.paths['/rpc/process_order/'].post.operationId, 'rpc_process_order');
    assert.match(doc.info.description, /without its trailing slash/);
  });

  test(`${label}: readonly documents no writes (functions stay)`, () => {
    const doc = build(SCHEMA, options({ readonly: true })) as Json;
    for (const path of ['/order_totals/', '/orders/', '/products/', '/users/']) assert.deepEqual(Object.keys(doc.paths[path]), ['get'], path);
    assert.deepEqual(Object.keys(doc.paths['/rpc/status/']), ['post']);
  });

  test(`${label}: structurally valid in every variant`, () => {
    for (const over of [{}, { readonly: true }, { checkScope: false }, { public: { table: ['products'], func: ['status'] } }, { host: '' }]) {
      assert.deepEqual(structuralProblems(build(SCHEMA, options(over)) as Json), [], JSON.stringify(over));
    }
    assert.deepEqual(structuralProblems(build(schemaOf([], []), options()) as Json), []);
  });

  test(`${label}: deterministic: the same schema gives the same JSON, whatever the Map order`, () => {
    const once = JSON.stringify(build(SCHEMA, options()));
    assert.equal(JSON.stringify(build(SCHEMA, options())), once);
    assert.equal(JSON.stringify(build(schemaOf([...TABLES].reverse(), [...FUNCTIONS].reverse()), options())), once);
  });

  test(`${label}: GET parameters: select, ordering with -col, paging, where and where.not per operator, headers`, () => {
    const doc = build(SCHEMA, options()) as Json;
    const get = doc.paths['/orders/'].get;
    const names = paramNames(doc, get);
    for (const name of ['select', 'ordering', 'limit', 'offset', 'format', 'Range', 'Range-Unit', 'Prefer', 'If-None-Match']) assert.ok(names.includes(name), name);
    for (const op of ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'like', 'ilike', 'is', 'in']) {
      assert.ok(names.includes(`where.${op}.amount`), op);
      assert.ok(names.includes(`where.not.${op}.amount`), `not ${op}`);
    }
    const ordering = param(doc, get, 'ordering');
    const items = ordering.items ?? ordering.schema.items;
    assert.deepEqual(items.enum, ['id', '-id', 'user_id', '-user_id', 'amount', '-amount', 'placed_on', '-placed_on', 'status', '-status', 'note', '-note']);
    const is = param(doc, get, 'where.is.note');
    assert.deepEqual(is.enum ?? is.schema.enum, ['null', 'not_null', 'true', 'false']);
    const typeOf = (p: Json) => p.type ?? p.schema.type;
    assert.equal(typeOf(param(doc, get, 'where.gt.amount')), 'number');
    assert.equal(typeOf(param(doc, get, 'where.eq.user_id')), 'integer');
    assert.equal(typeOf(param(doc, get, 'where.in.user_id')), 'string', 'in takes a comma list with quoting');
    assert.equal(typeOf(param(doc, get, 'where.like.status')), 'string');
    assert.equal(param(doc, get, 'Prefer').in, 'header');
    assert.match(param(doc, get, 'Prefer').description, /count=exact/);
    // BLOB columns only take the IS tests.
    assert.deepEqual(paramNames(doc, doc.paths['/users/'].get).filter((n) => n.endsWith('.avatar')), ['where.is.avatar', 'where.not.is.avatar']);
  });

  test(`${label}: PATCH and DELETE take the where parameters, POST none; writes take If-Match and Prefer`, () => {
    const doc = build(SCHEMA, options()) as Json;
    const item = doc.paths['/orders/'];
    for (const method of ['patch', 'delete']) {
      const names = paramNames(doc, item[method]);
      assert.ok(names.includes('where.eq.id') && names.includes('where.not.in.status'), method);
      assert.ok(!names.includes('select') && !names.includes('ordering'), method);
    }
    assert.ok(!paramNames(doc, item.post).some((n) => n.startsWith('where.')));
    for (const method of ['post', 'patch', 'delete']) {
      assert.ok(paramNames(doc, item[method]).includes('If-Match'), method);
      assert.match(param(doc, item[method], 'Prefer').description, /tx=rollback/);
    }
  });

  test(`${label}: responses per operation, errors as problem+json`, () => {
    const doc = build(SCHEMA, options()) as Json;
    const item = doc.paths['/orders/'];
    assert.deepEqual(Object.keys(item.get.responses), ['200', '304', '400', '401', '403', '404']);
    assert.deepEqual(Object.keys(item.post.responses), ['201', '400', '401', '403', '404', '409', '412']);
    assert.deepEqual(Object.keys(item.patch.responses), ['200', '400', '401', '403', '404', '409', '412']);
    assert.deepEqual(Object.keys(item.delete.responses), ['200', '204', '400', '401', '403', '404', '409', '412']);
    const bad = deref(doc, item.get.responses['400']);
    const problem = deref(doc, doc.openapi !== undefined ? bad.content['application/problem+json'].schema : bad.schema);
    assert.deepEqual(problem.required, ['type', 'title', 'status', 'code', 'detail']);
    assert.ok(deref(doc, item.get.responses['200']).headers['Content-Range']);
  });

  test(`${label}: the definitions: tables and views, no required on rows, readOnly only for defaulted keys`, () => {
    const doc = build(SCHEMA, options()) as Json;
    const schemas = doc.definitions ?? doc.components.schemas;
    assert.deepEqual(Object.keys(schemas), ['order_totals', 'orders', 'products', 'users', 'monolite.Problem']);
    assert.equal(schemas.users.required, undefined, 'select may return fewer columns');
    assert.equal(schemas.users.properties.id.readOnly, true);
    assert.equal(schemas.products.properties.sku.readOnly, undefined, 'a key without default is set by the client');
    assert.deepEqual(schemas.users['x-primary-key'], ['id']);
    assert.deepEqual(schemas.products['x-primary-key'], ['sku']);
    assert.equal(schemas.order_totals['x-primary-key'], undefined, 'a view has no key');
    assert.deepEqual(Object.keys(schemas.users.properties), ['id', 'email', 'name', 'is_admin', 'avatar', 'created_at']);
  });
}

test('type mapping from declared types, in both documents', () => {
  // [declared type, Swagger property, OpenAPI 3.1 property]; every column NOT NULL (nullability is tested apart).
  const cases: [string, Json, Json][] = [
    ['INTEGER', { type: 'integer' }, { type: 'integer' }],
    ['BIGINT', { type: 'integer' }, { type: 'integer' }],
    ['int', { type: 'integer' }, { type: 'integer' }],
    ['TEXT', { type: 'string' }, { type: 'string' }],
    ['VARCHAR(20)', { type: 'string' }, { type: 'string' }],
    ['NCHAR(3)', { type: 'string' }, { type: 'string' }],
    ['CLOB', { type: 'string' }, { type: 'string' }],
    ['BLOB', { type: 'string', format: 'byte' }, { type: 'string', contentEncoding: 'base64' }],
    ['REAL', { type: 'number' }, { type: 'number' }],
    ['FLOAT', { type: 'number' }, { type: 'number' }],
    ['DOUBLE PRECISION', { type: 'number' }, { type: 'number' }],
    ['DATETIME', { type: 'string', format: 'date-time' }, { type: 'string', format: 'date-time' }],
    ['TIMESTAMP', { type: 'string', format: 'date-time' }, { type: 'string', format: 'date-time' }],
    ['DATE', { type: 'string', format: 'date' }, { type: 'string', format: 'date' }],
    ['BOOLEAN', { type: 'integer' }, { type: 'integer' }],
    ['BOOL', { type: 'integer' }, { type: 'integer' }],
    ['NUMERIC', { type: 'number' }, { type: 'number' }],
    ['DECIMAL(10,2)', { type: 'number' }, { type: 'number' }],
    ['', {}, {}],
    ['JSON', {}, {}],
  ];
  const table: TableInfo = { name: 't', kind: 'table', columns: cases.map(([type], i) => col(`c${i}`, type, { notNull: true })) };
  const schema = schemaOf([table], []);
  const swagger = swaggerDocument(schema, options()) as Json;
  const oas = openApiDocument(schema, options()) as Json;
  cases.forEach(([type, sw, o], i) => {
    assert.deepEqual(swagger.definitions.t.properties[`c${i}`], sw, `Swagger ${type}`);
    assert.deepEqual(oas.components.schemas.t.properties[`c${i}`], o, `OpenAPI ${type}`);
  });
});

test('nullable columns: "null" in the 3.1 type array, x-nullable in Swagger; an INTEGER PRIMARY KEY is never null', () => {
  const swagger = swaggerDocument(SCHEMA, options()) as Json;
  const oas = openApiDocument(SCHEMA, options()) as Json;
  const users = oas.components.schemas.users.properties;
  assert.deepEqual(users.id, { type: 'integer', readOnly: true });
  assert.deepEqual(users.name, { type: ['string', 'null'] });
  assert.deepEqual(users.avatar, { type: ['string', 'null'], contentEncoding: 'base64' });
  assert.deepEqual(users.email, { type: 'string' });
  assert.deepEqual(oas.components.schemas.orders.properties.note, {}, 'no declared type: no constraint');
  assert.deepEqual(swagger.definitions.users.properties.id, { type: 'integer', readOnly: true });
  assert.deepEqual(swagger.definitions.users.properties.name, { type: 'string', 'x-nullable': true });
  assert.deepEqual(swagger.definitions.users.properties.email, { type: 'string' });
});

test('security: scopes per table and function, public resources need no token, unscoped databases only a token', () => {
  const pub = { table: ['products'], func: ['status'] };
  const oas = openApiDocument(SCHEMA, options({ public: pub })) as Json;
  assert.deepEqual(oas.paths['/orders/'].get.security, [{ bearerAuth: ['orders-read'] }, { bearerAuth: ['read'] }]);
  assert.deepEqual(oas.paths['/orders/'].patch.security, [{ bearerAuth: ['orders-write'] }, { bearerAuth: ['write'] }]);
  assert.deepEqual(oas.paths['/rpc/process_order/'].post.security, [{ bearerAuth: ['process_order-write'] }, { bearerAuth: ['write'] }]);
  assert.deepEqual(oas.paths['/products/'].get.security, []);
  assert.deepEqual(oas.paths['/products/'].post.security, [{ bearerAuth: ['products-write'] }, { bearerAuth: ['write'] }], 'writes to a public table need a scope');
  assert.deepEqual(oas.paths['/rpc/status/'].post.security, []);
  assert.equal(oas.paths['/products/'].get.responses['403'], undefined, 'no scope, no 403');
  assert.ok(oas.paths['/products/'].get.responses['401'], 'a token that is sent must be valid');
  assert.deepEqual(oas.components.securitySchemes.bearerAuth.type, 'http');
  assert.equal(oas.components.securitySchemes.bearerAuth.scheme, 'bearer');
  assert.equal(oas.components.securitySchemes.bearerAuth.bearerFormat, 'JWT');
  assert.match(oas.components.securitySchemes.bearerAuth.description, /<table>-read.*<table>-write.*<func>-write.*`read`.*`write`/s);

  const swagger = swaggerDocument(SCHEMA, options({ public: pub })) as Json;
  assert.deepEqual(swagger.paths['/orders/'].get.security, [{ bearerAuth: [] }], 'Swagger 2.0 apiKey requirements carry no scopes');
  assert.match(swagger.paths['/orders/'].get.description, /`orders-read` or `read`/);
  assert.deepEqual(swagger.paths['/products/'].get.security, []);
  assert.deepEqual(swagger.paths['/rpc/status/'].post.security, []);
  assert.deepEqual(swagger.securityDefinitions.bearerAuth, { type: 'apiKey', in: 'header', name: 'Authorization', description: swagger.securityDefinitions.bearerAuth.description });

  const unscoped = openApiDocument(SCHEMA, options({ checkScope: false })) as Json;
  assert.deepEqual(unscoped.paths['/orders/'].get.security, [{ bearerAuth: [] }]);
  assert.equal(unscoped.paths['/orders/'].get.responses['403'], undefined);
});

test('OpenAPI 3.1 request bodies: POST object or array, form, CSV, with the required columns; PATCH a non-empty subset', () => {
  const doc = openApiDocument(SCHEMA, options()) as Json;
  const post = doc.paths['/users/'].post.requestBody;
  assert.equal(post.required, true);
  assert.deepEqual(Object.keys(post.content), ['application/json', 'application/x-www-form-urlencoded', 'text/csv']);
  const [one, many] = post.content['application/json'].schema.oneOf;
  assert.deepEqual(one, { $ref: '#/components/schemas/users', unevaluatedProperties: false, required: ['email'] });
  assert.deepEqual(many, { type: 'array', items: one });
  assert.deepEqual(doc.paths['/orders/'].post.requestBody.content['application/json'].schema.oneOf[0].required, ['user_id', 'amount']);
  const patch = doc.paths['/users/'].patch.requestBody.content['application/json'].schema;
  assert.deepEqual(patch, { $ref: '#/components/schemas/users', unevaluatedProperties: false, minProperties: 1 });
  assert.equal(doc.paths['/users/'].get.requestBody, undefined);
  assert.equal(doc.paths['/users/'].delete.requestBody, undefined);
  const created = doc.paths['/users/'].post.responses['201'].content['application/json'].schema;
  assert.deepEqual(created.oneOf[0], { $ref: '#/components/schemas/users' }, 'a single-object POST answers an object');
});

test('RPC: params as body properties, required when there are any; both documents', () => {
  const oas = openApiDocument(SCHEMA, options()) as Json;
  const body = oas.paths['/rpc/process_order/'].post.requestBody;
  assert.equal(body.required, true);
  assert.deepEqual(body.content['application/json'].schema, { type: 'object', properties: { order_id: {}, user_id: {} }, additionalProperties: false, required: ['order_id', 'user_id'] });
  assert.equal(oas.paths['/rpc/status/'].post.requestBody.required, false);
  assert.equal(oas.paths['/rpc/process_order/'].post.description.startsWith('Marks an order processed.'), true);
  const swagger = swaggerDocument(SCHEMA, options()) as Json;
  const param = swagger.paths['/rpc/process_order/'].post.parameters.find((p: Json) => p.in === 'body');
  assert.deepEqual(param.schema.required, ['order_id', 'user_id']);
  assert.equal(swagger.paths['/rpc/status/'].post.parameters.find((p: Json) => p.in === 'body').schema.required, undefined);
});

test('Swagger 2.0 POST body: an array of rows with the required columns', () => {
  const doc = swaggerDocument(SCHEMA, options()) as Json;
  const body = doc.paths['/users/'].post.parameters.find((p: Json) => p.in === 'body');
  assert.deepEqual(body.schema, { type: 'array', items: { allOf: [{ $ref: '#/definitions/users' }, { required: ['email'] }] } });
  const view = doc.paths['/order_totals/'].get;
  assert.equal(view.parameters.find((p: Json) => p.in === 'body'), undefined);
});

test('document heads: title, version, host, schemes, basePath and servers', () => {
  const swagger = swaggerDocument(SCHEMA, options()) as Json;
  assert.equal(swagger.swagger, '2.0');
  assert.deepEqual(swagger.info.title, 'Shop API');
  assert.equal(swagger.info.version, '1.2.3');
  assert.equal(swagger.host, 'api.example.com');
  assert.equal(swagger.basePath, '/api/shop');
  assert.deepEqual(swagger.schemes, ['https']);
  const bare = swaggerDocument(SCHEMA, options({ title: '', host: '', schemes: ['http'] })) as Json;
  assert.equal(bare.info.title, 'shop API');
  assert.equal('host' in bare, false);
  assert.deepEqual(bare.schemes, ['http']);

  const oas = openApiDocument(SCHEMA, options()) as Json;
  assert.equal(oas.openapi, '3.1.0');
  assert.deepEqual(oas.servers, [{ url: 'https://api.example.com/api/shop' }]);
  assert.deepEqual((openApiDocument(SCHEMA, options({ host: '' })) as Json).servers, [{ url: '/api/shop' }]);
});

test('the structural check itself catches broken documents', () => {
  const doc = openApiDocument(SCHEMA, options()) as Json;
  const broken = structuredClone(doc);
  broken.paths['/orders/'].get.responses['400'] = { $ref: '#/components/responses/Nope' };
  broken.paths['/users/'].get.operationId = 'get_orders';
  broken.paths['/x/{id}/'] = { get: { operationId: 'x', responses: {} } };
  assert.deepEqual(structuralProblems(broken), [
    '#/paths/~1orders~1/get/responses/400: $ref #/components/responses/Nope does not resolve',
    'GET /orders/ 400: no description',
    'GET /users/: duplicate operationId get_orders',
    'GET /x/{id}/: no responses',
    'GET /x/{id}/: path parameter id not declared',
  ]);
});
