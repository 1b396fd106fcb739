// Bench peer: a bare node:http server answering the bench asset with monolite's status, headers and bytes (the
// brotli file), its validators computed once at startup. `stream` (the default) opens and streams the .br file for
// each request, as a hand-written file server does; `memory` sends it from a Buffer read at startup (the ceiling).
import http from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream';
import { ASSET_PATH, writeAsset } from './static-asset.ts';
import { announce, closeServer, portOf, stopOn } from './lifecycle.ts';

const mode = process.argv[2] ?? 'stream';
if (mode !== 'stream' && mode !== 'memory') throw new Error(`Expected mode "stream" or "memory", got "${mode}"`);
const { brFile } = writeAsset();
const bytes = readFileSync(brFile);
const headers: Record<string, string> = {
  'content-type': 'text/javascript; charset=utf-8',
  etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}-br"`,
  'last-modified': statSync(brFile).mtime.toUTCString(),
  'cache-control': 'public, max-age=31536000, immutable',
  vary: 'Accept-Encoding',
  'content-encoding': 'br',
  'accept-ranges': 'bytes',
  'content-length': String(bytes.length),
  // monolite's security headers for non-HTML responses (src/middleware/security-headers.ts)
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};
const idPrefix = randomBytes(6).toString('base64url');
let idCounter = 0;

const server = http.createServer({ keepAlive: true, keepAliveTimeout: 5000 }, (req, res) => {
  if (req.url !== ASSET_PATH || (req.headers['accept-encoding'] ?? '').indexOf('br') === -1) {
    res.writeHead(404, { 'content-length': '0' });
    res.end();
    return;
  }
  res.setHeader('x-request-id', idPrefix + '-' + (++idCounter).toString(36));
  for (const name in headers) res.setHeader(name, headers[name]);
  res.writeHead(200);
  if (mode === 'memory') res.end(bytes);
  else pipeline(createReadStream(brFile), res, () => {});
});

server.listen(0, '127.0.0.1', () => announce(portOf(server)));
stopOn(() => closeServer(server));
