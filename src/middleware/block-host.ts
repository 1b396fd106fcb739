// Refuses requests for host names this server does not serve (DNS rebinding, stray vhosts): the Host header, port
// ignored, must match `block_host.allowed_hosts` — exact names, or `*.example.com` for any subdomain depth (not the
// apex). An empty list allows every host. Refused: 421 Misdirected Request, problem `host_not_allowed`.
import type { Middleware } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Config } from '../config/schema.ts';

type HostConfig = Config['block_host'];

/** The block-host middleware; reads its config on every request, so a reload applies at once. */
export function blockHost(config: () => HostConfig): Middleware<Handler> {
  let compiledFor: HostConfig | undefined;
  let allowed: (host: string) => boolean = () => true;
  return (next) => (ctx) => {
    const c = config();
    if (!c.enabled || c.allowed_hosts.length === 0) return next(ctx);
    if (c !== compiledFor) {
      allowed = compileHosts(c.allowed_hosts);
      compiledFor = c;
    }
    const host = hostName(ctx.req.headers.host ?? '');
    if (!allowed(host)) {
      throw new HttpError(421, 'host_not_allowed', `This server does not serve host ${JSON.stringify(host.slice(0, 100))}`);
    }
    return next(ctx);
  };
}

/** `Example.com:8080` → `example.com`; `[::1]:8080` → `[::1]`. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  const name = colon === -1 ? h : h.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name; // a fully-qualified `example.com.` is example.com
}

function compileHosts(entries: string[]): (host: string) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of entries) {
    const e = entry.trim().toLowerCase();
    if (e.startsWith('*.')) suffixes.push(e.slice(1)); // ".example.com"
    else exact.add(e);
  }
  return (host) => exact.has(host) || suffixes.some((suffix) => host.length > suffix.length && host.endsWith(suffix));
}
