// buildContext and ContextResolver: the context map and `erctx.*` / `request.*` substitution (EasyREST §3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContext, ContextResolver } from '../../src/rest/context-vars.ts';

function resolver(claims: Record<string, unknown> = {}): ContextResolver {
  return new ContextResolver(buildContext({
    claims: { Sub: 'u-42', scope: 'read write', Role: 'admin', exp: 1700000000, ratio: 1e21, tiny: 1.5e-7, admin: true, none: null,
      org: { Id: 7, 'dept.name': 'R&D', tags: ['a', 'b'] }, ...claims },
    headers: { 'x-custom': 'hello', 'x-multi': ['one', 'two'], authorization: 'Bearer t', 'x-evil': "1; DROP TABLE users --" },
    method: 'GET',
    path: '/api/shop/orders/',
    query: 'where.eq.id=1',
    timezone: 'Europe/Paris',
    prefer: { tx: 'rollback', timezone: 'Europe/Paris' },
  }));
}

test('buildContext: claims top-level keys lower-cased (nested keys kept), headers joined with ", "', () => {
  const context = buildContext({
    claims: { Sub: 'x', Nested: { Key: 1 } }, headers: { 'x-a': ['1', '2'], 'x-b': 'v', 'x-u': undefined },
    method: 'POST', path: '/p', query: 'a=1', timezone: 'UTC', prefer: { tx: 'commit' },
  });
  assert.deepEqual(JSON.parse(JSON.stringify(context)), {
    claims: { sub: 'x', nested: { Key: 1 } }, headers: { 'x-a': '1, 2', 'x-b': 'v' },
    method: 'POST', path: '/p', query: 'a=1', timezone: 'UTC', prefer: { tx: 'commit' },
  });
  assert.equal(Object.getPrototypeOf(context), null);
  assert.equal(Object.getPrototypeOf(context.claims), null);
});

const cases: [string, string][] = [
  ['erctx.claims_sub', 'u-42'],
  ['erctx.CLAIMS_SUB', 'u-42'],
  ['erctx.claims_role', 'admin'],
  ['erctx.claims_exp', '1700000000'],
  ['erctx.claims_ratio', '1000000000000000000000'],
  ['erctx.claims_tiny', '0.00000015'],
  ['erctx.claims_admin', 'true'],
  ['erctx.claims_org_id', '7'],
  ['erctx.claims_org_dept_name', 'R&D'],
  ['erctx.claims_org_tags_1', 'b'],
  ['erctx.headers_x_custom', 'hello'],
  ['erctx.headers-x-custom', 'hello'],
  ['erctx.headers_x_multi', 'one, two'],
  ['erctx.headers_x_evil', '1; DROP TABLE users --'],
  ['erctx.method', 'GET'],
  ['erctx.path', '/api/shop/orders/'],
  ['erctx.query', 'where.eq.id=1'],
  ['erctx.timezone', 'Europe/Paris'],
  ['erctx.prefer_tx', 'rollback'],
  ['request.claims.sub', 'u-42'],
  ['request.claims.org.Id', '7'],
  ['request.claims.org.tags.0', 'a'],
  ['request.claims.org.tags', '["a","b"]'],
  ['request.headers.x-custom', 'hello'],
  ['request.prefer', '{"tx":"rollback","timezone":"Europe/Paris"}'],
  ['request.method', 'GET'],
  ['request.claims.exp', '1700000000'],
  ['request.claims.admin', 'true'],
];

for (const [text, expected] of cases) {
  test(`resolve: ${text} → ${expected}`, () => {
    assert.equal(resolver().resolve(text), expected);
  });
}

const unchanged = [
  'plain text',
  'erctx.claims_missing',
  'erctx.claims.sub', // dots are not mapped in erctx keys
  'erctx.claims_none', // null resolves to nothing
  'request.claims.SUB', // request.* is case-sensitive
  'request.claims.org.id',
  'request.claims.none',
  'request.claims.org.tags.5',
  'request.claims.sub.deeper',
  'request.claims.__proto__',
  'request.constructor',
  'erctx.constructor',
  'Erctx.claims_sub',
  ' erctx.claims_sub',
  'x erctx.claims_sub',
  '',
];

for (const text of unchanged) {
  test(`resolve: ${JSON.stringify(text)} stays as written`, () => {
    assert.equal(resolver().resolve(text), text);
  });
}

test('flattening is lazy and done once: a later change to the map is not seen by erctx but is by request.*', () => {
  const context = buildContext({ claims: { sub: 'a' }, headers: {}, method: 'GET', path: '/', query: '', timezone: 'UTC', prefer: {} });
  const r = new ContextResolver(context);
  assert.equal(r.resolve('erctx.claims_sub'), 'a');
  (context.claims as Record<string, unknown>).sub = 'b';
  assert.equal(r.resolve('erctx.claims_sub'), 'a');
  assert.equal(r.resolve('request.claims.sub'), 'b');
});

test('claims nested beyond the depth limit are left out instead of overflowing the stack', () => {
  let deep: Record<string, unknown> = { leaf: 'x' };
  for (let i = 0; i < 5000; i++) deep = { d: deep };
  const r = resolver({ deep, shallow: { d: { leaf: 'y' } } });
  assert.equal(r.resolve('erctx.claims_shallow_d_leaf'), 'y');
  const deepKey = `erctx.claims_deep${'_d'.repeat(5000)}_leaf`;
  assert.equal(r.resolve(deepKey), deepKey);
});
