// Cross-origin resource sharing (Fetch standard): allowed origins exact (`https://app.example.com`), by subdomain
// wildcard (`https://*.example.com`) or `*`; preflights (OPTIONS with Access-Control-Request-Method) are answered here
// with 204, or 403 `cors_denied` for an origin or method that is not allowed. Responses vary on Origin so caches keep
// them apart. `*` never goes with credentials: with `credentials`, the request's origin is echoed instead.
import type { Middleware } from '../lib/router.ts';
import type { Context, Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Config } from '../config/schema.ts';

type CorsConfig = Config['cors'];

interface Compiled {
  anyOrigin: boolean;
  exact: Set<string>;
  /** [scheme + "://", ".example.com"] pairs for `https://*.example.com`. */
  wildcards: [string, string][];
  methods: Set<string>;
  allowMethods: string;
  allowHeaders: string;
  allowHeaderSet: Set<string>;
  exposeHeaders: string;
  maxAge: string;
}

/** The CORS middleware; reads its config on every request, so a reload applies at once. */
export function cors(config: () => CorsConfig): Middleware<Handler> {
  let compiledFor: CorsConfig | undefined;
  let compiled: Compiled;
  return (next) => (ctx) => {
    const c = config();
    if (!c.enabled) return next(ctx);
    if (c !== compiledFor) {
      compiled = compile(c);
      compiledFor = c;
    }
    const res = ctx.res;
    res.setHeader('vary', 'Origin');
    const origin = ctx.req.headers.origin;
    if (origin === undefined) return next(ctx);
    const allowed = originAllowed(compiled, origin);
    const preflight = ctx.method === 'OPTIONS' && ctx.req.headers['access-control-request-method'] !== undefined;
    if (preflight) return answerPreflight(ctx, c, compiled, origin, allowed);
    if (allowed) {
      res.setHeader('access-control-allow-origin', compiled.anyOrigin && !c.credentials ? '*' : origin);
      if (c.credentials) res.setHeader('access-control-allow-credentials', 'true');
      if (compiled.exposeHeaders !== '') res.setHeader('access-control-expose-headers', compiled.exposeHeaders);
    }
    return next(ctx);
  };
}

function answerPreflight(ctx: Context, c: CorsConfig, compiled: Compiled, origin: string, allowed: boolean): void {
  const method = String(ctx.req.headers['access-control-request-method']).trim().toUpperCase();
  if (!allowed) throw new HttpError(403, 'cors_denied', `Origin ${JSON.stringify(origin.slice(0, 200))} is not allowed`);
  if (!compiled.methods.has(method)) throw new HttpError(403, 'cors_denied', `Method ${JSON.stringify(method.slice(0, 20))} is not allowed cross-origin`);
  const requested = String(ctx.req.headers['access-control-request-headers'] ?? '')
    .split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  const refused = requested.find((h) => !compiled.allowHeaderSet.has(h));
  if (refused !== undefined) throw new HttpError(403, 'cors_denied', `Header ${JSON.stringify(refused.slice(0, 100))} is not allowed cross-origin`);
  const headers: Record<string, string> = {
    'access-control-allow-origin': compiled.anyOrigin && !c.credentials ? '*' : origin,
    'access-control-allow-methods': compiled.allowMethods,
    'access-control-max-age': compiled.maxAge,
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
  if (compiled.allowHeaders !== '') headers['access-control-allow-headers'] = compiled.allowHeaders;
  if (c.credentials) headers['access-control-allow-credentials'] = 'true';
  ctx.empty(204, headers);
}

function originAllowed(compiled: Compiled, origin: string): boolean {
  if (compiled.anyOrigin) return true;
  const o = origin.toLowerCase();
  if (compiled.exact.has(o)) return true;
  for (const [scheme, suffix] of compiled.wildcards) {
    if (o.startsWith(scheme) && o.endsWith(suffix) && o.length > scheme.length + suffix.length && !o.slice(scheme.length).includes('/')) return true;
  }
  return false;
}

function compile(c: CorsConfig): Compiled {
  const exact = new Set<string>();
  const wildcards: [string, string][] = [];
  let anyOrigin = false;
  for (const entry of c.origins.map((o) => o.trim().toLowerCase().replace(/\/$/, ''))) {
    if (entry === '*') anyOrigin = true;
    else if (entry.includes('://*.')) {
      const at = entry.indexOf('://*.');
      wildcards.push([entry.slice(0, at + 3), entry.slice(at + 4)]);
    } else exact.add(entry);
  }
  const methods = c.methods.map((m) => m.trim().toUpperCase());
  const headers = c.headers.map((h) => h.trim());
  return {
    anyOrigin, exact, wildcards,
    methods: new Set([...methods, 'GET', 'HEAD']),
    allowMethods: methods.join(', '),
    allowHeaders: headers.join(', '),
    allowHeaderSet: new Set(headers.map((h) => h.toLowerCase())),
    exposeHeaders: c.expose_headers.join(', '),
    maxAge: String(Math.floor(c.max_age / 1000)),
  };
}
