// Fault: one address floods the server while 50 normal clients, each from an address of its own, go about their
// business. The IP blocker (low thresholds here, so the test is fast) must refuse the flooder with 429 ip_blocked,
// and the normal clients must keep a success rate of at least 99 %. Loopback is 127.0.0.0/8 on Linux: the client
// sockets bind 127.0.0.2 (the flooder) and 127.0.0.3… (the others).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { bounded } from '../support/long.ts';
import { faultBed } from '../support/fault-server.ts';
import { closedLoop, count, describe, exchange, quantile, tally } from '../support/fault-load.ts';

const SECONDS = bounded(4, 90);
const NORMAL_CLIENTS = 50;
const FLOOD_CONNECTIONS = bounded(16, 32);

test('a flood from one IP is blocked while 50 normal clients keep ≥ 99 % success', async (t) => {
  const bed = faultBed({
    // custom: a window of 300 requests, active above 50 requests/s, 20 % of the window per IP (60 requests). A normal
    // client sends about 2 % of the traffic, the flooder most of it.
    block_ip: { enabled: true, level: 'custom', window: 300, activation_rps: 50, max_share: 20, block_for: '1m', allow: ['::1'] },
  }, { shop: true });
  t.after(() => bed.cleanup());
  const { url, run } = await bed.serve();

  const flooderAgent = new http.Agent({ keepAlive: true, maxSockets: FLOOD_CONNECTIONS });
  const normalAgent = new http.Agent({ keepAlive: true, maxSockets: NORMAL_CLIENTS * 2 });
  t.after(() => { flooderAgent.destroy(); normalAgent.destroy(); });
  const flood = tally();
  const normal = tally();
  const deadline = Date.now() + SECONDS * 1000;
  const done = () => Date.now() > deadline;
  await Promise.all([
    closedLoop(FLOOD_CONNECTIONS, done, async () => {
      count(flood, await exchange(url, { path: '/api/health', localAddress: '127.0.0.2', agent: flooderAgent }), (a) => a.status === 200 || a.status === 429);
    }),
    closedLoop(NORMAL_CLIENTS, done, async (client, i) => {
      const localAddress = `127.0.0.${3 + client}`;
      const a = i % 4 === 3
        ? await exchange(url, { method: 'POST', path: '/api/shop/items', localAddress, agent: normalAgent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client: localAddress, seq: i }) })
        : await exchange(url, { path: i % 2 === 0 ? '/api/health' : '/api/shop/items?limit=3', localAddress, agent: normalAgent });
      count(normal, a);
      await sleep(20 + Math.random() * 20); // a person's pace, well: a busy app's
    }),
  ]);

  const blocked = flood.statuses.get(429) ?? 0;
  assert.ok(blocked > flood.total / 2, `the flooder was refused most of the time: ${describe(flood)}`);
  // In the long run (90 s) the one-minute block expires while the flood goes on, and the flooder is blocked again.
  const blockLines = run.lines.filter((l) => l.msg === 'Blocked an IP');
  assert.ok(blockLines.length >= 1, 'the flooder was blocked');
  assert.deepEqual([...new Set(blockLines.map((l) => l.ip))], ['127.0.0.2'], 'only the flooder was blocked');
  const ok = [...normal.statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, k]) => n + k, 0);
  const success = ok / normal.total;
  assert.ok(success >= 0.99, `normal clients' success ${(success * 100).toFixed(2)} % (≥ 99 %): ${describe(normal)}`);
  assert.ok(normal.total > NORMAL_CLIENTS * 10, `the normal clients ran (${normal.total} requests)`);
  t.diagnostic(`flooder: ${flood.total} requests, ${blocked} refused (429), blocked ${blockLines.length} time(s); normal: ${normal.total} requests, ` +
    `${(success * 100).toFixed(2)} % 2xx, p99 ${quantile(normal.latencies, 0.99).toFixed(1)} ms`);

  run.child.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
});
