// The permissions of a request, as authentication left them on the context: the user's current scopes (session
// tokens: read from the account, so a change applies at once; external tokens: their `scope` claim).
import type { Context } from './context.ts';
import { HttpError } from './errors.ts';

/** The request's scopes, or null when it carries no token (anonymous). */
export function requestScopes(ctx: Context): readonly string[] | null {
  const user = ctx.user as { scopes?: unknown } | null;
  if (user === null || user === undefined) return null;
  return Array.isArray(user.scopes) ? (user.scopes as string[]) : [];
}

/** The 401 for a request that needs a token and has none. */
export function authRequired(detail: string): HttpError {
  return new HttpError(401, 'auth_required', detail, { headers: { 'www-authenticate': 'Bearer' } });
}
