// The one authentication middleware of the server: a request with `Authorization: Bearer <token>` gets `ctx.user` and
// `ctx.claims`; a bad token is a 401 for every route, answered once routing found one (ctx.authError: an unknown path
// is a 404 and a wrong method a 405 whatever the token); a request without one goes on anonymous, and the routes that
// need a user say so (401 auth_required). Tokens of another service signed with a shared secret
// (auth.external_secrets) give an external user: scopes, no account.
import type { Middleware } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { decodeJwtUnverified } from '../lib/jwt.ts';
import type { Sessions } from './session.ts';
import type { ExternalTokens } from './external-tokens.ts';

/** Session tokens (they carry `uid`) go to `sessions`; any other token to `external` when it is configured. */
export function authenticate(sessions: Sessions, external?: ExternalTokens): Middleware<Handler> {
  return (next) => (ctx) => {
    const header = ctx.req.headers.authorization;
    if (header === undefined) return next(ctx);
    if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') {
      ctx.authError = new HttpError(401, 'token_invalid', 'Authorization must be "Bearer <token>"', { headers: { 'www-authenticate': 'Bearer' } });
      return next(ctx);
    }
    const token = header.slice(7).trim();
    // A token verified moments ago (clients send one token many times) skips the decoding that tells the kinds apart.
    const known = external?.enabled ? external.known(token) : undefined;
    if (known !== undefined) {
      ctx.user = known.user;
      ctx.claims = known.claims;
      return next(ctx);
    }
    try {
      if (external?.enabled && !isSessionToken(token)) {
        const { user, claims } = external.verify(token);
        ctx.user = user;
        ctx.claims = claims;
      } else {
        const { user, claims } = sessions.verify(token);
        ctx.user = user;
        ctx.claims = claims as unknown as Record<string, unknown>;
      }
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      ctx.authError = err;
    }
    return next(ctx);
  };
}

function isSessionToken(token: string): boolean {
  try {
    return 'uid' in decodeJwtUnverified(token).payload;
  } catch {
    return true; // malformed: the session path reports it
  }
}
