// Scopes of declared endpoints: an OR of ANDs, empty alternatives dropped, `[id]` replaced by the raw path text,
// 401 without a token and 403 naming the alternatives otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeScope, parseScope, permitted, scopeGuard } from '../../src/api/permissions.ts';
import type { Context } from '../../src/http/context.ts';
import { HttpError } from '../../src/http/errors.ts';

test('absent, null, [] and [[]] need no permission; empty alternatives are dropped', () => {
  for (const raw of [undefined, null, [], [[]], [[], []]]) assert.deepEqual(parseScope(raw, []), { alternatives: [], problems: [] }, JSON.stringify(raw));
  assert.deepEqual(parseScope([[], ['admin']], []).alternatives, [['admin']]);
  assert.deepEqual(parseScope([['a', 'b'], ['c']], []).alternatives, [['a', 'b'], ['c']]);
  assert.deepEqual(parseScope([['u-[id]']], ['id']), { alternatives: [['u-[id]']], problems: [] });
  // Brackets that hold no name are text.
  assert.deepEqual(parseScope([['a[]']], []).problems, []);
});

test('OR of ANDs', () => {
  const rule = [['a', 'b'], ['c']];
  const cases: [string[], boolean][] = [[[], false], [['a'], false], [['b'], false], [['a', 'b'], true], [['c'], true], [['b', 'x', 'a'], true], [['C'], false]];
  for (const [granted, expected] of cases) assert.equal(permitted(rule, granted), expected, granted.join(' '));
  assert.equal(permitted([], []), true);
});

test('describing what would satisfy a rule', () => {
  assert.equal(describeScope([['a']]), '"a"');
  assert.equal(describeScope([['a', 'b']]), '"a" and "b"');
  assert.equal(describeScope([['a'], ['b']]), '"a" or "b"');
  assert.equal(describeScope([['a', 'b'], ['c']]), '("a" and "b") or "c"');
});

function ctx(scopes: string[] | null, params: Record<string, string> = {}): Context {
  return { user: scopes === null ? null : { id: 'u', scopes }, params } as unknown as Context;
}

function outcome(guard: (c: Context) => void, c: Context): string {
  try {
    guard(c);
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof HttpError);
    return `${err.status} ${err.code}: ${err.message}`;
  }
}

test('the guard: 401 without a token, 403 naming the alternatives with [id] resolved, else through', () => {
  assert.equal(scopeGuard([], new Map()), null);
  const guard = scopeGuard([['articles-[id]-write', 'user-[uid]'], ['admin']], new Map([['id', 'id'], ['uid', 'p1']]))!;
  const params = { id: '0042', p1: 'x y' };
  assert.equal(outcome(guard, ctx(null, params)), '401 auth_required: Sign in first: this service needs the permission ("articles-0042-write" and "user-x y") or "admin"');
  assert.equal(outcome(guard, ctx(['articles-42-write', 'user-x y'], params)), '403 forbidden: Missing permission: this service needs ("articles-0042-write" and "user-x y") or "admin"');
  assert.equal(outcome(guard, ctx(['articles-0042-write', 'user-x y'], params)), 'ok');
  assert.equal(outcome(guard, ctx(['admin'], params)), 'ok');
  // A user without a scopes list has none.
  assert.equal(outcome(guard, { user: { id: 'u' }, params } as unknown as Context).slice(0, 13), '403 forbidden');
});
