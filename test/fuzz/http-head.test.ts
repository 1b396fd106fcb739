// Fuzzing HTTP/1.1 request heads sent raw over node:net (garbage methods, folding, huge and duplicate headers, bad
// chunked encoding, CL+TE smuggling shapes): each connection gets well-formed answers that are never 5xx, or is
// closed; it always ends; and a fresh connection is served normally afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { BOUNDARY_NUMBERS, fuzz, type Rng } from '../support/fuzz.ts';

let app: App;
let port: number;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monolite-fuzz-head-'));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {}, log: new Logger([], 'error'),
    flags: { server: { port: 0, body_limit: '16KiB', max_header_size: '8KiB' }, block_ip: { enabled: false } } as never,
  });
  app.router.add(['POST', 'PUT', 'GET'], '/fuzz/echo', async (ctx) => {
    const body = await ctx.body();
    ctx.json(200, { body: body ?? null });
  });
  port = (await app.listen()).port;
});

after(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends `bytes` on a new connection, half-closes it, and returns all that came back once the server closed it. */
function exchange(bytes: Buffer, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`The server neither answered in full nor closed the connection within ${ms} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 300))}`));
    }, ms);
    socket.on('data', (c: Buffer) => chunks.push(c));
    // A reset is a clean refusal too.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.end(bytes);
  });
}

/** The status codes of the responses in `reply`, checking each head is HTTP/1.1 and each body has its length. */
function statuses(reply: Buffer): number[] {
  const text = reply.toString('latin1');
  const found: number[] = [];
  let at = 0;
  while (at < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', at);
    assert.ok(headEnd !== -1, `an incomplete response head: ${JSON.stringify(text.slice(at, at + 300))}`);
    const head = text.slice(at, headEnd);
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(head);
    assert.ok(status, `not an HTTP/1.1 status line: ${JSON.stringify(head.slice(0, 200))}`);
    found.push(Number(status[1]));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      // Chunked: skip chunk by chunk up to the last one.
      let p = headEnd + 4;
      for (;;) {
        const lineEnd = text.indexOf('\r\n', p);
        assert.ok(lineEnd !== -1, 'a chunked response cut short');
        const size = parseInt(text.slice(p, lineEnd), 16);
        p = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      at = p;
    } else {
      at = headEnd + 4 + (length ? Number(length[1]) : 0);
    }
  }
  return found;
}

const METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'DELETE', 'PATCH', 'CONNECT', 'TRACE', 'PRI', 'get', 'G ET', 'GET\x00', 'BREW', '', '\x16\x03\x01', 'X'.repeat(300)];
const TARGETS = ['/fuzz/echo', '/api/health', '/', '*', 'http://x/fuzz/echo', '//fuzz/echo', '/fuzz/echo?a=%zz', '/%00', '/../../etc/passwd', '/a\tb', 'x', '/' + 'a'.repeat(9000), ''];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.10', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1', ''];
const HEADERS = [
  'Host: x', 'Host: x\r\nHost: y', 'Host:', 'Host: a b', 'Content-Type: application/json', 'Content-Type: application/x-www-form-urlencoded',
  'Content-Length: 0', 'Content-Length: 7', 'Content-Length: 7\r\nContent-Length: 8', 'Content-Length: 7, 7', 'Content-Length: -1',
  'Content-Length: 99999999999999999999', 'Content-Length: 0x10', 'Content-Length : 7', 'Transfer-Encoding: chunked',
  'Transfer-Encoding: chunked\r\nContent-Length: 7', 'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: chunked, gzip',
  'Transfer-Encoding: xchunked', 'Transfer-Encoding:\tchunked', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity',
  'X-Folded: a\r\n  b', ' leading: space', 'No-Colon', ': empty-name', 'X-Nul: a\x00b', 'X-Bare-CR: a\rb', 'X-Big: ' + 'v'.repeat(9000),
  'Expect: 100-continue', 'Connection: keep-alive', 'Connection: close', 'Connection: upgrade\r\nUpgrade: websocket', 'Upgrade: h2c',
  'X-Forwarded-For: 1.2.3.4, ::1', 'Accept-Encoding: br;q=2, gzip;q=-1', 'Range: bytes=0-0,1-1', 'If-None-Match: *', 'Authorization: Bearer x.y.z',
  'Cookie: a=b; a=c', 'Origin: null', 'X-\u00e9: latin1',
];
const BODIES = ['', '{"a":1}', 'a=1&b=2', '5\r\nhello\r\n0\r\n\r\n', '5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n', 'zz\r\nhello\r\n0\r\n\r\n',
  '5\r\nhelloXX0\r\n\r\n', 'ffffffffffffffff\r\n', '-1\r\n', '0\r\n', '7\r\n{"a":1}\r\n0\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n',
  '\r\n', 'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n'];
const DICTIONARY = ['\r\n', '\r\n\r\n', '\n', '\r', ' ', '\t', ':', ': ', 'HTTP/1.1', 'Host: x\r\n', 'Content-Length: ', 'Transfer-Encoding: chunked\r\n',
  '0\r\n\r\n', ';', ',', '\x00', '\x7f', '%', '?', '#', ...METHODS.slice(0, 10)];

/** A request head (and body) from parts that are each valid, odd or broken, now and then followed by another. */
function request(rng: Rng): string {
  const line = `${rng.pick(METHODS)} ${rng.pick(TARGETS)} ${rng.pick(VERSIONS)}`;
  const headers = Array.from({ length: rng.chance(0.05) ? 200 : rng.int(6) }, () => rng.pick(HEADERS));
  if (rng.chance(0.3)) headers.push(`Content-Length: ${rng.pick(BOUNDARY_NUMBERS)}`);
  const crlf = rng.chance(0.9) ? '\r\n' : rng.pick(['\n', '\r', '\n\r']);
  const one = `${line}${crlf}${headers.join(crlf)}${crlf}${crlf}${rng.pick(BODIES)}`;
  return rng.chance(0.2) ? one + request(rng) : one;
}

const SEEDS = [
  'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /fuzz/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
  'POST /fuzz/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"a":1}\r\n0\r\n\r\n',
  'POST /fuzz/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
  'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n',
];

/** A plain request on a new connection gets its 200. */
async function healthy(): Promise<void> {
  const reply = await exchange(Buffer.from('GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 5000);
  assert.deepEqual(statuses(reply), [200], `after the input, a fresh connection got ${JSON.stringify(reply.toString('latin1').slice(0, 200))}`);
}

test('fuzz: raw request heads get well-formed answers that are never 5xx, or a close; the server keeps serving', { timeout: 600_000 }, async (t) => {
  let n = 0;
  const stats = await fuzz('http-head', {
    seeds: SEEDS,
    dictionary: DICTIONARY,
    generate: request,
    timeoutMs: 5000,
    async run(input) {
      const reply = await exchange(input, 4000);
      // An answer to HEAD declares a length it does not send, so framing cannot be followed past one.
      const codes = input.includes('HEAD') || input.includes('head')
        ? [...reply.toString('latin1').matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
        : statuses(reply);
      for (const status of codes) assert.ok(status < 500, `answered ${status}: ${JSON.stringify(reply.toString('latin1').slice(0, 400))}`);
      if (++n % 10 === 0) await healthy();
    },
  });
  await healthy();
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});
