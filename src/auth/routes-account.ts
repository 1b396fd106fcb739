// The signed-in user's own account: GET /api/me, PATCH /api/me (name, avatar), POST /api/logout-all (rotates the token
// key: every session ends) and DELETE /api/me (with the password again; the account and its identities go).
import type { Router } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { dummyHash, verifyPassword } from './password.ts';
import { requireFields, requireUser, text, type Accounts } from './accounts.ts';
import type { User } from './users.ts';
import type { AuthPaths } from './endpoints.ts';
import { readJsonObject } from '../http/body.ts';

const MAX_NAME = 200;
const MAX_AVATAR = 2048;

/** What a user may see of their account. */
export function publicRecord(user: User): Record<string, unknown> {
  return { id: user.id, email: user.email, name: user.name, avatar: user.avatar, verified: user.verified, scopes: user.scopes, created: user.createdAt, updated: user.updatedAt };
}

export function registerAccountRoutes(router: Router<Handler>, paths: AuthPaths, a: Accounts): void {
  router.get(paths.me, (ctx) => {
    ctx.json(200, publicRecord(requireUser(ctx).user));
  });

  router.patch(paths.update_me, async (ctx) => {
    const { user } = requireUser(ctx);
    const body = await readJsonObject(ctx);
    const unknown = Object.keys(body).filter((k) => k !== 'name' && k !== 'avatar');
    if (unknown.length > 0) throw new HttpError(400, 'invalid_input', `Only name and avatar can be changed here, not ${unknown.join(', ')}`);
    const name = body.name === undefined ? undefined : text(body, 'name').trim();
    const avatar = body.avatar === undefined ? undefined : text(body, 'avatar').trim();
    if (name !== undefined && (name.length > MAX_NAME || /[\0-\x1f\x7f]/.test(name))) {
      throw new HttpError(400, 'invalid_input', `name must be at most ${MAX_NAME} characters without control characters`, { errors: [{ field: 'name', code: 'invalid', message: 'too long or has control characters' }] });
    }
    if (avatar !== undefined && avatar !== '' && (avatar.length > MAX_AVATAR || !/^https:\/\/[^\s]+$/.test(avatar))) {
      throw new HttpError(400, 'invalid_input', 'avatar must be an https URL (or empty)', { errors: [{ field: 'avatar', code: 'invalid_url', message: 'must be an https URL' }] });
    }
    ctx.json(200, publicRecord(a.users.update(user.id, { name, avatar })!));
  });

  router.post(paths.logout_all, (ctx) => {
    const { user } = requireUser(ctx);
    a.users.rotateTokenKey(user.id);
    a.log.info('Every session signed out', { user_id: user.id });
    ctx.empty(204);
  });

  router.delete(paths.delete_me, async (ctx) => {
    const { user } = requireUser(ctx);
    const body = await readJsonObject(ctx);
    requireFields(body, ['password']);
    // OAuth2-only accounts have no password to confirm with: they cannot delete themselves here (an admin can).
    if (!(await verifyPassword(text(body, 'password'), user.passwordHash || await dummyHash())) || user.passwordHash === '') {
      throw new HttpError(401, 'invalid_credentials', 'Wrong password');
    }
    a.users.delete(user.id);
    a.log.info('Account deleted', { user_id: user.id });
    ctx.empty(204);
  });
}
