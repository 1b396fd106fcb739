// The static file server through a real server: every header rule (MIME, index, redirects, br/gzip/identity by
// q-values, Vary, ETag/304, Last-Modified, ranges, caching by name, HEAD), path traversal over raw sockets, dotfiles,
// symlinks, the SPA fallback, and large files streamed intact.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { createApp, type App } from '../../src/app.ts';
import { until } from '../support/until.ts';
import { APPLICATION_SCOPE } from '../../src/config/store.ts';
import { writeDocument } from '../../src/config/document.ts';
import { parse } from '../../src/lib/toml.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const JS = 'export function greet(name) { return `hello ${name}`; }\n'.repeat(60);
const DIGITS = '0123456789'.repeat(100);
const BIG = randomBytes(3 * 1024 * 1024 + 17); // above the in-memory limit: streamed from disk
const PNG = randomBytes(64);
const OLD = new Date('2024-03-01T12:00:00Z');

let dir: string;
let pub: string;
let spaApp: App;
let plainApp: App;
let spa: string;
let plain: string;

function write(rel: string, content: string | Buffer, variants: ('br' | 'gz')[] = []): void {
  const file = join(pub, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
  if (variants.includes('br')) writeFileSync(file + '.br', brotliCompressSync(content));
  if (variants.includes('gz')) writeFileSync(file + '.gz', gzipSync(content));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monolite-static-'));
  pub = join(dir, 'public');
  mkdirSync(pub);
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'secret.txt'), SECRET);
  write('index.html', '<!doctype html><html><head><title>Home</title></head><body>home</body></html>\n', ['br', 'gz']);
  write('docs/index.html', '<!doctype html><html><body>docs</body></html>\n');
  mkdirSync(join(pub, 'empty'));
  write('app.0123456789.js', JS, ['br', 'gz']);
  write('only-gzip.txt', DIGITS, ['gz']);
  write('digits.txt', DIGITS, ['gz']);
  write('style.css', 'body { color: red }\n');
  write('data.json', '{"a":1}');
  write('image.png', PNG);
  write('icon.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
  write('font.woff2', randomBytes(32));
  write('blob.xyz', 'x');
  write('LICENSE', 'MIT');
  write('UPPER.HTML', '<p>upper</p>');
  write('app.0123.js', 'short hash');
  write('app.0123456789abcdef0.js', 'hash too long');
  write('app.ABCDEF1234.js', 'upper-case hex');
  write('theme.abcdef1234567890.css', 'sixteen hex');
  write('empty.txt', '');
  write('big.bin', BIG);
  write('old.txt', 'old');
  utimesSync(join(pub, 'old.txt'), OLD, OLD);
  write('.env', `SECRET=${SECRET}`);
  write('.git/config', SECRET);
  write('docs/.hidden', SECRET);
  write('api/file.txt', 'an API path is never a file');
  write('edit.txt', 'version 1');
  write('later.js', 'let later = 1;\n'.repeat(50));
  write('same-a.txt', 'the same bytes');
  write('same-b.txt', 'the same bytes');
  writeFileSync(join(pub, 'lone.js.br'), brotliCompressSync(JS)); // a variant without its plain file
  symlinkSync(join(dir, 'secret.txt'), join(pub, 'leak.txt'));
  symlinkSync(join(dir, 'outside'), join(pub, 'escape'));
  symlinkSync(join(pub, 'style.css'), join(pub, 'alias.css'));
  symlinkSync(join(pub, '.git', 'config'), join(pub, 'git-config.txt'));
  spawnSync('mkfifo', [join(pub, 'fifo.txt')]);

  const flags = (spaFallback: boolean) => ({ server: { port: 0 }, log: { level: 'error' }, static: { dir: pub, spa_fallback: spaFallback } });
  spaApp = await createApp({ dataDir: join(dir, 'data-spa'), flags: flags(true) });
  plainApp = await createApp({ dataDir: join(dir, 'data-plain'), flags: flags(false) });
  spa = `http://127.0.0.1:${(await spaApp.listen()).port}`;
  plain = `http://127.0.0.1:${(await plainApp.listen()).port}`;
});

after(async () => {
  await Promise.all([spaApp?.close(), plainApp?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** A request through node:http: no headers added, no body decoded. */
function call(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A request written byte for byte on a socket: the path reaches the server exactly as given (`..`, `\`). */
function raw(base: string, path: string, accept = '*/*'): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: ${accept}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.on('error', reject);
  });
}

const file = (rel: string) => readFileSync(join(pub, rel));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function problem(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status);
  assert.equal(reply.headers['content-type'], 'application/problem+json');
  assert.equal(JSON.parse(reply.body.toString()).code, code);
}

describe('content types', () => {
  const cases: [string, string][] = [
    ['/index.html', 'text/html; charset=utf-8'],
    ['/UPPER.HTML', 'text/html; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/app.0123456789.js', 'text/javascript; charset=utf-8'],
    ['/data.json', 'application/json; charset=utf-8'],
    ['/digits.txt', 'text/plain; charset=utf-8'],
    ['/image.png', 'image/png'],
    ['/icon.svg', 'image/svg+xml; charset=utf-8'],
    ['/font.woff2', 'font/woff2'],
    ['/blob.xyz', 'application/octet-stream'],
    ['/LICENSE', 'application/octet-stream'],
  ];
  for (const [path, type] of cases) {
    test(`${path} → ${type}, the file's bytes`, async () => {
      const reply = await call(plain, path);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], type);
      assert.deepEqual(reply.body, file(path.slice(1)));
      assert.equal(reply.headers['content-length'], String(reply.body.length));
      assert.equal(reply.headers['accept-ranges'], 'bytes');
      assert.ok(reply.headers['x-request-id']);
    });
  }
});

describe('folders', () => {
  test('/ and /docs/ serve their index.html', async () => {
    assert.deepEqual((await call(plain, '/')).body, file('index.html'));
    assert.deepEqual((await call(plain, '/docs/')).body, file('docs/index.html'));
  });

  const redirects: [string, string][] = [
    ['/docs', '/docs/'],
    ['/docs?x=1&y=%20', '/docs/?x=1&y=%20'],
    ['/empty', '/empty/'],
  ];
  for (const [path, location] of redirects) {
    test(`${path} → 301 ${location}`, async () => {
      const reply = await call(plain, path);
      assert.equal(reply.status, 301);
      assert.equal(reply.headers.location, location);
      assert.equal(reply.body.length, 0);
    });
  }

  for (const path of ['/empty/', '/index.html/', '/docs/index.html/']) {
    test(`${path} → 404 (no listing, a file is no folder)`, async () => problem(await call(plain, path), 404, 'not_found'));
  }
});

describe('precompressed variants', () => {
  // [Accept-Encoding (undefined: none sent), coding chosen for app.0123456789.js (br + gzip stored)]
  const cases: [string | undefined, 'br' | 'gzip' | 'identity'][] = [
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['BR', 'br'],
    ['x-gzip', 'gzip'],
    ['gzip, br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['identity, gzip', 'gzip'],
    ['gzip;q=0.8, br;q=0.8', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0.5, gzip', 'gzip'],
    ['*;q=0', 'identity'],
    ['identity', 'identity'],
    ['identity;q=0.5, gzip;q=0.6', 'gzip'],
    ['identity;q=1, br;q=0.9', 'identity'],
    ['identity;q=0, *;q=0', 'identity'],
    ['br;q=2', 'identity'],
    ['br ; q = 0.7 , gzip;q=0.3', 'br'],
  ];
  for (const [accept, coding] of cases) {
    test(`Accept-Encoding ${accept === undefined ? '(none)' : JSON.stringify(accept)} → ${coding}`, async () => {
      const reply = await call(plain, '/app.0123456789.js', accept === undefined ? {} : { 'accept-encoding': accept });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-encoding'], coding === 'identity' ? undefined : coding);
      assert.equal(reply.headers.vary, 'Accept-Encoding', 'Vary whenever a variant exists, the plain file included');
      assert.equal(reply.headers['content-type'], 'text/javascript; charset=utf-8', 'the type of the plain file');
      const stored = file(coding === 'br' ? 'app.0123456789.js.br' : coding === 'gzip' ? 'app.0123456789.js.gz' : 'app.0123456789.js');
      assert.deepEqual(reply.body, stored);
      assert.equal(reply.headers['content-length'], String(stored.length));
    });
  }

  const partial: [string, string, string | undefined][] = [
    ['/only-gzip.txt', 'br, gzip', 'gzip'],
    ['/only-gzip.txt', 'br', undefined],
    ['/style.css', 'br, gzip', undefined],
  ];
  for (const [path, accept, coding] of partial) {
    test(`${path} with ${accept} → ${coding ?? 'identity'} (what exists)`, async () => {
      const reply = await call(plain, path, { 'accept-encoding': accept });
      assert.equal(reply.headers['content-encoding'], coding);
      assert.equal(reply.headers.vary, path === '/style.css' ? undefined : 'Accept-Encoding', 'no Vary without a variant');
    });
  }

  test('each variant has its own strong ETag', async () => {
    const tags = await Promise.all(['br', 'gzip', 'identity'].map(async (a) => (await call(plain, '/app.0123456789.js', { 'accept-encoding': a })).headers.etag));
    assert.equal(new Set(tags).size, 3);
    for (const tag of tags) assert.match(String(tag), /^"[^"]+"$/, 'strong: no W/');
  });

  test('a .br without its plain file is never served', async () => {
    assert.equal((await call(plain, '/lone.js', { 'accept-encoding': 'br' })).status, 404);
  });

  test('ETags: a hash of the bytes for files held in memory (same bytes, same tag), inode-size-mtime for streamed ones', async () => {
    const [a, b, big] = await Promise.all(['/same-a.txt', '/same-b.txt', '/big.bin'].map((p) => call(plain, p)));
    assert.equal(a.headers.etag, b.headers.etag, 'two files with the same bytes');
    assert.match(String(a.headers.etag), /^"[A-Za-z0-9_-]{22}/, 'a content hash');
    assert.match(String(big.headers.etag), /^"[0-9a-z]+-[0-9a-z]+-[0-9a-z]+/, 'inode, size and mtime');
  });

  test('the variants decode to the plain file', async () => {
    const br = await call(plain, '/app.0123456789.js', { 'accept-encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal((await import('node:zlib')).brotliDecompressSync(br.body).toString(), JS);
  });
});

describe('validators and 304', () => {
  test('If-None-Match (weak comparison, lists, *) → 304 with the validators and no body', async () => {
    const first = await call(plain, '/app.0123456789.js', { 'accept-encoding': 'br' });
    const tag = String(first.headers.etag);
    for (const inm of [tag, `W/${tag}`, `"nope", ${tag}`, '*']) {
      const reply = await call(plain, '/app.0123456789.js', { 'accept-encoding': 'br', 'if-none-match': inm });
      assert.equal(reply.status, 304, inm);
      assert.equal(reply.body.length, 0);
      assert.equal(reply.headers.etag, tag);
      assert.equal(reply.headers.vary, 'Accept-Encoding');
      assert.equal(reply.headers['cache-control'], 'public, max-age=31536000, immutable');
    }
    const head = await call(plain, '/app.0123456789.js', { 'accept-encoding': 'br', 'if-none-match': tag }, 'HEAD');
    assert.equal(head.status, 304);
  });

  test('the tag of one variant does not validate another', async () => {
    const br = await call(plain, '/app.0123456789.js', { 'accept-encoding': 'br' });
    const reply = await call(plain, '/app.0123456789.js', { 'accept-encoding': 'gzip', 'if-none-match': String(br.headers.etag) });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-encoding'], 'gzip');
  });

  test('Last-Modified is the file mtime; If-Modified-Since → 304 unless If-None-Match is there', async () => {
    const first = await call(plain, '/old.txt');
    assert.equal(first.headers['last-modified'], OLD.toUTCString());
    const cases: [Record<string, string>, number][] = [
      [{ 'if-modified-since': OLD.toUTCString() }, 304],
      [{ 'if-modified-since': new Date(OLD.getTime() + 86_400_000).toUTCString() }, 304],
      [{ 'if-modified-since': new Date(OLD.getTime() - 1000).toUTCString() }, 200],
      [{ 'if-modified-since': 'not a date' }, 200],
      [{ 'if-modified-since': OLD.toUTCString(), 'if-none-match': '"other"' }, 200],
    ];
    for (const [headers, status] of cases) assert.equal((await call(plain, '/old.txt', headers)).status, status, JSON.stringify(headers));
  });

  test('a 304 of a page carries the page\'s CSP (caches merge 304 headers into the stored page)', async () => {
    const page = await call(plain, '/index.html');
    const reply = await call(plain, '/index.html', { 'if-none-match': String(page.headers.etag) });
    assert.equal(reply.status, 304);
    assert.equal(reply.headers['content-security-policy'], page.headers['content-security-policy']);
    assert.match(String(reply.headers['content-security-policy']), /default-src 'self'/);
  });
});

describe('ranges', () => {
  // [Range, status, expected Content-Range, body slice [start, end) of DIGITS]
  const cases: [string, number, string | undefined, [number, number]][] = [
    ['bytes=0-9', 206, 'bytes 0-9/1000', [0, 10]],
    ['bytes=990-', 206, 'bytes 990-999/1000', [990, 1000]],
    ['bytes=-5', 206, 'bytes 995-999/1000', [995, 1000]],
    ['bytes=995-5000', 206, 'bytes 995-999/1000', [995, 1000]],
    ['bytes=-5000', 206, 'bytes 0-999/1000', [0, 1000]],
    ['Bytes = 10-19', 206, 'bytes 10-19/1000', [10, 20]],
    ['bytes=5-1', 200, undefined, [0, 1000]],
    ['bytes=0-1,5-6', 200, undefined, [0, 1000]],
    ['items=0-1', 200, undefined, [0, 1000]],
    ['bytes=x-y', 200, undefined, [0, 1000]],
  ];
  for (const [range, status, contentRange, [start, end]] of cases) {
    test(`Range ${range} → ${status}`, async () => {
      // The file has a .gz sibling: a range is always of the plain bytes, never of a compressed variant.
      const reply = await call(plain, '/digits.txt', { range, 'accept-encoding': 'gzip' });
      assert.equal(reply.status, status);
      assert.equal(reply.headers['content-range'], contentRange);
      assert.equal(reply.headers['content-encoding'], undefined);
      assert.equal(reply.body.toString(), DIGITS.slice(start, end));
      assert.equal(reply.headers['content-length'], String(end - start));
      assert.equal(reply.headers.vary, 'Accept-Encoding');
    });
  }

  for (const [path, range, size] of [['/digits.txt', 'bytes=1000-', 1000], ['/digits.txt', 'bytes=-0', 1000], ['/empty.txt', 'bytes=0-', 0]] as const) {
    test(`${path} Range ${range} → 416 with Content-Range bytes */${size}`, async () => {
      const reply = await call(plain, path, { range });
      problem(reply, 416, 'range_not_satisfiable');
      assert.equal(reply.headers['content-range'], `bytes */${size}`);
    });
  }

  test('If-Range: the plain file\'s ETag or exact date gates the range; anything else gets the whole', async () => {
    const whole = await call(plain, '/digits.txt');
    const tag = String(whole.headers.etag);
    const gz = await call(plain, '/digits.txt', { 'accept-encoding': 'gzip' });
    const cases: [string, number][] = [
      [tag, 206],
      [`W/${tag}`, 200],
      ['"other"', 200],
      [String(gz.headers.etag), 200],
      [String(whole.headers['last-modified']), 206],
      [new Date(Date.parse(String(whole.headers['last-modified'])) - 1000).toUTCString(), 200],
    ];
    for (const [ifRange, status] of cases) {
      const reply = await call(plain, '/digits.txt', { range: 'bytes=0-1', 'if-range': ifRange });
      assert.equal(reply.status, status, ifRange);
      assert.equal(reply.body.length, status === 206 ? 2 : 1000);
    }
  });

  test('HEAD ignores Range; a range of a streamed file is the right slice', async () => {
    const head = await call(plain, '/digits.txt', { range: 'bytes=0-1' }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '1000');
    const reply = await call(plain, '/big.bin', { range: 'bytes=1000000-1000099' });
    assert.equal(reply.status, 206);
    assert.equal(reply.headers['content-range'], `bytes 1000000-1000099/${BIG.length}`);
    assert.deepEqual(reply.body, BIG.subarray(1000000, 1000100));
  });
});

describe('caching by name', () => {
  const cases: [string, string][] = [
    ['/app.0123456789.js', 'public, max-age=31536000, immutable'],
    ['/theme.abcdef1234567890.css', 'public, max-age=31536000, immutable'],
    ['/app.0123.js', 'no-cache'],
    ['/app.0123456789abcdef0.js', 'no-cache'],
    ['/app.ABCDEF1234.js', 'no-cache'],
    ['/style.css', 'no-cache'],
    ['/index.html', 'no-cache'],
    ['/', 'no-cache'],
  ];
  for (const [path, cacheControl] of cases) {
    test(`${path} → Cache-Control: ${cacheControl}`, async () => {
      assert.equal((await call(plain, path)).headers['cache-control'], cacheControl);
    });
  }
});

describe('security headers and methods', () => {
  test('HTML gets the page CSP; other files the API set, with their own caching', async () => {
    const page = await call(plain, '/');
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    const js = await call(plain, '/style.css');
    assert.equal(js.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    assert.equal(js.headers['cache-control'], 'no-cache');
  });

  for (const path of ['/', '/app.0123456789.js', '/big.bin', '/digits.txt']) {
    test(`HEAD ${path}: the GET headers, no body`, async () => {
      const get = await call(plain, path, { 'accept-encoding': 'br' });
      const head = await call(plain, path, { 'accept-encoding': 'br' }, 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
      for (const name of ['content-type', 'content-length', 'content-encoding', 'etag', 'last-modified', 'cache-control', 'vary']) {
        assert.equal(head.headers[name], get.headers[name], name);
      }
    });
  }

  const methods: [string, string][] = [['POST', '/style.css'], ['PUT', '/index.html'], ['DELETE', '/'], ['POST', '/nowhere'], ['OPTIONS', '/style.css']];
  for (const [method, path] of methods) {
    test(`${method} ${path} → 404 problem+json (only GET and HEAD reach files; no 405 for unknown paths)`, async () => {
      problem(await call(plain, path, {}, method), 404, 'not_found');
    });
  }

  test('routes win over files and /api/ paths never become files', async () => {
    assert.equal((await call(plain, '/api/health')).status, 200);
    problem(await call(plain, '/api/file.txt'), 404, 'not_found');
    problem(await call(spa, '/api/unknown', { accept: 'text/html' }), 404, 'not_found');
    problem(await call(plain, '/api/unknown'), 404, 'not_found');
  });

  test('a stale session token does not keep public files from loading', async () => {
    const reply = await call(plain, '/style.css', { authorization: 'Bearer not.a.token' });
    assert.equal(reply.status, 200);
  });
});

describe('paths that must not reach the filesystem', () => {
  // Raw request targets, written on a socket exactly as here.
  const attempts = [
    '/../secret.txt',
    '/docs/../../secret.txt',
    '/./../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/docs/%2e%2e/%2e%2e/secret.txt',
    '/.%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/docs%2f..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/docs%5c..%5c..%5csecret.txt',
    '/..\\secret.txt',
    '/docs\\..\\..\\secret.txt',
    '/index.html%00',
    '/%00/../secret.txt',
    '/docs%2findex.html',
    '//secret.txt',
    '/.env',
    '/%2eenv',
    '/.git/config',
    '/docs/.hidden',
    '/leak.txt',
    '/escape/secret.txt',
    '/git-config.txt',
    '/fifo.txt',
  ];
  for (const path of attempts) {
    test(`GET ${path} → 404 or 400, nothing outside the root or hidden`, async () => {
      const reply = await raw(plain, path);
      assert.ok(reply.status === 404 || reply.status === 400, `${path}: status ${reply.status}`);
      assert.ok(!reply.text.includes(SECRET), `${path}: the secret leaked`);
      // With the SPA fallback, a page request for what is not served may get the app's page, never the file.
      const page = await raw(spa, path, 'text/html');
      assert.ok(!page.text.includes(SECRET), `${path}: the secret leaked to a page request`);
      assert.ok([200, 400, 404].includes(page.status) && (page.status !== 200 || page.text.includes('<body>home')), `${path}: ${page.status}`);
    });
  }

  test('a malformed escape is 400 bad_path', async () => {
    problem(await call(plain, '/%zz.txt'), 400, 'bad_path');
  });

  test('a symlink inside the root is followed', async () => {
    const reply = await call(plain, '/alias.css');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, file('style.css'));
  });
});

describe('SPA fallback', () => {
  const cases: [string, Record<string, string>, number][] = [
    ['/some/client/route', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, 200],
    ['/some/client/route', { accept: 'text/*' }, 200],
    ['/some/client/route', { accept: 'text/html;q=0' }, 404],
    ['/some/client/route', { accept: 'application/json' }, 404],
    ['/some/client/route', { accept: '*/*' }, 404],
    ['/some/client/route', {}, 404],
    ['/missing.js', { accept: '*/*' }, 404],
    ['/api/route', { accept: 'text/html' }, 404],
  ];
  for (const [path, headers, status] of cases) {
    test(`on: ${path} Accept ${headers.accept ?? '(none)'} → ${status}`, async () => {
      const reply = await call(spa, path, headers);
      assert.equal(reply.status, status);
      if (status === 200) {
        assert.deepEqual(reply.body, file('index.html'));
        assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
        assert.match(String(reply.headers.vary), /\bAccept\b/);
        assert.match(String(reply.headers['content-security-policy']), /default-src 'self'/);
      } else problem(reply, 404, 'not_found');
    });
  }

  test('on: HEAD and compressed answers too; real files are still themselves', async () => {
    const head = await call(spa, '/a/b', { accept: 'text/html' }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    const br = await call(spa, '/a/b', { accept: 'text/html', 'accept-encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers.vary, 'Accept-Encoding, Accept');
    assert.deepEqual((await call(spa, '/style.css', { accept: 'text/html' })).body, file('style.css'));
  });

  test('off: an unknown page is a 404', async () => {
    problem(await call(plain, '/some/client/route', { accept: 'text/html' }), 404, 'not_found');
  });
});

describe('files on disk', () => {
  test('a large file is streamed intact, also to several clients at once', async () => {
    const replies = await Promise.all(Array.from({ length: 4 }, () => call(plain, '/big.bin')));
    for (const reply of replies) {
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-length'], String(BIG.length));
      assert.equal(sha256(reply.body), sha256(BIG));
      assert.match(String(reply.headers.etag), /^"[^"]+"$/);
    }
  });

  test('clients that hang up mid-file leave no file open', async (t) => {
    const big = join(pub, 'big.bin');
    // The server runs in this process: its open files are ours.
    const openCount = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === big;
      } catch {
        return false; // closed while listed
      }
    }).length;
    try {
      openCount();
    } catch {
      t.skip('no /proc/self/fd to list open files on this system');
      return;
    }
    // A handle nobody closed is closed by garbage collection, with a process warning: either symptom fails the test.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const url = new URL(plain);
    const hangUp = (afterFirstChunk: boolean) => new Promise<void>((resolve) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
        socket.write('GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n');
        if (!afterFirstChunk) socket.destroy();
      });
      socket.once('data', () => socket.destroy());
      socket.once('close', () => resolve());
      socket.on('error', () => {});
    });
    await Promise.all(Array.from({ length: 100 }, (_, i) => hangUp(i % 4 === 0)));
    // Promptly, not when garbage collection gets to the abandoned handles (seconds later, with a warning).
    await until(() => openCount() === 0, () => `big.bin closed (${openCount()} still open)`, 1500);
    await sleep(300);
    assert.deepEqual(warnings.filter((w) => /file descriptor|FileHandle/i.test(w)), []);
    assert.equal((await call(plain, '/big.bin')).body.length, BIG.length, 'and the server still serves the file');
  });

  test('edits show after the revalidation second: new bytes, new ETag, a variant added later is served', async () => {
    const before = await call(plain, '/edit.txt');
    const js = await call(plain, '/later.js', { 'accept-encoding': 'br' });
    assert.equal(js.headers['content-encoding'], undefined);
    writeFileSync(join(pub, 'edit.txt'), 'version 2, longer');
    writeFileSync(join(pub, 'later.js.br'), brotliCompressSync(file('later.js')));
    await sleep(1100);
    const after = await call(plain, '/edit.txt');
    assert.equal(after.body.toString(), 'version 2, longer');
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.equal((await call(plain, '/edit.txt', { 'if-none-match': String(before.headers.etag) })).status, 200);
    const compressed = await call(plain, '/later.js', { 'accept-encoding': 'br' });
    assert.equal(compressed.headers['content-encoding'], 'br');
    assert.equal(compressed.headers.vary, 'Accept-Encoding');
  });
});

describe('configuration', () => {
  test('static.enabled = false, or a missing folder: every file path is a 404, routes still answer', async () => {
    for (const settings of [{ enabled: false, dir: pub }, { dir: join(dir, 'no-such-folder') }]) {
      const app = await createApp({ dataDir: join(dir, `data-off-${settings.dir.length}`), flags: { server: { port: 0 }, log: { level: 'error' }, static: settings } });
      try {
        const base = `http://127.0.0.1:${(await app.listen()).port}`;
        problem(await call(base, '/'), 404, 'not_found');
        problem(await call(base, '/style.css'), 404, 'not_found');
        assert.equal((await call(base, '/api/health')).status, 200);
      } finally {
        await app.close();
      }
    }
  });
});

describe('reload', () => {
  test('[static] changes apply live: folder and SPA fallback', async () => {
    const app = await createApp({ dataDir: join(dir, 'data-reload'), flags: { server: { port: 0 }, log: { level: 'error' } } });
    try {
      const base = `http://127.0.0.1:${(await app.listen()).port}`;
      problem(await call(base, '/only-gzip.txt'), 404, 'not_found'); // the project's public/ has none
      const doc = parse(app.store.latest(APPLICATION_SCOPE)!.content);
      doc.static = { dir: pub, spa_fallback: true };
      app.store.save(APPLICATION_SCOPE, writeDocument(doc));
      const result = app.reload();
      assert.ok(result.ok && result.changed.includes('static.dir') && result.restartRequired.length === 0, JSON.stringify(result));
      assert.deepEqual((await call(base, '/only-gzip.txt')).body, file('only-gzip.txt'));
      assert.deepEqual((await call(base, '/client/route', { accept: 'text/html' })).body, file('index.html'));
    } finally {
      await app.close();
    }
  });
});
