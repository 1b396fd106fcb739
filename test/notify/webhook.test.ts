// The generic webhook: the JSON shape posted, the custom headers sent, values JSON has no form for, and header checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookNotifier, webhookBody } from '../../src/notify/webhook.ts';
import { until } from '../support/until.ts';
import { recordingLog, startFakeEndpoint } from '../support/fake-endpoint.ts';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('posts {type, source, message, fields, time} as JSON with the extra headers', async () => {
  const endpoint = await startFakeEndpoint('/notify');
  const n = new WebhookNotifier({ url: endpoint.url + '?channel=ops', headers: { Authorization: 'Bearer abc', 'X-Env': 'prod' } });
  try {
    const before = Date.now();
    n.send({ type: 'metric', source: 'metrics', message: 'p99 high', fields: { p99_ms: 812.5, route: '/api/x' } });
    await until(() => n.stats().sent === 1, 'the delivery', 2000);
    const [req] = endpoint.received;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/notify?channel=ops');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers.authorization, 'Bearer abc');
    assert.equal(req.headers['x-env'], 'prod');
    const body = JSON.parse(req.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['type', 'source', 'message', 'fields', 'time']);
    assert.deepEqual({ ...body, time: undefined }, { type: 'metric', source: 'metrics', message: 'p99 high', fields: { p99_ms: 812.5, route: '/api/x' }, time: undefined });
    assert.match(String(body.time), ISO_MS);
    const time = Date.parse(String(body.time));
    assert.ok(time >= before && time <= Date.now(), String(body.time));
  } finally {
    await n.close(0);
    await endpoint.close();
  }
});

test('a content-type given in the headers replaces the default one', async () => {
  const endpoint = await startFakeEndpoint();
  const n = new WebhookNotifier({ url: endpoint.url, headers: { 'Content-Type': 'application/vnd.alerts+json' } });
  try {
    n.send({ type: 'info', source: 's', message: 'm' });
    await until(() => n.stats().sent === 1, 'the delivery', 2000);
    assert.equal(endpoint.received[0].headers['content-type'], 'application/vnd.alerts+json');
  } finally {
    await n.close(0);
    await endpoint.close();
  }
});

test('the body: fields default to {}, BigInts become strings, Errors their message, time as given', () => {
  const time = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6));
  assert.equal(webhookBody({ type: 'info', source: 's', message: 'm' }, time), '{"type":"info","source":"s","message":"m","fields":{},"time":"2025-01-02T03:04:05.006Z"}');
  const body = JSON.parse(webhookBody({ type: 'alarm', source: 's', message: 'm', fields: { n: 2n ** 70n, err: new Error('boom'), none: null } }, time));
  assert.deepEqual(body.fields, { n: '1180591620717411303424', err: 'boom', none: null });
});

test('a notification JSON cannot encode is counted as failed and logged, and the next one still goes', async () => {
  const endpoint = await startFakeEndpoint();
  const log = recordingLog();
  const n = new WebhookNotifier({ url: endpoint.url, burst: 2, log });
  try {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    n.send({ type: 'info', source: 'cyclic', message: 'm', fields: { loop } });
    assert.deepEqual(n.stats(), { sent: 0, dropped: 0, failed: 1 });
    assert.match(String(log.entries[0].fields.error), /^cannot encode the notification: .*circular/i);
    n.send({ type: 'info', source: 'fine', message: 'm' });
    await until(() => n.stats().sent === 1, 'the delivery', 2000);
    assert.equal(endpoint.received.length, 1);
  } finally {
    await n.close(0);
    await endpoint.close();
  }
});

test('bad headers are RangeErrors that never quote the value', () => {
  const url = 'https://example.com/hook';
  assert.throws(() => new WebhookNotifier({ url, headers: { 'bad name': 'x' } }), /header name "bad name" is not a valid HTTP header name/);
  assert.throws(() => new WebhookNotifier({ url, headers: { Authorization: 'Bearer secret\r\nX-Evil: 1' } }), (err: unknown) => {
    assert.ok(err instanceof RangeError);
    assert.match(err.message, /header "Authorization" must be a string without line breaks/);
    assert.ok(!err.message.includes('secret'));
    return true;
  });
});
