// The client-IP resolver with fake requests: peers, trusted proxies (IPs and CIDRs, v4 and v6), X-Forwarded-For,
// Forwarded (RFC 7239) and one-address headers, and the rejection of invalid proxy entries.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createClientIpResolver, normalizeIp, parseAddressList } from '../../src/http/client-ip.ts';

function fakeReq(remoteAddress: string | undefined, headers: Record<string, string | string[]> = {}): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

describe('normalizeIp', () => {
  const cases: [string, string][] = [
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['::1', '::1'],
    ['::ffff:abcd', '::ffff:abcd'],
    // IPv6 text is case-insensitive (RFC 4291 §2.2); a proxy may write the mapped prefix in capitals.
    ['::FFFF:1.2.3.4', '1.2.3.4'],
  ];
  for (const [input, expected] of cases) {
    test(`${input} → ${expected}`, () => assert.equal(normalizeIp(input), expected));
  }
});

describe('parseAddressList', () => {
  test('accepts IPs and CIDRs of both families and matches by range', () => {
    const list = parseAddressList(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1', ' 172.16.0.0/12 '], 'test');
    const inside: [string, 'ipv4' | 'ipv6'][] = [['10.1.2.3', 'ipv4'], ['192.168.1.7', 'ipv4'], ['2001:db8:ffff::5', 'ipv6'], ['::1', 'ipv6'], ['172.31.255.255', 'ipv4']];
    const outside: [string, 'ipv4' | 'ipv6'][] = [['11.0.0.1', 'ipv4'], ['192.168.1.8', 'ipv4'], ['2001:db9::1', 'ipv6'], ['::2', 'ipv6'], ['172.32.0.0', 'ipv4']];
    for (const [ip, family] of inside) assert.equal(list.check(ip, family), true, ip);
    for (const [ip, family] of outside) assert.equal(list.check(ip, family), false, ip);
  });

  const invalid = ['not-an-ip', '10.0.0.0/33', '::/129', '10.0.0.0/8/1', '10.0.0.0/', '10.0.0.0/abc', '10.0.0.0/-1', '10.0.0.0/ 8', '10.0.0.256', '', 'localhost', '10.0.0.0/8.5'];
  for (const entry of invalid) {
    test(`rejects ${JSON.stringify(entry)} with the entry in the message`, () => {
      assert.throws(() => parseAddressList(['127.0.0.1', entry], 'server.trusted_proxies'), (err: unknown) => {
        assert.ok(err instanceof TypeError, String(err));
        assert.ok(err.message.includes(`"${entry}"`), err.message);
        assert.ok(err.message.includes('server.trusted_proxies'), err.message);
        return true;
      });
    });
  }

  test('createClientIpResolver rejects an invalid trusted proxy at build time', () => {
    assert.throws(() => createClientIpResolver({ trustedProxies: ['10.0.0.0/8', '10.0.0.0/40'], header: 'X-Forwarded-For' }), /"10\.0\.0\.0\/40"/);
  });
});

describe('createClientIpResolver', () => {
  interface Case {
    name: string;
    trusted: string[];
    header?: string;
    peer: string | undefined;
    headers?: Record<string, string | string[]>;
    expected: string;
  }
  const XFF = 'X-Forwarded-For';
  const cases: Case[] = [
    { name: 'no trusted proxies: the IPv4 peer, header ignored', trusted: [], peer: '198.51.100.4', headers: { 'x-forwarded-for': '203.0.113.9' }, expected: '198.51.100.4' },
    { name: 'no trusted proxies: the IPv6 peer', trusted: [], peer: '2001:db8::7', expected: '2001:db8::7' },
    { name: 'no trusted proxies: an IPv4-mapped peer is shown as IPv4', trusted: [], peer: '::ffff:198.51.100.4', expected: '198.51.100.4' },
    { name: 'untrusted peer: header ignored', trusted: ['10.0.0.0/8'], peer: '198.51.100.4', headers: { 'x-forwarded-for': '203.0.113.9' }, expected: '198.51.100.4' },
    { name: 'trusted IPv4 peer, one hop', trusted: ['127.0.0.1'], peer: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' }, expected: '203.0.113.9' },
    { name: 'trusted peer without the header: the peer', trusted: ['127.0.0.1'], peer: '127.0.0.1', expected: '127.0.0.1' },
    { name: 'trusted peer with an empty header: the peer', trusted: ['127.0.0.1'], peer: '127.0.0.1', headers: { 'x-forwarded-for': '' }, expected: '127.0.0.1' },
    { name: 'right-most untrusted hop wins (a client cannot prepend its way in)', trusted: ['127.0.0.1'], peer: '127.0.0.1', headers: { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.0.0.1' }, expected: '10.0.0.1' },
    { name: 'CIDR v4: trusted hops are skipped', trusted: ['127.0.0.0/8', '10.0.0.0/8'], peer: '127.0.0.5', headers: { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.0.0.1' }, expected: '203.0.113.9' },
    { name: 'IPv4-mapped peer matches an IPv4 trusted entry', trusted: ['127.0.0.1'], peer: '::ffff:127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' }, expected: '203.0.113.9' },
    { name: 'IPv4-mapped hop in the header is shown as IPv4', trusted: ['127.0.0.1'], peer: '127.0.0.1', headers: { 'x-forwarded-for': '::ffff:203.0.113.9' }, expected: '203.0.113.9' },
    { name: 'IPv6 peer trusted by address', trusted: ['::1'], peer: '::1', headers: { 'x-forwarded-for': '2001:db8::5' }, expected: '2001:db8::5' },
    { name: 'CIDR v6: trusted hops are skipped', trusted: ['fd00::/8', '::1'], peer: '::1', headers: { 'x-forwarded-for': '2001:db8::5, fd12:3456::1' }, expected: '2001:db8::5' },
    { name: 'CIDR v6: an address outside the range is not trusted', trusted: ['fd00::/8'], peer: 'fe80::1', headers: { 'x-forwarded-for': '2001:db8::5' }, expected: 'fe80::1' },
    { name: 'all-trusted chain: the left-most hop', trusted: ['10.0.0.0/8'], peer: '10.0.0.9', headers: { 'x-forwarded-for': '10.0.0.3, 10.0.0.2' }, expected: '10.0.0.3' },
    { name: 'garbage hop: the peer', trusted: ['127.0.0.1'], peer: '127.0.0.1', headers: { 'x-forwarded-for': 'not-an-ip' }, expected: '127.0.0.1' },
    { name: 'garbage right of a valid hop: the peer', trusted: ['127.0.0.1'], peer: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9, bogus' }, expected: '127.0.0.1' },
    { name: 'garbage left of the right-most untrusted hop does not matter', trusted: ['127.0.0.1'], peer: '127.0.0.1', headers: { 'x-forwarded-for': 'bogus, 203.0.113.9' }, expected: '203.0.113.9' },
    { name: 'an address with a port is garbage', trusted: ['127.0.0.1'], peer: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9:1234' }, expected: '127.0.0.1' },
    { name: 'repeated header lines are one chain', trusted: ['127.0.0.1'], peer: '127.0.0.1', headers: { 'x-forwarded-for': ['203.0.113.1', '203.0.113.9'] }, expected: '203.0.113.9' },
    { name: 'no socket address: empty, not a crash', trusted: [], peer: undefined, expected: '' },
    { name: 'Forwarded: bracketed IPv6 with a port', trusted: ['127.0.0.1'], header: 'Forwarded', peer: '127.0.0.1', headers: { forwarded: 'for="[2001:db8::1]:4711"' }, expected: '2001:db8::1' },
    { name: 'Forwarded: bracketed IPv6 without a port', trusted: ['127.0.0.1'], header: 'Forwarded', peer: '127.0.0.1', headers: { forwarded: 'for="[2001:db8::1]"' }, expected: '2001:db8::1' },
    { name: 'Forwarded: IPv4 with a port', trusted: ['127.0.0.1'], header: 'Forwarded', peer: '127.0.0.1', headers: { forwarded: 'for="192.0.2.60:8080"' }, expected: '192.0.2.60' },
    { name: 'Forwarded: other parameters and case-insensitive names', trusted: ['127.0.0.1'], header: 'Forwarded', peer: '127.0.0.1', headers: { forwarded: 'proto=https;For=192.0.2.60;by=203.0.113.43' }, expected: '192.0.2.60' },
    { name: 'Forwarded: several elements, trusted hops skipped', trusted: ['127.0.0.1', '10.0.0.0/8'], header: 'Forwarded', peer: '127.0.0.1', headers: { forwarded: 'for=192.0.2.43, for=198.51.100.17;proto=http, for=10.1.1.1' }, expected: '198.51.100.17' },
    { name: 'Forwarded: obfuscated identifier is garbage', trusted: ['127.0.0.1'], header: 'Forwarded', peer: '127.0.0.1', headers: { forwarded: 'for=_hidden' }, expected: '127.0.0.1' },
    { name: 'Forwarded: "unknown" is garbage', trusted: ['127.0.0.1'], header: 'Forwarded', peer: '127.0.0.1', headers: { forwarded: 'for=unknown' }, expected: '127.0.0.1' },
    { name: 'Forwarded: an unterminated bracket is garbage, not a different address', trusted: ['127.0.0.1'], header: 'Forwarded', peer: '127.0.0.1', headers: { forwarded: 'for="[2001:db8::1"' }, expected: '127.0.0.1' },
    { name: 'Forwarded configured: X-Forwarded-For is ignored', trusted: ['127.0.0.1'], header: 'Forwarded', peer: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' }, expected: '127.0.0.1' },
    { name: 'X-Real-IP: one address', trusted: ['127.0.0.1'], header: 'X-Real-IP', peer: '127.0.0.1', headers: { 'x-real-ip': '203.0.113.7' }, expected: '203.0.113.7' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const resolve = createClientIpResolver({ trustedProxies: c.trusted, header: c.header ?? XFF });
      assert.equal(resolve(fakeReq(c.peer, c.headers)), c.expected);
    });
  }
});
