// src/lib/request-window.ts: the last whole second's requests, status classes and latency percentiles, checked
// against exact percentiles of the same samples, and the turn from one second to the next (including idle gaps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestWindow } from '../../src/lib/request-window.ts';
import { mulberry32 } from '../support/random.ts';

/** A window on a clock the test moves (ms). */
function windowAt(start = 10_000): { window: RequestWindow; clock: { now: number } } {
  const clock = { now: start };
  return { window: new RequestWindow({ now: () => clock.now }), clock };
}

/** The exact nearest-rank percentile. */
function exact(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

test('an empty second: no requests, null latencies', () => {
  const { window } = windowAt();
  assert.deepEqual(window.lastSecond(), { requests: 0, statusClasses: [0, 0, 0, 0, 0, 0], p50Ms: null, p95Ms: null, p99Ms: null });
});

test('the current second is not reported until it is over; then it is, once the next one starts', () => {
  const { window, clock } = windowAt(10_000);
  window.record(5, 200);
  window.record(7, 404);
  window.record(9, 503);
  window.record(1, 101);
  window.record(1, 999);
  assert.equal(window.lastSecond().requests, 0, 'still in the same second');
  clock.now = 11_000;
  const last = window.lastSecond();
  assert.equal(last.requests, 5);
  assert.deepEqual(last.statusClasses, [1, 1, 1, 0, 1, 1]);
  clock.now = 11_999;
  assert.equal(window.lastSecond().requests, 5, 'the whole next second reports it');
  clock.now = 12_000;
  assert.equal(window.lastSecond().requests, 0, 'then it is gone');
});

test('after an idle gap of several seconds both slots are empty', () => {
  const { window, clock } = windowAt(10_000);
  window.record(5, 200);
  clock.now = 10_500;
  window.record(5, 200);
  clock.now = 13_200;
  window.record(5, 200);
  assert.equal(window.lastSecond().requests, 0);
  clock.now = 14_000;
  assert.equal(window.lastSecond().requests, 1);
});

for (const [name, draw] of [
  ['uniform 0–50 ms', (r: () => number) => r() * 50],
  ['log-normal around 2 ms', (r: () => number) => Math.exp(Math.log(2) + (r() + r() + r() - 1.5))],
  ['mostly fast with a slow tail', (r: () => number) => (r() < 0.97 ? 0.2 + r() : 200 + r() * 800)],
  ['sub-microsecond', (r: () => number) => r() / 2000],
] as const) {
  test(`percentiles at most 1/32 above the exact ones: ${name}`, () => {
    const random = mulberry32(42);
    const { window, clock } = windowAt(50_000);
    const samples: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const ms = draw(random);
      samples.push(ms);
      window.record(ms, 200);
    }
    clock.now = 51_000;
    const last = window.lastSecond();
    samples.sort((a, b) => a - b);
    for (const [q, got] of [[0.5, last.p50Ms], [0.95, last.p95Ms], [0.99, last.p99Ms]] as const) {
      const want = exact(samples, q);
      // Durations are counted in whole microseconds, hence the 0.001 ms of slack.
      assert.ok(got! >= want && got! <= want * (1 + 1 / 32) + 0.001, `p${q * 100}: got ${got}, exact ${want}`);
    }
  });
}

test('durations beyond the range count in the last bucket: about 36 minutes, not lost', () => {
  const { window, clock } = windowAt();
  window.record(3_000_000, 200);
  window.record(Infinity, 200);
  window.record(-1, 200);
  clock.now += 1000;
  const last = window.lastSecond();
  assert.equal(last.requests, 3);
  assert.equal(last.p50Ms, 2_147_483.648);
  assert.equal(last.p99Ms, 2_147_483.648);
});
