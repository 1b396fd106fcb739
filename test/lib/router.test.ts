// Runs the shared router conformance table (router.cases.ts) against src/lib/router.ts, then checks what a table
// cannot express: conflicts, invalid patterns, groups with middleware, the route list and very long paths.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../src/lib/router.ts';
import type { Match, Middleware } from '../../src/lib/router.ts';
import { routerSuites } from './router.cases.ts';
import type { RouterSuite } from './router.cases.ts';

/** A router with the suite's routes registered in order. */
function buildRouter(suite: RouterSuite): Router<string> {
  const router = new Router<string>();
  for (const route of suite.routes) router.add(route.method, route.pattern, route.handler);
  return router;
}

/** The match as plain data with only the contract's fields, so deepEqual compares what the contract promises. */
function plain(match: Match<string>): Record<string, unknown> {
  switch (match.kind) {
    case 'found':
      return { kind: match.kind, handler: match.handler, params: { ...match.params }, pattern: match.pattern };
    case 'method_not_allowed':
    case 'options':
      return { kind: match.kind, allow: [...match.allow] };
    case 'redirect':
      return { kind: match.kind, path: match.path };
    default:
      return { kind: match.kind };
  }
}

/** Shortens multi-kilobyte values in failure messages. */
function preview(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 120)}… (${text.length} chars)` : text;
}

/** Asserts that `fn` throws an Error whose message contains every one of `parts` (each at least `times` times). */
function assertThrowsNaming(fn: () => void, parts: string[], times = 1): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
    for (const part of parts) {
      const count = err.message.split(part).length - 1;
      assert.ok(count >= times, `message ${JSON.stringify(err.message)} should contain ${JSON.stringify(part)}${times > 1 ? ` ${times} times` : ''}`);
    }
    return true;
  });
}

describe('router conformance table', () => {
  test('the table has at least 60 cases with unique names per suite', () => {
    let total = 0;
    for (const suite of routerSuites) {
      const names = suite.cases.map((c) => c.name);
      assert.equal(new Set(names).size, names.length, `duplicate case name in suite "${suite.name}"`);
      const handlers = suite.routes.map((r) => r.handler);
      assert.equal(new Set(handlers).size, handlers.length, `duplicate handler id in suite "${suite.name}"`);
      total += names.length;
    }
    assert.ok(total >= 60, `only ${total} cases`);
  });

  for (const suite of routerSuites) {
    describe(suite.name, () => {
      const patternOf = new Map(suite.routes.map((r) => [r.handler, r.pattern]));
      let router: Router<string> | undefined;
      const routerFor = (): Router<string> => (router ??= buildRouter(suite));

      test('registers its routes', () => {
        routerFor();
      });

      for (const c of suite.cases) {
        test(c.name, () => {
          const r = routerFor();
          const where = `${c.method} ${preview(c.path)}`;
          if ('throws' in c) {
            assert.throws(() => r.find(c.method, c.path), (err: unknown) => {
              assert.ok(err instanceof URIError, `${where}: expected a URIError, got ${String(err)}`);
              return true;
            });
            return;
          }
          const got = plain(r.find(c.method, c.path));
          const want: Record<string, unknown> =
            c.expect.kind === 'found' ? { ...c.expect, pattern: patternOf.get(c.expect.handler) } : { ...c.expect };
          assert.deepEqual(got, want, `${where}: got ${preview(got)}, want ${preview(want)}`);
        });
      }
    });
  }
});

describe('registration order', () => {
  for (const suite of routerSuites) {
    test(`${suite.name}: the same results with the routes registered in reverse`, () => {
      const forward = buildRouter(suite);
      const reversed = buildRouter({ ...suite, routes: [...suite.routes].reverse() });
      for (const c of suite.cases) {
        if ('throws' in c) continue;
        assert.deepEqual(plain(reversed.find(c.method, c.path)), plain(forward.find(c.method, c.path)), c.name);
      }
    });
  }
});

describe('param names', () => {
  test('Object.prototype names are ordinary own params; "__proto__" is refused at registration', () => {
    const router = new Router<string>();
    // `params.__proto__ = v` would set the prototype instead of a param: refused with a clear message instead.
    assert.throws(() => router.get('/a/:__proto__', 'proto'), (err: Error) => err.message.includes('"/a/:__proto__"') && err.message.includes('reserved'));
    router.get('/b/:constructor/:toString', 'ctor');
    const found = router.find('GET', '/b/1/2');
    assert.deepEqual(plain(found), {
      kind: 'found', handler: 'ctor', params: { constructor: '1', toString: '2' }, pattern: '/b/:constructor/:toString',
    });
    assert.ok(found.kind === 'found' && Object.hasOwn(found.params, 'constructor'));
  });
});

describe('route conflicts', () => {
  test('same shape, different param names, same method', () => {
    const router = new Router<string>();
    router.get('/users/:id', 'a');
    assertThrowsNaming(() => router.get('/users/:name', 'b'), ['GET /users/:name', 'GET /users/:id']);
  });

  test('the same static route twice', () => {
    const router = new Router<string>();
    router.get('/a', 'a');
    assertThrowsNaming(() => router.get('/a', 'b'), ['GET /a'], 2);
  });

  test('same-shape wildcards with different names', () => {
    const router = new Router<string>();
    router.get('/x/*a', 'a');
    assertThrowsNaming(() => router.get('/x/*b', 'b'), ['GET /x/*b', 'GET /x/*a']);
  });

  test('a multi-method registration conflicting on one of its methods', () => {
    const router = new Router<string>();
    router.add(['GET', 'POST'], '/m/:a', 'a');
    assertThrowsNaming(() => router.add('POST', '/m/:b', 'b'), ['POST /m/:b', 'POST /m/:a']);
  });

  test('conflicts through groups name the full patterns', () => {
    const router = new Router<string>();
    router.group('/api').get('/u/:id', 'a');
    assertThrowsNaming(() => router.get('/api/u/:uid', 'b'), ['GET /api/u/:uid', 'GET /api/u/:id']);
    assertThrowsNaming(() => router.group('/api').group('/u').get('/:key', 'c'), ['GET /api/u/:key', 'GET /api/u/:id']);
  });

  test('the first route keeps working after a rejected conflict', () => {
    const router = new Router<string>();
    router.get('/users/:id', 'first');
    assert.throws(() => router.get('/users/:name', 'second'));
    assert.deepEqual(plain(router.find('GET', '/users/7')), {
      kind: 'found', handler: 'first', params: { id: '7' }, pattern: '/users/:id',
    });
  });

  test('routes that are not conflicts', () => {
    const router = new Router<string>();
    router.get('/a', 'a');
    router.get('/a/', 'a-slash');
    router.post('/a', 'a-post');
    router.get('/x/new', 'x-new');
    router.get('/x/:id', 'x-id');
    router.get('/x/*rest', 'x-rest');
    router.put('/x/:name', 'x-name');
    router.post('/w/*a', 'w-a');
    router.put('/w/*b', 'w-b');
    router.add('PROPFIND', '/a', 'a-propfind');
    assert.equal(router.routes().length, 10);
  });
});

describe('invalid patterns', () => {
  const invalid: [string, string][] = [
    ['', 'empty pattern'],
    ['users', 'no leading slash'],
    ['users/:id', 'relative with a param'],
    ['/users/:', 'empty param name'],
    ['/files/*', 'empty wildcard name'],
    ['/a/*rest/b', 'wildcard not last'],
    ['/*rest/:id', 'wildcard before a param'],
    ['/a/b:c', 'colon inside a segment'],
    ['/a/:id:other', 'second colon inside a param segment'],
    ['/a*b', 'star inside a segment'],
    ['/files/x*', 'star at the end of a segment'],
    ['/users/:1id', 'param name starting with a digit'],
    ['/users/:id-x', 'param name with a dash'],
  ];
  for (const [pattern, why] of invalid) {
    test(`${why}: ${JSON.stringify(pattern)}`, () => {
      const router = new Router<string>();
      assertThrowsNaming(() => router.get(pattern, 'h'), [`"${pattern}"`]);
      assert.deepEqual(router.routes(), []);
    });
  }

  test('valid names and shapes are accepted', () => {
    const router = new Router<string>();
    router.get('/', 'root');
    router.get('/a/:_id/:Name2/*rest_0', 'h');
    router.get('/files/*path', 'files');
    router.get('/v1.2/a-b_c~d', 'static');
    assert.equal(router.routes().length, 4);
  });
});

describe('route groups with middleware', () => {
  const wrap = (tag: string): Middleware<string> => (next) => `${tag}(${next})`;

  test('group routes are prefixed and wrapped, first middleware outermost', () => {
    const router = new Router<string>();
    const api = router.group('/api', [wrap('a'), wrap('b')]);
    api.get('/x', 'h');
    assert.deepEqual(plain(router.find('GET', '/api/x')), { kind: 'found', handler: 'a(b(h))', params: {}, pattern: '/api/x' });
    assert.deepEqual(plain(router.find('HEAD', '/api/x')), { kind: 'found', handler: 'a(b(h))', params: {}, pattern: '/api/x' });
    assert.deepEqual(plain(router.find('POST', '/api/x')), { kind: 'method_not_allowed', allow: ['GET', 'HEAD', 'OPTIONS'] });
    assert.deepEqual(plain(router.find('GET', '/x')), { kind: 'not_found' });
  });

  test('nested groups compose outer middleware outside inner', () => {
    const router = new Router<string>();
    const api = router.group('/api', [wrap('a'), wrap('b')]);
    const v1 = api.group('/v1', [wrap('c')]);
    v1.get('/users/:id', 'u');
    v1.group('/admin', [wrap('d')]).delete('/users/:id', 'del');
    assert.deepEqual(plain(router.find('GET', '/api/v1/users/9')), {
      kind: 'found', handler: 'a(b(c(u)))', params: { id: '9' }, pattern: '/api/v1/users/:id',
    });
    assert.deepEqual(plain(router.find('DELETE', '/api/v1/admin/users/9')), {
      kind: 'found', handler: 'a(b(c(d(del))))', params: { id: '9' }, pattern: '/api/v1/admin/users/:id',
    });
  });

  test('every registration method of a group wraps its handler', () => {
    const router = new Router<string>();
    const g = router.group('/g', [wrap('m')]);
    g.get('/r', 'get');
    g.post('/r', 'post');
    g.put('/r', 'put');
    g.patch('/r', 'patch');
    g.delete('/r', 'delete');
    g.add('PROPFIND', '/r', 'propfind');
    g.add(['LOCK', 'UNLOCK'], '/r', 'lock');
    for (const [method, handler] of [
      ['GET', 'get'], ['POST', 'post'], ['PUT', 'put'], ['PATCH', 'patch'], ['DELETE', 'delete'],
      ['PROPFIND', 'propfind'], ['LOCK', 'lock'], ['UNLOCK', 'lock'],
    ]) {
      assert.deepEqual(plain(router.find(method, '/g/r')), { kind: 'found', handler: `m(${handler})`, params: {}, pattern: '/g/r' }, method);
    }
  });

  test('middleware never runs for routes outside the group', () => {
    const router = new Router<string>();
    router.get('/before', 'before');
    const api = router.group('/api', [wrap('a')]);
    api.get('/in', 'in');
    router.get('/after', 'after');
    router.get('/api/plain', 'plain');
    router.group('/other').get('/bare', 'bare');
    assert.equal(plain(router.find('GET', '/before')).handler, 'before');
    assert.equal(plain(router.find('GET', '/api/in')).handler, 'a(in)');
    assert.equal(plain(router.find('GET', '/after')).handler, 'after');
    assert.equal(plain(router.find('GET', '/api/plain')).handler, 'plain');
    assert.equal(plain(router.find('GET', '/other/bare')).handler, 'bare');
  });

  test('middleware is composed once, at registration', () => {
    let calls = 0;
    const counting: Middleware<string> = (next) => {
      calls++;
      return `c(${next})`;
    };
    const router = new Router<string>();
    const g = router.group('/g', [counting]);
    g.get('/a', 'a');
    g.get('/b/:id', 'b');
    const registered = calls;
    assert.ok(registered >= 2, `middleware ran ${registered} times for 2 registrations`);
    for (let i = 0; i < 100; i++) {
      router.find('GET', '/g/a');
      router.find('GET', '/g/b/1');
      router.find('OPTIONS', '/g/a');
    }
    assert.equal(calls, registered);
  });

  test('routes() lists every registered method and full pattern', () => {
    const router = new Router<string>();
    router.get('/', 'root');
    const api = router.group('/api', [wrap('a')]);
    api.add(['PUT', 'PATCH'], '/items/:id', 'write');
    api.group('/v2').post('/items', 'create');
    const listed = router.routes().map((r) => `${r.method} ${r.pattern}`).sort();
    assert.deepEqual(listed, ['GET /', 'PATCH /api/items/:id', 'POST /api/v2/items', 'PUT /api/items/:id']);
  });
});

describe('very long paths', () => {
  // Realistic routes plus catch-alls, so long inputs reach param, wildcard and backtracking code.
  const router = new Router<string>();
  for (const suite of routerSuites.slice(0, 1)) for (const r of suite.routes) router.add(r.method, r.pattern, r.handler);
  router.get('/deep/*rest', 'deep');
  router.get('/p/:a/:b/:c/:d', 'four');

  const segments = (n: number, text: string) => Array.from({ length: n }, () => text).join('/');
  const inputs: [string, string, string][] = [
    ['8 KB, 2000 segments, no route', 'GET', `/users/${segments(2000, 'abc')}`],
    ['8 KB, 2000 segments, wildcard', 'GET', `/files/${segments(2000, 'abc')}`],
    ['8 KB, 2000 segments, 405 on a wildcard', 'POST', `/files/${segments(2000, 'abc')}`],
    ['8 KB, 2000 segments, automatic OPTIONS', 'OPTIONS', `/deep/${segments(2000, 'abc')}`],
    ['8 KB, 2000 segments under params', 'GET', `/p/${segments(2000, 'abc')}`],
    ['8 KB of slashes', 'GET', '/'.repeat(8192)],
    ['8 KB of slashes then a route', 'GET', `${'/'.repeat(8000)}users`],
    ['8 KB of dot-dot segments', 'GET', `${'/a/..'.repeat(1640)}/users/7`],
    ['8 KB of encoded dot-dot segments', 'GET', `${'/%2E%2E'.repeat(1170)}/users/7`],
    ['8 KB single segment', 'GET', `/${'a'.repeat(8192)}`],
    ['8 KB single param', 'GET', `/users/${'a'.repeat(8192)}`],
    ['8 KB of escapes in one param', 'GET', `/users/${'%41%2F'.repeat(1366)}`],
    ['8 KB of escapes over 2000 segments', 'GET', `/files/${segments(2000, '%C3%A9')}`],
    ['16 KB, 8000 segments, wildcard', 'GET', `/deep/${segments(8000, 'x')}`],
    ['16 KB, 8000 segments, trailing slash', 'GET', `/users/${segments(8000, 'x')}/`],
    ['64 KB, 32000 segments, no route', 'GET', `/users/${segments(32000, 'x')}`],
  ];

  for (const [name, method, path] of inputs) {
    test(`${name} finishes quickly without throwing`, () => {
      router.find(method, path); // warm-up: the budget is for the lookup, not for compiling it
      const start = performance.now();
      let match: Match<string> | undefined;
      for (let i = 0; i < 5; i++) match = router.find(method, path);
      const perLookup = (performance.now() - start) / 5;
      assert.ok(match !== undefined && typeof match.kind === 'string');
      assert.ok(perLookup < 50, `${method} lookup of a ${path.length}-char path took ${perLookup.toFixed(1)} ms`);
    });
  }

  test('results on long paths are right', () => {
    const rest = segments(2000, 'abc');
    assert.deepEqual(plain(router.find('GET', `/files/${rest}`)), { kind: 'found', handler: 'files.any', params: { path: rest }, pattern: '/files/*path' });
    assert.deepEqual(plain(router.find('GET', `/users/${rest}`)), { kind: 'not_found' });
    assert.deepEqual(plain(router.find('POST', `/files/${rest}`)), { kind: 'method_not_allowed', allow: ['GET', 'HEAD', 'OPTIONS'] });
    assert.deepEqual(plain(router.find('GET', `${'/'.repeat(8000)}users`)), { kind: 'redirect', path: '/users' });
    assert.deepEqual(plain(router.find('GET', `${'/a/..'.repeat(1640)}/users/7`)), { kind: 'redirect', path: '/users/7' });
    assert.deepEqual(plain(router.find('GET', `/users/${'%41%2F'.repeat(1366)}`)), {
      kind: 'found', handler: 'users.show', params: { id: 'A/'.repeat(1366) }, pattern: '/users/:id',
    });
  });
});
