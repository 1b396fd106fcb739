// mountApi on a router of its own: the prefix, the OpenAPI route, conflicts with routes already registered reported
// as boot problems naming both sides, and the one error listing every problem.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from '../../src/lib/router.ts';
import type { Handler } from '../../src/http/context.ts';
import { Logger } from '../../src/log/logger.ts';
import { mountApi, type MountApiOptions } from '../../src/api/mount.ts';
import { ApiDefinitionError } from '../../src/api/check.ts';

const FIXTURES = fileURLToPath(new URL('../e2e/fixtures/api/', import.meta.url));
let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'monolite-api-mount-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

function options(extra: Partial<MountApiOptions> = {}): MountApiOptions {
  return {
    definitionFile: join(FIXTURES, 'definition.json'), handlersFile: join(FIXTURES, 'handlers.ts'), prefix: '',
    limits: { maxFileBytes: 1024, maxParts: 5, maxFieldBytes: 256 }, tmpDir: join(dir, 'tmp'), log: new Logger([], 'error'), app: {}, ...extra,
  };
}

test('services mount under the prefix; the OpenAPI document beside them', async () => {
  const router = new Router<Handler>();
  const mounted = await mountApi(router, options({ prefix: '/v1' }));
  assert.equal(mounted.openapiPath, '/v1/openapi.json');
  assert.ok(mounted.routes.includes('GET /v1/items/:id'));
  assert.ok(mounted.routes.includes('GET /v1/users/:p0/posts/:post'), mounted.routes.join(', '));
  assert.equal(router.find('GET', '/v1/items/3').kind, 'found');
  assert.equal(router.find('GET', '/items/3').kind, 'not_found');
  assert.equal(router.find('GET', '/v1/openapi.json').kind, 'found');
});

test('without a prefix the document is at /api/openapi.json, or where openapiPath says', async () => {
  assert.equal((await mountApi(new Router<Handler>(), options())).openapiPath, '/api/openapi.json');
  assert.equal((await mountApi(new Router<Handler>(), options({ openapiPath: '/docs/api.json' }))).openapiPath, '/docs/api.json');
});

test('a service colliding with a route already registered is a boot problem naming both', async () => {
  const router = new Router<Handler>();
  router.get('/items/:n', () => {});
  router.get('/api/openapi.json', () => {});
  await assert.rejects(mountApi(router, options()), (err: unknown) => {
    assert.ok(err instanceof ApiDefinitionError);
    assert.deepEqual(err.problems, [
      'GET /items/{id}: cannot be mounted at "/items/:id": Route "GET /items/:id" conflicts with "GET /items/:n"',
      'The OpenAPI document cannot be served at "/api/openapi.json": Route "GET /api/openapi.json" conflicts with "GET /api/openapi.json"',
    ]);
    return true;
  });
});

test('one error lists every problem; its message starts with "Cannot" (printed without a stack by the CLI)', async () => {
  const definitionFile = join(dir, 'bad.json');
  const handlersFile = join(dir, 'bad.mjs');
  writeFileSync(definitionFile, JSON.stringify([{ method: 'GET', path: '/a', in: { x: { type: 'nope' } } }, { method: 'GET', path: '/b' }]));
  writeFileSync(handlersFile, 'export default { "GET /a": () => ({}), "GET /c": () => ({}) };');
  await assert.rejects(mountApi(new Router<Handler>(), options({ definitionFile, handlersFile })), (err: unknown) => {
    assert.ok(err instanceof ApiDefinitionError);
    assert.equal(err.message, [
      `Cannot mount the declared endpoints of ${definitionFile} (handlers ${handlersFile}): 3 problems`,
      '  - GET /a: in "x": unknown type "nope"',
      '  - GET /b: no handler (the handlers module\'s default export needs a function under "GET /b")',
      '  - Handler "GET /c" matches no service of the definition',
    ].join('\n'));
    return true;
  });
});
