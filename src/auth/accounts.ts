// The account system as the app builds it: the user store, keys, sessions, one-time codes, brute-force limiters and
// the mail hook, shared by the route files (routes-*.ts), plus what those routes have in common: the JSON-only body,
// the signed-in user, and the limits.
import type { DatabaseSync } from 'node:sqlite';
import type { Config } from '../config/schema.ts';
import type { Context } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { authRequired } from '../http/scopes.ts';
import type { Logger } from '../log/logger.ts';
import { SlidingWindowLimiter } from '../lib/sliding-window.ts';
import { AuthKeys } from './keys.ts';
import { OtpTokens } from './otp.ts';
import { Sessions, type SessionClaims } from './session.ts';
import { UserStore, type User } from './users.ts';

export type AuthConfig = Config['auth'];

// One IP may fail this many times more than one account: several people can share an address (an office, a NAT).
const IP_FACTOR = 5;

/** Queues a templated message (the app's mailer); returns whether it was a duplicate inside the cooldown and when that ends. */
export type SendCode = (mail: { to: string; template: string; vars: Record<string, string | number> }, dedupKey: string, cooldownMs: number) => { duplicate: boolean; retryAfterMs: number };

export interface AccountsOptions {
  db: DatabaseSync;
  config: () => AuthConfig;
  log: Logger;
  sendCode: SendCode;
  now?: () => number;
}

export class Accounts {
  readonly users: UserStore;
  readonly keys: AuthKeys;
  readonly sessions: Sessions;
  readonly otp: OtpTokens;
  readonly log: Logger;
  readonly sendCode: SendCode;
  readonly config: () => AuthConfig;
  readonly now: () => number;
  /** Failed logins, by IP and by account. */
  readonly loginLimits: { ip: SlidingWindowLimiter; account: SlidingWindowLimiter };
  /** Wrong codes, by IP and by account. */
  readonly otpLimits: { ip: SlidingWindowLimiter; account: SlidingWindowLimiter };

  constructor(options: AccountsOptions) {
    const config = options.config;
    this.config = config;
    this.now = options.now ?? Date.now;
    this.log = options.log;
    this.sendCode = options.sendCode;
    this.users = new UserStore(options.db, { now: this.now });
    this.keys = new AuthKeys(config().secret);
    this.sessions = new Sessions(this.keys, this.users, config, this.now);
    this.otp = new OtpTokens(this.keys, this.now);
    const c = config();
    const limiter = (limit: number) => new SlidingWindowLimiter({ limit, windowMs: c.limit_window, now: this.now });
    this.loginLimits = { ip: limiter(c.login_limit * IP_FACTOR), account: limiter(c.login_limit) };
    this.otpLimits = { ip: limiter(c.otp_limit * IP_FACTOR), account: limiter(c.otp_limit) };
  }

  /** Applies live settings (a config reload). */
  reconfigure(): void {
    const c = this.config();
    this.loginLimits.ip.configure(c.login_limit * IP_FACTOR, c.limit_window);
    this.loginLimits.account.configure(c.login_limit, c.limit_window);
    this.otpLimits.ip.configure(c.otp_limit * IP_FACTOR, c.limit_window);
    this.otpLimits.account.configure(c.otp_limit, c.limit_window);
  }
}

/** A string field ('' when absent); 400 invalid_input naming the field when it is another type. */
export function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new HttpError(400, 'invalid_input', `"${name}" must be a string`, { errors: [{ field: name, code: 'type', message: `${name} must be a string` }] });
  return value;
}

/** 400 missing_fields listing every empty one of `names`. */
export function requireFields(body: Record<string, unknown>, names: string[]): void {
  const missing = names.filter((n) => text(body, n) === '');
  if (missing.length > 0) {
    throw new HttpError(400, 'missing_fields', `Required: ${missing.join(', ')}`, { errors: missing.map((field) => ({ field, code: 'required', message: `${field} is required` })) });
  }
}

/** The signed-in user of a request, or 401 auth_required. */
export function requireUser(ctx: Context): { user: User; claims: SessionClaims } {
  if (ctx.user === null || ctx.claims === null || (ctx.user as { external?: boolean }).external) {
    throw authRequired('Sign in first: send Authorization: Bearer <token>');
  }
  return { user: ctx.user as User, claims: ctx.claims as unknown as SessionClaims };
}

/** 429 too_many_attempts when either limiter holds `keys` back. */
export function checkLimits(limits: { ip: SlidingWindowLimiter; account: SlidingWindowLimiter }, ip: string, account: string): void {
  const wait = Math.max(limits.ip.retryAfter(ip), account === '' ? 0 : limits.account.retryAfter(account));
  if (wait > 0) {
    throw new HttpError(429, 'too_many_attempts', 'Too many failed attempts; try again later', { headers: { 'retry-after': String(Math.ceil(wait / 1000)) } });
  }
}

/** Counts a failed attempt against both limiters. */
export function recordFailure(limits: { ip: SlidingWindowLimiter; account: SlidingWindowLimiter }, ip: string, account: string): void {
  limits.ip.hit(ip);
  if (account !== '') limits.account.hit(account);
}

/** 429 otp_cooldown: a code for this address and flow went out less than the cooldown ago (no new token: no new code). */
export function cooldown(retryAfterMs: number): HttpError {
  return new HttpError(429, 'otp_cooldown', 'A code was sent to this address a moment ago; check the inbox or try again later', {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });
}
