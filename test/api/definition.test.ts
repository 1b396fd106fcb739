// The boot checks of declared endpoints (checkApi, what mountApi and `monolite api check` run): one table of broken
// definitions and handler modules, each with the exact problems it must produce, all of them at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkApi } from '../../src/api/check.ts';

let dir: string;
let counter = 0;
before(() => { dir = mkdtempSync(join(tmpdir(), 'monolite-api-def-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const EMAIL_TYPE = `export const types = { email: (raw) => { if (typeof raw !== 'string' || !raw.includes('@')) throw new Error('expected an email address'); return raw; } };\n`;

/**
 * The problems of `definition` checked against `handlers` (module source); without `handlers`, a module with a
 * handler for every service whose method and path are strings (and the custom type "email").
 */
async function problemsOf(definition: unknown, handlers?: string): Promise<string[]> {
  const n = ++counter;
  const definitionFile = join(dir, `definition-${n}.json`);
  const handlersFile = join(dir, `handlers-${n}.mjs`);
  writeFileSync(definitionFile, typeof definition === 'string' ? definition : JSON.stringify(definition, null, 2));
  if (handlers === undefined) {
    const ids = Array.isArray(definition)
      ? definition.flatMap((s) => (typeof s?.method === 'string' && typeof s?.path === 'string' ? [`${s.method} ${s.path}`] : []))
      : [];
    handlers = `${EMAIL_TYPE}export default {${ids.map((id) => `${JSON.stringify(id)}: () => ({})`).join(', ')}};\n`;
  }
  writeFileSync(handlersFile, handlers);
  const { problems } = await checkApi({ definitionFile, handlersFile });
  return problems.map((p) => p.replaceAll(dir, '<dir>').replace(/-\d+\.(json|mjs)/g, '.$1'));
}

const svc = (extra: Record<string, unknown>) => ({ method: 'POST', path: '/a', ...extra });

const CASES: { name: string; definition: unknown; handlers?: string; problems: string[] }[] = [
  { name: 'a valid definition', definition: [
    { method: 'GET', path: '/', out: { ok: { type: 'bool' } } },
    { method: 'GET', path: '/a/{id}', scope: [['a-[id]'], ['admin']], in: { '{id}': { type: 'uint' }, 'GET@q': { type: '?[]string' }, 'GET@e': { type: '?email', default: 'a@b' } }, out: { x: { type: '?map[[]float]' } } },
    { method: 'POST', path: '/a/{id}', in: { '{id}': { type: 'string(1,3)', name: 'ident' }, f: { type: '?[]file' }, g: { type: 'file' }, m: { type: '?map[any]', default: { a: 1 } } } },
    { method: 'PATCH', path: '/a/{id}', scope: null, in: { '{id}': { type: 'int' } } },
  ], problems: [] },
  { name: 'not an array', definition: { services: [] }, problems: ['The definition must be a JSON array of services, got an object'] },
  { name: 'malformed JSON', definition: '[\n  {"method": "GET",]', problems: ['The definition "<dir>/definition.json" is not valid JSON (line 2, column 20: Expected a property name in double quotes but found "]")'] },
  { name: 'a service that is not an object', definition: [null], problems: ['service #1 must be an object with method, path, in and out, got null'] },
  { name: 'missing method and path', definition: [{ in: {} }], problems: ['service #1: missing "method"', 'service #1: missing "path"'] },
  { name: 'unknown method', definition: [{ method: 'get', path: '/a' }], problems: ['get /a: method "get" is not one of GET, POST, PUT, PATCH, DELETE'] },
  { name: 'unknown service field', definition: [svc({ scopes: [['a']] })], problems: ['POST /a: unknown field "scopes" (expected method, path, info, scope, in, out)'] },
  { name: 'info not a string', definition: [svc({ info: 3 })], problems: ['POST /a: "info" must be a string, got 3'] },
  { name: 'path without a leading slash', definition: [svc({ path: 'a' })], problems: ['POST a: path "a" must start with "/"'] },
  { name: 'path with a trailing slash', definition: [svc({ path: '/a/' })], problems: ['POST /a/: path "/a/" must not end with "/"'] },
  { name: 'path with an empty segment', definition: [svc({ path: '/a//b' })], problems: ['POST /a//b: path "/a//b" has an empty segment ("//")'] },
  { name: 'path with a dot segment', definition: [svc({ path: '/a/../b' })], problems: ['POST /a/../b: path "/a/../b" has a dot segment ".."'] },
  { name: 'path with a query', definition: [svc({ path: '/a?x=1' })], problems: ['POST /a?x=1: path "/a?x=1" must not hold "?", "#" or whitespace'] },
  { name: 'braces inside a segment', definition: [svc({ path: '/a/x{id}' })], problems: ['POST /a/x{id}: path segment "x{id}" mixes text and braces; a path parameter takes a whole segment ({name})'] },
  { name: 'router syntax in a path', definition: [svc({ path: '/a/:id' })], problems: ['POST /a/:id: path segment ":id" holds ":" or "*", which the router reserves; write path parameters as {name}'] },
  { name: 'bad path parameter name', definition: [svc({ path: '/a/{1x}' })], problems: ['POST /a/{1x}: path parameter {1x} must be named with letters, digits, "_" and "-", starting with a letter or "_"'] },
  { name: 'path parameter twice', definition: [svc({ path: '/a/{id}/{id}', in: { '{id}': { type: 'int' } } })], problems: ['POST /a/{id}/{id}: path parameter {id} appears twice'] },
  { name: 'path parameter not declared', definition: [svc({ path: '/a/{id}' })], problems: ['POST /a/{id}: path parameter {id} is not declared in "in" (add "{id}": {"type": "…"})'] },
  { name: 'path parameter declared but absent from the path', definition: [svc({ in: { '{idd}': { type: 'uint' } } })], problems: ['POST /a: in "{idd}": path parameter {idd} is absent from the path "/a"'] },
  { name: 'optional path parameter', definition: [svc({ path: '/a/{id}', in: { '{id}': { type: '?uint' } } })], problems: ['POST /a/{id}: in "{id}": a path parameter cannot be optional'] },
  { name: 'array path parameter', definition: [svc({ path: '/a/{id}', in: { '{id}': { type: '[]uint' } } })], problems: ['POST /a/{id}: in "{id}": a path parameter holds one text value, not []uint'] },
  { name: 'file path parameter', definition: [svc({ path: '/a/{id}', in: { '{id}': { type: 'file' } } })], problems: ['POST /a/{id}: in "{id}": a file can only come in a multipart body, not in the path'] },
  { name: 'unknown type', definition: [svc({ in: { x: { type: 'strin' } } })], problems: ['POST /a: in "x": unknown type "strin"'] },
  { name: 'unknown element type', definition: [svc({ in: { x: { type: '?[]nope' } } })], problems: ['POST /a: in "x": unknown type "nope"'] },
  { name: 'unknown output type', definition: [svc({ out: { x: { type: 'map[integer]' } } })], problems: ['POST /a: out "x": unknown type "integer"'] },
  { name: 'string bounds reversed', definition: [svc({ in: { x: { type: 'string(5,2)' } } })], problems: ['POST /a: in "x": invalid type "string(5,2)": the minimum length 5 is above the maximum 2'] },
  { name: 'string bounds not numbers', definition: [svc({ in: { x: { type: 'string(a)' } } })], problems: ['POST /a: in "x": invalid type "string(a)": expected string(N) or string(MIN,MAX) with lengths in characters'] },
  { name: 'missing type', definition: [svc({ in: { x: { info: 'x' }, y: { type: '?' } } })], problems: ['POST /a: in "x": missing "type"', 'POST /a: in "y": missing type after "?"'] },
  { name: 'parameter not an object', definition: [svc({ in: { x: 'string' } })], problems: ['POST /a: in "x": must be an object like {"type": "string"}, got "string"'] },
  { name: 'unknown parameter field', definition: [svc({ in: { x: { typ: 'int', type: 'int' } } })], problems: ['POST /a: in "x": unknown field "typ" (expected info, type, name, default)'] },
  { name: 'default of the wrong type', definition: [svc({ in: { x: { type: '?bool', default: 'yes' }, y: { type: '?[]int', default: [1, 'a'] } } })],
    problems: ['POST /a: in "x": default: expected bool, got "yes"', 'POST /a: in "y": default[1]: expected int, got "a"'] },
  { name: 'default refused by a custom type', definition: [svc({ in: { x: { type: '?email', default: 'nope' } } })], problems: ['POST /a: in "x": default: expected an email address, got "nope"'] },
  { name: 'default on a required parameter', definition: [svc({ in: { x: { type: 'bool', default: true } } })], problems: ['POST /a: in "x": a default needs an optional type ("?bool")'] },
  { name: 'file in the query', definition: [svc({ in: { 'GET@f': { type: '?file' } } })], problems: ['POST /a: in "GET@f": a file can only come in a multipart body, not in the query'] },
  { name: 'map in the query', definition: [svc({ in: { 'GET@m': { type: '?map[int]' } } })], problems: ['POST /a: in "GET@m": map[int] needs a JSON body; query values are text (repeat a key for []T)'] },
  { name: 'query key without a name', definition: [svc({ in: { 'GET@': { type: 'int' } } })], problems: ['POST /a: in "GET@": a query parameter needs a name after "GET@"'] },
  { name: 'file inside a map', definition: [svc({ in: { x: { type: 'map[file]' } } })], problems: ['POST /a: in "x": type "map[file]": a file can only be a parameter itself or the element of []file'] },
  { name: 'file as an output', definition: [svc({ out: { f: { type: 'file' } } })], problems: ['POST /a: out "f": a file cannot be an output'] },
  { name: 'default on a file', definition: [svc({ in: { f: { type: '?file', default: 'x' } } })], problems: ['POST /a: in "f": a file cannot have a default'] },
  { name: 'two inputs with one name', definition: [svc({ in: { a: { type: 'int', name: 'x' }, 'GET@b': { type: 'int', name: 'x' } } })], problems: ['POST /a: in "GET@b": name "x" is also the name of "a"'] },
  { name: 'an input renamed to another key', definition: [svc({ in: { a: { type: 'int' }, b: { type: 'int', name: 'a' } } })], problems: ['POST /a: in "b": name "a" is also the name of "a"'] },
  { name: 'reserved name', definition: [svc({ in: { a: { type: 'int', name: '__proto__' } } })], problems: ['POST /a: in "a": name "__proto__" is reserved'] },
  { name: 'scope not an array', definition: [svc({ scope: 'admin' })], problems: ['POST /a: scope must be an array of arrays of permissions ([["A","B"],["C"]]: A and B, or C), got "admin"'] },
  { name: 'scope of strings', definition: [svc({ scope: ['admin'] })], problems: ['POST /a: scope[0] must be an array of permissions, got "admin"'] },
  { name: 'scope with a bad permission', definition: [svc({ scope: [['a', ''], [3]] })], problems: ['POST /a: scope[0][1] must be a non-empty string, got ""', 'POST /a: scope[1][0] must be a non-empty string, got 3'] },
  { name: 'scope with whitespace', definition: [svc({ scope: [['a b']] })], problems: ['POST /a: scope[0][0] "a b" holds whitespace; a token\'s scopes are separated by spaces, so it could never match'] },
  { name: 'scope [x] naming no path parameter', definition: [svc({ path: '/a/{uid}', in: { '{uid}': { type: 'int' }, id: { type: 'int' } }, scope: [['a-[id]']] })],
    problems: ['POST /a/{uid}: scope[0][0] "a-[id]" refers to [id], which is not a path parameter (expected one of [uid])'] },
  { name: 'scope [x] without path parameters', definition: [svc({ scope: [['a-[id]']] })], problems: ['POST /a: scope[0][0] "a-[id]" refers to [id], which is not a path parameter (the service has no path parameter)'] },
  { name: 'two services collide', definition: [{ method: 'GET', path: '/a/{id}', in: { '{id}': { type: 'int' } } }, { method: 'GET', path: '/a/{name}', in: { '{name}': { type: 'string' } } }, { method: 'POST', path: '/a/{name}', in: { '{name}': { type: 'string' } } }],
    problems: ['GET /a/{name}: collides with GET /a/{id} (same method, equivalent path)'] },
  { name: 'the same service twice', definition: [svc({}), svc({})], problems: ['POST /a: collides with POST /a (same method, equivalent path)'] },
  { name: 'a service without a handler', definition: [svc({}), svc({ path: '/b' })], handlers: 'export default { "POST /a": () => ({}) };',
    problems: ['POST /b: no handler (the handlers module\'s default export needs a function under "POST /b")'] },
  { name: 'a handler without a service, a near miss', definition: [svc({})], handlers: 'export default { "post /a": () => {}, "GET /z": () => {} };',
    problems: ['POST /a: no handler (the handlers module\'s default export needs a function under "POST /a")', 'Handler "post /a" matches no service of the definition (did you mean "POST /a"?)', 'Handler "GET /z" matches no service of the definition'] },
  { name: 'a handler that is not a function', definition: [svc({})], handlers: 'export default { "POST /a": "x" };', problems: ['Handler "POST /a" must be a function (input, ctx) => output, got string "x"'] },
  { name: 'no default export', definition: [svc({})], handlers: 'export const x = 1;', problems: ['The handlers module "<dir>/handlers.mjs" has no default export (an object of handlers keyed "METHOD /path")'] },
  { name: 'a default export that is a function', definition: [svc({})], handlers: 'export default function () {}', problems: ['The default export of "<dir>/handlers.mjs" must be an object of handlers keyed "METHOD /path", got a function'] },
  { name: 'a module that throws (custom types then unknown, not reported)', definition: [svc({ in: { e: { type: 'email' }, x: { type: 'string(9,1)' } } })], handlers: 'throw new Error("boom");',
    problems: ['Cannot load the handlers module "<dir>/handlers.mjs": boom', 'POST /a: in "x": invalid type "string(9,1)": the minimum length 9 is above the maximum 1'] },
  { name: 'bad custom types', definition: [svc({})], handlers: 'export const types = { int: () => 1, "a-b": () => 1, x: 3 }; export default { "POST /a": () => {} };',
    problems: ['Custom type "int": custom type name "int" is a built-in type', 'Custom type "a-b": custom type name "a-b" must match ^[A-Za-z_][A-Za-z0-9_]*$', 'Custom type "x" must be a function (raw) => value, got number 3'] },
  { name: 'every problem at once, in order', definition: [svc({ in: { x: { type: 'nope' } } }), { method: 'PUT', path: 'b' }, svc({ path: '/c/{id}', scope: 'x' })], problems: [
    'POST /a: in "x": unknown type "nope"',
    'PUT b: path "b" must start with "/"',
    'POST /c/{id}: path parameter {id} is not declared in "in" (add "{id}": {"type": "…"})',
    'POST /c/{id}: scope must be an array of arrays of permissions ([["A","B"],["C"]]: A and B, or C), got "x"',
  ] },
];

for (const c of CASES) {
  test(`boot check: ${c.name}`, async () => {
    assert.deepEqual(await problemsOf(c.definition, c.handlers), c.problems);
  });
}

test('boot check: a missing handlers module and a missing definition', async () => {
  const { problems } = await checkApi({ definitionFile: join(dir, 'none.json'), handlersFile: join(dir, 'none.mjs') });
  assert.deepEqual(problems.map((p) => p.replaceAll(dir, '<dir>')), [
    'Cannot load the handlers module "<dir>/none.mjs": no such file',
    'Cannot read the definition "<dir>/none.json": no such file',
  ]);
});

test('boot check: the handlers setting left empty (a directory)', async () => {
  const definitionFile = join(dir, 'empty.json');
  writeFileSync(definitionFile, '[]');
  const { problems } = await checkApi({ definitionFile, handlersFile: dir });
  assert.deepEqual(problems, [`Cannot load the handlers module "${dir}": it is a directory (set api.handlers to the module file)`]);
});
