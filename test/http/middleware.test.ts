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

for (const via of ['send() alone', 'send() after middleware set a header']) {
  test(`a handler's own headers replace the defaults of the same name, once, and never the type or length (${via})`, async (t) => {
    // Two paths in Context.send: a flat writeHead when nothing was set yet, setHeader calls otherwise.
    const own = await createApp({ dataDir: join(dir, `own-${via.length}`), flags: { server: { port: 0 }, log: { level: 'error' } } });
    if (via !== 'send() alone') own.use((next) => (ctx) => { ctx.res.setHeader('x-trail', 'm'); return next(ctx); });
    own.router.get('/own-headers', (ctx) => ctx.send(200, 'hi', 'text/plain', { 'Cache-Control': 'max-age=60', etag: '"v1"', 'content-type': 'text/evil', 'Content-Length': '99' }));
    const url = (await own.listen()).url;
    t.after(() => own.close());
    // A raw response head: fetch would merge repeated headers into one value.
    const { request } = await import('node:http');
    const head = await new Promise<string[]>((resolve, reject) => {
      request(`${url}/own-headers`, (res) => { res.resume(); resolve(res.rawHeaders); }).on('error', reject).end();
    });
    const names = head.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    const value = (name: string) => head[names.indexOf(name) * 2 + 1];
    assert.equal(names.filter((n) => n === 'cache-control').length, 1, 'cache-control sent once');
    assert.equal(value('cache-control'), 'max-age=60');
    assert.equal(value('etag'), '"v1"');
    assert.equal(value('content-type'), 'text/plain');
    assert.equal(value('content-length'), '2');
    assert.equal(names.filter((n) => n === 'content-type').length, 1);
    assert.equal(value('x-content-type-options'), 'nosniff', 'the other defaults stay');
    assert.match(value('x-request-id'), /^\S+-\w+$/);
  });
}

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
