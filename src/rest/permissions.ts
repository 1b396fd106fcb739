// Who may use a table or function of the automatic REST API: `<table>-read` for GET, `<table>-write` for writes,
// `<func>-write` for RPC, or the wildcards `read` / `write`; `<db>.<table>-read` grants one database only. Public
// resources are readable (tables) or callable (functions) without a token; writes to public tables still need a scope.
import { HttpError } from '../http/errors.ts';
import { authRequired } from '../http/scopes.ts';

export type Access = 'read' | 'write';

/**
 * Throws 401 (no token) or 403 (naming the scope that was missing) unless `scopes` allow `access` to `resource`.
 * `scopes` is null for an anonymous request.
 */
export function checkScope(scopes: readonly string[] | null, database: string, resource: string, access: Access): void {
  const scope = `${resource}-${access}`;
  if (scopes === null) {
    throw authRequired(`A token with the scope "${scope}" is needed`);
  }
  if (scopes.includes(scope) || scopes.includes(access) || scopes.includes(`${database}.${scope}`)) return;
  throw new HttpError(403, 'forbidden', `The token lacks the scope "${scope}" (or "${database}.${scope}", or "${access}")`);
}
