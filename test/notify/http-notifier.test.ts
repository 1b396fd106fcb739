// One table of delivery behaviour run against both HTTP notifiers (Discord and the generic webhook), through a
// local server playing the target: rate limit and drops, 429 hold and the single retry, failures (error status,
// refused connection, timeout), a send that never blocks nor throws, close, option checks, and no secret in logs.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiscordNotifier } from '../../src/notify/discord.ts';
import { WebhookNotifier } from '../../src/notify/webhook.ts';
import type { HttpNotifier, HttpNotifierOptions } from '../../src/notify/http-notifier.ts';
import type { Notification } from '../../src/notify/notifier.ts';
import { until } from '../support/until.ts';
import { closedPortUrl, recordingLog, startFakeEndpoint, type FakeEndpoint } from '../support/fake-endpoint.ts';

const SECRET = 's3cr3t-token';
const alarm = (message: string): Notification => ({ type: 'alarm', source: 'test', message });

const implementations: { name: string; make: (url: string, options?: HttpNotifierOptions) => HttpNotifier; messageOf: (body: string) => string }[] = [
  {
    name: 'discord',
    make: (url, options = {}) => new DiscordNotifier({ ...options, webhookUrl: url }),
    messageOf: (body) => (JSON.parse(body) as { content: string }).content.split('\n')[1].slice(2),
  },
  {
    name: 'webhook',
    make: (url, options = {}) => new WebhookNotifier({ ...options, url }),
    messageOf: (body) => (JSON.parse(body) as { message: string }).message,
  },
];

for (const impl of implementations) {
  // Concurrent: every test has its own target and notifier, and the waits add up otherwise.
  describe(`${impl.name} delivery`, { concurrency: true }, () => {
    /** A fake target and a notifier posting to it, both closed when test `t` ends. */
    async function setup(t: TestContext, options: HttpNotifierOptions = {}, url?: string): Promise<{ n: HttpNotifier; log: ReturnType<typeof recordingLog>; endpoint: FakeEndpoint }> {
      const endpoint = await startFakeEndpoint(`/api/webhooks/1/${SECRET}`);
      const log = recordingLog();
      const n = impl.make(url ?? endpoint.url, { log, ...options });
      t.after(async () => {
        await n.close(0);
        await endpoint.close();
      });
      return { n, log, endpoint };
    }

    test('burst sends go out, the rest are dropped and counted, and a send is accepted again after the interval', async (t) => {
      const clock = { t: 0 };
      const { n, log, endpoint } = await setup(t, { intervalMs: 1000, burst: 2, now: () => clock.t });
      n.send(alarm('one'));
      n.send(alarm('two'));
      n.send(alarm('three'));
      assert.deepEqual(n.stats(), { sent: 0, dropped: 1, failed: 0 });
      const drop = log.entries.find((e) => e.msg === 'Notification dropped');
      assert.deepEqual(drop?.fields, { target: impl.name, reason: 'rate_limit', source: 'test', retry_in_ms: 1000 });
      await until(() => n.stats().sent === 2, 'two deliveries', 2000);
      clock.t += 999;
      n.send(alarm('four'));
      clock.t += 1;
      n.send(alarm('five'));
      await until(() => n.stats().sent === 3, 'the third delivery', 2000);
      assert.deepEqual(n.stats(), { sent: 3, dropped: 2, failed: 0 });
      assert.deepEqual(endpoint.received.map((r) => impl.messageOf(r.body)).sort(), ['five', 'one', 'two']);
    });

    test('a 429 holds sends for retry_after (dropping them) and the message is retried once, after the wait', async (t) => {
      // The hold is read on the injected clock, frozen here so the held period lasts however slow the machine is;
      // the retry waits in real time.
      const clock = { t: 0 };
      const { n, log, endpoint } = await setup(t, { intervalMs: 1, burst: 10, now: () => clock.t });
      // The body's 0.2 s is more precise than the header's whole seconds (5 here): the body wins.
      endpoint.replies.push({ status: 429, body: '{"retry_after":0.2,"global":false}', headers: { 'content-type': 'application/json', 'retry-after': '5' } });
      n.send(alarm('first'));
      await until(() => log.entries.some((e) => e.msg.includes('rate limiting')), 'the 429 to be seen', 2000);
      n.send(alarm('during the hold'));
      assert.equal(n.stats().dropped, 1);
      assert.deepEqual(log.entries.at(-1)?.fields, { target: impl.name, reason: 'retry_after', source: 'test', retry_in_ms: 200 });
      await until(() => n.stats().sent === 1, 'the retried delivery', 2000);
      const [a, b] = endpoint.received;
      assert.equal(endpoint.received.length, 2);
      assert.equal(b.body, a.body, 'the retry resends the same message');
      const gap = b.at - a.at;
      assert.ok(gap >= 190 && gap < 4000, `retried after ${gap.toFixed(0)} ms`);
      clock.t = 199;
      n.send(alarm('still held'));
      clock.t = 200;
      n.send(alarm('after the hold'));
      await until(() => n.stats().sent === 2, 'a send after the hold', 2000);
      assert.deepEqual(n.stats(), { sent: 2, dropped: 2, failed: 0 });
      assert.equal(endpoint.received.length, 3);
      assert.equal(impl.messageOf(endpoint.received[2].body), 'after the hold');
    });

    test('a second 429 fails the message: at most one retry', async (t) => {
      const { n, log, endpoint } = await setup(t, { intervalMs: 1, burst: 10 });
      const tooMany = { status: 429, body: '{"retry_after":0.05}', headers: { 'content-type': 'application/json' } };
      endpoint.replies.push(tooMany, tooMany, tooMany);
      n.send(alarm('unlucky'));
      await until(() => n.stats().failed === 1, 'the failure', 2000);
      await sleep(120); // more than twice the retry_after: a second retry would have come
      assert.equal(endpoint.received.length, 2);
      assert.deepEqual(n.stats(), { sent: 0, dropped: 0, failed: 1 });
      assert.equal(log.entries.find((e) => e.level === 'error')?.fields.status, 429);
    });

    test('a 429 asking for a minute or more fails the message at once and keeps holding', async (t) => {
      const { n, endpoint } = await setup(t, { intervalMs: 1, burst: 10 });
      endpoint.replies.push({ status: 429, body: '{"retry_after":3600}' });
      n.send(alarm('first'));
      await until(() => n.stats().failed === 1, 'the failure', 2000);
      n.send(alarm('second'));
      assert.deepEqual(n.stats(), { sent: 0, dropped: 1, failed: 1 });
      assert.equal(endpoint.received.length, 1);
    });

    test('without a JSON body a 429 is timed by its Retry-After header', async (t) => {
      const { n, endpoint } = await setup(t, { intervalMs: 1, burst: 10 });
      endpoint.replies.push({ status: 429, body: 'slow down', headers: { 'retry-after': '0.1' } });
      n.send(alarm('first'));
      await until(() => n.stats().sent === 1, 'the retried delivery', 2000);
      const gap = endpoint.received[1].at - endpoint.received[0].at;
      assert.ok(gap >= 90, `retried after ${gap.toFixed(0)} ms`);
    });

    test('an error status is counted as failed and logged with the status and a body excerpt, without retry', async (t) => {
      const { n, log, endpoint } = await setup(t);
      endpoint.replies.push({ status: 500, body: 'database on fire ' + 'x'.repeat(5000) });
      n.send(alarm('boom'));
      await until(() => n.stats().failed === 1, 'the failure', 2000);
      await sleep(50);
      assert.equal(endpoint.received.length, 1);
      const error = log.entries.find((e) => e.level === 'error');
      assert.equal(error?.msg, 'Notification delivery failed');
      assert.equal(error?.fields.status, 500);
      assert.equal(error?.fields.target, impl.name);
      const body = String(error?.fields.body);
      assert.ok(body.startsWith('database on fire xxx') && body.length <= 201, body.slice(0, 40));
    });

    test('a refused connection is counted as failed and logged', async (t) => {
      const { n, log } = await setup(t, {}, await closedPortUrl());
      n.send(alarm('nobody home'));
      await until(() => n.stats().failed === 1, 'the failure', 2000);
      assert.match(String(log.entries.find((e) => e.level === 'error')?.fields.error), /ECONNREFUSED/);
    });

    test('a target that never answers times out and is counted as failed', async (t) => {
      const { n, log, endpoint } = await setup(t, { timeoutMs: 100 });
      endpoint.replies.push('hang');
      n.send(alarm('hello?'));
      await until(() => n.stats().failed === 1, 'the timeout', 2000);
      assert.equal(log.entries.find((e) => e.level === 'error')?.fields.error, 'timed out after 100 ms');
    });

    test('send returns at once while the target is slow, and never throws', async (t) => {
      const { n, endpoint } = await setup(t, { burst: 5 });
      endpoint.replies.push({ status: 204, delayMs: 300 });
      const t0 = performance.now();
      const result = n.send(alarm('slow'));
      const took = performance.now() - t0;
      assert.equal(result, undefined);
      // Nothing settled yet: send did not wait for the answer (loose bound on the time, for loaded machines).
      assert.deepEqual(n.stats(), { sent: 0, dropped: 0, failed: 0 });
      assert.ok(took < 250, `send took ${took.toFixed(1)} ms`);
      // Broken input from untyped callers is counted, not thrown.
      assert.doesNotThrow(() => n.send(null as unknown as Notification));
      assert.doesNotThrow(() => n.send({ type: 'info', source: 's', message: 'm', fields: { loop: cyclic() } }));
      // Every send ends up in exactly one counter: the slow one sent, the null one failed, the cyclic one either
      // (Discord prints what JSON cannot, the webhook cannot encode it).
      const settled = () => { const s = n.stats(); return s.sent + s.dropped + s.failed === 3; };
      await until(settled, () => `every send to settle, at ${JSON.stringify(n.stats())}`, 2000);
      assert.ok(n.stats().sent >= 1 && n.stats().failed >= 1, JSON.stringify(n.stats()));
    });

    test('close waits for a delivery in flight, then refuses sends', async (t) => {
      const { n, log, endpoint } = await setup(t);
      endpoint.replies.push({ status: 204, delayMs: 150 });
      n.send(alarm('last words'));
      const t0 = performance.now();
      await n.close(2000);
      assert.ok(performance.now() - t0 >= 120, 'close returned before the delivery');
      assert.deepEqual(n.stats(), { sent: 1, dropped: 0, failed: 0 });
      n.send(alarm('too late'));
      assert.deepEqual(n.stats(), { sent: 1, dropped: 1, failed: 0 });
      assert.equal(log.entries.at(-1)?.fields.reason, 'closed');
      await sleep(20);
      assert.equal(endpoint.received.length, 1);
    });

    test('close gives up at its deadline and counts the abandoned delivery as failed', async (t) => {
      const { n, log, endpoint } = await setup(t, { timeoutMs: 10_000 });
      endpoint.replies.push('hang');
      n.send(alarm('stuck'));
      await until(() => endpoint.received.length === 1, 'the request', 2000);
      const t0 = performance.now();
      await n.close(100);
      const took = performance.now() - t0;
      assert.ok(took >= 90 && took < 3000, `close took ${took.toFixed(0)} ms, not the 10 s timeout`);
      assert.deepEqual(n.stats(), { sent: 0, dropped: 0, failed: 1 });
      assert.match(String(log.entries.find((e) => e.level === 'error')?.fields.error), /^abandoned/);
    });

    test('close abandons a retry waiting out a 429 at the deadline', async (t) => {
      const { n, endpoint } = await setup(t);
      endpoint.replies.push({ status: 429, body: '{"retry_after":30}' });
      n.send(alarm('patient'));
      await until(() => endpoint.received.length === 1, 'the request', 2000);
      await sleep(20);
      await n.close(50);
      assert.deepEqual(n.stats(), { sent: 0, dropped: 0, failed: 1 });
      assert.equal(endpoint.received.length, 1);
    });

    test('close with nothing in flight resolves at once, and twice is fine', async (t) => {
      const { n } = await setup(t);
      const first = await Promise.race([n.close().then(() => 'closed'), new Promise((resolve) => setImmediate(resolve, 'a turn later'))]);
      assert.equal(first, 'closed');
      await n.close(10);
      assert.deepEqual(n.stats(), { sent: 0, dropped: 0, failed: 0 });
    });

    test('the URL (it carries a secret) never reaches the log', async (t) => {
      const { n, log, endpoint } = await setup(t, { intervalMs: 60_000, timeoutMs: 100 });
      endpoint.replies.push({ status: 404, body: 'Unknown Webhook' });
      n.send(alarm('a'));
      n.send(alarm('b'));
      await until(() => n.stats().failed === 1, 'the failure', 2000);
      assert.ok(log.entries.length >= 2);
      assert.ok(!JSON.stringify(log.entries).includes(SECRET));
    });

    test('bad options are RangeErrors that name the problem and never quote the URL', () => {
      const url = `https://example.com/api/webhooks/1/${SECRET}`;
      const cases: [string, HttpNotifierOptions, RegExp][] = [
        [`ftp://example.com/${SECRET}`, {}, /must be an http\(s\) URL, got scheme "ftp"/],
        [`not a url ${SECRET}`, {}, /must be an http\(s\) URL, got a value that is not a URL/],
        [`https://user:${SECRET}@example.com/hook`, {}, /must not carry credentials/],
        [url, { intervalMs: 0 }, /interval must be a positive number of milliseconds, got 0/],
        [url, { intervalMs: -2000 }, /interval .* got -2000/],
        [url, { burst: 0 }, /burst must be an integer of at least 1, got 0/],
        [url, { burst: 2.5 }, /burst .* got 2.5/],
        [url, { timeoutMs: 0 }, /timeout must be a positive number of milliseconds .* got 0/],
        [url, { timeoutMs: Number.NaN }, /timeout .* got NaN/],
        [url, { timeoutMs: 2 ** 31 }, /timeout .* got 2147483648/],
      ];
      for (const [target, options, message] of cases) {
        assert.throws(() => impl.make(target, options), (err: unknown) => {
          assert.ok(err instanceof RangeError, `${String(err)} is not a RangeError`);
          assert.match(err.message, message);
          assert.ok(!err.message.includes(SECRET), err.message);
          return true;
        });
      }
    });
  });
}

function cyclic(): unknown {
  const o: Record<string, unknown> = {};
  o.self = o;
  return o;
}
