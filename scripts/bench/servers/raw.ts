// Bench peer: a bare node:http server answering the bench paths with the same status, headers and body as monolite.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { announce, closeServer, portOf, stopOn } from './lifecycle.ts';

// Everything monolite's answer depends on, reproduced without the framework: version, request id scheme, timeouts.
const VERSION: string = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
const JSON_TYPE = 'application/json; charset=utf-8';
const USERS = '/bench/users/';
const idPrefix = randomBytes(6).toString('base64url');
let idCounter = 0;
const started = Date.now();

function send(res: http.ServerResponse, status: number, body: string, type = JSON_TYPE): void {
  res.writeHead(status, {
    'x-request-id': idPrefix + '-' + (++idCounter).toString(36),
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    // monolite's security headers for API responses (src/middleware/security-headers.ts)
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
  });
  res.end(body);
}

const server = http.createServer({ keepAlive: true, keepAliveTimeout: 5000 }, (req, res) => {
  const url = req.url ?? '/';
  if (url === '/api/health') {
    send(res, 200, JSON.stringify({ status: 'ok', version: VERSION, uptime_s: Math.floor((Date.now() - started) / 1000) }));
  } else if (url.startsWith(USERS) && url.indexOf('/', USERS.length) === -1 && url.length > USERS.length) {
    send(res, 200, JSON.stringify({ id: decodeURIComponent(url.slice(USERS.length)), name: 'user' }));
  } else {
    send(res, 404, JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found', detail: 'No route' }), 'application/problem+json');
  }
});

server.listen(0, '127.0.0.1', () => announce(portOf(server)));
stopOn(() => closeServer(server));
