// Password sign-up and sign-in: register-with-password, auth-with-password, refresh-auth. Register and login answer
// the same for known and unknown emails, in the same time (a password is always hashed or checked, against a dummy
// hash when there is no account).
import type { Router } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { checkPasswordPolicy, dummyHash, hashPassword, needsRehash, normalizePassword, verifyPassword, type PasswordProblem } from './password.ts';
import { emailProblem, normalizeEmail } from './email.ts';
import { checkLimits, recordFailure, requireFields, requireUser, text, type Accounts } from './accounts.ts';
import type { AuthPaths } from './endpoints.ts';
import type { User } from './users.ts';
import { readJsonObject } from '../http/body.ts';

const POLICY_MESSAGES: Record<PasswordProblem, string> = {
  too_short: 'The password must have at least 8 characters',
  too_long: 'The password must have at most 256 characters',
  nul: 'The password must not contain a NUL character',
  common: 'This password is among the most common ones; choose another',
};

/** 400 invalid_input for a malformed email, naming `field`. */
export function checkEmail(email: string, field: string): void {
  const problem = emailProblem(email);
  if (problem !== null) throw new HttpError(400, 'invalid_input', `Invalid ${field}: ${problem}`, { errors: [{ field, code: 'invalid_email', message: problem }] });
}

/** 400 weak_password when the policy refuses `password`. */
export function checkPassword(password: string, field = 'password'): void {
  const problem = checkPasswordPolicy(password);
  if (problem !== null) throw new HttpError(400, 'weak_password', POLICY_MESSAGES[problem], { errors: [{ field, code: problem, message: POLICY_MESSAGES[problem] }] });
}

/** The new password of a body with `password` and `password_confirm`: 400 password_mismatch or weak_password. */
export function newPassword(body: Record<string, unknown>): string {
  const password = text(body, 'password');
  if (password !== text(body, 'password_confirm')) {
    throw new HttpError(400, 'password_mismatch', 'The password and its confirmation differ', { errors: [{ field: 'password_confirm', code: 'mismatch', message: 'does not match password' }] });
  }
  checkPassword(password);
  return password;
}

/**
 * The account of `identity` when `password` is its password, under the login limits; 401 invalid_credentials
 * otherwise, in the same time for an unknown email (checked against a dummy hash).
 */
export async function checkCredentials(a: Accounts, ip: string, identity: string, field: string, password: string): Promise<User> {
  const email = normalizeEmail(identity);
  checkEmail(email, field);
  return checkUserPassword(a, ip, a.users.findByEmail(email), email, password, 'Wrong email or password');
}

/**
 * `user` when `password` is its password, under the login limits of IP and `account`; else 401 invalid_credentials
 * with `detail`. Without a user (or a password), a dummy hash is checked: the same time either way.
 */
export async function checkUserPassword(a: Accounts, ip: string, user: User | undefined, account: string, password: string, detail: string): Promise<User> {
  checkLimits(a.loginLimits, ip, account);
  const ok = await verifyPassword(password, user?.passwordHash || await dummyHash());
  if (user === undefined || user.passwordHash === '' || !ok) {
    recordFailure(a.loginLimits, ip, account);
    throw new HttpError(401, 'invalid_credentials', detail);
  }
  a.loginLimits.account.reset(account);
  return user;
}

export function registerPasswordRoutes(router: Router<Handler>, paths: AuthPaths, a: Accounts): void {
  router.post(paths.register_with_password, async (ctx) => {
    const body = await readJsonObject(ctx);
    requireFields(body, ['identity', 'password', 'password_confirm']);
    const email = normalizeEmail(text(body, 'identity'));
    checkEmail(email, 'identity');
    const password = newPassword(body);
    // Always hashed, whether or not the account exists: the answer and its timing say nothing.
    const hash = await hashPassword(password);
    if (a.users.findByEmail(email) === undefined) {
      try {
        a.users.create({ email, passwordHash: hash });
        a.log.info('Account registered', { email });
      } catch (err) {
        if ((err as { code?: string }).code !== 'email_conflict') throw err; // a concurrent registration won: same answer
      }
    }
    ctx.json(202, { code: 'pending_email_verification', detail: 'Registered. Verify the email address: request a code with POST ' + paths.request_email_verification_otp });
  });

  router.post(paths.auth_with_password, async (ctx) => {
    const body = await readJsonObject(ctx);
    requireFields(body, ['identity', 'password']);
    const password = text(body, 'password');
    const user = await checkCredentials(a, ctx.ip, text(body, 'identity'), 'identity', password);
    if (!user.verified) {
      throw new HttpError(403, 'email_verification_required', 'Verify the email address first: request a code with POST ' + paths.request_email_verification_otp);
    }
    let current = user;
    if (needsRehash(user.passwordHash)) current = a.users.update(user.id, { passwordHash: await hashPassword(normalizePassword(password)) }) ?? user;
    ctx.json(200, a.sessions.issue(current));
  });

  router.post(paths.refresh_auth, (ctx) => {
    const { user, claims } = requireUser(ctx);
    ctx.json(200, a.sessions.refresh(user, claims));
  });
}
