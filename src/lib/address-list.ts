// IP addresses and CIDR ranges (v4 and v6): the lists behind trusted proxies and every allow-list (metrics,
// maintenance, IP blocking), parsed once into a net.BlockList.
import { BlockList, isIP } from 'node:net';
import { remember } from './cache.ts';

/** Strips the IPv4-mapped prefix (`::ffff:1.2.3.4` is `1.2.3.4`) so v4 clients look the same on a dual-stack socket. */
export function normalizeIp(ip: string): string {
  return ip.length > 7 && ip.indexOf('.') !== -1 && ip.slice(0, 7).toLowerCase() === '::ffff:' ? ip.slice(7) : ip;
}

/** Builds a BlockList from IPs and CIDRs; throws a TypeError naming the entry that is neither. */
export function parseAddressList(entries: string[], what: string): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits, extra] = entry.trim().split('/');
    const family = isIP(addr);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
      throw new TypeError(`${what}: "${entry}" is not an IP address or CIDR range`);
    }
    list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** Answers a matcher remembers; beyond this many distinct IPs it starts over (a flood of new IPs only costs lookups). */
const MATCH_CACHE_SIZE = 1024;

/**
 * A test for "is this IP in the list" built once from IPs and CIDRs; an IPv4-mapped IPv6 address counts as IPv4.
 * Answers are remembered per IP string: BlockList.check parses the address into a native object at every call
 * (microseconds), and the same few addresses (the IP blocker's heavy hitters, a monitoring host) are asked again
 * and again.
 */
export function createAddressMatcher(entries: string[], what: string): (ip: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = parseAddressList(entries, what);
  const known = new Map<string, boolean>();
  return (ip) => remember(known, ip, MATCH_CACHE_SIZE, () => {
    const plain = normalizeIp(ip);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  });
}
