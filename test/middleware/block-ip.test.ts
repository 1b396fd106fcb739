// IP blocking through a real server (flooding from loopback addresses other than 127.0.0.1) and, with an injected
// clock, the activation gate, the presets, Retry-After, expiry, live reconfiguration and the bounded blocked set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeEndpoint, type FakeEndpoint } from '../support/fake-endpoint.ts';
import { until } from '../support/until.ts';
import { createApp, type App } from '../../src/app.ts';
import { blockIp, type BlockEvent, type BlockIpConfig } from '../../src/middleware/block-ip.ts';
import { HttpError } from '../../src/http/errors.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';
import type { Context } from '../../src/http/context.ts';
import type { PartialConfig } from '../../src/config/schema.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET `url` over a fresh connection from `localAddress` (Linux routes all of 127.0.0.0/8 to lo). */
function get(url: string, localAddress: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function statuses(url: string, from: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(url, from)).status);
  return out;
}

const dirs: string[] = [];
const apps: App[] = [];

/** An app (block-ip is in its default chain) with one route; closed after the file. */
async function startApp(blockIpFlags: PartialConfig['block_ip'], notify: PartialConfig['notify'] = {}): Promise<{ app: App; url: string; records: LogRecord[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-block-ip-'));
  dirs.push(dir);
  const records: LogRecord[] = [];
  const log = new Logger([(r) => records.push(r)]);
  const app = await createApp({ dataDir: join(dir, 'data'), env: {}, log, flags: { server: { port: 0 }, log: { level: 'warn' }, block_ip: blockIpFlags, notify } });
  app.router.get('/x', (ctx) => ctx.json(200, { ok: true }));
  apps.push(app);
  const server = await app.listen();
  return { app, url: `${server.url}/x`, records };
}

let webhook: FakeEndpoint;

after(async () => {
  for (const app of apps) await app.close();
  await webhook.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// The real server: window 100, always active, more than 20 requests of the window is too many, blocked for 1 s.
let server: { app: App; url: string; records: LogRecord[] };
/** What the built-in blocker logged: one warn line per block. */
const events = () => server.records.filter((r) => r.msg === 'Blocked an IP').map((r) => r.fields as { ip: string; count: number; share: number; until: string });
let blockedAt = 0;

before(async () => {
  webhook = await startFakeEndpoint();
  server = await startApp({ level: 'custom', window: '100', activation_rps: '0', max_share: '20', block_for: '1s' }, { webhook_url: webhook.url });
});

test('a flooding address gets 429 ip_blocked with Retry-After while a light one still gets 200', async () => {
  const flood = await statuses(server.url, '127.0.0.2', 45);
  blockedAt = Date.now();
  // Counted per sub-window of 10 requests: the block falls at the 30th (30 > 20 of the window), not later.
  assert.deepEqual(flood.slice(0, 30), new Array(30).fill(200));
  assert.deepEqual(flood.slice(30), new Array(15).fill(429));

  const refused = await get(server.url, '127.0.0.2');
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['content-type'], 'application/problem+json');
  assert.equal(refused.headers['retry-after'], '1');
  const problem = JSON.parse(refused.body) as { status: number; code: string };
  assert.equal(problem.status, 429);
  assert.equal(problem.code, 'ip_blocked');

  assert.deepEqual(await statuses(server.url, '127.0.0.3', 3), [200, 200, 200]);

  const [event, ...more] = events();
  assert.equal(more.length, 0);
  assert.equal(event.ip, '127.0.0.2');
  assert.equal(event.count, 30);
  assert.equal(event.share, 30);
  const ends = Date.parse(event.until);
  assert.ok(ends > blockedAt - 1000 && ends <= blockedAt + 1000);
  assert.equal(server.records.find((r) => r.msg === 'Blocked an IP')!.level, 'warn');
  const text = server.app.metrics.render();
  assert.match(text, /^monolite_ip_blocks_total 1$/m);
  assert.match(text, /^monolite_blocked_ips 1$/m);
  // And the operators hear of it: one alarm on the configured webhook.
  await until(() => webhook.received.length === 1, 'the alarm');
  const alarm = JSON.parse(webhook.received[0].body) as { type: string; source: string; message: string; fields: Record<string, unknown> };
  assert.deepEqual([alarm.type, alarm.source, alarm.fields], ['alarm', 'block_ip', { requests: 30, share_percent: 30 }]);
  assert.match(alarm.message, /^Blocked 127\.0\.0\.2 until \d{4}-/);
});

test('127.0.0.1 is on the default allow-list: never blocked, however much it sends', async () => {
  assert.deepEqual(await statuses(server.url, '127.0.0.1', 60), new Array(60).fill(200));
  assert.ok(!events().some((e) => e.ip === '127.0.0.1'));
});

test('the block expires after block_for', async () => {
  assert.equal((await get(server.url, '127.0.0.2')).status, 429);
  await sleep(Math.max(0, blockedAt + 1050 - Date.now()));
  assert.equal((await get(server.url, '127.0.0.2')).status, 200);
});

test('block_ip.enabled = false lets a flood through', async () => {
  const off = await startApp({ enabled: 'false', level: 'custom', window: '100', activation_rps: '0', max_share: '20' });
  assert.deepEqual(await statuses(off.url, '127.0.0.2', 50), new Array(50).fill(200));
});

// Direct calls with an injected clock: no server, exact times.

const CUSTOM: BlockIpConfig = { enabled: true, level: 'custom', window: 100, activation_rps: 0, max_share: 20, block_for: 10_000, allow: ['127.0.0.1', '::1'] };

function harness(config: () => BlockIpConfig) {
  let clock = 1_700_000_000_000;
  const events: BlockEvent[] = [];
  const mw = blockIp({ config, log: new Logger([]), now: () => clock, onBlock: (e) => events.push(e) });
  const handler = mw(() => {});
  /** One request from `ip`: 200, or the HttpError's status and Retry-After. */
  const hit = (ip: string): { status: number; retryAfter?: string } => {
    try {
      handler({ ip } as unknown as Context);
      return { status: 200 };
    } catch (err) {
      assert.ok(err instanceof HttpError);
      assert.equal(err.code, 'ip_blocked');
      return { status: err.status, retryAfter: err.headers?.['retry-after'] };
    }
  };
  return { mw, events, hit, advance: (ms: number) => { clock += ms; }, now: () => clock };
}

test('below activation_rps nothing is blocked; above it the heavy hitter is', () => {
  const config = { ...CUSTOM, activation_rps: 1000 };
  const h = harness(() => config);
  // 100 requests/s: one address sends everything, and that is fine.
  for (let i = 0; i < 300; i++) {
    h.advance(10);
    assert.equal(h.hit('10.0.0.1').status, 200);
  }
  assert.equal(h.events.length, 0);
  // 10,000 requests/s: once the window's requests came that fast, the address is blocked.
  let first429 = -1;
  for (let i = 0; i < 300 && first429 === -1; i++) {
    h.advance(0.1);
    if (h.hit('10.0.0.1').status === 429) first429 = i;
  }
  assert.ok(first429 > 0, 'blocked once the rate over the window passed the activation rate');
  assert.equal(h.events.length, 1);
  assert.equal(h.mw.blockedCount(), 1);
});

test('Retry-After counts down, and the block ends at block_for', () => {
  const h = harness(() => CUSTOM);
  for (let i = 0; i < 30; i++) h.hit('10.0.0.1');
  assert.equal(h.events.length, 1);
  assert.equal(h.events[0].until, h.now() + 10_000);
  assert.deepEqual(h.hit('10.0.0.1'), { status: 429, retryAfter: '10' });
  assert.equal(h.hit('10.0.0.2').status, 200, 'others pass');
  h.advance(4_500);
  assert.deepEqual(h.hit('10.0.0.1'), { status: 429, retryAfter: '6' });
  h.advance(5_499);
  assert.deepEqual(h.hit('10.0.0.1'), { status: 429, retryAfter: '1' });
  h.advance(1);
  assert.equal(h.hit('10.0.0.1').status, 200);
  assert.equal(h.mw.blockedCount(), 0);
});

test('the presets set window and share: medium blocks more than 35 % of 1000 requests', () => {
  const medium: BlockIpConfig = { ...CUSTOM, level: 'medium' };
  const h = harness(() => medium);
  // 10,000 requests/s (above medium's 500): 'heavy' sends 40 %, 'busy' 20 % (a third of what is left once 'heavy' is
  // refused, refused requests not being counted), the rest spread out.
  for (let i = 0; i < 3000; i++) {
    h.advance(0.1);
    const r = i % 10;
    h.hit(r < 4 ? 'heavy' : r < 6 ? 'busy' : `other${i % 97}`);
  }
  assert.deepEqual(h.events.map((e) => e.ip), ['heavy']);
  // Checked each tenth of the window: at the 900th request, 'heavy' has 360 of the last 900 (352 at the 880th).
  assert.equal(h.events[0].count, 360);
  assert.equal(h.events[0].share, 36);
  // low: 50 % of 500 requests, active above 100 requests/s.
  const lowConfig: BlockIpConfig = { ...CUSTOM, level: 'low' };
  const low = harness(() => lowConfig);
  for (let i = 0; i < 1000; i++) {
    low.advance(1);
    low.hit(i % 5 < 2 ? 'forty' : i % 5 < 4 ? 'forty-too' : 'rest');
  }
  assert.equal(low.events.length, 0, '40 % is within low\'s 50 %');
});

test('enabled and the allow-list are live: a new config object is picked up on the next request', () => {
  let config: BlockIpConfig = CUSTOM;
  const h = harness(() => config);
  for (let i = 0; i < 30; i++) h.hit('10.0.0.1');
  assert.equal(h.hit('10.0.0.1').status, 429);
  config = { ...CUSTOM, enabled: false };
  assert.equal(h.hit('10.0.0.1').status, 200, 'disabled: everything passes');
  config = { ...CUSTOM };
  assert.equal(h.hit('10.0.0.1').status, 429, 're-enabled: the block still stands');
  config = { ...CUSTOM, allow: ['10.0.0.0/8'] };
  assert.equal(h.hit('10.0.0.1').status, 200, 'allowed by a reload: the block is lifted');
  for (let i = 0; i < 200; i++) assert.equal(h.hit('10.0.0.1').status, 200);
  let passed = 0;
  while (h.hit('2001:db8::1').status === 200) assert.ok(++passed <= 40, 'a v6 flood is blocked too');
  assert.ok(passed > 20);
  config = { ...CUSTOM, allow: ['10.0.0.0/8', '2001:db8::/32'] };
  assert.equal(h.hit('2001:db8::1').status, 200, 'v6 CIDR');
});

test('the blocked set is bounded', () => {
  const config = { ...CUSTOM, max_share: 1 };
  const h = harness(() => config);
  // Every window of 100 blocks each address sending more than one request of it: 50 a window.
  for (let i = 0; i < 12_000; i++) h.hit(`10.${(i >> 9) & 255}.${(i >> 1) & 255}.1`);
  assert.ok(h.events.length > 5000, `${h.events.length} blocks`);
  assert.equal(h.mw.blockedCount(), 4096);
});
