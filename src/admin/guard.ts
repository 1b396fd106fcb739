// Who may use the admin API: the session of an account whose scopes hold `admin` (read from the account, so granting
// or removing the scope applies at once). Without a token: 401 `auth_required`; with another: 403 `forbidden`.
import type { Middleware } from '../lib/router.ts';
import type { Context, Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { authRequired, requestScopes } from '../http/scopes.ts';

export const ADMIN_SCOPE = 'admin';

/**
 * The middleware of every admin route. Tokens issued elsewhere (auth.external_secrets) are refused even with the
 * scope: an admin is an account of this server, whose actions the log can name.
 */
export function requireAdmin(): Middleware<Handler> {
  return (next) => (ctx) => {
    const scopes = requestScopes(ctx);
    if (scopes === null) throw authRequired(`Sign in first: the admin API needs an account with the scope "${ADMIN_SCOPE}"`);
    if ((ctx.user as { external?: boolean }).external === true) {
      throw new HttpError(403, 'forbidden', 'The admin API needs the session token of an account, not a token issued elsewhere');
    }
    if (!scopes.includes(ADMIN_SCOPE)) throw new HttpError(403, 'forbidden', `Missing permission: the admin API needs the scope "${ADMIN_SCOPE}"`);
    return next(ctx);
  };
}

/** The id of the admin making the request (after requireAdmin), for the log. */
export function adminId(ctx: Context): number {
  return (ctx.user as { id: number }).id;
}
