// The middleware chain through a real server: order, groups, and which headers survive into an error response.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { HttpError } from '../../src/http/errors.ts';
import type { Handler } from '../../src/http/context.ts';
import type { Middleware } from '../../src/lib/router.ts';

let dir: string;
let app: App;
let base: string;

const tag = (name: string): Middleware<Handler> => (next) => (ctx) => {
  ctx.res.setHeader('x-trail', `${ctx.res.getHeader('x-trail') ?? ''}${name}`);
  return next(ctx);
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monolite-mw-'));
  app = await createApp({ dataDir: join(dir, 'data'), flags: { server: { port: 0 }, log: { level: 'error' } } });
  app.use(tag('a'));
  app.use((next) => (ctx) => {
    ctx.res.setHeader('access-control-allow-origin', '*');
    ctx.res.setHeader('x-content-type-options', 'nosniff');
    return next(ctx);
  });
  app.use(tag('b'));
  const admin = app.router.group('/admin', [tag('g')]);
  admin.get('/ok', (ctx) => ctx.json(200, { ok: true }));
  admin.get('/fail', (ctx) => {
    ctx.res.setHeader('cache-control', 'max-age=3600');
    ctx.res.setHeader('set-cookie', 'session=1');
    throw new HttpError(409, 'conflict', 'Nope');
  });
  base = (await app.listen()).url;
});

after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

test('app middleware runs outermost first, then the group\'s', async () => {
  const res = await fetch(`${base}/admin/ok`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-trail'), 'abg');
});

test('app middleware also runs for 404s; group middleware does not', async () => {
  const res = await fetch(`${base}/nowhere`);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('access-control-allow-origin'), '*', 'CORS stays on errors');
});

test('an error keeps CORS and security headers but drops what the handler set for its success', async () => {
  const res = await fetch(`${base}/admin/fail`);
  assert.equal(res.status, 409);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('cache-control'), 'no-store', 'an error is not cached as the success would have been');
  assert.equal(res.headers.get('set-cookie'), null);
  assert.ok(res.headers.get('x-request-id'));
});

test('middleware cannot be added after listen()', () => {
  assert.throws(() => app.use(tag('late')), /before listen/);
});
