// The defensive middleware through a real server, table-driven: security headers by response type, block-host,
// block-ua, maintenance (also switched by a live reload), body limits (declared and streamed), CORS and the request log.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import type { PartialConfig } from '../../src/config/schema.ts';
import { APPLICATION_SCOPE } from '../../src/config/store.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';
import { HttpError } from '../../src/http/errors.ts';
import { parse } from '../../src/lib/toml.ts';
import { writeDocument } from '../../src/config/document.ts';

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

interface Server { app: App; url: URL; records: LogRecord[]; echoed: number }

/** An app on a temp data dir with test routes; closed after the calling test. */
async function serve(t: { after(fn: () => Promise<void>): void }, flags: PartialConfig = {}): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-mw-'));
  const records: LogRecord[] = [];
  const app = await createApp({
    dataDir: path.join(dir, 'data'), env: {},
    log: new Logger([(r) => { records.push(r); }], 'info'),
    flags: { ...flags, server: { port: 0, ...flags.server } },
  });
  const state: Server = { app, url: new URL('http://x'), records, echoed: 0 };
  app.router.get('/json', (ctx) => ctx.json(200, { ok: true }));
  app.router.get('/page', (ctx) => ctx.send(200, '<!doctype html><p>hi', 'text/html; charset=utf-8'));
  app.router.get('/cached', (ctx) => ctx.send(200, 'x', 'text/plain', { 'cache-control': 'public, max-age=60' }));
  app.router.get('/users/:id', (ctx) => ctx.json(200, { id: ctx.params.id }));
  app.router.get('/teapot', () => { throw new HttpError(418, 'teapot', 'I am a teapot'); });
  for (const p of ['/echo', '/upload/file']) {
    app.router.post(p, async (ctx) => {
      state.echoed++;
      ctx.json(200, { bytes: (await ctx.rawBody()).length });
    });
  }
  const server = await app.listen();
  state.url = new URL(server.url);
  t.after(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return state;
}

/** One request with full control of headers, source address and body (chunked when `chunked`). */
function request(s: Server, method: string, p: string, options: { headers?: Record<string, string>; from?: string; body?: Buffer; chunked?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body && !options.chunked) headers['content-length'] = options.body.length;
    const req = http.request({ host: '127.0.0.1', port: s.url.port, method, path: p, headers, agent: false, localAddress: options.from }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.body && options.chunked) {
      // Several writes without a length: Node sends them chunked.
      for (let i = 0; i < options.body.length; i += 512) req.write(options.body.subarray(i, i + 512));
      req.end();
    } else req.end(options.body);
  });
}

const code = (r: Reply) => (JSON.parse(r.body) as { code?: string }).code;

describe('security headers', () => {
  test('by response type; a handler\'s own header wins; no HSTS on plain HTTP', async (t) => {
    const s = await serve(t);
    const json = await request(s, 'GET', '/json');
    assert.equal(json.headers['x-content-type-options'], 'nosniff');
    assert.equal(json.headers['x-frame-options'], 'DENY');
    assert.equal(json.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    assert.equal(json.headers['cache-control'], 'no-store');
    assert.equal(json.headers['strict-transport-security'], undefined);
    const problem = await request(s, 'GET', '/nope');
    assert.equal(problem.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    const page = await request(s, 'GET', '/page');
    assert.match(String(page.headers['content-security-policy']), /^default-src 'self'; script-src 'self'; object-src 'none'/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const cached = await request(s, 'GET', '/cached');
    assert.equal(cached.headers['cache-control'], 'public, max-age=60');
    assert.equal(cached.headers['x-content-type-options'], 'nosniff');
  });

  test('switched off', async (t) => {
    const s = await serve(t, { security_headers: { enabled: false } });
    const json = await request(s, 'GET', '/json');
    assert.equal(json.headers['x-frame-options'], undefined);
    assert.equal(json.headers['content-security-policy'], undefined);
  });
});

describe('block-host', () => {
  test('exact names and subdomain wildcards, port ignored; others 421', async (t) => {
    const s = await serve(t, { block_host: { allowed_hosts: 'Example.com, *.example.org' } });
    const cases: [string, number][] = [
      ['example.com', 200], ['EXAMPLE.com:8080', 200], ['example.com.', 200], ['a.example.org', 200], ['a.b.example.org:1', 200],
      ['example.org', 421], ['evil.com', 421], ['example.com.evil.com', 421], ['xexample.org', 421], ['[::1]:80', 421],
    ];
    for (const [host, status] of cases) {
      const r = await request(s, 'GET', '/json', { headers: { host } });
      assert.equal(r.status, status, host);
      if (status === 421) assert.equal(code(r), 'host_not_allowed');
    }
  });

  test('enabled=false allows every host', async (t) => {
    const s = await serve(t, { block_host: { enabled: false, allowed_hosts: 'example.com' } });
    assert.equal((await request(s, 'GET', '/json', { headers: { host: 'evil.com' } })).status, 200);
  });
});

describe('block-ua', () => {
  test('a matching User-Agent gets 403', async (t) => {
    const s = await serve(t, { block_ua: { pattern: '(?:BadBot|sqlmap)/' } });
    const bad = await request(s, 'GET', '/json', { headers: { 'user-agent': 'Mozilla/5.0 sqlmap/1.7' } });
    assert.equal(bad.status, 403);
    assert.equal(code(bad), 'user_agent_blocked');
    assert.equal((await request(s, 'GET', '/json', { headers: { 'user-agent': 'Mozilla/5.0' } })).status, 200);
    assert.equal((await request(s, 'GET', '/json')).status, 200, 'no User-Agent at all');
  });

  test('a pattern that does not compile is refused when the config loads', async () => {
    await assert.rejects(createApp({ dataDir: path.join(os.tmpdir(), 'never-made-' + process.pid), env: {}, flags: { block_ua: { pattern: '(' } } }),
      /block_ua\.pattern: expected a valid regular expression, got "\("/);
  });
});

describe('maintenance', () => {
  test('503 with Retry-After for all but /api/health and allow_ips; a reload switches it live', async (t) => {
    const s = await serve(t, { maintenance: { allow_ips: '127.0.0.1' } });
    assert.equal((await request(s, 'GET', '/json', { from: '127.0.0.2' })).status, 200);
    const setStored = (maintenanceToml: string) => {
      const doc = parse(s.app.store.latest(APPLICATION_SCOPE)!.content);
      doc.maintenance = parse(maintenanceToml);
      s.app.store.save(APPLICATION_SCOPE, writeDocument(doc));
    };
    setStored('enabled = true\nretry_after = "5m"\nallow_ips = ["127.0.0.1"]');
    assert.deepEqual(s.app.reload(), { ok: true, version: 2, changed: ['maintenance.enabled', 'maintenance.retry_after'], restartRequired: [] });
    const down = await request(s, 'GET', '/json', { from: '127.0.0.2' });
    assert.equal(down.status, 503);
    assert.equal(code(down), 'maintenance');
    assert.equal(down.headers['retry-after'], '300');
    assert.equal(down.headers['cache-control'], 'no-store');
    assert.equal((await request(s, 'GET', '/api/health', { from: '127.0.0.2' })).status, 200);
    assert.equal((await request(s, 'GET', '/json', { from: '127.0.0.1' })).status, 200, 'allow_ips still get through');
    setStored('enabled = false');
    s.app.reload();
    assert.equal((await request(s, 'GET', '/json', { from: '127.0.0.2' })).status, 200);
  });
});

describe('body limits', () => {
  test('a declared length above the limit is refused before the handler; streamed bodies are cut; paths have their own', async (t) => {
    const s = await serve(t, { server: { body_limit: '1KiB', body_limit_paths: '/upload=4KiB' } });
    const big = Buffer.alloc(2048, 0x61);
    const declared = await request(s, 'POST', '/echo', { body: big });
    assert.equal(declared.status, 413);
    assert.equal(code(declared), 'body_too_large');
    assert.equal(declared.headers.connection, 'close');
    assert.equal(s.echoed, 0, 'the handler never ran');
    const streamed = await request(s, 'POST', '/echo', { body: big, chunked: true });
    assert.equal(streamed.status, 413, 'no Content-Length: cut while reading');
    assert.equal((await request(s, 'POST', '/echo', { body: Buffer.alloc(1000) })).status, 200);
    const upload = await request(s, 'POST', '/upload/file', { body: big });
    assert.equal(upload.status, 200);
    assert.equal(JSON.parse(upload.body).bytes, 2048);
    assert.equal((await request(s, 'POST', '/upload/file', { body: Buffer.alloc(5000), chunked: true })).status, 413);
  });
});

describe('cors', () => {
  const flags: PartialConfig = { cors: { enabled: true, origins: 'https://app.example.com, https://*.example.net', headers: 'Content-Type, Authorization' } };

  test('preflights, table-driven', async (t) => {
    const s = await serve(t, flags);
    const cases: { origin: string; method: string; headers?: string; status: number; allowOrigin?: string }[] = [
      { origin: 'https://app.example.com', method: 'PATCH', headers: 'content-type, authorization', status: 204, allowOrigin: 'https://app.example.com' },
      { origin: 'https://a.b.example.net', method: 'DELETE', status: 204, allowOrigin: 'https://a.b.example.net' },
      { origin: 'https://example.net', method: 'GET', status: 403 },
      { origin: 'http://app.example.com', method: 'GET', status: 403 },
      { origin: 'https://evil.com', method: 'GET', status: 403 },
      { origin: 'https://app.example.com', method: 'TRACE', status: 403 },
      { origin: 'https://app.example.com', method: 'POST', headers: 'x-custom', status: 403 },
    ];
    for (const c of cases) {
      const headers: Record<string, string> = { origin: c.origin, 'access-control-request-method': c.method };
      if (c.headers) headers['access-control-request-headers'] = c.headers;
      const r = await request(s, 'OPTIONS', '/json', { headers });
      assert.equal(r.status, c.status, `${c.origin} ${c.method} ${c.headers ?? ''}`);
      if (c.status === 204) {
        assert.equal(r.headers['access-control-allow-origin'], c.allowOrigin);
        assert.equal(r.headers['access-control-allow-methods'], 'GET, HEAD, POST, PUT, PATCH, DELETE');
        assert.equal(r.headers['access-control-allow-headers'], 'Content-Type, Authorization');
        assert.equal(r.headers['access-control-max-age'], '600');
        assert.match(String(r.headers.vary), /Origin/);
      } else {
        assert.equal(code(r), 'cors_denied');
        assert.equal(r.headers['access-control-allow-origin'], undefined);
      }
    }
    const plainOptions = await request(s, 'OPTIONS', '/json');
    assert.equal(plainOptions.status, 204, 'an OPTIONS without CORS headers is the router\'s');
    assert.equal(plainOptions.headers.allow, 'GET, HEAD, OPTIONS');
  });

  test('simple requests: allowed origins get the headers, others do not; errors keep them; Vary: Origin always', async (t) => {
    const s = await serve(t, flags);
    const ok = await request(s, 'GET', '/json', { headers: { origin: 'https://app.example.com' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(ok.headers['access-control-expose-headers'], 'X-Request-Id, ETag, Retry-After');
    assert.equal(ok.headers['access-control-allow-credentials'], undefined);
    assert.equal(ok.headers.vary, 'Origin');
    const denied = await request(s, 'GET', '/json', { headers: { origin: 'https://evil.com' } });
    assert.equal(denied.status, 200);
    assert.equal(denied.headers['access-control-allow-origin'], undefined);
    const missing = await request(s, 'GET', '/nope', { headers: { origin: 'https://app.example.com' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['access-control-allow-origin'], 'https://app.example.com', 'the browser can read the error');
    assert.equal((await request(s, 'GET', '/json')).headers.vary, 'Origin');
  });

  test('"*" without credentials; with credentials the origin is echoed', async (t) => {
    const any = await serve(t, { cors: { enabled: true, origins: '*' } });
    assert.equal((await request(any, 'GET', '/json', { headers: { origin: 'https://x.dev' } })).headers['access-control-allow-origin'], '*');
    const creds = await serve(t, { cors: { enabled: true, origins: '*', credentials: true } });
    const r = await request(creds, 'GET', '/json', { headers: { origin: 'https://x.dev' } });
    assert.equal(r.headers['access-control-allow-origin'], 'https://x.dev');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
  });
});

describe('request log', () => {
  test('one record per request with the route template and the final status, long fields cut', async (t) => {
    const s = await serve(t, { request_log: { console: true, max_path: 24, max_user_agent: 16 } });
    await request(s, 'GET', '/users/42?expand=all', { headers: { 'user-agent': 'A'.repeat(100), referer: 'https://ref.example/' } });
    await request(s, 'GET', '/teapot');
    await request(s, 'GET', '/nope/' + 'x'.repeat(100));
    const reqs = s.records.filter((r) => r.msg === 'request');
    assert.equal(reqs.length, 3);
    const [user, teapot, missing] = reqs.map((r) => r.fields);
    assert.equal(user.method, 'GET');
    assert.equal(user.route, '/users/:id');
    assert.equal(user.path, '/users/42?expand=all');
    assert.equal(user.status, 200);
    assert.equal(typeof user.bytes, 'number');
    assert.equal(typeof user.duration_ms, 'number');
    assert.equal(user.ip, '127.0.0.1');
    assert.equal(user.user_agent, 'A'.repeat(15) + '…');
    assert.equal(user.referer, 'https://ref.example/');
    assert.match(String(user.request_id), /.+-.+/);
    assert.equal(teapot.status, 418);
    assert.equal(missing.status, 404);
    assert.equal(missing.route, '');
    assert.equal(String(missing.path).length, 24);
  });

  test('not on the terminal logger by default; request_log.enabled=false records nothing', async (t) => {
    const quiet = await serve(t);
    await request(quiet, 'GET', '/json');
    assert.equal(quiet.records.filter((r) => r.msg === 'request').length, 0);
    const off = await serve(t, { request_log: { console: true, enabled: false } });
    await request(off, 'GET', '/json');
    assert.equal(off.records.filter((r) => r.msg === 'request').length, 0);
  });
});
