// Request body size limits: `server.body_limit` for every path, `server.body_limit_paths` for path prefixes (longest
// prefix wins), and routes may carry their own (withBodyLimit in src/http/dispatch.ts, for uploads). A declared
// Content-Length above the limit is refused once routing found the route, before its handler runs (so that a
// route's own limit counts); a body without one (chunked) is cut when reading passes the limit (ctx.body()/rawBody()).
// Both: 413 `body_too_large`, and the connection closes.
import type { Middleware } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import type { Config } from '../config/schema.ts';

type ServerConfig = Config['server'];

/** The body-limit middleware; reads its config on every request, so a reload applies at once. */
export function bodyLimit(config: () => ServerConfig): Middleware<Handler> {
  let compiledFor: ServerConfig | undefined;
  let prefixes: [string, number][] = [];
  return (next) => (ctx) => {
    const c = config();
    if (c !== compiledFor) {
      prefixes = Object.entries(c.body_limit_paths).sort((a, b) => b[0].length - a[0].length);
      compiledFor = c;
    }
    let limit = c.body_limit;
    for (const [prefix, bytes] of prefixes) {
      if (ctx.path.startsWith(prefix)) {
        limit = bytes;
        break;
      }
    }
    ctx.bodyLimit = limit;
    return next(ctx);
  };
}
