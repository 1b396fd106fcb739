// The factory: which notifier the settings give (none, Discord, webhook, both), each target live, and bad settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NullNotifier, createNotifier, type NotifierSettings } from '../../src/notify/notifier.ts';
import { DiscordNotifier } from '../../src/notify/discord.ts';
import { WebhookNotifier } from '../../src/notify/webhook.ts';
import { MultiNotifier } from '../../src/notify/multi.ts';
import { until } from '../support/until.ts';
import { recordingLog, startFakeEndpoint } from '../support/fake-endpoint.ts';

const off: NotifierSettings = { discord_webhook: '', webhook_url: '', interval_ms: 2000, burst: 1, timeout_ms: 10_000 };

test('no URL: the null notifier, which does and counts nothing', async () => {
  const n = createNotifier(off);
  assert.ok(n instanceof NullNotifier);
  n.send({ type: 'alarm', source: 's', message: 'm' });
  assert.deepEqual(n.stats(), { sent: 0, dropped: 0, failed: 0 });
  await n.close(0);
});

test('one URL: that target alone', () => {
  assert.ok(createNotifier({ ...off, discord_webhook: 'https://discord.com/api/webhooks/1/t' }) instanceof DiscordNotifier);
  assert.ok(createNotifier({ ...off, webhook_url: 'https://example.com/hook' }) instanceof WebhookNotifier);
});

test('both URLs: both targets get each notification, each with its own rate limit and the webhook headers', async () => {
  const discord = await startFakeEndpoint();
  const hook = await startFakeEndpoint();
  const log = recordingLog();
  const n = createNotifier({ ...off, discord_webhook: discord.url, webhook_url: hook.url, webhook_headers: { Authorization: 'Bearer t' } }, log);
  try {
    assert.ok(n instanceof MultiNotifier);
    n.send({ type: 'alarm', source: 's', message: 'first' });
    n.send({ type: 'alarm', source: 's', message: 'second' }); // burst 1: dropped by both
    await until(() => n.stats().sent === 2, 'both deliveries', 2000);
    assert.deepEqual(n.stats(), { sent: 2, dropped: 2, failed: 0 });
    assert.equal(hook.received[0].headers.authorization, 'Bearer t');
    assert.match(JSON.parse(discord.received[0].body).content, /first/);
    assert.deepEqual(log.entries.map((e) => e.fields.target).sort(), ['discord', 'webhook']);
  } finally {
    await n.close(0);
    await discord.close();
    await hook.close();
  }
});

test('bad settings throw RangeError', () => {
  const discord = 'https://discord.com/api/webhooks/1/t';
  assert.throws(() => createNotifier({ ...off, discord_webhook: discord, burst: 0 }), /burst must be an integer of at least 1, got 0/);
  assert.throws(() => createNotifier({ ...off, webhook_url: 'https://example.com/', interval_ms: 0 }), RangeError);
  assert.throws(() => createNotifier({ ...off, webhook_url: 'file:///etc/passwd' }), /Webhook URL must be an http\(s\) URL, got scheme "file"/);
  assert.throws(() => createNotifier({ ...off, discord_webhook: 'discord.com/api/webhooks/1/t' }), /Discord webhook URL must be an http\(s\) URL/);
  assert.throws(() => createNotifier({ ...off, discord_webhook: discord, timeout_ms: -1 }), RangeError);
});
