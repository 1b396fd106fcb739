// `monolite api check` through main() with its own streams: a valid definition (exit 0), every problem of a broken
// one (exit 1), the config's files as defaults, and usage mistakes (exit 2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/main.ts';

const FIXTURES = fileURLToPath(new URL('../e2e/fixtures/api/', import.meta.url));
const DEFINITION = join(FIXTURES, 'definition.json');
const HANDLERS = join(FIXTURES, 'handlers.ts');
let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'monolite-cli-api-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

async function api(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough().on('data', (c) => out.push(String(c)));
  const stderr = new PassThrough().on('data', (c) => err.push(String(c)));
  const status = await main(['api', '--data-dir', join(dir, 'data'), ...args], { stdout, stderr, env });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

test('a valid definition: exit 0 and a summary', async () => {
  const r = await api(['check', '--definition', DEFINITION, '--handlers', HANDLERS]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: 15 services, every one with its handler; no problem found\n$/);
  assert.equal(r.stderr, '');
});

test('a broken definition: exit 1 and every problem', async () => {
  const definition = join(dir, 'broken.json');
  const handlers = join(dir, 'broken.mjs');
  writeFileSync(definition, JSON.stringify([
    { method: 'GET', path: '/a/{id}', in: { '{id}': { type: 'uintt' } } },
    { method: 'POST', path: '/b', scope: [['x y']] },
  ]));
  writeFileSync(handlers, 'export default { "GET /a/{id}": () => ({}), "DELETE /c": () => {} };');
  const r = await api(['check', '--definition', definition, '--handlers', handlers]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, [
    `monolite: 4 problems in ${definition} (handlers ${handlers}):`,
    '  - GET /a/{id}: in "{id}": unknown type "uintt"',
    '  - POST /b: scope[0][0] "x y" holds whitespace; a token\'s scopes are separated by spaces, so it could never match',
    '  - POST /b: no handler (the handlers module\'s default export needs a function under "POST /b")',
    '  - Handler "DELETE /c" matches no service of the definition',
    '',
  ].join('\n'));
});

test('the files default to api.definition and api.handlers of the config; "check" is the default subcommand', async () => {
  const r = await api([], { MONOLITE_API_DEFINITION: DEFINITION, MONOLITE_API_HANDLERS: HANDLERS });
  assert.equal(r.status, 0, r.stderr);
  const missing = await api(['check', '--definition', DEFINITION]);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'monolite: No handlers module to check: pass --handlers FILE or set api.handlers\n');
});

test('usage mistakes: exit 2', async () => {
  for (const args of [['check', 'extra'], ['lint'], ['check', '--definition']]) {
    const r = await api(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /Usage:|monolite api check/);
  }
});
