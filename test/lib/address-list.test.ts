// Address lists (IPs and CIDRs, v4 and v6) and the matcher every allow-list uses, its answer cache included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAddressMatcher, normalizeIp, parseAddressList } from '../../src/lib/address-list.ts';

const LIST = ['127.0.0.1', '::1', '10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32', 'fe80::1'];

const CASES: [string, boolean][] = [
  ['127.0.0.1', true],
  ['127.0.0.2', false],
  ['::1', true],
  ['::2', false],
  ['10.255.3.4', true],
  ['11.0.0.1', false],
  ['192.168.1.200', true],
  ['192.168.2.1', false],
  ['::ffff:10.1.2.3', true], // IPv4-mapped counts as IPv4
  ['::FFFF:192.168.1.1', true],
  ['::ffff:8.8.8.8', false],
  ['2001:db8:1::5', true],
  ['2001:db9::1', false],
  ['fe80::1', true],
  ['fe80::2', false],
  ['', false],
  ['not-an-ip', false],
  ['999.1.1.1', false],
];

test('a matcher answers by IP and CIDR, v4, v6 and v4-mapped', () => {
  const allowed = createAddressMatcher(LIST, 'test');
  for (const [ip, expected] of CASES) assert.equal(allowed(ip), expected, ip);
  // Asked again (answered from the cache now): the same answers.
  for (const [ip, expected] of CASES) assert.equal(allowed(ip), expected, `${ip} (again)`);
});

test('a matcher stays right past the size of its cache', () => {
  const allowed = createAddressMatcher(['10.0.0.0/16'], 'test');
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 3000; i++) {
      const ip = `10.${i % 2}.${(i >> 8) & 255}.${i & 255}`;
      assert.equal(allowed(ip), i % 2 === 0, ip);
    }
  }
});

test('an empty list matches nothing', () => {
  const allowed = createAddressMatcher([], 'test');
  assert.equal(allowed('127.0.0.1'), false);
});

test('an entry that is neither an IP nor a CIDR is refused, named', () => {
  for (const bad of ['10.0.0.0/33', '::/129', 'example.com', '10.0.0.0/8/1', '10.0.0.0/x', '1.2.3']) {
    assert.throws(() => parseAddressList([bad], 'metrics.allow_ips'), (err: Error) => err instanceof TypeError && err.message === `metrics.allow_ips: "${bad}" is not an IP address or CIDR range`, bad);
  }
});

test('normalizeIp strips only the IPv4-mapped prefix', () => {
  assert.equal(normalizeIp('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(normalizeIp('::ffff:abcd'), '::ffff:abcd');
  assert.equal(normalizeIp('1.2.3.4'), '1.2.3.4');
});
