// The Discord message: restinpieces' layout with fields sorted, empty fields skipped and backticks unable to leave
// their code span; the 2000-character cut with its marker, never splitting a surrogate pair; and the request a
// real (local) server receives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DISCORD_CONTENT_LIMIT, DiscordNotifier, TRUNCATION_MARKER, formatDiscordContent } from '../../src/notify/discord.ts';
import type { Notification } from '../../src/notify/notifier.ts';
import { until } from '../support/until.ts';
import { startFakeEndpoint } from '../support/fake-endpoint.ts';

test('the layout: type label, source, quoted message, then the fields sorted by key', () => {
  const n: Notification = {
    type: 'alarm',
    source: 'block-ip',
    message: 'IP blocked',
    fields: { share: 42, ip: '203.0.113.7', count: 120n, active: true },
  };
  assert.equal(formatDiscordContent(n), [
    '[Alarm] from *block-ip*:',
    '> IP blocked',
    '',
    '**Fields**:',
    '> active: `true`',
    '> count: `120`',
    '> ip: `203.0.113.7`',
    '> share: `42`',
    '',
  ].join('\n'));
});

test('every type has its label', () => {
  const first = (type: Notification['type']) => formatDiscordContent({ type, source: 's', message: 'm' }).split('\n')[0];
  assert.deepEqual([first('alarm'), first('metric'), first('info')], ['[Alarm] from *s*:', '[Metric] from *s*:', '[Info] from *s*:']);
  assert.equal(first('bogus' as Notification['type']), '[Unknown] from *s*:');
});

test('null, undefined and empty-string values and empty keys are skipped; no section when none is left', () => {
  const fields = { '': 'no key', nothing: null, missing: undefined, blank: '', zero: 0, no: false };
  assert.equal(formatDiscordContent({ type: 'info', source: 's', message: 'm', fields }), '[Info] from *s*:\n> m\n\n**Fields**:\n> no: `false`\n> zero: `0`\n');
  const none = { nothing: null, blank: '' };
  assert.equal(formatDiscordContent({ type: 'info', source: 's', message: 'm', fields: none }), '[Info] from *s*:\n> m\n');
  assert.equal(formatDiscordContent({ type: 'info', source: 's', message: 'm', fields: {} }), '[Info] from *s*:\n> m\n');
});

test('the order is by key whatever the insertion order', () => {
  const a = formatDiscordContent({ type: 'info', source: 's', message: 'm', fields: { b: 1, a: 2, C: 3, aa: 4 } });
  const b = formatDiscordContent({ type: 'info', source: 's', message: 'm', fields: { aa: 4, C: 3, a: 2, b: 1 } });
  assert.equal(a, b);
  assert.ok(a.endsWith('> C: `3`\n> a: `2`\n> aa: `4`\n> b: `1`\n'), a);
});

test('backticks and line breaks cannot leave the code span or start a new line', () => {
  const fields = { ua: 'curl`) @everyone `x`', multi: 'one\ntwo\r\nthree', 'k`ey': 'v' };
  const text = formatDiscordContent({ type: 'alarm', source: 's', message: 'm', fields });
  const lines = text.split('\n');
  assert.deepEqual(lines.slice(4), [
    '> kˋey: `v`',
    '> multi: `one\\ntwo\\r\\nthree`',
    '> ua: `curlˋ) @everyone ˋxˋ`',
    '',
  ]);
  // Exactly two backticks per field line: the code span's own.
  for (const line of lines.slice(4, 7)) assert.equal(line.split('`').length - 1, 2, line);
});

test('values that are not strings print readably', () => {
  const fields = {
    when: new Date('2025-01-02T03:04:05.678Z'),
    bad: new Date(Number.NaN),
    err: new Error('disk full'),
    obj: { a: [1, 2], big: 3n },
    bare: Object.create(null) as object,
    list: ['x', 'y'],
  };
  const text = formatDiscordContent({ type: 'metric', source: 's', message: 'm', fields });
  assert.deepEqual(text.split('\n').slice(4, -1), [
    '> bad: `Invalid Date`',
    '> bare: `{}`',
    '> err: `disk full`',
    '> list: `["x","y"]`',
    '> obj: `{"a":[1,2],"big":"3"}`',
    '> when: `2025-01-02T03:04:05.678Z`',
  ]);
});

test('content up to the limit is left whole', () => {
  const header = '[Info] from *s*:\n> ';
  const message = 'x'.repeat(DISCORD_CONTENT_LIMIT - header.length - 1);
  const text = formatDiscordContent({ type: 'info', source: 's', message });
  assert.equal(text.length, DISCORD_CONTENT_LIMIT);
  assert.ok(!text.endsWith(TRUNCATION_MARKER));
});

test('longer content is cut to exactly the limit, ending with the marker', () => {
  const message = 'x'.repeat(5000);
  const text = formatDiscordContent({ type: 'alarm', source: 's', message, fields: { a: 'b' } });
  assert.equal(TRUNCATION_MARKER, '…');
  assert.equal(text.length, DISCORD_CONTENT_LIMIT);
  assert.ok(text.endsWith('xxx' + TRUNCATION_MARKER));
  assert.ok(text.startsWith('[Alarm] from *s*:\n> xxx'));
});

test('a cut falling inside a surrogate pair drops the whole emoji', () => {
  const header = '[Info] from *s*:\n> ';
  // Pad so an emoji's high surrogate sits at index limit - 2, the last unit a plain cut would keep.
  const pad = 'a'.repeat(DISCORD_CONTENT_LIMIT - 2 - header.length);
  const text = formatDiscordContent({ type: 'info', source: 's', message: pad + '😀'.repeat(100) });
  assert.equal(text, header + pad + TRUNCATION_MARKER);
  assert.equal(text.length, DISCORD_CONTENT_LIMIT - 1);
  assert.ok(text.isWellFormed());
  // One unit later the emoji fits whole.
  const text2 = formatDiscordContent({ type: 'info', source: 's', message: pad + 'a' + '😀'.repeat(100) });
  assert.equal(text2, header + pad + 'a' + TRUNCATION_MARKER);
  const text3 = formatDiscordContent({ type: 'info', source: 's', message: pad.slice(1) + '😀'.repeat(100) });
  assert.equal(text3, header + pad.slice(1) + '😀' + TRUNCATION_MARKER);
  assert.equal(text3.length, DISCORD_CONTENT_LIMIT);
  // Every cut of an all-emoji message is well formed and within the limit, in code units and code points.
  for (let i = 0; i < 4; i++) {
    const t = formatDiscordContent({ type: 'info', source: 's', message: 'a'.repeat(i) + '😀'.repeat(1500) });
    assert.ok(t.isWellFormed() && t.length <= DISCORD_CONTENT_LIMIT && [...t].length <= DISCORD_CONTENT_LIMIT, `offset ${i}`);
    assert.ok(t.endsWith(TRUNCATION_MARKER));
  }
});

test('a lone surrogate from a broken string is replaced, so the body stays valid UTF-8', () => {
  const text = formatDiscordContent({ type: 'info', source: 's', message: 'bad \ud800 half' });
  assert.equal(text, '[Info] from *s*:\n> bad \ufffd half\n');
});

test('the webhook receives a JSON POST with the content and no mention parsing', async () => {
  const endpoint = await startFakeEndpoint('/api/webhooks/123/token');
  const n = new DiscordNotifier({ webhookUrl: endpoint.url });
  try {
    const notification: Notification = { type: 'alarm', source: 'jobs', message: 'backup failed @everyone', fields: { job: 'backup', attempt: 3 } };
    n.send(notification);
    await until(() => n.stats().sent === 1, 'the delivery', 2000);
    const [req] = endpoint.received;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/webhooks/123/token');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), { content: formatDiscordContent(notification), allowed_mentions: { parse: [] } });
    assert.equal(JSON.parse(req.body).content, '[Alarm] from *jobs*:\n> backup failed @everyone\n\n**Fields**:\n> attempt: `3`\n> job: `backup`\n');
  } finally {
    await n.close(0);
    await endpoint.close();
  }
});

test('a long message arrives cut to the limit', async () => {
  const endpoint = await startFakeEndpoint();
  const n = new DiscordNotifier({ webhookUrl: endpoint.url });
  try {
    n.send({ type: 'alarm', source: 's', message: '😀'.repeat(3000) });
    await until(() => n.stats().sent === 1, 'the delivery', 2000);
    const { content } = JSON.parse(endpoint.received[0].body) as { content: string };
    assert.ok(content.length <= DISCORD_CONTENT_LIMIT && content.isWellFormed() && content.endsWith(TRUNCATION_MARKER));
  } finally {
    await n.close(0);
    await endpoint.close();
  }
});
