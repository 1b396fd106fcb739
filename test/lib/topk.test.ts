// Space-Saving and its sliding window against exact counts: exactness for small streams, the error bounds, the
// window forgetting old items, fixed memory, and heavy-hitter detection on a seeded synthetic attack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingTopK, SpaceSaving } from '../../src/lib/topk.ts';
import { mulberry32, zipf } from '../support/random.ts';

/** Exact counts over the last `window` items, the ground truth the sketches are held to. */
class ExactWindow {
  readonly counts = new Map<string, number>();
  #ring: (string | undefined)[];
  #at = 0;

  constructor(window: number) {
    this.#ring = new Array<string | undefined>(window).fill(undefined);
  }

  add(key: string): void {
    const old = this.#ring[this.#at];
    if (old !== undefined) {
      const n = (this.counts.get(old) as number) - 1;
      if (n === 0) this.counts.delete(old);
      else this.counts.set(old, n);
    }
    this.#ring[this.#at] = key;
    this.#at = (this.#at + 1) % this.#ring.length;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}

test('Space-Saving is exact while the distinct keys fit its counters', () => {
  const random = mulberry32(1);
  const sketch = new SpaceSaving(32);
  const truth = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const key = `k${Math.floor(random() * random() * 20)}`;
    sketch.add(key);
    truth.set(key, (truth.get(key) ?? 0) + 1);
  }
  assert.equal(sketch.total, 5000);
  assert.equal(sketch.min, 0, 'counters to spare: an unseen key occurred 0 times');
  for (const [key, n] of truth) {
    assert.equal(sketch.estimate(key), n, key);
    assert.equal(sketch.guaranteed(key), n, key);
    assert.equal(sketch.error(key), 0, key);
  }
  assert.equal(sketch.estimate('never'), 0);
  assert.equal(sketch.guaranteed('never'), 0);
});

test('Space-Saving keeps its error bounds: c − ε ≤ true ≤ c, ε ≤ n/m, and every key above n/m is monitored', () => {
  for (const [seed, capacity, skew] of [[2, 16, 1.2], [3, 50, 1.0], [4, 200, 0.7], [5, 8, 0]] as const) {
    const random = mulberry32(seed);
    const dist = zipf(3000, skew, random);
    const sketch = new SpaceSaving(capacity);
    const truth = new Map<string, number>();
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const key = `ip${dist.sample()}`;
      sketch.add(key);
      truth.set(key, (truth.get(key) ?? 0) + 1);
    }
    const bound = n / capacity;
    assert.ok(sketch.min <= bound, `min ${sketch.min} ≤ n/m ${bound}`);
    assert.equal(sketch.size, capacity);
    const seen: string[] = [];
    sketch.forEachAbove(0, (key, count, error) => {
      seen.push(key);
      const f = truth.get(key) as number;
      assert.ok(count - error <= f && f <= count, `${key}: ${count} − ${error} ≤ ${f} ≤ ${count} (seed ${seed})`);
      assert.ok(error <= sketch.min, `${key}: error ${error} ≤ min ${sketch.min}`);
      assert.equal(sketch.guaranteed(key), count - error);
      assert.equal(sketch.estimate(key), count);
    });
    assert.equal(seen.length, capacity);
    const monitored = new Set(seen);
    let countSum = 0;
    sketch.forEachAbove(0, (_key, count) => { countSum += count; });
    assert.equal(countSum, n, 'the counters sum to the stream length');
    for (const [key, f] of truth) {
      if (monitored.has(key)) continue;
      assert.ok(f <= sketch.min, `unmonitored ${key}: ${f} ≤ min ${sketch.min}`);
      assert.ok(f <= bound, `unmonitored ${key} occurred ${f} > n/m ${bound} times`);
      assert.equal(sketch.guaranteed(key), 0);
      assert.equal(sketch.estimate(key), sketch.min);
    }
  }
});

test('forEachAbove lists counts from the highest down and stops at the floor', () => {
  const sketch = new SpaceSaving(10);
  for (const [key, n] of [['a', 5], ['b', 3], ['c', 9], ['d', 1], ['e', 3]] as const) for (let i = 0; i < n; i++) sketch.add(key);
  const listed: [string, number][] = [];
  sketch.forEachAbove(2, (key, count) => listed.push([key, count]));
  assert.deepEqual(listed.map(([, c]) => c), [9, 5, 3, 3]);
  assert.deepEqual(new Set(listed.map(([k]) => k)), new Set(['c', 'a', 'b', 'e']));
});

test('bad sizes are RangeErrors', () => {
  assert.throws(() => new SpaceSaving(0), RangeError);
  assert.throws(() => new SlidingTopK({ window: 0, capacity: 4 }), RangeError);
  assert.throws(() => new SlidingTopK({ window: 100, capacity: 4, subWindows: 1.5 }), RangeError);
  assert.equal(new SlidingTopK({ window: 1001, capacity: 4 }).window, 1010, 'rounded up to a multiple of the sub-windows');
});

test('the sliding window is exact for small streams and says when a sub-window fills', () => {
  const sliding = new SlidingTopK({ window: 100, capacity: 10, subWindows: 10 });
  const exact = new ExactWindow(100);
  const random = mulberry32(6);
  for (let i = 1; i <= 1000; i++) {
    const key = `k${Math.floor(random() * 8)}`;
    const filled = sliding.add(key);
    exact.add(key);
    assert.equal(filled, i % 10 === 0, `item ${i}`);
    if (filled) {
      assert.equal(sliding.total, Math.min(i, 100));
      for (let k = 0; k < 8; k++) {
        assert.equal(sliding.guaranteed(`k${k}`), exact.count(`k${k}`), `k${k} after ${i} items`);
        assert.equal(sliding.estimate(`k${k}`), exact.count(`k${k}`), `k${k} after ${i} items`);
      }
    }
  }
});

test('the sliding window forgets old traffic', () => {
  const sliding = new SlidingTopK({ window: 1000, capacity: 64 });
  for (let i = 0; i < 5000; i++) sliding.add('old');
  assert.equal(sliding.guaranteed('old'), 1000);
  assert.deepEqual(sliding.heavyHitters(500).map((h) => h.key), ['old']);
  for (let i = 0; i < 950; i++) sliding.add(`new${i % 40}`);
  assert.ok(sliding.guaranteed('old') <= 100, 'only the last sub-window still holds it');
  assert.deepEqual(sliding.heavyHitters(100), []);
  for (let i = 0; i < 50; i++) sliding.add(`new${i % 40}`);
  assert.equal(sliding.total, 1000);
  assert.equal(sliding.guaranteed('old'), 0);
  assert.equal(sliding.estimate('old'), 0);
  sliding.clear();
  assert.equal(sliding.total, 0);
  assert.equal(sliding.size, 0, 'the key index is emptied too');
  assert.equal(sliding.guaranteed('new1'), 0);
});

test('the sliding window keeps its bounds when approximate: guaranteed ≤ true ≤ estimate, each within total/m', () => {
  const capacity = 24;
  const sliding = new SlidingTopK({ window: 4000, capacity, subWindows: 8 });
  const exact = new ExactWindow(4000);
  const random = mulberry32(7);
  const dist = zipf(2000, 1.1, random);
  let worstUnder = 0;
  for (let i = 1; i <= 40_000; i++) {
    const key = `ip${dist.sample()}`;
    exact.add(key);
    if (!sliding.add(key) || i % 2000 !== 0) continue;
    const bound = sliding.total / capacity;
    for (const [key, f] of exact.counts) {
      const g = sliding.guaranteed(key);
      const u = sliding.estimate(key);
      assert.ok(g <= f && f <= u, `${key}: ${g} ≤ ${f} ≤ ${u} after ${i} items`);
      assert.ok(f - g <= bound && u - f <= bound, `${key}: within ${bound} of ${f} (${g}, ${u})`);
      worstUnder = Math.max(worstUnder, f - g);
    }
    // heavyHitters is exactly "guaranteed above the threshold", and catches whatever is truly above threshold + bound.
    const threshold = 150;
    const listed = sliding.heavyHitters(threshold);
    const expected = [...exact.counts.keys()].filter((k) => sliding.guaranteed(k) > threshold);
    assert.deepEqual(new Set(listed.map((h) => h.key)), new Set(expected));
    for (let j = 1; j < listed.length; j++) assert.ok(listed[j - 1].guaranteed >= listed[j].guaranteed, 'highest first');
    for (const [key, f] of exact.counts) if (f > threshold + bound) assert.ok(expected.includes(key), `${key} (${f}) missed`);
  }
  assert.ok(worstUnder > 0, 'the stream was big enough to make the sketch approximate');
});

test('memory is fixed whatever the number of distinct keys', () => {
  const sliding = new SlidingTopK({ window: 10_000, capacity: 64, subWindows: 10 });
  for (let i = 0; i < 100_000; i++) sliding.add(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  assert.ok(sliding.size <= 10 * 64, `${sliding.size} keys indexed`);
  assert.equal(sliding.total, 10_000);
  const single = new SpaceSaving(100);
  for (let i = 0; i < 100_000; i++) single.add(`k${i}`);
  assert.equal(single.size, 100);
  assert.ok(single.min <= 100_000 / 100);
});

test('a seeded attack: every attacker is flagged, no background IP ever is', (t) => {
  const random = mulberry32(20240527);
  const WINDOW = 5000;
  const SHARE = 0.05;
  const threshold = WINDOW * SHARE;
  const sliding = new SlidingTopK({ window: WINDOW, capacity: 64, subWindows: 10 });
  const exact = new ExactWindow(WINDOW);
  // Thousands of ordinary clients with Zipf-distributed traffic, then attackers at 1.1×–3× the threshold share.
  const background = zipf(5000, 0.7, random);
  const backgroundIps = Array.from({ length: 5000 }, (_, k) => `10.${(k * 7919) % 251}.${k >> 8}.${k & 255}`);
  const multiples = [1.1, 1.5, 2, 3];
  const attackers = multiples.map((_, i) => `203.0.113.${i + 1}`);
  const shares = multiples.map((m) => m * SHARE);
  const attackShare = shares.reduce((a, b) => a + b, 0);
  // The test means something only if the busiest ordinary client stays well under the threshold (before the attack,
  // ordinary clients are all the traffic).
  assert.ok(background.top < SHARE * 0.6, `top background share ${background.top}`);
  assert.ok(attackShare < 0.5);

  const CALM = 20_000;
  const ATTACK = 30_000;
  const flaggedAt = new Map<string, number>();
  const exactAt = new Map<string, number>();
  const flaggedBackground = new Set<string>();
  for (let i = 0; i < CALM + ATTACK; i++) {
    let ip: string | undefined;
    if (i >= CALM) {
      let u = random();
      for (let a = 0; a < attackers.length && ip === undefined; a++) {
        if (u < shares[a]) ip = attackers[a];
        u -= shares[a];
      }
    }
    ip ??= backgroundIps[background.sample()];
    exact.add(ip);
    if (i >= CALM && !exactAt.has(ip) && exact.count(ip) > threshold) exactAt.set(ip, i + 1 - CALM);
    if (!sliding.add(ip)) continue;
    for (const hitter of sliding.heavyHitters(threshold)) {
      assert.ok(hitter.guaranteed <= exact.count(hitter.key), 'never over-reports');
      if (attackers.includes(hitter.key)) {
        if (!flaggedAt.has(hitter.key)) flaggedAt.set(hitter.key, i + 1 - CALM);
      } else flaggedBackground.add(hitter.key);
    }
  }
  assert.deepEqual([...flaggedBackground], [], 'no background IP is flagged');
  for (const [a, ip] of attackers.entries()) {
    const at = flaggedAt.get(ip);
    assert.ok(at !== undefined, `attacker at ${multiples[a]}× the threshold was never flagged`);
    t.diagnostic(`${multiples[a]}× threshold (${(shares[a] * 100).toFixed(1)} % of traffic): flagged after ${at} requests ` +
      `(${(at / WINDOW).toFixed(2)} windows; exact counts checked on every request: ${exactAt.get(ip)})`);
  }
});
