// Turns the router's answer into a response: runs the matched handler, or answers 404, 405 (with Allow), automatic
// OPTIONS (204 with Allow), canonical-path redirects (308) and malformed paths (400), all as problem+json.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from '../lib/router.ts';
import { Context, type ContextShared, type Handler } from './context.ts';
import { HttpError, shorten } from './errors.ts';
import { tooLarge } from './body.ts';

/** A route handler with its own request body limit (uploads), applied instead of the server's once routing found it. */
export type LimitedHandler = Handler & { bodyLimit?: number };

/** Gives `handler` its own body limit in bytes: a declared Content-Length above it is a 413 before the handler runs. */
export function withBodyLimit(handler: Handler, bytes: number): Handler {
  const limited: LimitedHandler = (ctx) => handler(ctx);
  limited.bodyLimit = bytes;
  return limited;
}

export interface RouteOptions {
  /**
   * Answers the GET and HEAD requests no route matched (the static file server), throwing `notFound(ctx)` for what it
   * does not serve either. Not a `/*` route: that would make every unknown path answer 405 to other methods.
   */
  fallback?: Handler;
}

/** The innermost handler of the pipeline: looks the request up in `router` and runs what it finds. */
export function routeRequests(router: Router<Handler>, options: RouteOptions = {}): Handler {
  const fallback = options.fallback;
  return (ctx) => {
    let match;
    try {
      match = router.find(ctx.method, ctx.path);
    } catch (err) {
      if (err instanceof URIError) throw new HttpError(400, 'bad_path', err.message);
      throw err;
    }
    switch (match.kind) {
      case 'found': {
        ctx.params = match.params;
        ctx.route = match.pattern;
        if (ctx.authError !== null) throw ctx.authError;
        const own = (match.handler as LimitedHandler).bodyLimit;
        if (own !== undefined) ctx.bodyLimit = own;
        // The declared size is refused before any handler runs; a body without one is cut while it is read.
        const declared = ctx.req.headers['content-length'];
        if (declared !== undefined && Number(declared) > ctx.bodyLimit) throw tooLarge(ctx.bodyLimit);
        return match.handler(ctx);
      }
      case 'not_found':
        // Public files need no session: a stale token is not a 401 there (ctx.authError is left alone).
        if (fallback !== undefined && (ctx.method === 'GET' || ctx.method === 'HEAD')) return fallback(ctx);
        throw notFound(ctx);
      case 'method_not_allowed':
        throw new HttpError(405, 'method_not_allowed', `Method ${ctx.method} is not allowed on ${shorten(ctx.path)}; allowed: ${match.allow.join(', ')}`, {
          headers: { allow: match.allow.join(', ') },
        });
      case 'options':
        return ctx.empty(204, { allow: match.allow.join(', ') });
      case 'redirect':
        return ctx.empty(308, { location: match.path + (ctx.rawQuery === '' ? '' : '?' + ctx.rawQuery) });
    }
  };
}

/** The 404 of a request nothing answers (`not_found`, problem+json once rendered). */
export function notFound(ctx: Context): HttpError {
  return new HttpError(404, 'not_found', `No route for ${ctx.method} ${shorten(ctx.path)}`);
}

/**
 * The `node:http` request listener: a Context per request, the handler chain, and the one place where thrown errors
 * become problem+json. Synchronous handlers cost no promise.
 */
export function createRequestListener(handler: Handler, shared: ContextShared): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const ctx = new Context(req, res, shared);
    try {
      const pending = handler(ctx);
      if (pending !== undefined) pending.then(undefined, (err: unknown) => renderError(ctx, err));
    } catch (err) {
      renderError(ctx, err);
    }
  };
}

/**
 * `ctx.problem(err)`, and if even that fails, a log line and a cut connection — never a crashed process. Middleware
 * that must see the final status of a failed request (request log, metrics) catches and renders with this itself.
 */
export function renderError(ctx: Context, err: unknown): void {
  try {
    ctx.problem(err);
  } catch (failure) {
    ctx.shared.log.error('Could not render an error response', { request_id: ctx.id, err: failure, original: String(err) });
    ctx.res.destroy();
  }
}
