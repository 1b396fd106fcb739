// MemoryCache: a bounded LRU with optional expiry — what is evicted first, repeated reads of one key included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCache, remember } from '../../src/lib/cache.ts';

test('the least recently used key goes first; a read makes a key recent', () => {
  const c = new MemoryCache({ maxEntries: 3 });
  c.set('a', '1');
  c.set('b', '2');
  c.set('c', '3');
  assert.equal(c.get('a'), '1'); // a is now the newest: b is the oldest
  assert.equal(c.get('a'), '1'); // asked again while newest: order unchanged
  c.set('d', '4');
  assert.equal(c.get('b'), undefined, 'b was the least recently used');
  assert.deepEqual(['a', 'c', 'd'].map((k) => c.get(k)), ['1', '3', '4']);
  // Now d is the newest (read last), then c, then a: a goes next.
  c.set('e', '5');
  assert.equal(c.get('a'), undefined);
  assert.equal(c.size, 3);
});

test('a key read, then passed by a newer one, is made recent again when read again', () => {
  const c = new MemoryCache({ maxEntries: 3 });
  c.set('a', '1');
  c.set('b', '2');
  assert.equal(c.get('a'), '1'); // b, a
  c.set('c', '3'); // b, a, c
  assert.equal(c.get('a'), '1'); // b, c, a
  c.set('d', '4'); // c, a, d (b out)
  c.set('e', '5'); // a, d, e (c out)
  assert.equal(c.get('c'), undefined, 'c was the least recently used');
  assert.equal(c.get('a'), '1');
});

test('the newest key, deleted or expired, then set again, is found and ordered again', () => {
  let now = 0;
  const c = new MemoryCache({ maxEntries: 2, now: () => now });
  c.set('x', '1', 10);
  assert.equal(c.get('x'), '1');
  now = 10;
  assert.equal(c.get('x'), undefined, 'expired');
  c.set('y', '2');
  c.set('x', '3');
  assert.equal(c.get('y'), '2'); // y newest, x oldest
  c.set('z', '4');
  assert.equal(c.get('x'), undefined);
  c.delete('z');
  assert.equal(c.get('z'), undefined);
  c.set('z', '5');
  assert.equal(c.get('z'), '5');
  assert.equal(c.get('y'), '2');
});

test('maxEntries below 1 is refused', () => {
  assert.throws(() => new MemoryCache({ maxEntries: 0 }), RangeError);
});

test('remember makes a value once per key, false and 0 included, and starts over at its limit', () => {
  const map = new Map<string, number | boolean>();
  let made = 0;
  const make = (value: number | boolean) => () => { made++; return value; };
  assert.equal(remember(map, 'a', 3, make(0)), 0);
  assert.equal(remember(map, 'a', 3, make(9)), 0, 'kept, not made again');
  assert.equal(remember(map, 'b', 3, make(false)), false);
  assert.equal(remember(map, 'b', 3, make(true)), false);
  assert.equal(made, 2);
  remember(map, 'c', 3, make(1));
  remember(map, 'd', 3, make(2)); // the fourth key: the map starts over
  assert.deepEqual([...map.keys()], ['d']);
  assert.equal(remember(map, 'a', 3, make(5)), 5, 'made again after the restart');
});
