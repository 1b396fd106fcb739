// Fan-out: every target gets every notification whatever the others do (fail, throw), stats are summed, and close
// reaches every target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultiNotifier } from '../../src/notify/multi.ts';
import { DiscordNotifier } from '../../src/notify/discord.ts';
import { WebhookNotifier } from '../../src/notify/webhook.ts';
import type { Notification, Notifier, NotifierStats } from '../../src/notify/notifier.ts';
import { until } from '../support/until.ts';
import { recordingLog, startFakeEndpoint } from '../support/fake-endpoint.ts';

/** A notifier recording what it is given; `throws` makes send break the contract. */
function fake(throws = false): Notifier & { got: Notification[]; closedWith: (number | undefined)[] } {
  const got: Notification[] = [];
  const closedWith: (number | undefined)[] = [];
  return {
    got,
    closedWith,
    send(n) {
      if (throws) throw new Error('broken target');
      got.push(n);
    },
    async close(deadlineMs) { closedWith.push(deadlineMs); },
    stats: (): NotifierStats => ({ sent: got.length, dropped: 2, failed: 1 }),
  };
}

test('a failing target does not stop the others, and the stats are summed', async () => {
  const failing = await startFakeEndpoint();
  const working = await startFakeEndpoint();
  failing.replies.push({ status: 500, body: 'nope' });
  const multi = new MultiNotifier([new DiscordNotifier({ webhookUrl: failing.url }), new WebhookNotifier({ url: working.url })]);
  try {
    multi.send({ type: 'alarm', source: 's', message: 'to both' });
    await until(() => multi.stats().sent + multi.stats().failed === 2, 'both outcomes', 2000);
    assert.deepEqual(multi.stats(), { sent: 1, dropped: 0, failed: 1 });
    assert.equal(failing.received.length, 1);
    assert.equal(JSON.parse(working.received[0].body).message, 'to both');
  } finally {
    await multi.close(0);
    await failing.close();
    await working.close();
  }
});

test('a target that throws is skipped and counted; the ones after it still get the notification', () => {
  const log = recordingLog();
  const before = fake();
  const after = fake();
  const multi = new MultiNotifier([before, fake(true), after], log);
  const n: Notification = { type: 'info', source: 's', message: 'm' };
  assert.doesNotThrow(() => multi.send(n));
  assert.deepEqual([before.got, after.got], [[n], [n]]);
  // 1 + 1 sent, 3 × 2 dropped, 3 × 1 failed + the throw.
  assert.deepEqual(multi.stats(), { sent: 2, dropped: 6, failed: 4 });
  assert.equal(log.entries[0].msg, 'Notifier threw on send');
});

test('close closes every target with the deadline, even when one close throws', async () => {
  const a = fake();
  const b = fake();
  const broken: Notifier = { ...fake(), close: () => { throw new Error('bad close'); } };
  const multi = new MultiNotifier([a, broken, b]);
  await multi.close(1234);
  assert.deepEqual([a.closedWith, b.closedWith], [[1234], [1234]]);
});

test('no targets: nothing sent, zero stats', async () => {
  const multi = new MultiNotifier([]);
  multi.send({ type: 'info', source: 's', message: 'm' });
  assert.deepEqual(multi.stats(), { sent: 0, dropped: 0, failed: 0 });
  await multi.close();
});
