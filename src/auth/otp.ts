// One-time codes for the account flows, as restinpieces designed them: a 6-digit code goes out by mail, and the
// client gets a stateless token holding the email and an HMAC of the code under the flow's own key — the server
// stores nothing. The password-reset grant that a verified code earns is bound to the current password hash, so it
// dies once the password changes.
import { randomInt, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../http/errors.ts';
import { decodeJwtUnverified, signJwt, verifyJwt } from '../lib/jwt.ts';
import type { AuthKeys } from './keys.ts';
import type { User, UserStore } from './users.ts';

export type OtpFlow = 'verify_email' | 'password_reset' | 'email_change';

/** What a valid code token holds. */
export interface OpenedCode {
  flow: OtpFlow;
  email: string;
  otpHash: string;
}

export class OtpTokens {
  readonly #keys: AuthKeys;
  readonly #now: () => number;

  constructor(keys: AuthKeys, now: () => number = Date.now) {
    this.#keys = keys;
    this.#now = now;
  }

  /** A fresh code for `email` and its verification token, valid `ttlS` seconds. */
  issue(flow: OtpFlow, email: string, ttlS: number): { code: string; token: string } {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const iat = Math.floor(this.#now() / 1000);
    const token = signJwt({ type: 'otp', flow, email, otp_hash: this.#keys.mac(flow, code), iat, exp: iat + ttlS }, this.#keys.key(flow));
    return { code, token };
  }

/**
   * The email and code hash of a valid (signed, unexpired) code token of `flow`, or undefined: read once, so the
   * attempt limits can be keyed by the email before the code is compared.
   */
  open(flow: OtpFlow, token: string): OpenedCode | undefined {
    try {
      const claims = verifyJwt(token, this.#keys.key(flow), { now: this.#now });
      if (claims.type !== 'otp' || claims.flow !== flow || typeof claims.email !== 'string' || typeof claims.otp_hash !== 'string') return undefined;
      return { flow, email: claims.email, otpHash: claims.otp_hash };
    } catch {
      return undefined;
    }
  }

  /** True when `code` is the code of an opened token; constant time. */
  matches(opened: OpenedCode, code: string): boolean {
    const expected = Buffer.from(opened.otpHash);
    const given = Buffer.from(this.#keys.mac(opened.flow, code));
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** The password-reset grant for `user`: bound to the current password hash, valid `ttlS` seconds. */
  issueGrant(user: User, ttlS: number): string {
    const iat = Math.floor(this.#now() / 1000);
    return signJwt({ type: 'password_reset', sub: String(user.id), email: user.email, iat, exp: iat + ttlS }, this.#grantKey(user));
  }

  /** The user a grant names, when it is still valid for their current email and password; else 401 invalid_verification_token. */
  verifyGrant(token: string, users: UserStore): User {
    const refuse = () => new HttpError(401, 'invalid_verification_token', 'The password reset token is not valid (expired, or the password changed since)');
    let payload;
    try {
      payload = decodeJwtUnverified(token).payload;
    } catch {
      throw refuse();
    }
    // Read fresh (not through the user cache): the grant must die the moment the password changes.
    const user = typeof payload.email === 'string' ? users.findByEmail(payload.email) : undefined;
    if (user === undefined || String(user.id) !== payload.sub) throw refuse();
    try {
      const claims = verifyJwt(token, this.#grantKey(user), { now: this.#now });
      if (claims.type !== 'password_reset') throw refuse();
    } catch {
      throw refuse();
    }
    return user;
  }

  #grantKey(user: User) {
    return this.#keys.boundKey('password_reset', `grant\0${user.email}\0${user.passwordHash}`);
  }
}

/** 401 invalid_otp, whatever is wrong with the code or its token (nothing more is told). */
export function invalidOtp(): HttpError {
  return new HttpError(401, 'invalid_otp', 'The code is wrong or has expired');
}
