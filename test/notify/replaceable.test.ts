// ReplaceableNotifier: sends go to the newest target, the previous one is closed, and the counters (which feed
// Prometheus counters) never go down across a swap — while the old target is still closing, and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplaceableNotifier } from '../../src/notify/replaceable.ts';
import type { Notification, Notifier, NotifierStats } from '../../src/notify/notifier.ts';

/** A target that counts each send as sent; its close waits until `finish()`. */
function target(): Notifier & { got: Notification[]; closed: boolean; finish: () => void } {
  let finish = () => {};
  const done = new Promise<void>((resolve) => { finish = resolve; });
  const stats: NotifierStats = { sent: 0, dropped: 0, failed: 0 };
  const t = {
    got: [] as Notification[],
    closed: false,
    finish: () => finish(),
    send(n: Notification) { t.got.push(n); stats.sent++; },
    close() { t.closed = true; return done; },
    stats: () => ({ ...stats }),
  };
  return t;
}

const note = (message: string): Notification => ({ type: 'info', source: 'test', message });

test('sends follow the newest target; counts keep growing through a swap', async () => {
  const first = target();
  const second = target();
  const n = new ReplaceableNotifier(first);
  n.send(note('a'));
  n.send(note('b'));
  assert.equal(n.stats().sent, 2);
  n.replace(second, 1000);
  assert.equal(first.closed, true);
  assert.equal(n.stats().sent, 2, 'the closing target still counts');
  n.send(note('c'));
  assert.deepEqual([first.got.length, second.got.length], [2, 1]);
  assert.equal(n.stats().sent, 3);
  first.finish();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(n.stats().sent, 3, 'and its final counts are kept once it closed');
  second.finish();
  await n.close();
  assert.equal(second.closed, true);
});
