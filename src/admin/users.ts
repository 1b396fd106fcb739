// Admin API, users: list with search and paging, show, verify, set scopes, revoke every session (a new token key, as
// `monolite users revoke`), delete. The store is the app's UserStore (src/auth/users.ts), seen through the few
// methods used here so that this folder does not reach into auth's.
import type { RouteGroup } from '../lib/router.ts';
import type { Context, Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Logger } from '../log/logger.ts';
import { checkQueryNames, invalidInput, pathId, queryInteger, queryText } from './params.ts';
import { ADMIN_SCOPE, adminId } from './guard.ts';
import { readJsonObject } from '../http/body.ts';

/** A user as the store returns it. */
export interface AdminUser {
  id: number;
  email: string;
  name: string;
  avatar: string;
  passwordHash: string;
  verified: boolean;
  scopes: string[];
  createdAt: string;
  updatedAt: string;
}

/** What the admin API needs of the user store. */
export interface AdminUserStore {
  get(id: number): AdminUser | undefined;
  list(options: { search?: string; limit?: number; offset?: number }): AdminUser[];
  count(options: { search?: string }): number;
  /** Throws a TypeError naming a malformed scope. */
  update(id: number, changes: { verified?: boolean; scopes?: string[] }): AdminUser | undefined;
  rotateTokenKey(id: number): AdminUser | undefined;
  delete(id: number): boolean;
}

const MAX_LIMIT = 500;
const MAX_SCOPES = 100;

/** The account's fields for the admin (never the password hash nor the token key). */
function userJson(user: AdminUser): Record<string, unknown> {
  return {
    id: user.id, email: user.email, name: user.name, avatar: user.avatar, verified: user.verified, scopes: user.scopes,
    has_password: user.passwordHash !== '', created: user.createdAt, updated: user.updatedAt,
  };
}

/** Registers the /users routes on the admin group. */
export function registerUserRoutes(admin: RouteGroup<Handler>, users: AdminUserStore, log: Logger): void {
  const find = (ctx: Context): AdminUser => {
    const id = pathId(ctx, 'id', 'user');
    return users.get(id) ?? notFound(id);
  };

  admin.get('/users', (ctx) => {
    checkQueryNames(ctx, ['search', 'limit', 'offset']);
    const search = queryText(ctx, 'search');
    const limit = queryInteger(ctx, 'limit', 50, 1, MAX_LIMIT);
    const offset = queryInteger(ctx, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    ctx.json(200, { users: users.list({ search, limit, offset }).map(userJson), total: users.count({ search }), limit, offset });
  });

  admin.get('/users/:id', (ctx) => {
    checkQueryNames(ctx, []);
    ctx.json(200, userJson(find(ctx)));
  });

  admin.post('/users/:id/verify', (ctx) => {
    const user = find(ctx);
    if (!user.verified) {
      const updated = users.update(user.id, { verified: true }) ?? notFound(user.id);
      log.info('Admin verified a user', { admin_id: adminId(ctx), user_id: user.id });
      ctx.json(200, userJson(updated));
      return;
    }
    ctx.json(200, userJson(user));
  });

  admin.put('/users/:id/scopes', async (ctx) => {
    const user = find(ctx);
    const scopes = parseScopeList((await readJsonObject(ctx)).scopes);
    // An admin cannot take their own admin scope away: the last one would lock everyone out of this API.
    if (user.id === adminId(ctx) && !scopes.includes(ADMIN_SCOPE)) {
      throw new HttpError(409, 'self_demotion', `You cannot remove the "${ADMIN_SCOPE}" scope from your own account; ask another admin`);
    }
    let updated;
    try {
      updated = users.update(user.id, { scopes }) ?? notFound(user.id);
    } catch (err) {
      if (err instanceof TypeError) throw invalidInput('scopes', err.message);
      throw err;
    }
    log.info('Admin set the scopes of a user', { admin_id: adminId(ctx), user_id: user.id, scopes: updated.scopes, previous: user.scopes });
    ctx.json(200, userJson(updated));
  });

  admin.post('/users/:id/revoke', (ctx) => {
    const user = find(ctx);
    users.rotateTokenKey(user.id) ?? notFound(user.id);
    log.info('Admin revoked every session of a user', { admin_id: adminId(ctx), user_id: user.id });
    ctx.empty(204);
  });

  admin.delete('/users/:id', (ctx) => {
    const user = find(ctx);
    if (user.id === adminId(ctx)) throw new HttpError(409, 'self_deletion', 'You cannot delete your own account here; ask another admin');
    if (!users.delete(user.id)) notFound(user.id);
    log.info('Admin deleted a user', { admin_id: adminId(ctx), user_id: user.id, email: user.email });
    ctx.empty(204);
  });
}

/** `{"scopes": [...]}`: an array of strings (the store checks each one's form). */
function parseScopeList(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) {
    throw invalidInput('scopes', `"scopes" must be an array of strings such as ["admin", "editor"], got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  if (value.length > MAX_SCOPES) throw invalidInput('scopes', `"scopes" holds ${value.length} scopes; at most ${MAX_SCOPES} are allowed`);
  return value as string[];
}

function notFound(id: number): never {
  throw new HttpError(404, 'not_found', `No user with id ${id}`);
}
