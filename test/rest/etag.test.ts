// Table versions and ETag comparisons: a tag changes with every bump and every external commit, and never comes
// back to an old value, even when the cache forgets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCache } from '../../src/lib/cache.ts';
import { etagFor, matchesVersion, TableVersions } from '../../src/rest/etag.ts';
import { noneMatch } from '../../src/lib/etag.ts';

test('a table\'s tag holds until a write to it, a write to the database, or another process\'s commit', () => {
  let external = 1;
  const v = new TableVersions('shop', new MemoryCache(), () => external);
  const orders = v.tag('orders');
  const products = v.tag('products');
  const whole = v.tag(null);
  assert.equal(v.tag('orders'), orders);
  v.bump(['orders']);
  assert.notEqual(v.tag('orders'), orders);
  assert.equal(v.tag('products'), products, 'another table keeps its tag');
  assert.notEqual(v.tag(null), whole, 'views read the whole database');
  const before = v.tag('products');
  v.sync();
  assert.equal(v.tag('products'), before, 'no external commit, no change');
  external = 2;
  v.sync();
  assert.notEqual(v.tag('products'), before);
  const all = v.tag('products');
  v.bump('all');
  assert.notEqual(v.tag('products'), all);
});

test('a version the cache evicted comes back as a new tag, never an old one', () => {
  const cache = new MemoryCache({ maxEntries: 1 });
  const v = new TableVersions('shop', cache);
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const a = v.tag('a');
    assert.ok(!seen.has(a), 'a tag of "a" never repeats');
    seen.add(a);
    v.tag('b'); // evicts a's version
    assert.equal(cache.get('rest:shop:a'), undefined);
  }
});

test('If-None-Match and If-Match comparisons', () => {
  const etag = etagFor('VERSION', 'GET /orders');
  assert.match(etag, /^"VERSION\.[A-Za-z0-9_-]{16}"$/);
  assert.notEqual(etagFor('VERSION', 'GET /orders?x'), etag);
  assert.ok(noneMatch(etag, etag));
  assert.ok(noneMatch(`"other", W/${etag}`, etag));
  assert.ok(noneMatch('*', etag));
  assert.ok(!noneMatch('"other"', etag));
  assert.ok(!noneMatch(undefined, etag));
  assert.ok(matchesVersion(etagFor('VERSION', 'another representation'), 'VERSION'));
  assert.ok(matchesVersion(`"x", ${etag}`, 'VERSION'));
  assert.ok(matchesVersion('*', 'VERSION'));
  assert.ok(!matchesVersion(etagFor('OLD', 'GET /orders'), 'VERSION'));
  assert.ok(!matchesVersion('VERSION', 'VERSION'), 'an unquoted tag is not a tag');
});
