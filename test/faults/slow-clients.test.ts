// Fault: slowloris (many connections trickling header bytes) and slow-body clients (a declared body sent a byte at a
// time). With short server.headers_timeout and server.request_timeout, each is cut off soon after its timeout, while
// normal clients running at the same time all succeed within a latency bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { bounded } from '../support/long.ts';
import { faultBed } from '../support/fault-server.ts';
import { closedLoop, count, describe, exchange, quantile, tally } from '../support/fault-load.ts';

const SLOWLORIS = bounded(150, 1000);
const SLOW_BODIES = bounded(30, 200);
const NORMAL_CLIENTS = 20;
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
// Node checks both timeouts every quarter of the headers timeout here (src/http/server.ts): a cut comes at most that
// late; the rest of the margin is for a loaded 2-core machine.
const MARGIN_MS = 2500;

interface Cut {
  /** Milliseconds from connecting to the server closing the connection. */
  ms: number;
  /** What the server sent before closing (a 408 problem, or nothing). */
  received: string;
}

/** A client that opens a connection, sends `head` then `trickle` one byte every `everyMs`; resolves when cut off. */
function trickler(port: number, head: string, trickle: string, everyMs: number, giveUpMs: number): Promise<Cut> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ ms: performance.now() - started, received });
    };
    const giveUp = setTimeout(() => { received += '[still open]'; finish(); }, giveUpMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { received += d; });
    socket.on('close', finish);
    socket.on('error', () => {}); // a reset is a cut too: 'close' follows
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (socket.writable) socket.write(trickle[i++ % trickle.length]);
      }, everyMs);
    });
  });
}

test('slowloris and slow-body clients are cut off by the timeouts while normal clients are unaffected', async (t) => {
  const bed = faultBed({
    server: { headers_timeout: `${HEADERS_TIMEOUT_MS}ms`, request_timeout: `${REQUEST_TIMEOUT_MS}ms` },
  }, { shop: true });
  t.after(() => bed.cleanup());
  const { url, run, port } = await bed.serve();

  const giveUpMs = REQUEST_TIMEOUT_MS + MARGIN_MS * 4;
  // Header bytes that never end the head: "X-a: aaaa…" for ever.
  const slowloris = Array.from({ length: SLOWLORIS }, () =>
    trickler(port, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ', 'a', 100, giveUpMs));
  const slowBodies = Array.from({ length: SLOW_BODIES }, () =>
    trickler(port, 'POST /api/shop/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"client":"slow","seq":1,"note":"',
      'b', 100, giveUpMs));

  const agent = new http.Agent({ keepAlive: true, maxSockets: NORMAL_CLIENTS });
  t.after(() => agent.destroy());
  const normal = tally();
  let cutsDone = false;
  const cuts = Promise.all([Promise.all(slowloris), Promise.all(slowBodies)]).finally(() => { cutsDone = true; });
  await closedLoop(NORMAL_CLIENTS, () => cutsDone, async (client, i) => {
    const a = i % 3 === 2
      ? await exchange(url, { method: 'POST', path: '/api/shop/items', agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client: `n${client}`, seq: i }) })
      : await exchange(url, { path: i % 2 === 0 ? '/api/health' : '/api/shop/items?limit=3', agent });
    count(normal, a);
  });
  const [lorisCuts, bodyCuts] = await cuts;

  const late = (list: Cut[], bound: number) => list.filter((c) => c.ms > bound || c.received.includes('[still open]'));
  assert.deepEqual(late(lorisCuts, HEADERS_TIMEOUT_MS + MARGIN_MS).map((c) => Math.round(c.ms)), [], 'every slowloris connection is cut soon after headers_timeout');
  assert.deepEqual(late(bodyCuts, REQUEST_TIMEOUT_MS + MARGIN_MS).map((c) => Math.round(c.ms)), [], 'every slow body is cut soon after request_timeout');
  for (const c of [...lorisCuts, ...bodyCuts]) {
    // Either a clean 408 problem (Node's parser timed the request out) or a bare close: never a success.
    if (c.received !== '') assert.match(c.received, /^HTTP\/1\.1 408 /, c.received);
  }
  assert.ok(bodyCuts.every((c) => !/^HTTP\/1\.1 2/.test(c.received)), 'no slow body was accepted');

  const ok = [...normal.statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, k]) => n + k, 0);
  assert.equal(ok, normal.total, `every normal request succeeded: ${describe(normal)}`);
  assert.ok(normal.total > 100, `the normal clients ran (${normal.total} requests)`);
  const p99 = quantile(normal.latencies, 0.99);
  assert.ok(p99 < 1000, `normal clients' p99 latency ${p99.toFixed(1)} ms stays under 1 s`);
  const stats = (list: Cut[]) => `median ${quantile(list.map((c) => c.ms), 0.5).toFixed(0)} ms, max ${Math.max(...list.map((c) => c.ms)).toFixed(0)} ms, ` +
    `${list.filter((c) => c.received.startsWith('HTTP/1.1 408')).length} got a 408`;
  t.diagnostic(`slowloris ×${SLOWLORIS}: cut after ${stats(lorisCuts)}; slow bodies ×${SLOW_BODIES}: cut after ${stats(bodyCuts)}`);
  t.diagnostic(`normal: ${normal.total} requests, all 2xx, p50 ${quantile(normal.latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);

  // The server is still healthy afterwards.
  assert.equal((await exchange(url, { path: '/api/health' })).status, 200);
  run.child.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
});
