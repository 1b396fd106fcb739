// The token bucket against an injected clock: the burst, the refill rate, the cap, a clock stepping back, and the
// option checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../src/lib/token-bucket.ts';

function clocked(intervalMs: number, burst: number): { bucket: TokenBucket; clock: { t: number } } {
  const clock = { t: 1000 };
  return { bucket: new TokenBucket({ intervalMs, burst, now: () => clock.t }), clock };
}

function takes(bucket: TokenBucket, n: number): boolean[] {
  return Array.from({ length: n }, () => bucket.take());
}

test('starts full: burst takes succeed back to back, the next one fails', () => {
  const { bucket } = clocked(2000, 3);
  assert.equal(bucket.available, 3);
  assert.deepEqual(takes(bucket, 4), [true, true, true, false]);
  assert.equal(bucket.available, 0);
});

test('earns one token per interval, not before', () => {
  const { bucket, clock } = clocked(2000, 1);
  assert.equal(bucket.take(), true);
  clock.t += 1999;
  assert.equal(bucket.take(), false);
  assert.equal(bucket.refillIn(), 1);
  clock.t += 1;
  assert.equal(bucket.refillIn(), 0);
  assert.deepEqual(takes(bucket, 2), [true, false]);
  assert.equal(bucket.refillIn(), 2000);
});

test('partial time adds up across failed takes', () => {
  const { bucket, clock } = clocked(100, 1);
  bucket.take();
  const seen: boolean[] = [];
  for (let i = 0; i < 10; i++) {
    clock.t += 25;
    seen.push(bucket.take());
  }
  // 25 ms steps: a token every fourth step.
  assert.deepEqual(seen, [false, false, false, true, false, false, false, true, false, false]);
});

test('a long idle refills to the burst and no further', () => {
  const { bucket, clock } = clocked(10, 2);
  takes(bucket, 2);
  clock.t += 1_000_000;
  assert.equal(bucket.available, 2);
  assert.deepEqual(takes(bucket, 3), [true, true, false]);
});

test('a clock stepping back earns nothing, and the lost time is not earned twice', () => {
  const { bucket, clock } = clocked(100, 1);
  bucket.take();
  clock.t -= 500;
  assert.equal(bucket.take(), false);
  clock.t += 550; // 50 ms past the last reading
  assert.equal(bucket.take(), false);
  clock.t += 50;
  assert.equal(bucket.take(), true);
});

test('fractional clocks and intervals work (performance.now style)', () => {
  const clock = { t: 0.25 };
  const bucket = new TokenBucket({ intervalMs: 0.5, burst: 1, now: () => clock.t });
  assert.equal(bucket.take(), true);
  clock.t += 0.5;
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
});

test('the default clock is real time', async () => {
  const bucket = new TokenBucket({ intervalMs: 20, burst: 1 });
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(bucket.take(), true);
});

test('bad options are RangeErrors that quote the value', () => {
  const cases: [number, number, RegExp][] = [
    [0, 1, /interval must be a positive number of milliseconds, got 0$/],
    [-5, 1, /interval .* got -5$/],
    [Number.NaN, 1, /interval .* got NaN$/],
    [Infinity, 1, /interval .* got Infinity$/],
    [100, 0, /burst must be an integer of at least 1, got 0$/],
    [100, -1, /burst .* got -1$/],
    [100, 1.5, /burst .* got 1.5$/],
    [100, Number.NaN, /burst .* got NaN$/],
  ];
  for (const [intervalMs, burst, message] of cases) {
    assert.throws(() => new TokenBucket({ intervalMs, burst }), (err: unknown) => err instanceof RangeError && message.test(err.message), `${intervalMs}, ${burst}`);
  }
  assert.throws(() => new TokenBucket({ intervalMs: '100' as unknown as number, burst: 1 }), RangeError);
});
