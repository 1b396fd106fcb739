// The flows that mail a 6-digit code: email verification (ends signed in), password reset (code → grant → new
// password) and email change (code to the new address, then an alert to the old one). A repeated request inside the
// cooldown is 429 otp_cooldown with Retry-After, and gets no token (its code was never sent). Requests about unknown
// or ineligible accounts still queue a (dummy) job and get a token: the answers say nothing about who has an account.
import type { Router } from '../lib/router.ts';
import type { Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { normalizeEmail } from './email.ts';
import { checkLimits, cooldown, recordFailure, requireFields, requireUser, text, type Accounts } from './accounts.ts';
import { checkCredentials, checkEmail, checkUserPassword, newPassword } from './routes-password.ts';
import { invalidOtp, type OtpFlow } from './otp.ts';
import type { AuthPaths } from './endpoints.ts';
import { readJsonObject } from '../http/body.ts';

export function registerOtpRoutes(router: Router<Handler>, paths: AuthPaths, a: Accounts): void {
  const minutes = (ms: number) => Math.max(1, Math.round(ms / 60_000));

  /** Mails a code of `flow` (or queues a dummy when `real` is false); the token, or 429 inside the cooldown. */
  const sendCode = (flow: OtpFlow, email: string, real: boolean, template: string, vars: Record<string, string | number>, ttlMs: number): string => {
    const { code, token } = a.otp.issue(flow, email, ttlMs / 1000);
    const sent = a.sendCode({ to: real ? email : '', template: real ? template : '', vars: { ...vars, code, minutes: minutes(ttlMs) } }, `${flow}:${email}`, a.config().otp_cooldown);
    if (sent.duplicate) throw cooldown(sent.retryAfterMs);
    return token;
  };

  /** The email a code token was issued for, then the code checked, under the attempt limits. */
  const checkCode = (flow: OtpFlow, ip: string, token: string, code: string): string => {
    const opened = a.otp.open(flow, token);
    const email = opened?.email ?? '';
    checkLimits(a.otpLimits, ip, email);
    if (opened === undefined || !a.otp.matches(opened, code)) {
      recordFailure(a.otpLimits, ip, email);
      throw invalidOtp();
    }
    return email;
  };

  router.post(paths.request_email_verification_otp, async (ctx) => {
    const body = await readJsonObject(ctx);
    requireFields(body, ['email', 'password']);
    const user = await checkCredentials(a, ctx.ip, text(body, 'email'), 'email', text(body, 'password'));
    const email = user.email;
    if (user.verified) {
      ctx.json(202, { code: 'already_verified', detail: 'This email address is already verified' });
      return;
    }
    const token = sendCode('verify_email', email, true, 'verify_email', { email }, a.config().otp_lifetime);
    ctx.json(200, { verification_token: token });
  });

  router.post(paths.confirm_email_verification_otp, async (ctx) => {
    const body = await readJsonObject(ctx);
    requireFields(body, ['otp', 'verification_token']);
    const email = checkCode('verify_email', ctx.ip, text(body, 'verification_token'), text(body, 'otp'));
    const user = a.users.findByEmail(email);
    if (user === undefined) throw invalidOtp();
    const verified = user.verified ? user : a.users.update(user.id, { verified: true })!;
    if (!user.verified) a.log.info('Email verified', { user_id: user.id });
    ctx.json(200, a.sessions.issue(verified));
  });

  router.post(paths.request_password_reset_otp, async (ctx) => {
    const body = await readJsonObject(ctx);
    requireFields(body, ['email']);
    const email = normalizeEmail(text(body, 'email'));
    checkEmail(email, 'email');
    const user = a.users.findByEmail(email);
    const eligible = user !== undefined && user.verified && user.passwordHash !== '';
    const token = sendCode('password_reset', email, eligible, 'password_reset', { email }, a.config().password_reset_lifetime);
    ctx.json(200, { verification_token: token });
  });

  router.post(paths.verify_password_reset_otp, async (ctx) => {
    const body = await readJsonObject(ctx);
    requireFields(body, ['otp', 'verification_token']);
    const email = checkCode('password_reset', ctx.ip, text(body, 'verification_token'), text(body, 'otp'));
    const user = a.users.findByEmail(email);
    if (user === undefined || !user.verified || user.passwordHash === '') throw invalidOtp();
    ctx.json(200, { token: a.otp.issueGrant(user, a.config().password_reset_lifetime / 1000) });
  });

  router.post(paths.confirm_password_reset_otp, async (ctx) => {
    const body = await readJsonObject(ctx);
    requireFields(body, ['token', 'password', 'password_confirm']);
    const password = newPassword(body);
    const user = a.otp.verifyGrant(text(body, 'token'), a.users);
    if (await verifyPassword(password, user.passwordHash)) {
      ctx.json(200, { code: 'password_reset_not_needed', detail: 'This is already the password' });
      return;
    }
    a.users.update(user.id, { passwordHash: await hashPassword(password) });
    a.log.info('Password reset', { user_id: user.id });
    ctx.json(200, { code: 'password_reset', detail: 'The password was changed; every session of the account was signed out' });
  });

  router.post(paths.request_email_change_otp, async (ctx) => {
    const { user } = requireUser(ctx);
    if (!user.verified) throw new HttpError(403, 'unverified_email', 'Verify the current email address before changing it');
    const body = await readJsonObject(ctx);
    requireFields(body, ['new_email', 'password']);
    const newEmail = normalizeEmail(text(body, 'new_email'));
    checkEmail(newEmail, 'new_email');
    await checkUserPassword(a, ctx.ip, user, user.email, text(body, 'password'), 'Wrong password');
    if (newEmail === user.email) throw new HttpError(409, 'email_conflict', 'This is already the account\'s email address');
    // An address that belongs to someone else gets no mail, and the caller cannot tell.
    const free = a.users.findByEmail(newEmail) === undefined;
    const token = sendCode('email_change', newEmail, free, 'email_change', { new_email: newEmail }, a.config().otp_lifetime);
    ctx.json(200, { verification_token: token });
  });

  router.post(paths.confirm_email_change_otp, async (ctx) => {
    const { user } = requireUser(ctx);
    const body = await readJsonObject(ctx);
    requireFields(body, ['otp', 'verification_token']);
    const newEmail = checkCode('email_change', ctx.ip, text(body, 'verification_token'), text(body, 'otp'));
    if (newEmail === user.email) throw invalidOtp();
    try {
      a.users.update(user.id, { email: newEmail });
    } catch (err) {
      if ((err as { code?: string }).code === 'email_conflict') throw new HttpError(409, 'email_conflict', 'This email belongs to another account');
      throw err;
    }
    a.sendCode({ to: user.email, template: 'email_change_alert', vars: { old_email: user.email, new_email: newEmail } }, `email_change_alert:${user.id}:${newEmail}`, 0);
    a.log.info('Email changed', { user_id: user.id });
    ctx.json(200, { code: 'email_changed', detail: 'The email address was changed; sign in again with the new one' });
  });
}
