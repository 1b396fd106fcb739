// Declared endpoints end to end: a real server mounting test/e2e/fixtures/api (definition.json + handlers.ts), driven
// with fetch: every type accepted and refused from every source, renaming, permissions, output checking, routing
// answers, bodies of every kind, multipart uploads with their limits, and the OpenAPI document.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../../src/app.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';
import { jwtKey, signJwt } from '../../src/lib/jwt.ts';
import { lastUploads } from './fixtures/api/handlers.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/api/', import.meta.url));
const SECRET = 'a-shared-secret-for-api-tests-of-32-chars';
let app: App;
let url: string;
let port: number;
let dir: string;
const records: LogRecord[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monolite-api-'));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {}, log: new Logger([(r) => records.push(r)], 'info'),
    flags: {
      server: { port: 0 },
      auth: { external_secrets: SECRET },
      cors: { enabled: true, origins: ['https://app.example'] },
      api: { definition: join(FIXTURES, 'definition.json'), handlers: join(FIXTURES, 'handlers.ts'), max_file_bytes: 1024, max_parts: 6, max_field_bytes: 256 },
    },
  });
  const server = await app.listen();
  url = server.url;
  port = server.port;
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);
/** An external token carrying `scopes`. */
const token = (scopes: string[]) => signJwt({ sub: 'svc-1', scope: scopes.join(' '), iat: now(), exp: now() + 600 }, jwtKey(SECRET));

interface Request {
  method?: string;
  path: string;
  json?: unknown;
  form?: string;
  multipart?: FormData;
  body?: string;
  type?: string;
  scopes?: string[];
  headers?: Record<string, string>;
}

interface Response {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

async function call(r: Request): Promise<Response> {
  const headers: Record<string, string> = { ...r.headers };
  let body: string | FormData | undefined = r.body;
  if (r.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(r.json);
  } else if (r.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = r.form;
  } else if (r.multipart !== undefined) body = r.multipart;
  if (r.type !== undefined) headers['content-type'] = r.type;
  if (r.scopes !== undefined) headers.authorization = `Bearer ${token(r.scopes)}`;
  const res = await fetch(url + r.path, { method: r.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

interface Case extends Request {
  name: string;
  status: number;
  /** The whole JSON body. */
  expect?: unknown;
  /** `got` of an echo service. */
  got?: unknown;
  code?: string;
  /** The errors list: [field, code] pairs, or full items. */
  errors?: ([string, string] | { field: string; code: string; message: string })[];
  detail?: RegExp;
}

function runCases(cases: Case[]): void {
  for (const c of cases) {
    test(c.name, async () => {
      const r = await call(c);
      assert.equal(r.status, c.status, `${c.name}: ${r.text}`);
      if (c.expect !== undefined) assert.deepEqual(r.body, c.expect);
      if (c.got !== undefined) assert.deepEqual(r.body, { got: c.got });
      if (c.code !== undefined) {
        assert.equal(r.body.code, c.code);
        assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      }
      if (c.errors !== undefined) {
        const errors = r.body.errors as { field: string; code: string; message: string }[];
        assert.deepEqual(errors.map((e, i) => (Array.isArray(c.errors![i]) ? [e.field, e.code] : e)), c.errors);
      }
      if (c.detail !== undefined) assert.match(String(r.body.detail), c.detail);
    });
  }
}

const q = (query: string) => `/types/query?${query}`;
const invalid = (field: string, message: string) => ({ field, code: 'invalid_param', message });

describe('query values of every type', () => {
  runCases([
    { name: 'bool true', path: q('b=true'), status: 200, got: { b: true, d: 7 } },
    { name: 'bool FALSE (case-insensitive)', path: q('b=FALSE'), status: 200, got: { b: false, d: 7 } },
    { name: 'bool 1 and 0', path: q('b=1'), status: 200, got: { b: true, d: 7 } },
    { name: 'bool yes is refused', path: q('b=yes'), status: 400, code: 'invalid_param', errors: [invalid('b', 'b: expected bool (true, false, 1 or 0), got "yes"')] },
    { name: 'int -42', path: q('i=-42'), status: 200, got: { i: -42, d: 7 } },
    { name: 'int +7', path: q('i=%2B7'), status: 200, got: { i: 7, d: 7 } },
    { name: 'int 1.5 is refused', path: q('i=1.5'), status: 400, code: 'invalid_param', errors: [invalid('i', 'i: expected int, got "1.5"')], detail: /^Invalid parameter i: expected int, got "1\.5"$/ },
    { name: 'int beyond 2^53 − 1 is refused', path: q('i=9007199254740992'), status: 400, errors: [['i', 'invalid_param']] },
    { name: 'int 2^53 − 1 is accepted', path: q('i=-9007199254740991'), status: 200, got: { i: -9007199254740991, d: 7 } },
    { name: 'uint -1 is refused', path: q('u=-1'), status: 400, errors: [invalid('u', 'u: expected uint, got "-1"')] },
    { name: 'uint 0012', path: q('u=0012'), status: 200, got: { u: 12, d: 7 } },
    { name: 'float 1.5e3', path: q('f=1.5e3'), status: 200, got: { f: 1500, d: 7 } },
    { name: 'float .5', path: q('f=-.5'), status: 200, got: { f: -0.5, d: 7 } },
    { name: 'float abc is refused', path: q('f=abc'), status: 400, errors: [invalid('f', 'f: expected float, got "abc"')] },
    { name: 'float Infinity is refused', path: q('f=Infinity'), status: 400, errors: [['f', 'invalid_param']] },
    { name: 'float 1e400 (not finite) is refused', path: q('f=1e400'), status: 400, errors: [['f', 'invalid_param']] },
    { name: 'string: empty is a value', path: q('s='), status: 200, got: { s: '', d: 7 } },
    { name: 'string: + is a space, %-escapes decoded', path: q('s=a+b%26c'), status: 200, got: { s: 'a b&c', d: 7 } },
    { name: 'string: malformed escape is refused', path: q('s=%zz'), status: 400, errors: [invalid('s', 's: malformed percent-encoding in "%zz"')] },
    { name: 'string(2,5) with 1 character', path: q('s25=a'), status: 400, errors: [invalid('s25', 's25: expected string(2,5) (2 to 5 characters), got "a" (1 character)')] },
    { name: 'string(2,5) with 6 characters', path: q('s25=abcdef'), status: 400, errors: [invalid('s25', 's25: expected string(2,5) (2 to 5 characters), got "abcdef" (6 characters)')] },
    { name: 'string(2,5) counts code points', path: q(`s25=${encodeURIComponent('😀😀😀😀é')}`), status: 200, got: { s25: '😀😀😀😀é', d: 7 } },
    { name: 'string(2,5) with 2 and 5 characters', path: q('s25=ab&s3=abc'), status: 200, got: { s25: 'ab', s3: 'abc', d: 7 } },
    { name: 'string(3) with 2 characters', path: q('s3=ab'), status: 400, errors: [invalid('s3', 's3: expected string(3) (3 characters), got "ab" (2 characters)')] },
    { name: '[]int from repeated keys', path: q('ai=1&ai=-2'), status: 200, got: { ai: [1, -2], d: 7 } },
    { name: '[]int with a bad element', path: q('ai=1&ai=x'), status: 400, errors: [invalid('ai', 'ai[1]: expected int, got "x"')] },
    { name: '[]string from one key', path: q('as=a,b'), status: 200, got: { as: ['a,b'], d: 7 } },
    { name: 'repeated key for a scalar is refused', path: q('i=1&i=2'), status: 400, errors: [invalid('i', 'i: expected one int value, got 2 values (only []T takes a repeated key)')] },
    { name: 'empty value of an optional non-string is absent', path: q('i=&u=&ai=&email='), status: 200, got: { d: 7 } },
    { name: 'any takes the text', path: q('a=anything'), status: 200, got: { a: 'anything', d: 7 } },
    { name: 'default fills a missing optional; a value replaces it', path: q('d=3'), status: 200, got: { d: 3 } },
    { name: 'custom type converts', path: q('email=Ada@Example.COM'), status: 200, got: { email: 'ada@example.com', d: 7 } },
    { name: 'custom type refuses', path: q('email=nope'), status: 400, errors: [invalid('email', 'email: expected an email address, got "nope"')] },
    { name: 'percent-encoded key', path: q('%73=hi&zzz=ignored'), status: 200, got: { s: 'hi', d: 7 } },
    { name: 'several bad values in one answer', path: q('i=x&u=-1&b=2'), status: 400, code: 'invalid_param', errors: [['b', 'invalid_param'], ['i', 'invalid_param'], ['u', 'invalid_param']], detail: /"b", "i", "u"/ },
  ]);
});

const body = (json: unknown): Request => ({ method: 'POST', path: '/types/body', json });

describe('JSON, urlencoded and multipart bodies', () => {
  runCases([
    { name: 'JSON values of every type', ...body({ b: false, i: -3, u: 3, f: 2, s: '', s25: 'abc', ai: [1, 2], aai: [[1], [2, 3]], m: { a: 1 }, a: { x: [null] }, email: 'A@B.C', emails: ['X@Y.Z'] }), status: 200,
      got: { b: false, i: -3, u: 3, f: 2, s: '', s25: 'abc', ai: [1, 2], aai: [[1], [2, 3]], m: { a: 1 }, a: { x: [null] }, d: ['x', 'y'], email: 'a@b.c', emails: ['x@y.z'] } },
    { name: 'JSON int 1.5 is refused', ...body({ i: 1.5 }), status: 400, errors: [invalid('i', 'i: expected int, got 1.5')] },
    { name: 'JSON values must already have the type ("1" is not an int)', ...body({ i: '1' }), status: 400, errors: [invalid('i', 'i: expected int, got "1"')] },
    { name: 'JSON uint -1 is refused', ...body({ u: -1 }), status: 400, errors: [invalid('u', 'u: expected uint, got -1')] },
    { name: 'JSON bool "true" is refused', ...body({ b: 'true' }), status: 400, errors: [invalid('b', 'b: expected bool, got "true"')] },
    { name: 'JSON string(2,5) with 6 characters', ...body({ s25: 'abcdef' }), status: 400, errors: [['s25', 'invalid_param']] },
    { name: 'JSON []int with a bad element', ...body({ ai: [1, 'x'] }), status: 400, errors: [invalid('ai', 'ai[1]: expected int, got "x"')] },
    { name: 'JSON []int that is not an array', ...body({ ai: 1 }), status: 400, errors: [invalid('ai', 'ai: expected []int, got 1')] },
    { name: 'JSON [][]int with a bad element', ...body({ aai: [[1], ['x']] }), status: 400, errors: [invalid('aai', 'aai[1][0]: expected int, got "x"')] },
    { name: 'JSON map[int] with a bad member', ...body({ m: { a: 1, 'b c': 'x' } }), status: 400, errors: [invalid('m', 'm["b c"]: expected int, got "x"')] },
    { name: 'JSON map[int] that is an array', ...body({ m: [1] }), status: 400, errors: [invalid('m', 'm: expected map[int] (an object), got an array')] },
    { name: 'JSON null: absent for an optional, null for any', ...body({ i: null, a: null }), status: 200, got: { a: null, d: ['x', 'y'] } },
    { name: 'JSON custom type element refused', ...body({ emails: ['a@b.c', 'bad'] }), status: 400, errors: [invalid('emails', 'emails[1]: expected an email address, got "bad"')] },
    { name: 'JSON body that is not an object', ...body([1, 2]), status: 400, code: 'invalid_body' },
    { name: 'malformed JSON', method: 'POST', path: '/types/body', body: '{"i": 1,', type: 'application/json', status: 400, code: 'malformed_json', detail: /line 1, column 9/ },
    { name: 'wrong content type', method: 'POST', path: '/types/body', body: 'i=1', type: 'text/plain', status: 415, code: 'unsupported_media_type' },
    { name: '+json media types are JSON', method: 'POST', path: '/types/body', body: '{"i": 4}', type: 'application/merge-patch+json', status: 200, got: { i: 4, d: ['x', 'y'] } },
    { name: 'urlencoded values are converted', method: 'POST', path: '/types/body', form: 'i=5&ai=1&ai=2&b=true&s25=abc&d=z', status: 200, got: { i: 5, ai: [1, 2], b: true, s25: 'abc', d: ['z'] } },
    { name: 'urlencoded map is refused (needs JSON)', method: 'POST', path: '/types/body', form: 'm=1', status: 400, errors: [invalid('m', 'm: expected map[int] (a JSON object: send a JSON body), got "1"')] },
    { name: 'urlencoded bad int', method: 'POST', path: '/types/body', form: 'u=-1', status: 400, errors: [invalid('u', 'u: expected uint, got "-1"')] },
    { name: 'multipart fields are converted', method: 'POST', path: '/types/body', multipart: form({ i: '5', ai: ['1', '2'], email: 'Q@R.S' }), status: 200, got: { i: 5, ai: [1, 2], email: 'q@r.s', d: ['x', 'y'] } },
    { name: 'multipart file for a text parameter', method: 'POST', path: '/types/body', multipart: form({ s: new File(['x'], 'x.txt') }), status: 400, errors: [invalid('s', 's: expected string, got a file')] },
  ]);
});

function form(entries: Record<string, string | File | (string | File)[]>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(entries)) for (const v of Array.isArray(value) ? value : [value]) data.append(key, v);
  return data;
}

describe('required parameters and defaults', () => {
  runCases([
    { name: 'everything missing: one 400 naming each', method: 'POST', path: '/articles', json: {}, status: 400, code: 'missing_param',
      errors: [{ field: 'title', code: 'missing_param', message: 'title: missing, expected string(1,200)' }, { field: 'count', code: 'missing_param', message: 'count: missing, expected uint' }],
      detail: /^Missing parameters "title", "count"$/ },
    { name: 'no body at all: required body parameters are still enforced', method: 'POST', path: '/articles', status: 400, code: 'missing_param', errors: [['title', 'missing_param'], ['count', 'missing_param']] },
    { name: 'an empty JSON body (Content-Length 0) counts as no body', method: 'POST', path: '/articles', body: '', type: 'application/json', status: 400, code: 'missing_param' },
    { name: 'JSON null for a required parameter', method: 'POST', path: '/articles', json: { title: null, count: 1 }, status: 400, errors: [invalid('title', 'title: expected string(1,200), got null')] },
    { name: 'string(1,200) with 0 characters', method: 'POST', path: '/articles', json: { title: '', count: 1 }, status: 400, errors: [['title', 'invalid_param']] },
    { name: 'missing and invalid together: invalid_param', method: 'POST', path: '/articles', json: { count: -1 }, status: 400, code: 'invalid_param', errors: [['title', 'missing_param'], ['count', 'invalid_param']] },
    { name: 'all given; the default fills draft; query and body mix', method: 'POST', path: '/articles?dry=1', json: { title: 'Hello', count: 2, tags: ['a'] }, status: 200, got: { title: 'Hello', count: 2, tags: ['a'], draft: true, dryRun: true } },
    { name: 'optional given overrides its default', method: 'POST', path: '/articles', json: { title: 'Hello', count: 2, draft: false }, status: 200, got: { title: 'Hello', count: 2, draft: false } },
  ]);
});

describe('path parameters and renaming', () => {
  runCases([
    { name: 'renamed path and query parameters; undeclared output keys dropped', path: '/items/42?fields=a&fields=b', status: 200, expect: { id: 42, fields: ['a', 'b'] } },
    { name: 'optional output left out', path: '/items/42', status: 200, expect: { id: 42 } },
    { name: 'path value of the wrong type: 400 naming it', path: '/items/abc', status: 400, code: 'invalid_param', errors: [invalid('id', 'id: expected uint, got "abc"')] },
    { name: 'path value -1 for a uint', path: '/items/-1', status: 400, errors: [invalid('id', 'id: expected uint, got "-1"')] },
    { name: 'dashed path parameter names, percent-decoded values, ctx.params', path: '/users/7/posts/hello%20world', status: 200, expect: { user: 7, post: 'hello world', params: { 'user-id': '7', post: 'hello world' } } },
    { name: 'PATCH with a body', method: 'PATCH', path: '/items/3', json: { title: 'abc' }, status: 200, expect: { id: 3, title: 'abc' } },
    { name: 'PATCH with nothing optional', method: 'PATCH', path: '/items/3', json: {}, status: 200, expect: { id: 3 } },
    { name: 'PATCH with a title too long', method: 'PATCH', path: '/items/3', json: { title: 'abcdef' }, status: 400, errors: [['title', 'invalid_param']] },
    { name: 'no out: 204 whatever the handler returns', method: 'DELETE', path: '/items/3', status: 204 },
  ]);
});

describe('routing', () => {
  test('unknown path: 404', async () => {
    const r = await call({ path: '/nope' });
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'not_found');
  });
  test('wrong method: 405 with Allow', async () => {
    const r = await call({ method: 'POST', path: '/items/3' });
    assert.equal(r.status, 405);
    assert.equal(r.body.code, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'DELETE, GET, HEAD, OPTIONS, PATCH');
  });
  test('GET on a POST-only service: 405', async () => {
    const r = await call({ path: '/articles' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'OPTIONS, POST');
  });
  test('OPTIONS: 204 with Allow', async () => {
    const r = await call({ method: 'OPTIONS', path: '/items/3' });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('allow'), 'DELETE, GET, HEAD, OPTIONS, PATCH');
  });
  test('HEAD: the GET answer without a body', async () => {
    const r = await call({ method: 'HEAD', path: '/items/3' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r.headers.get('content-length'), String('{"id":3}'.length));
  });
  test('CORS from the middleware: a preflight, and the allowed origin on an answer', async () => {
    const pre = await call({ method: 'OPTIONS', path: '/items/3', headers: { origin: 'https://app.example', 'access-control-request-method': 'PATCH' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    const r = await call({ path: '/items/3', headers: { origin: 'https://app.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example');
    const problem = await call({ path: '/items/x', headers: { origin: 'https://app.example' } });
    assert.equal(problem.status, 400);
    assert.equal(problem.headers.get('access-control-allow-origin'), 'https://app.example');
  });
  test('a bad token: 401 on a found route, still 404 on an unknown path', async () => {
    const bad = { authorization: 'Bearer not.a.token' };
    assert.equal((await call({ path: '/items/1', headers: bad })).status, 401);
    assert.equal((await call({ path: '/nope', headers: bad })).status, 404);
  });
});

describe('permissions', () => {
  runCases([
    { name: 'no token: 401', path: '/perm/and-or', status: 401, code: 'auth_required' },
    { name: 'a alone does not satisfy (a and b) or c: 403 listing the alternatives', path: '/perm/and-or', scopes: ['a'], status: 403, code: 'forbidden', detail: /needs \("a" and "b"\) or "c"$/ },
    { name: 'a and b satisfy', path: '/perm/and-or', scopes: ['b', 'a'], status: 204 },
    { name: 'c satisfies', path: '/perm/and-or', scopes: ['c'], status: 204 },
    { name: '[id] is replaced by the path value', method: 'PUT', path: '/perm/articles/42', scopes: ['articles-42-write'], status: 200, expect: { id: 42 } },
    { name: '[id] uses the raw text (0042 is not 42)', method: 'PUT', path: '/perm/articles/0042', scopes: ['articles-42-write'], status: 403, detail: /needs "articles-0042-write" or "admin"$/ },
    { name: 'another id: 403', method: 'PUT', path: '/perm/articles/42', scopes: ['articles-7-write'], status: 403, code: 'forbidden' },
    { name: 'the other alternative', method: 'PUT', path: '/perm/articles/42', scopes: ['admin'], status: 200 },
    { name: 'permissions before inputs: no token → 401, not 400', method: 'POST', path: '/perm/order', status: 401 },
    { name: 'permissions before inputs: wrong scope → 403, not 400', method: 'POST', path: '/perm/order', scopes: ['y'], status: 403 },
    { name: 'then inputs: 400', method: 'POST', path: '/perm/order', scopes: ['x'], status: 400, code: 'missing_param' },
    { name: 'permitted with the input: 204', method: 'POST', path: '/perm/order', scopes: ['x'], json: { title: 't' }, status: 204 },
    { name: 'the handler context with a token', path: '/perm/whoami', scopes: ['p', 'q'], status: 200,
      expect: { user: { id: 'svc-1', scopes: ['p', 'q'], external: true }, scopes: ['p', 'q'], sub: 'svc-1', service: 'GET /perm/whoami', app: true } },
    { name: '[[]] needs no permission; anonymous context', path: '/perm/whoami', status: 200, expect: { user: null, scopes: null, sub: null, service: 'GET /perm/whoami', app: true } },
  ]);
});

describe('outputs and handler errors', () => {
  test('exactly the declared outputs, in declaration order', async () => {
    const r = await call({ path: '/out/ok' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"n":1,"s":"a"}');
  });
  test('an optional output may be null', async () => {
    assert.equal((await call({ path: '/out/optional-null' })).text, '{"n":1,"s":"a","opt":null}');
  });
  for (const [which, problem] of [
    ['missing', '"s" is missing (expected string)'],
    ['mistyped', 'n: expected int, got "1"'],
    ['float', 'n: expected int, got 1.5'],
    ['nan', 'n: expected int, got NaN'],
    ['null', 'expected an object with "n", "s", "opt", got null'],
    ['array', 'expected an object with "n", "s", "opt", got an array'],
  ]) {
    test(`output ${which}: 500 invalid_output, logged with the service`, async () => {
      records.length = 0;
      const r = await call({ path: `/out/${which}` });
      assert.equal(r.status, 500);
      assert.equal(r.body.code, 'invalid_output');
      const logged = records.find((rec) => rec.msg.includes('does not match'));
      assert.ok(logged, 'logged');
      assert.equal(logged.fields.service, 'GET /out/{case}');
      assert.deepEqual(logged.fields.problems, [problem]);
      assert.equal(logged.fields.request_id, r.headers.get('x-request-id'));
    });
  }
  for (const which of ['sync-throw', 'async-reject']) {
    test(`${which}: 500 internal, nothing of the error in the body`, async () => {
      records.length = 0;
      const r = await call({ path: `/out/${which}` });
      assert.equal(r.status, 500);
      assert.equal(r.body.code, 'internal');
      assert.doesNotMatch(r.text, /secret/);
      const logged = records.find((rec) => rec.msg === 'A handler threw');
      assert.equal(logged?.fields.service, 'GET /out/{case}');
    });
  }
  test('a handler that answered through ctx.request is left alone', async () => {
    const r = await call({ path: '/download' });
    assert.equal(r.status, 200);
    assert.equal(r.text, 'raw bytes');
    assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
  });
  runCases([
    { name: 'ApiError from the catalogue', path: '/out/api-error', status: 404, code: 'not_found', detail: /^No thing "x"$/ },
    { name: 'ApiError with an app-defined code', path: '/out/app-error', status: 429, code: 'quota_exceeded', detail: /^Monthly quota used up$/ },
    { name: 'any error with a status and a code', path: '/out/status-object', status: 418, code: 'teapot', detail: /^I am a teapot$/ },
    { name: 'a status outside 400–599 is a 500', path: '/out/bad-status', status: 500, code: 'internal' },
  ]);
});

describe('multipart uploads', () => {
  test('a file, repeated files and fields: the handler gets name, type, size, path and stream', async () => {
    const data = form({
      title: 'Cover', cover: new File(['hello file'], 'photo.png', { type: 'image/png' }),
      extra: [new File(['1'], 'one.txt'), new File(['2'], 'two.txt')], n: ['1', '2'],
    });
    const r = await call({ method: 'POST', path: '/upload', multipart: data });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.title, 'Cover');
    assert.equal(r.body.name, 'photo.png');
    assert.equal(r.body.type, 'image/png');
    assert.equal(r.body.size, 10);
    assert.equal(r.body.content, 'hello file');
    assert.deepEqual(r.body.extras, ['one.txt', 'two.txt']);
    assert.deepEqual(r.body.n, [1, 2]);
    assert.equal(lastUploads.length, 3);
    // Removed once the response is done.
    for (let i = 0; i < 100 && lastUploads.some((p) => existsSync(p)); i++) await new Promise((done) => setTimeout(done, 10));
    assert.deepEqual(lastUploads.filter((p) => existsSync(p)), []);
  });
  runCases([
    { name: 'a JSON request to a service with a required file: 400 naming it', method: 'POST', path: '/upload', json: { title: 'x' }, status: 400, code: 'missing_param',
      errors: [{ field: 'cover', code: 'missing_param', message: 'cover: missing, expected file (send multipart/form-data)' }] },
    { name: 'multipart without the file', method: 'POST', path: '/upload', multipart: form({ title: 'x' }), status: 400, errors: [['cover', 'missing_param']] },
    { name: 'a text field for the file', method: 'POST', path: '/upload', multipart: form({ title: 'x', cover: 'text' }), status: 400, errors: [invalid('cover', 'cover: expected file, got a text field (a file part needs a filename)')] },
    { name: 'two files for one file parameter', method: 'POST', path: '/upload', multipart: form({ title: 'x', cover: [new File(['a'], 'a'), new File(['b'], 'b')] }), status: 400, errors: [invalid('cover', 'cover: expected one file, got 2 (only []file takes several)')] },
    { name: 'a field of the wrong type beside a file', method: 'POST', path: '/upload', multipart: form({ title: 'x', cover: new File(['a'], 'a'), n: 'z' }), status: 400, errors: [invalid('n', 'n[0]: expected int, got "z"')] },
    { name: 'an optional file left out', method: 'POST', path: '/upload/optional', form: 'note=hi', status: 200, expect: { hasCover: false, note: 'hi' } },
    { name: 'an optional file given', method: 'POST', path: '/upload/optional', multipart: form({ cover: new File(['a'], 'a.bin') }), status: 200, expect: { hasCover: true } },
    { name: 'a file above api.max_file_bytes: 413', method: 'POST', path: '/upload', multipart: form({ title: 'x', cover: new File(['x'.repeat(2000)], 'big.bin') }), status: 413, code: 'file_too_large' },
    { name: 'more parts than api.max_parts: 413', method: 'POST', path: '/upload', multipart: form({ title: 'x', cover: new File(['a'], 'a'), n: ['1', '2', '3', '4', '5', '6'] }), status: 413, code: 'too_many_parts' },
    { name: 'a field above api.max_field_bytes: 413', method: 'POST', path: '/upload', multipart: form({ title: 'x'.repeat(300), cover: new File(['a'], 'a') }), status: 413, code: 'field_too_large' },
    { name: 'a malformed multipart body: 400', method: 'POST', path: '/upload', body: '--b\r\nno headers end', type: 'multipart/form-data; boundary=b', status: 400, code: 'malformed_multipart' },
    { name: 'multipart without a boundary: 400', method: 'POST', path: '/upload', body: 'x', type: 'multipart/form-data', status: 400, code: 'malformed_multipart' },
  ]);
  test('a 413 closes the connection', async () => {
    const r = await call({ method: 'POST', path: '/upload', multipart: form({ title: 'x', cover: new File(['x'.repeat(2000)], 'big.bin') }) });
    assert.equal(r.status, 413);
    assert.equal(r.headers.get('connection'), 'close');
  });
  test('a declared Content-Length above the upload limit: 413 before any byte of the body', async () => {
    const head = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000000\r\n\r\n');
      });
      let text = '';
      socket.on('data', (c) => { text += c; if (text.includes('\r\n\r\n')) { socket.destroy(); resolve(text); } });
      socket.on('error', reject);
    });
    assert.match(head, /^HTTP\/1\.1 413 /);
    assert.match(head, /connection: close/i);
  });
  test('no temp file is left behind', async () => {
    const tmp = join(dir, 'data', 'tmp');
    for (let i = 0; i < 100 && existsSync(tmp) && readdirSync(tmp).length > 0; i++) await new Promise((done) => setTimeout(done, 10));
    assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], []);
  });
});

describe('OpenAPI', () => {
  test('GET /api/openapi.json: an OpenAPI 3.1 document of the definition', async () => {
    const r = await call({ path: '/api/openapi.json' });
    assert.equal(r.status, 200);
    const doc = r.body as { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>>; components: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths['/items/{id}']).sort(), ['delete', 'get', 'patch']);
    const get = doc.paths['/items/{id}'].get;
    assert.deepEqual(get.parameters, [
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
      { name: 'fields', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } } },
    ]);
    const upload = doc.paths['/upload'].post;
    const content = (upload.requestBody as { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> }).content;
    assert.deepEqual(Object.keys(content), ['multipart/form-data']);
    assert.deepEqual(content['multipart/form-data'].schema.properties.cover, { type: 'string', contentMediaType: 'application/octet-stream', description: 'the cover image' });
    assert.deepEqual(content['multipart/form-data'].schema.required, ['title', 'cover']);
    assert.deepEqual(doc.paths['/perm/and-or'].get.security, [{ bearer: ['a', 'b'] }, { bearer: ['c'] }]);
    assert.deepEqual(doc.paths['/perm/articles/{id}'].put.security, [{ bearer: ['articles-[id]-write'] }, { bearer: ['admin'] }]);
    assert.ok('204' in (doc.paths['/items/{id}'].delete.responses as object));
    assert.deepEqual(Object.keys((doc.paths['/articles'].post.requestBody as { content: object }).content), ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']);
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A session token, or an external token whose "scope" claim holds the permissions' });
  });
});

describe('boot', () => {
  test('createApp refuses to start with a broken definition, listing every problem', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'monolite-api-boot-'));
    try {
      const definition = join(bad, 'definition.json');
      const handlers = join(bad, 'handlers.mjs');
      writeFileSync(definition, JSON.stringify([
        { method: 'GET', path: '/a/{id}', in: { '{id}': { type: '?uint' } } },
        { method: 'GET', path: '/a/{name}', in: { '{name}': { type: 'string' } }, scope: [['x-[id]']] },
        { method: 'POST', path: '/b', in: { draft: { type: '?bool', default: 'no' } } },
      ]));
      writeFileSync(handlers, 'export default { "GET /a/{id}": () => ({}), "GET /z": () => ({}) };');
      await assert.rejects(createApp({ dataDir: join(bad, 'data'), env: {}, log: new Logger([], 'error'), flags: { api: { definition, handlers } } }), (err: Error) => {
        assert.equal(err.name, 'ApiDefinitionError');
        assert.deepEqual(err.message.split('\n').slice(1), [
          '  - GET /a/{id}: in "{id}": a path parameter cannot be optional',
          '  - GET /a/{name}: scope[0][0] "x-[id]" refers to [id], which is not a path parameter (expected one of [name])',
          '  - GET /a/{name}: collides with GET /a/{id} (same method, equivalent path)',
          '  - POST /b: in "draft": default: expected bool, got "no"',
          '  - GET /a/{name}: no handler (the handlers module\'s default export needs a function under "GET /a/{name}")',
          '  - POST /b: no handler (the handlers module\'s default export needs a function under "POST /b")',
          '  - Handler "GET /z" matches no service of the definition',
        ]);
        return true;
      });
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
