// HTTPS from PEM files, and the plain-HTTP listener that redirects to it (certificates made by openssl per run).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import type { RunningServer } from '../../src/http/server.ts';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const missing = hasOpenssl() ? false : 'openssl is not installed (.ci/run installs it)';
if (missing && process.env.CI === 'true') throw new Error(`CI=true but ${missing}`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function get(mod: typeof http | typeof https, url: string, options: https.RequestOptions = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    mod.get(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', reject);
  });
}

let dir: string;
let app: App;
let server: RunningServer;
let cert: Buffer;

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'monolite-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'));
  app = await createApp({
    dataDir: join(dir, 'data'),
    flags: { server: { port: 0, tls_cert: join(dir, 'cert.pem'), tls_key: join(dir, 'key.pem'), redirect_http_port: await freePort() }, log: { level: 'error' } },
  });
  server = await app.listen();
});

after(async () => {
  if (missing) return;
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

test('serves HTTPS with the configured certificate', { skip: missing }, async () => {
  assert.match(server.url, /^https:\/\/localhost:\d+$/);
  const res = await get(https, `https://127.0.0.1:${server.port}/api/health`, { ca: cert, servername: 'localhost' });
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).status, 'ok');
  assert.ok(res.headers['x-request-id']);
  assert.equal(res.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains', 'HSTS on HTTPS responses');
});

test('an untrusted client refuses the self-signed certificate (it really is TLS)', { skip: missing }, async () => {
  await assert.rejects(get(https, `https://127.0.0.1:${server.port}/api/health`), /self-signed|self signed/);
});

test('the plain HTTP listener redirects to HTTPS, keeping path and query', { skip: missing }, async () => {
  const res = await get(http, `http://127.0.0.1:${server.redirectPort}/a/b?c=1`, { headers: { host: 'example.test:8080' } });
  assert.equal(res.status, 308);
  assert.equal(res.headers.location, `https://example.test:${server.port}/a/b?c=1`);
  assert.ok(res.headers['x-request-id']);
});

test('the redirect refuses a Host header that is not a host name', { skip: missing }, async () => {
  const res = await get(http, `http://127.0.0.1:${server.redirectPort}/`, { headers: { host: 'evil.test/x@y' } });
  assert.equal(res.status, 400);
  assert.equal(JSON.parse(res.body).code, 'bad_host');
});

test('a missing certificate file is a clear startup error', { skip: missing }, async () => {
  const broken = await createApp({ dataDir: join(dir, 'data2'), flags: { server: { port: 0, tls_cert: join(dir, 'nope.pem'), tls_key: join(dir, 'key.pem') }, log: { level: 'error' } } });
  await assert.rejects(broken.listen(), /Cannot read server\.tls_cert ".*nope\.pem": ENOENT/);
  await broken.close();
});
