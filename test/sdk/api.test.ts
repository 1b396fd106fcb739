// The SDK's api.call against a real server mounting the declared endpoints of test/e2e/fixtures/api: path parameters
// filled and percent-encoded, the rest as query (arrays as repeated keys) or JSON body, FormData as multipart with a
// file, 204 as null, and parameter, permission and application errors as MonoliteError. Runs against the source SDK
// and the minified one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { jwtKey, signJwt } from '../../src/lib/jwt.ts';
import { forEachVariant, memoryStorage } from './variants.ts';

const FIXTURES = fileURLToPath(new URL('../e2e/fixtures/api/', import.meta.url));
const SECRET = 'a-shared-secret-for-sdk-api-tests-32ch';
let app: App;
let url: string;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monolite-sdk-api-'));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {}, log: new Logger([], 'error'),
    flags: {
      server: { port: 0 },
      auth: { external_secrets: SECRET },
      api: { definition: join(FIXTURES, 'definition.json'), handlers: join(FIXTURES, 'handlers.ts'), max_file_bytes: 1024, max_parts: 6, max_field_bytes: 256 },
    },
  });
  url = (await app.listen()).url;
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);

await forEachVariant(({ Monolite, MonoliteError }) => {
  type Err = InstanceType<typeof MonoliteError>;
  /** A client holding an external token with `scopes` (or none). */
  const client = (scopes?: string[]) => {
    const ml = new Monolite(url, { storage: memoryStorage() });
    if (scopes !== undefined) ml.auth.save(signJwt({ sub: 'svc-1', scope: scopes.join(' '), iat: now(), exp: now() + 600 }, jwtKey(SECRET)), null);
    return ml;
  };
  const failure = (promise: Promise<unknown>) => promise.then(() => assert.fail('resolved'), (e: Err) => e);

  test('GET: path parameters from args, the rest as the query, arrays as repeated keys', async () => {
    const ml = client();
    assert.deepEqual(await ml.api.call('GET /items/{id}', { id: 42, fields: ['a', 'b,c'] }), { id: 42, fields: ['a', 'b,c'] });
    assert.deepEqual(await ml.api.call('GET /items/{id}', { id: '7' }), { id: 7 });
    const typed = await ml.api.call<{ got: Record<string, unknown> }>('GET /types/query', { b: true, i: -3, f: 1.5, as: ['x y', 'z&w'], s: 'é/?#' });
    assert.deepEqual(typed.got, { b: true, i: -3, f: 1.5, as: ['x y', 'z&w'], s: 'é/?#', d: 7 });
  });

  test('path values are percent-encoded whole segments', async () => {
    const answer = await client().api.call('GET /users/{user-id}/posts/{post}', { 'user-id': 9, post: 'a b/c?d#e%' });
    assert.deepEqual(answer, { user: 9, post: 'a b/c?d#e%', params: { 'user-id': '9', post: 'a b/c?d#e%' } });
  });

  test('PATCH and POST send the remaining args as a JSON body; DELETE without out is null', async () => {
    const ml = client();
    assert.deepEqual(await ml.api.call('PATCH /items/{id}', { id: 3, title: 'New' }), { id: 3, title: 'New' });
    const created = await ml.api.call<{ got: unknown }>('POST /articles', { title: 'Hello', count: 2, tags: ['x'] });
    assert.deepEqual(created.got, { title: 'Hello', count: 2, tags: ['x'], draft: true });
    assert.equal(await ml.api.call('DELETE /items/{id}', { id: 3 }), null);
  });

  test('FormData goes as multipart, with its file', async () => {
    const form = new FormData();
    form.append('title', 'Cover');
    form.append('cover', new File(['hello file'], 'photo.png', { type: 'image/png' }));
    form.append('n', '1');
    form.append('n', '2');
    const answer = await client().api.call<Record<string, unknown>>('POST /upload', form);
    assert.deepEqual([answer.title, answer.name, answer.type, answer.size, answer.content, answer.n], ['Cover', 'photo.png', 'image/png', 10, 'hello file', [1, 2]]);
  });

  test('parameter errors carry their field list', async () => {
    const err = await failure(client().api.call('PATCH /items/{id}', { id: 1, title: 'far too long' }));
    assert.deepEqual([err.status, err.code], [400, 'invalid_param']);
    assert.deepEqual(err.errors.map((e) => [e.field, e.code]), [['title', 'invalid_param']]);
    const missing = await failure(client().api.call('POST /articles', { title: 'x' }));
    assert.deepEqual([missing.code, missing.errors.map((e) => e.field)], ['missing_param', ['count']]);
  });

  test('permissions: 401 without a token, 403 without the scope, the token\'s scopes pass', async () => {
    const anonymous = await failure(client().api.call('PUT /perm/articles/{id}', { id: 7 }));
    assert.deepEqual([anonymous.status, anonymous.code], [401, 'auth_required']);
    const wrong = await failure(client(['articles-8-write']).api.call('PUT /perm/articles/{id}', { id: 7 }));
    assert.deepEqual([wrong.status, wrong.code], [403, 'forbidden']);
    assert.deepEqual(await client(['articles-7-write']).api.call('PUT /perm/articles/{id}', { id: 7 }), { id: 7 });
  });

  test('application errors keep their status and code; unknown routes are 404', async () => {
    const quota = await failure(client().api.call('GET /out/{case}', { case: 'app-error' }));
    assert.deepEqual([quota.status, quota.code, quota.detail], [429, 'quota_exceeded', 'Monthly quota used up']);
    const missing = await failure(client().api.call('GET /nothing/here'));
    assert.deepEqual([missing.status, missing.code], [404, 'not_found']);
  });
});
