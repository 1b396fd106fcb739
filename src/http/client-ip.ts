// The client's IP address: the socket peer, or — only when the peer is a trusted proxy — the address the proxy
// reports in its forwarding header, read right to left past the trusted hops so a client cannot forge it.
import { BlockList, isIP } from 'node:net';
import { normalizeIp, parseAddressList } from '../lib/address-list.ts';

export { normalizeIp, parseAddressList };
import type { IncomingMessage } from 'node:http';

export interface ClientIpOptions {
  /** IPs and CIDRs (v4 and v6) of proxies whose forwarding header is believed. Empty: the header is ignored. */
  trustedProxies: string[];
  /** `X-Forwarded-For` (comma list), `Forwarded` (RFC 7239), or a one-address header such as `X-Real-IP`. */
  header: string;
}

export type ClientIpResolver = (req: IncomingMessage) => string;

function contains(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/** Addresses named in the forwarding header, nearest hop last. */
function forwardedChain(name: string, value: string): string[] {
  if (name !== 'forwarded') return value.split(',').map((s) => s.trim());
  const out: string[] = [];
  for (const element of value.split(',')) {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
      let v = pair.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (v.startsWith('[')) v = v.indexOf(']') === -1 ? '' : v.slice(1, v.indexOf(']')); // '' is garbage: no trust
      else if (v.indexOf(':') === v.lastIndexOf(':')) v = v.split(':')[0];
      out.push(v);
    }
  }
  return out;
}

/** A resolver built once from the configuration. */
export function createClientIpResolver(options: ClientIpOptions): ClientIpResolver {
  const peer = (req: IncomingMessage) => normalizeIp(req.socket.remoteAddress ?? '');
  if (options.trustedProxies.length === 0) return peer;
  const trusted = parseAddressList(options.trustedProxies, 'server.trusted_proxies');
  const header = options.header.toLowerCase();
  return (req) => {
    const direct = peer(req);
    if (!contains(trusted, direct)) return direct;
    const raw = req.headers[header];
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (!value) return direct;
    const chain = forwardedChain(header, value).map(normalizeIp);
    for (let i = chain.length - 1; i >= 0; i--) {
      if (isIP(chain[i]) === 0) return direct; // a garbled hop: trust nothing beyond our own proxy
      if (!contains(trusted, chain[i])) return chain[i];
    }
    return chain[0] ?? direct;
  };
}
