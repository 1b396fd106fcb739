// The HTTP server end to end: a real app on an ephemeral port, exercised with fetch and raw sockets. Problem+json
// errors, request ids, body parsing and limits, slow clients, oversized heads, client IPs, graceful close, and the
// built-in routes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, type App } from '../../src/app.ts';
import { HttpError } from '../../src/http/errors.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';
import type { PartialConfig } from '../../src/config/schema.ts';

const PROBLEM = 'application/problem+json';
const PACKAGE_VERSION: string = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
const SECRET_SQL = 'SELECT * FROM secret WHERE password = 42';

/** Every X-Request-Id seen in this file, to check they are unique. */
const seenIds: string[] = [];
const tmpDirs: string[] = [];
const apps: App[] = [];

interface Started {
  app: App;
  base: string;
  port: number;
  logs: LogRecord[];
}

/** A fresh app on an ephemeral port, with a capturing logger; `setup` adds routes before listen(). */
async function startApp(server: Record<string, unknown>, setup: (app: App) => void = () => {}): Promise<Started> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-server-'));
  tmpDirs.push(dataDir);
  const logs: LogRecord[] = [];
  const flags = { server: { port: 0, ...server }, log: { level: 'error' } } as unknown as PartialConfig;
  const app = await createApp({ dataDir, env: {}, flags, log: new Logger([(r) => logs.push(r)], 'error') });
  apps.push(app);
  setup(app);
  const running = await app.listen();
  return { app, base: `http://127.0.0.1:${running.port}`, port: running.port, logs };
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  id: string;
}

/** fetch without following redirects; every reply must carry a request id, which is recorded. */
async function call(base: string, method: string, urlPath: string, init: { headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<Reply> {
  const res = await fetch(base + urlPath, { method, headers: init.headers, body: init.body, redirect: 'manual' });
  const text = await res.text();
  const id = res.headers.get('x-request-id');
  assert.ok(id !== null && id !== '', `${method} ${urlPath} → ${res.status} has no X-Request-Id`);
  seenIds.push(id);
  return { status: res.status, headers: res.headers, text, id };
}

/** Asserts a problem+json reply and returns its parsed document. */
function problem(reply: Reply, status: number, code: string): Record<string, unknown> {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.headers.get('content-type'), PROBLEM);
  assert.equal(Number(reply.headers.get('content-length')), Buffer.byteLength(reply.text));
  const doc = JSON.parse(reply.text) as Record<string, unknown>;
  assert.equal(doc.type, 'about:blank');
  assert.equal(doc.status, status);
  assert.equal(doc.code, code, reply.text);
  assert.equal(typeof doc.title, 'string');
  assert.equal(typeof doc.detail, 'string');
  assert.ok((doc.detail as string).length > 0);
  return doc;
}

interface RawReply {
  /** Everything the server sent. */
  data: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed (or reset) the connection before the timeout. */
  closed: boolean;
  /** Milliseconds from connecting to the close (or the timeout). */
  elapsed: number;
}

/**
 * Talks to the server over a plain TCP socket: sends `send`, then `drip` every `everyMs` (one item per tick, cycling)
 * until the server answers or closes; resolves when the socket closes or after `timeoutMs`.
 */
function raw(port: number, send: string | Buffer, options: { drip?: (string | Buffer)[]; everyMs?: number; timeoutMs?: number } = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let dripper: NodeJS.Timeout | undefined;
    const socket = net.connect(port, '127.0.0.1');
    const finish = () => {
      clearTimeout(timer);
      clearInterval(dripper);
      socket.destroy();
      const data = Buffer.concat(chunks).toString('latin1');
      const split = data.indexOf('\r\n\r\n');
      const head = split === -1 ? data : data.slice(0, split);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      if (headers['x-request-id'] !== undefined) seenIds.push(headers['x-request-id']);
      resolve({ data, status, headers, body: split === -1 ? '' : data.slice(split + 4), closed, elapsed: performance.now() - started });
    };
    socket.on('connect', () => {
      socket.write(send);
      if (options.drip !== undefined) {
        let i = 0;
        const drip = options.drip;
        dripper = setInterval(() => {
          if (chunks.length > 0 || socket.destroyed || !socket.writable) return clearInterval(dripper);
          socket.write(drip[i++ % drip.length]);
        }, options.everyMs ?? 100);
      }
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => { /* a reset after the answer counts as a close */ });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    timer = setTimeout(finish, options.timeoutMs ?? 3000);
  });
}

/** Whether a new TCP connection to `port` is accepted. */
function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

after(async () => {
  for (const app of apps) await app.close();
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

let main: Started;

before(async () => {
  main = await startApp({ body_limit: '1KiB', headers_timeout: '300ms', max_header_size: '2KiB' }, (app) => {
    const r = app.router;
    r.get('/hello', (ctx) => ctx.json(200, { hello: 'world' }));
    r.get('/items', (ctx) => ctx.json(200, { items: [] }));
    r.post('/items', (ctx) => ctx.json(201, { created: true }));
    r.get('/x', (ctx) => ctx.send(200, 'x', 'text/plain; charset=utf-8'));
    r.get('/dir/', (ctx) => ctx.send(200, 'dir', 'text/plain; charset=utf-8'));
    r.get('/boom', () => { throw new Error(SECRET_SQL); });
    r.get('/boom-async', async () => { await sleep(1); throw new Error(SECRET_SQL); });
    r.get('/reject', () => Promise.reject(new Error(SECRET_SQL)));
    r.get('/throw-string', () => { throw SECRET_SQL; });
    r.get('/boom-after-header', (ctx) => {
      ctx.res.setHeader('x-leaky', 'yes');
      ctx.res.setHeader('cache-control', 'public, max-age=3600');
      throw new HttpError(409, 'conflict', 'Already exists');
    });
    const fieldErrors = [
      { field: 'email', code: 'required', message: 'Email is required' },
      { field: 'age', code: 'too_small', message: 'Age must be at least 18' },
    ];
    r.post('/invalid', () => { throw new HttpError(422, 'invalid_input', 'Some fields are invalid', { errors: fieldErrors }); });
    r.post('/invalid-async', async () => { await sleep(1); throw new HttpError(422, 'invalid_input', 'Some fields are invalid', { errors: fieldErrors }); });
    r.add(['GET', 'POST'], '/echo', async (ctx) => {
      const body = await ctx.body();
      ctx.json(200, body === undefined ? { undefined: true } : { body });
    });
    r.get('/ip', (ctx) => ctx.json(200, { ip: ctx.ip }));
  });
});

describe('problem+json from routing', () => {
  test('404 is an exact problem document', async () => {
    const reply = await call(main.base, 'GET', '/nope');
    const doc = problem(reply, 404, 'not_found');
    assert.ok((doc.detail as string).includes('/nope'), String(doc.detail));
    assert.deepEqual(doc, { type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found', detail: doc.detail });
  });

  test('405 is an exact problem document with Allow', async () => {
    const reply = await call(main.base, 'DELETE', '/items');
    const doc = problem(reply, 405, 'method_not_allowed');
    assert.deepEqual(doc, { type: 'about:blank', title: 'Method Not Allowed', status: 405, code: 'method_not_allowed', detail: doc.detail });
    assert.deepEqual(reply.headers.get('allow')?.split(', ').sort(), ['GET', 'HEAD', 'OPTIONS', 'POST']);
  });

  test('automatic OPTIONS → 204 with Allow and no body', async () => {
    const reply = await call(main.base, 'OPTIONS', '/items');
    assert.equal(reply.status, 204);
    assert.equal(reply.text, '');
    assert.deepEqual(reply.headers.get('allow')?.split(', ').sort(), ['GET', 'HEAD', 'OPTIONS', 'POST']);
  });

  test('OPTIONS on an unknown path → 404', async () => {
    problem(await call(main.base, 'OPTIONS', '/nope'), 404, 'not_found');
  });

  test('HEAD on a GET route → 200, no body, the same Content-Length as GET', async () => {
    for (const urlPath of ['/hello', '/api/health', '/']) {
      const get = await call(main.base, 'GET', urlPath);
      const head = await call(main.base, 'HEAD', urlPath);
      assert.equal(get.status, 200, urlPath);
      assert.equal(head.status, 200, urlPath);
      assert.equal(head.text, '', urlPath);
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(get.text)), urlPath);
      assert.equal(head.headers.get('content-type'), get.headers.get('content-type'), urlPath);
    }
  });

  const redirects: { path: string; method?: string; location: string }[] = [
    { path: '/x/', location: '/x' },
    { path: '/x/?a=1&b=2', location: '/x?a=1&b=2' },
    { path: '/dir?q=%20x', location: '/dir/?q=%20x' },
    { path: '//x', location: '/x' },
    { path: '//x?q=1', location: '/x?q=1' },
    { path: '/items/?page=2', method: 'POST', location: '/items?page=2' },
  ];
  for (const r of redirects) {
    test(`${r.method ?? 'GET'} ${r.path} → 308 Location ${r.location}`, async () => {
      const reply = await call(main.base, r.method ?? 'GET', r.path);
      assert.equal(reply.status, 308);
      assert.equal(reply.headers.get('location'), r.location);
    });
  }

  test('a dot segment (sent raw, fetch would remove it) → 308 to the clean path', async () => {
    const reply = await raw(main.port, 'GET /a/../x?k=v HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(reply.status, 308, reply.data);
    assert.equal(reply.headers.location, '/x?k=v');
    assert.ok(reply.headers['x-request-id']);
  });

  for (const bad of ['/%zz', '/x%C3%28', '/%E2%82', '/items/%', '/%2']) {
    test(`malformed percent-encoding ${bad} → 400 bad_path`, async () => {
      problem(await call(main.base, 'GET', bad), 400, 'bad_path');
    });
  }

  test('absolute-form request target is routed by its path', async () => {
    const reply = await raw(main.port, 'GET http://example.com/hello HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
    assert.equal(reply.status, 200, reply.data);
    assert.deepEqual(JSON.parse(reply.body), { hello: 'world' });
  });
});

describe('X-Request-Id', () => {
  test('is on 200, 204, 308, 400, 404, 405, 413, 415, 422, 431 and 500 responses, and unique', async () => {
    const cases: [string, string, { headers?: Record<string, string>; body?: string }, number][] = [
      ['GET', '/hello', {}, 200],
      ['OPTIONS', '/items', {}, 204],
      ['GET', '/x/', {}, 308],
      ['GET', '/%zz', {}, 400],
      ['GET', '/nope', {}, 404],
      ['DELETE', '/items', {}, 405],
      ['POST', '/echo', { headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2000) }, 413],
      ['POST', '/echo', { headers: { 'content-type': 'text/plain' }, body: 'hi' }, 415],
      ['POST', '/invalid', {}, 422],
      ['GET', '/hello', { headers: { 'x-big': 'a'.repeat(4000) } }, 431],
      ['GET', '/boom', {}, 500],
    ];
    const ids: string[] = [];
    for (const [method, urlPath, init, status] of cases) {
      const reply = await call(main.base, method, urlPath, init);
      assert.equal(reply.status, status, `${method} ${urlPath}: ${reply.text}`);
      assert.match(reply.id, /^[A-Za-z0-9_-]{4,100}$/);
      ids.push(reply.id);
    }
    assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(' ')}`);
  });

  test('500 responses carry the id under which the error was logged', async () => {
    const before = main.logs.length;
    const reply = await call(main.base, 'GET', '/boom');
    const records = main.logs.slice(before).filter((r) => r.level === 'error');
    assert.equal(records.length, 1);
    assert.equal(records[0].fields.request_id, reply.id);
    assert.ok(String((records[0].fields.err as Error).message).includes(SECRET_SQL), 'the log keeps the real error');
    assert.ok((JSON.parse(reply.text).detail as string).includes(reply.id), 'the detail points to the log entry');
  });

  const malformed: [string, string][] = [
    ['garbage request line', '\x01\x02 nonsense\r\n\r\n'],
    ['bad method token', 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['header without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'],
    ['Content-Length and Transfer-Encoding together', 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two different Content-Length values', 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
  ];
  for (const [name, request] of malformed) {
    test(`Node's parser rejecting a request (${name}) → 400 problem+json with an id, connection closed`, async () => {
      const reply = await raw(main.port, request);
      assert.equal(reply.status, 400, reply.data);
      assert.equal(reply.headers['content-type'], PROBLEM);
      assert.match(reply.headers['x-request-id'] ?? '', /^[A-Za-z0-9_-]{4,100}$/);
      const doc = JSON.parse(reply.body) as Record<string, unknown>;
      assert.deepEqual(doc, { type: 'about:blank', title: 'Bad Request', status: 400, code: 'bad_request', detail: doc.detail });
      assert.equal(reply.closed, true);
    });
  }
});

describe('handler errors', () => {
  for (const urlPath of ['/boom', '/boom-async', '/reject', '/throw-string']) {
    test(`GET ${urlPath} → 500 internal without the message or a stack`, async () => {
      const reply = await call(main.base, 'GET', urlPath);
      const doc = problem(reply, 500, 'internal');
      assert.deepEqual(Object.keys(doc).sort(), ['code', 'detail', 'status', 'title', 'type']);
      assert.equal(doc.title, 'Internal Server Error');
      for (const leak of ['SELECT', 'secret', 'password', '.ts:', '    at ', 'Error:']) {
        assert.ok(!reply.text.includes(leak), `the body leaks ${JSON.stringify(leak)}: ${reply.text}`);
      }
    });
  }

  for (const urlPath of ['/invalid', '/invalid-async']) {
    test(`POST ${urlPath}: a thrown HttpError with field errors → those errors in the body`, async () => {
      const reply = await call(main.base, 'POST', urlPath);
      const doc = problem(reply, 422, 'invalid_input');
      assert.deepEqual(doc, {
        type: 'about:blank',
        title: 'Unprocessable Entity',
        status: 422,
        code: 'invalid_input',
        detail: 'Some fields are invalid',
        errors: [
          { field: 'email', code: 'required', message: 'Email is required' },
          { field: 'age', code: 'too_small', message: 'Age must be at least 18' },
        ],
      });
    });
  }

  test('headers a handler set before throwing are not sent with the problem', async () => {
    const reply = await call(main.base, 'GET', '/boom-after-header');
    problem(reply, 409, 'conflict');
    assert.equal(reply.headers.get('x-leaky'), null);
    assert.equal(reply.headers.get('cache-control'), 'no-store', 'the default for API responses, not the handler\'s');
  });

  test('the server keeps serving after handler errors', async () => {
    assert.equal((await call(main.base, 'GET', '/hello')).status, 200);
  });
});

describe('request bodies', () => {
  interface BodyCase {
    name: string;
    method?: string;
    contentType?: string;
    body?: string | Uint8Array;
    status: number;
    /** The echoed value for 200, the problem code otherwise. */
    expect: unknown;
    detail?: RegExp;
  }
  const json = 'application/json';
  const cases: BodyCase[] = [
    { name: 'JSON object', contentType: json, body: '{"a":1,"b":[true,null,"é"]}', status: 200, expect: { a: 1, b: [true, null, 'é'] } },
    { name: 'JSON with charset=utf-8', contentType: 'application/json; charset=UTF-8', body: '[1,2]', status: 200, expect: [1, 2] },
    { name: 'JSON media type in capitals', contentType: 'Application/JSON', body: '"s"', status: 200, expect: 's' },
    { name: 'a +json media type', contentType: 'application/vnd.x+json', body: '{"v":2}', status: 200, expect: { v: 2 } },
    { name: 'urlencoded, repeated keys become an array', contentType: 'application/x-www-form-urlencoded', body: 'a=1&b=2&b=3&c=h%C3%A9+llo', status: 200, expect: { a: '1', b: ['2', '3'], c: 'hé llo' } },
    { name: 'no body and no content type (GET)', method: 'GET', status: 200, expect: undefined },
    { name: 'no body and no content type (POST)', status: 200, expect: undefined },
    { name: 'malformed JSON names line and column (brief example)', contentType: json, body: '{"a":1,\n "b": }', status: 400, expect: 'malformed_json', detail: /line 2, column 7\b/ },
    { name: 'malformed JSON names line and column (missing colon)', contentType: json, body: '{\n"a" 1}', status: 400, expect: 'malformed_json', detail: /line 2, column 5\b/ },
    { name: 'malformed JSON names line and column (bad token on line 1)', contentType: json, body: '{"a": x,\n"b": 1}', status: 400, expect: 'malformed_json', detail: /line 1, column 7\b/ },
    { name: 'malformed JSON names line and column (trailing data)', contentType: json, body: '{"a":1}\n}', status: 400, expect: 'malformed_json', detail: /line 2, column 1\b/ },
    { name: 'empty JSON body', contentType: json, body: '', status: 400, expect: 'malformed_json' },
    { name: 'whitespace-only JSON body', contentType: json, body: ' \n ', status: 400, expect: 'malformed_json' },
    { name: 'non-UTF-8 bytes in JSON', contentType: json, body: new Uint8Array([0x22, 0xff, 0xfe, 0x22]), status: 400, expect: 'invalid_encoding' },
    { name: 'non-UTF-8 bytes in urlencoded', contentType: 'application/x-www-form-urlencoded', body: new Uint8Array([0x61, 0x3d, 0xc3, 0x28]), status: 400, expect: 'invalid_encoding' },
    { name: 'text/plain is unsupported', contentType: 'text/plain', body: 'hello', status: 415, expect: 'unsupported_media_type' },
    { name: 'a body without a content type', body: new Uint8Array([0x7b, 0x7d]), status: 415, expect: 'unsupported_media_type' },
    { name: 'charset=latin1 is unsupported', contentType: 'application/json; charset=latin1', body: '{}', status: 415, expect: 'unsupported_charset' },
    { name: 'urlencoded with charset=iso-8859-1 is unsupported', contentType: 'application/x-www-form-urlencoded; charset=iso-8859-1', body: 'a=1', status: 415, expect: 'unsupported_charset' },
    { name: 'a JSON body of exactly the limit', contentType: json, body: `{"a":"${'x'.repeat(1024 - 8)}"}`, status: 200, expect: { a: 'x'.repeat(1024 - 8) } },
    { name: 'a JSON body one byte over the limit (Content-Length)', contentType: json, body: `{"a":"${'x'.repeat(1025 - 8)}"}`, status: 413, expect: 'body_too_large' },
    { name: 'a large body over the limit (Content-Length)', contentType: json, body: `{"a":"${'x'.repeat(64 * 1024)}"}`, status: 413, expect: 'body_too_large' },
  ];
  for (const c of cases) {
    test(`${c.name} → ${c.status}`, async () => {
      const headers: Record<string, string> = {};
      if (c.contentType !== undefined) headers['content-type'] = c.contentType;
      const reply = await call(main.base, c.method ?? 'POST', '/echo', { headers, body: c.body });
      if (c.status === 200) {
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(JSON.parse(reply.text), c.expect === undefined ? { undefined: true } : { body: c.expect });
      } else {
        const doc = problem(reply, c.status, c.expect as string);
        if (c.detail !== undefined) assert.match(doc.detail as string, c.detail);
      }
      if (c.status === 413) {
        // The rest of the body is never read, so that connection is closed, but the server answers the next one.
        assert.equal(reply.headers.get('connection'), 'close');
        assert.equal((await call(main.base, 'GET', '/hello')).status, 200);
      }
    });
  }

  test('a chunked body under the limit is read', async () => {
    const body = '{"chunked":true}';
    const reply = await raw(main.port,
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    assert.equal(reply.status, 200, reply.data);
    assert.deepEqual(JSON.parse(reply.body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '')), { body: { chunked: true } });
  });

  test('a chunked body without Content-Length that streams past the limit → 413, then the server still answers', async () => {
    const chunk = `100\r\n${'a'.repeat(256)}\r\n`;
    const reply = await raw(main.port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' + chunk, {
      drip: [chunk],
      everyMs: 5,
      timeoutMs: 3000,
    });
    assert.equal(reply.status, 413, reply.data);
    assert.equal(reply.headers['content-type'], PROBLEM);
    assert.ok(reply.headers['x-request-id']);
    assert.equal(JSON.parse(reply.body).code, 'body_too_large');
    assert.equal(reply.closed, true, 'the connection is closed after a 413');
    assert.equal((await call(main.base, 'GET', '/hello')).status, 200);
  });
});

describe('slow and oversized requests', () => {
  test('slowloris: headers dripped one byte per 100 ms are cut off with 408 within ~2 s', async () => {
    const header = [...'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'];
    const reply = await raw(main.port, 'GET / HTTP/1.1\r\nHost: x\r\n', { drip: header, everyMs: 100, timeoutMs: 4000 });
    assert.equal(reply.closed, true, `the connection is still open after ${Math.round(reply.elapsed)} ms`);
    assert.ok(reply.elapsed < 2000, `closed only after ${Math.round(reply.elapsed)} ms`);
    assert.ok(reply.elapsed >= 250, `closed after ${Math.round(reply.elapsed)} ms, before the 300 ms headers timeout`);
    assert.equal(reply.status, 408, reply.data);
    assert.equal(reply.headers['content-type'], PROBLEM);
    assert.ok(reply.headers['x-request-id'], 'the 408 has an X-Request-Id');
    assert.equal(JSON.parse(reply.body).code, 'request_timeout');
  });

  test('an idle keep-alive connection outlives the headers timeout and serves the next request', async () => {
    const socket = net.connect(main.port, '127.0.0.1');
    const received: string[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk.toString('latin1')));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(500); // longer than headers_timeout (300 ms), shorter than keep_alive_timeout (5 s)
    socket.write('GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await new Promise((resolve) => { socket.once('close', resolve); setTimeout(resolve, 2000); });
    socket.destroy();
    const statuses = [...received.join('').matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [200, 200], received.join(''));
  });

  test('headers larger than max_header_size → 431 problem+json', async () => {
    const reply = await call(main.base, 'GET', '/hello', { headers: { 'x-big': 'a'.repeat(3000) } });
    const doc = problem(reply, 431, 'headers_too_large');
    assert.equal(doc.title, 'Request Header Fields Too Large');
    assert.equal((await call(main.base, 'GET', '/hello', { headers: { 'x-small': 'a'.repeat(500) } })).status, 200);
  });
});

describe('client IP', () => {
  let proxyOne: Started;
  let proxyCidr: Started;
  const ipRoute = (app: App) => app.router.get('/ip', (ctx) => ctx.json(200, { ip: ctx.ip }));
  before(async () => {
    proxyOne = await startApp({ trusted_proxies: ['127.0.0.1'] }, ipRoute);
    proxyCidr = await startApp({ trusted_proxies: ['127.0.0.0/8', '10.0.0.0/8'] }, ipRoute);
  });

  const cases: { name: string; server: () => Started; xff?: string; expected: string }[] = [
    { name: 'no trusted proxies, no header: the peer', server: () => main, expected: '127.0.0.1' },
    { name: 'no trusted proxies: X-Forwarded-For is ignored', server: () => main, xff: '203.0.113.9', expected: '127.0.0.1' },
    { name: 'trusted 127.0.0.1: one hop', server: () => proxyOne, xff: '203.0.113.9', expected: '203.0.113.9' },
    { name: 'trusted 127.0.0.1 only: the right-most untrusted is 10.0.0.1', server: () => proxyOne, xff: '203.0.113.9, 10.0.0.1', expected: '10.0.0.1' },
    { name: 'trusted 127/8 and 10/8: 10.0.0.1 is skipped', server: () => proxyCidr, xff: '203.0.113.9, 10.0.0.1', expected: '203.0.113.9' },
    { name: 'a forged left-most entry does not win', server: () => proxyCidr, xff: '6.6.6.6, 203.0.113.9, 10.0.0.1', expected: '203.0.113.9' },
    { name: 'garbage: the peer', server: () => proxyCidr, xff: 'definitely not an ip', expected: '127.0.0.1' },
    { name: 'garbage in the chain: the peer', server: () => proxyCidr, xff: '203.0.113.9, <script>, 10.0.0.1', expected: '127.0.0.1' },
    { name: 'all hops trusted: the left-most', server: () => proxyCidr, xff: '10.1.1.1, 10.0.0.1', expected: '10.1.1.1' },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const s = c.server();
      const reply = await call(s.base, 'GET', '/ip', { headers: c.xff === undefined ? {} : { 'x-forwarded-for': c.xff } });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(JSON.parse(reply.text), { ip: c.expected });
    });
  }
});

describe('graceful close', () => {
  test('an in-flight request completes with 200; new connections are refused during and after the close', async () => {
    const events: string[] = [];
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => { started = resolve; });
    const s = await startApp({ shutdown_timeout: '3s' }, (app) => {
      app.router.get('/slow', async (ctx) => {
        started();
        await sleep(300);
        events.push('handler done');
        ctx.json(200, { done: true });
      });
    });
    const inFlight = call(s.base, 'GET', '/slow');
    await handlerStarted;
    const closing = s.app.close().then(() => { events.push('closed'); });
    await sleep(20);
    assert.equal(await connects(s.port), false, 'a new connection was accepted while closing');
    const reply = await inFlight;
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.text), { done: true });
    await closing;
    // close() waited for the handler (the client may read the response before or after close() settles).
    assert.deepEqual(events, ['handler done', 'closed']);
    assert.equal(await connects(s.port), false, 'a new connection was accepted after close');
    await assert.rejects(fetch(s.base + '/slow'));
  });
});

describe('built-in routes', () => {
  test('GET /api/health → 200 {status, version, uptime_s}', async () => {
    const reply = await call(main.base, 'GET', '/api/health');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json\b/);
    const doc = JSON.parse(reply.text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc).sort(), ['status', 'uptime_s', 'version']);
    assert.equal(doc.status, 'ok');
    assert.equal(doc.version, PACKAGE_VERSION);
    assert.equal(typeof doc.uptime_s, 'number');
    assert.ok(Number.isInteger(doc.uptime_s) && (doc.uptime_s as number) >= 0 && (doc.uptime_s as number) < 60);
  });

  test('GET / → 200 text/html', async () => {
    const reply = await call(main.base, 'GET', '/');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/html\b/);
    assert.match(reply.text, /<html[\s>]/i);
  });
});

describe('request ids across the file', () => {
  test('every X-Request-Id seen is unique', () => {
    assert.ok(seenIds.length > 50, `only ${seenIds.length} ids seen`);
    const dupes = seenIds.filter((id, i) => seenIds.indexOf(id) !== i);
    assert.deepEqual(dupes, []);
  });
});
