// The sliding-window limiter against an injected clock: the limit and the exact wait, the window sliding one event
// at a time, refused events not counted, reset, LRU eviction at maxKeys, expired keys dropped, live configure, and
// the option checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingWindowLimiter } from '../../src/lib/sliding-window.ts';

function clocked(limit: number, windowMs: number, maxKeys?: number): { limiter: SlidingWindowLimiter; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  return { limiter: new SlidingWindowLimiter({ limit, windowMs, maxKeys, now: () => clock.t }), clock };
}

test('limit events pass, the next is refused with the wait until the oldest leaves the window', () => {
  const { limiter, clock } = clocked(3, 60_000);
  assert.equal(limiter.hit('ip'), 0);
  clock.t += 10_000;
  assert.equal(limiter.hit('ip'), 0);
  clock.t += 10_000;
  assert.equal(limiter.hit('ip'), 0);
  assert.equal(limiter.retryAfter('ip'), 40_000, 'the first event, 20 s ago, leaves in 40 s');
  assert.equal(limiter.hit('ip'), 40_000);
  clock.t += 39_999;
  assert.equal(limiter.hit('ip'), 1);
  clock.t += 1;
  assert.equal(limiter.retryAfter('ip'), 0);
  assert.equal(limiter.hit('ip'), 0, 'exactly one window after the first event');
  assert.equal(limiter.hit('ip'), 10_000, 'now the second event is the oldest');
});

test('keys are independent', () => {
  const { limiter } = clocked(1, 1000);
  assert.equal(limiter.hit('a'), 0);
  assert.equal(limiter.hit('a'), 1000);
  assert.equal(limiter.hit('b'), 0);
  assert.equal(limiter.retryAfter('c'), 0);
  assert.equal(limiter.size, 2, 'retryAfter records nothing');
});

test('the window slides: events leave one by one, not all at a bucket edge', () => {
  const { limiter, clock } = clocked(4, 1000);
  for (let i = 0; i < 4; i++) {
    assert.equal(limiter.hit('k'), 0);
    clock.t += 100;
  }
  // Events at 0, 100, 200, 300; now 400.
  assert.equal(limiter.hit('k'), 600);
  clock.t = 1_000_000 + 1000;
  assert.equal(limiter.hit('k'), 0, 'the event at 0 left');
  assert.equal(limiter.hit('k'), 100, 'only one slot freed');
  clock.t += 250;
  assert.equal(limiter.hit('k'), 0, 'the events at 100 and 200 left');
  assert.equal(limiter.hit('k'), 0);
  assert.equal(limiter.hit('k'), 50);
});

test('refused events are not counted: hammering does not extend the block', () => {
  const { limiter, clock } = clocked(2, 1000);
  limiter.hit('k');
  limiter.hit('k');
  for (let i = 0; i < 9; i++) {
    clock.t += 100;
    assert.equal(limiter.hit('k'), 1000 - 100 * (i + 1));
  }
  clock.t += 100;
  assert.equal(limiter.hit('k'), 0, 'free again one window after the counted events');
});

test('never more than limit accepted events in any window (a random schedule checked by brute force)', () => {
  const { limiter, clock } = clocked(5, 1000);
  let seed = 42;
  const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const accepted: number[] = [];
  for (let i = 0; i < 5000; i++) {
    clock.t += Math.floor(random() * 120);
    const wait = limiter.hit('k');
    if (wait === 0) accepted.push(clock.t);
    else {
      // The wait is exact: the limiter opens precisely then.
      const inWindow = accepted.filter((t) => t > clock.t - 1000);
      assert.equal(inWindow.length, 5);
      assert.equal(wait, inWindow[0] + 1000 - clock.t);
    }
  }
  for (let i = 5; i < accepted.length; i++) assert.ok(accepted[i] - accepted[i - 5] >= 1000);
  assert.ok(accepted.length > 100);
});

test('reset forgets a key', () => {
  const { limiter } = clocked(1, 60_000);
  limiter.hit('user:1');
  assert.ok(limiter.hit('user:1') > 0);
  limiter.reset('user:1');
  assert.equal(limiter.retryAfter('user:1'), 0);
  assert.equal(limiter.hit('user:1'), 0);
  limiter.reset('never seen');
});

test('at maxKeys the least recently used key is forgotten', () => {
  const { limiter, clock } = clocked(1, 60_000, 3);
  for (const key of ['a', 'b', 'c']) {
    limiter.hit(key);
    clock.t += 1;
  }
  limiter.hit('a'); // refused, but a is now the most recently used
  clock.t += 1;
  limiter.hit('d'); // evicts b
  assert.equal(limiter.size, 3);
  assert.equal(limiter.retryAfter('b'), 0);
  assert.ok(limiter.retryAfter('a') > 0);
  assert.ok(limiter.retryAfter('c') > 0);
  assert.ok(limiter.retryAfter('d') > 0);
  for (let i = 0; i < 1000; i++) limiter.hit(`k${i}`);
  assert.equal(limiter.size, 3, 'bounded whatever the traffic');
});

test('keys whose events all expired are dropped lazily', () => {
  const { limiter, clock } = clocked(2, 1000);
  for (let i = 0; i < 100; i++) limiter.hit(`old${i}`);
  assert.equal(limiter.size, 100);
  clock.t += 1000;
  limiter.hit('new');
  assert.equal(limiter.size, 1, 'the next hit swept the expired keys from the LRU end');
  clock.t += 1000;
  assert.equal(limiter.retryAfter('new'), 0);
  assert.equal(limiter.size, 0, 'retryAfter drops an expired key it looks at');
});

test('a key hit for a long time keeps the exact rate (its log is compacted along the way)', () => {
  const { limiter, clock } = clocked(3, 100);
  let accepted = 0;
  for (let i = 0; i < 100_000; i++) {
    clock.t += 5;
    if (limiter.hit('k') === 0) accepted++;
  }
  // 500,000 ms at 3 per 100 ms.
  assert.equal(accepted, 15_000);
});

test('configure changes limit and window live, for keys already counted too', () => {
  const { limiter, clock } = clocked(3, 10_000);
  limiter.hit('k');
  clock.t += 1000;
  limiter.hit('k');
  clock.t += 1000;
  limiter.hit('k');
  // Events at 0, 1000, 2000; now 2000.
  assert.equal(limiter.hit('k'), 8000);
  limiter.configure(5, 10_000);
  assert.equal(limiter.hit('k'), 0, 'a higher limit lets more in at once');
  assert.equal(limiter.hit('k'), 0);
  assert.equal(limiter.hit('k'), 8000);
  limiter.configure(2, 10_000);
  // Only the newest 2 events count now: both at 2000.
  assert.equal(limiter.retryAfter('k'), 10_000);
  limiter.configure(2, 3000);
  assert.equal(limiter.retryAfter('k'), 3000, 'a shorter window applies to recorded events');
  clock.t += 3000;
  assert.equal(limiter.hit('k'), 0);
  assert.equal(limiter.limit, 2);
  assert.equal(limiter.windowMs, 3000);
});

test('a fractional clock still answers whole milliseconds, at least 1 when refused', () => {
  const clock = { t: 0.25 };
  const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: 1000, now: () => clock.t });
  limiter.hit('k');
  clock.t = 1000.1;
  assert.equal(limiter.hit('k'), 1, '0.15 ms rounds up, not down to "go"');
  clock.t = 1000.25;
  assert.equal(limiter.hit('k'), 0);
});

test('a clock stepping back never yields a wait longer than the window', () => {
  const { limiter, clock } = clocked(1, 1000);
  limiter.hit('k');
  clock.t -= 5000;
  assert.equal(limiter.hit('k'), 1000);
});

test('options are checked', () => {
  const now = (): number => 0;
  for (const [options, message] of [
    [{ limit: 0, windowMs: 1000 }, /limit must be a positive integer, got 0/],
    [{ limit: 1.5, windowMs: 1000 }, /limit must be a positive integer/],
    [{ limit: 1, windowMs: 0 }, /window must be a positive number/],
    [{ limit: 1, windowMs: Number.NaN }, /window must be a positive number/],
    [{ limit: 1, windowMs: 1000, maxKeys: 0 }, /maxKeys must be a positive integer/],
  ] as const) {
    assert.throws(() => new SlidingWindowLimiter({ ...options, now }), { name: 'RangeError', message });
  }
  const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: 1000, now });
  assert.throws(() => limiter.configure(-1, 1000), RangeError);
  assert.equal(limiter.limit, 1, 'a refused configure changes nothing');
});
