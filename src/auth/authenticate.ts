// The one authentication middleware of the server: a request with `Authorization: Bearer <token>` gets `ctx.user` and
// `ctx.claims` (a bad token is a 401 at once, whatever the route); a request without one goes on anonymous, and the
// routes that need a user say so (401 auth_required).
import type { Middleware } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Sessions } from './session.ts';

export function authenticate(sessions: Sessions): Middleware<Handler> {
  return (next) => (ctx) => {
    const header = ctx.req.headers.authorization;
    if (header === undefined) return next(ctx);
    if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') {
      throw new HttpError(401, 'token_invalid', 'Authorization must be "Bearer <token>"', { headers: { 'www-authenticate': 'Bearer' } });
    }
    const { user, claims } = sessions.verify(header.slice(7).trim());
    ctx.user = user;
    ctx.claims = claims as unknown as Record<string, unknown>;
    return next(ctx);
  };
}
