// src/metrics/http.ts through a real server: requests counted by route template (never the raw path) with their
// final status, unmatched paths under one label, the latency histogram, and /metrics behind its allow-list and
// switch (a 404 like any unrouted path otherwise). The whole output passes promtool.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertPromtoolPasses, havePromtool } from '../support/promtool.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import type { PartialConfig, Config } from '../../src/config/schema.ts';
import { HttpError } from '../../src/http/errors.ts';
import { Registry } from '../../src/lib/prometheus.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';
import { metricsEndpoint, UNMATCHED_ROUTE } from '../../src/metrics/http.ts';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';


interface Running {
  app: App;
  url: string;
  registry: Registry;
  logs: LogRecord[];
  /** The [metrics] settings behind /metrics-live, swapped as a whole by the test (as a reload does). */
  live: { config: Config['metrics'] };
}

const dirs: string[] = [];
const apps: App[] = [];

/** An app (which has the metrics middleware and /metrics) with a few routes and /metrics-live (test-controlled). */
async function startApp(flags: PartialConfig = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-metrics-'));
  dirs.push(dir);
  const logs: LogRecord[] = [];
  const app = await createApp({
    dataDir: join(dir, 'data'),
    env: {},
    flags: { ...flags, server: { port: 0 } },
    log: new Logger([(r) => logs.push(r)], 'error'),
  });
  apps.push(app);
  // The app's own registry, middleware and /metrics route (app.ts wires them); /metrics-live is the test's.
  const registry = app.metrics;
  const live = { config: { ...app.config.metrics } };
  app.router.get('/users/:id', (ctx) => ctx.json(200, { id: ctx.params.id }));
  app.router.get('/conflict/:id', () => {
    throw new HttpError(409, 'conflict', 'Already there');
  });
  app.router.get('/later/:id', async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw new HttpError(422, 'invalid', 'Not like that');
  });
  app.router.get('/crash', () => {
    throw new Error('kaboom');
  });
  app.router.get('/metrics-live', metricsEndpoint({ registry, config: () => live.config }));
  const url = (await app.listen()).url;
  return { app, url, registry, logs, live };
}

after(async () => {
  for (const app of apps) await app.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** GET (or `method`) from a chosen local address (Linux routes all of 127.0.0.0/8 to the loopback interface). */
function fetchFrom(url: string, localAddress: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of the sample written exactly as `series` (`name{labels}`), or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('request metrics', () => {
  let s: Running;
  let text: string;

  before(async () => {
    s = await startApp();
    for (const id of ['1', '2', 'caf%C3%A9']) assert.equal((await fetch(`${s.url}/users/${id}`)).status, 200);
    assert.equal((await fetch(`${s.url}/no/such/path`)).status, 404);
    assert.equal((await fetch(`${s.url}/another-miss?x=1`)).status, 404);
    assert.equal((await fetch(`${s.url}/users/1`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${s.url}/users/1`, { method: 'PROPFIND' })).status, 405);
    assert.equal((await fetch(`${s.url}/conflict/7`)).status, 409);
    assert.equal((await fetch(`${s.url}/later/7`)).status, 422);
    assert.equal((await fetch(`${s.url}/crash`)).status, 500);
    const res = await fetch(`${s.url}/metrics`);
    assert.equal(res.status, 200);
    text = await res.text();
  });

  test('counts by route template, never by raw path', () => {
    assert.equal(sample(text, 'http_server_requests_total{method="GET",route="/users/:id",status="200"}'), 3);
    assert.doesNotMatch(text, /route="\/users\/(1|2|caf)/);
  });

  test('404s, 405s and unknown methods go under the unmatched label, methods under a fixed set', () => {
    assert.equal(sample(text, `http_server_requests_total{method="GET",route="${UNMATCHED_ROUTE}",status="404"}`), 2);
    assert.equal(sample(text, `http_server_requests_total{method="POST",route="${UNMATCHED_ROUTE}",status="405"}`), 1);
    assert.equal(sample(text, `http_server_requests_total{method="OTHER",route="${UNMATCHED_ROUTE}",status="405"}`), 1);
    assert.doesNotMatch(text, /no\/such|another-miss|PROPFIND/);
  });

  test('a thrown HttpError is counted with its status, sync or async; any other error as 500', () => {
    assert.equal(sample(text, 'http_server_requests_total{method="GET",route="/conflict/:id",status="409"}'), 1);
    assert.equal(sample(text, 'http_server_requests_total{method="GET",route="/later/:id",status="422"}'), 1);
    assert.equal(sample(text, 'http_server_requests_total{method="GET",route="/crash",status="500"}'), 1);
    assert.ok(s.logs.some((r) => r.msg === 'Unhandled error'), 'the 500 is logged as before');
  });

  test('the duration histogram is recorded by method and route', () => {
    assert.match(text, /^# TYPE http_server_request_duration_seconds histogram$/m);
    assert.equal(sample(text, 'http_server_request_duration_seconds_count{method="GET",route="/users/:id"}'), 3);
    assert.equal(sample(text, 'http_server_request_duration_seconds_bucket{method="GET",route="/users/:id",le="+Inf"}'), 3);
    // The async handler slept 20 ms, so its one observation is above the 10 ms bucket.
    assert.equal(sample(text, 'http_server_request_duration_seconds_bucket{method="GET",route="/later/:id",le="0.01"}'), 0);
    assert.ok(sample(text, 'http_server_request_duration_seconds_sum{method="GET",route="/later/:id"}')! >= 0.02);
  });

  test('/metrics answers 200 with the text format content type, no caching, and the process metrics', async () => {
    const res = await fetch(`${s.url}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), CONTENT_TYPE);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await res.text();
    assert.match(body, /^process_resident_memory_bytes \d+$/m);
    assert.match(body, /^nodejs_version_info\{version="v\d+\.\d+\.\d+",major="\d+",minor="\d+",patch="\d+"\} 1$/m);
    // The earlier scrape of /metrics was counted too.
    assert.ok((sample(body, 'http_server_requests_total{method="GET",route="/metrics",status="200"}') ?? 0) >= 1);
  });

  test('the whole /metrics output passes promtool check metrics', async (t) => {
    const body = await (await fetch(`${s.url}/metrics`)).text();
    if (!havePromtool(t)) return;
    assertPromtoolPasses(body);
  });

  test('a HEAD of /metrics answers like GET with no body', async () => {
    const res = await fetch(`${s.url}/metrics`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), CONTENT_TYPE);
  });
});

describe('the metrics endpoint is hidden from addresses not allowed and when disabled', () => {
  test('loopback is allowed by default (127.0.0.1 and ::1)', async () => {
    const s = await startApp();
    const res = await fetchFrom(`${s.url}/metrics`, '127.0.0.1');
    assert.equal(res.status, 200);
    assert.equal(res.type, CONTENT_TYPE);
    assert.deepEqual(s.app.config.metrics.allow_ips, ['127.0.0.1', '::1']);
  });

  test('an address outside allow_ips gets the 404 of a path with no route, counted as unmatched', async () => {
    const s = await startApp({ metrics: { allow_ips: '127.0.0.1' } });
    const denied = await fetchFrom(`${s.url}/metrics`, '127.0.0.2');
    assert.equal(denied.status, 404);
    const unrouted = await fetchFrom(`${s.url}/metricz`, '127.0.0.2');
    assert.equal(denied.type, unrouted.type);
    const shape = (body: string) => ({ ...JSON.parse(body), detail: undefined });
    assert.deepEqual(shape(denied.body), shape(unrouted.body));
    assert.equal(JSON.parse(denied.body).code, 'not_found');
    assert.equal(JSON.parse(denied.body).detail, 'No route for GET /metrics');

    const allowed = await fetchFrom(`${s.url}/metrics`, '127.0.0.1');
    assert.equal(allowed.status, 200);
    assert.equal(sample(allowed.body, `http_server_requests_total{method="GET",route="${UNMATCHED_ROUTE}",status="404"}`), 2);
    assert.equal(sample(allowed.body, 'http_server_requests_total{method="GET",route="/metrics",status="404"}'), undefined);
  });

  test('CIDR ranges work in allow_ips', async () => {
    const s = await startApp({ metrics: { allow_ips: '127.0.0.0/30' } });
    assert.equal((await fetchFrom(`${s.url}/metrics`, '127.0.0.3')).status, 200);
    assert.equal((await fetchFrom(`${s.url}/metrics`, '127.0.0.4')).status, 404);
  });

  test('metrics.enabled=false answers 404 even from loopback', async () => {
    const s = await startApp({ metrics: { enabled: false } });
    const res = await fetchFrom(`${s.url}/metrics`, '127.0.0.1');
    assert.equal(res.status, 404);
    assert.equal(JSON.parse(res.body).code, 'not_found');
  });

  test('a new settings object (a reload) switches the endpoint and its allow-list live', async () => {
    const s = await startApp();
    const url = `${s.url}/metrics-live`;
    assert.equal((await fetchFrom(url, '127.0.0.2')).status, 404);
    s.live.config = { ...s.live.config, allow_ips: ['127.0.0.0/8'] };
    assert.equal((await fetchFrom(url, '127.0.0.2')).status, 200);
    s.live.config = { ...s.live.config, enabled: false };
    assert.equal((await fetchFrom(url, '127.0.0.2')).status, 404);
    assert.equal((await fetchFrom(url, '127.0.0.1')).status, 404);
    s.live.config = { ...s.live.config, enabled: true, allow_ips: ['::1'] };
    assert.equal((await fetchFrom(url, '127.0.0.1')).status, 404);
  });
});
