// Safe response headers by response type (after restinpieces' header sets): API responses (JSON, problems, bytes)
// may not be framed, sniffed, cached or run as a page; HTML pages get a strict same-origin CSP; HTTPS responses get
// HSTS. Not a middleware in the chain: the sets go into ContextShared.defaultHeaders, which Context writes in the same
// writeHead call as the rest of the head (no per-request setHeader), and a handler's own headers win.
import type { Config } from '../config/schema.ts';
import type { DefaultHeaders } from '../http/context.ts';

const NONE: DefaultHeaders = { html: [], other: [], tls: [] };

/** The header sets for `config` (all empty when security_headers.enabled is false). */
export function securityHeaders(config: Config['security_headers']): DefaultHeaders {
  if (!config.enabled) return NONE;
  return {
    other: [
      'x-content-type-options', 'nosniff',
      'x-frame-options', 'DENY',
      'content-security-policy', "default-src 'none'; frame-ancestors 'none'",
      'cache-control', 'no-store',
      'referrer-policy', 'no-referrer',
      'cross-origin-resource-policy', 'same-origin',
    ],
    // Pages load their scripts and styles from this origin only; an inline script needs the static server's nonce.
    html: [
      'x-content-type-options', 'nosniff',
      'x-frame-options', 'DENY',
      'content-security-policy', "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'cache-control', 'no-cache',
      'referrer-policy', 'strict-origin-when-cross-origin',
    ],
    tls: config.hsts ? ['strict-transport-security', `max-age=${Math.floor(config.hsts_max_age / 1000)}; includeSubDomains`] : [],
  };
}
