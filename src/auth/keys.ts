// Every key of the account system, derived from the one server secret (auth.secret) with a label per purpose, so
// that each token kind has a secret of its own (a token of one flow never verifies as another) while operators keep
// one value. Session keys are derived per user from email, password hash and token key: changing any of them revokes
// that user's sessions.
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { jwtKey } from '../lib/jwt.ts';
import type { User } from './users.ts';

export type KeyPurpose = 'session' | 'uid' | 'verify_email' | 'password_reset' | 'email_change' | 'oauth2_state';

const MAX_CACHED_SESSION_KEYS = 10_000;

/** What a user's session key is derived from: when any of it changes, the user's tokens stop verifying. */
export function sessionFingerprint(user: User): string {
  return `${user.email}\0${user.passwordHash}\0${user.tokenKey}`;
}

export class AuthKeys {
  readonly #secret: string;
  readonly #purposes = new Map<KeyPurpose, KeyObject>();
  // Per user: the inputs the key was derived from, and the key (made once: deriving costs two HMACs and a KeyObject).
  readonly #sessionKeys = new Map<number, { fingerprint: string; key: KeyObject }>();

  constructor(secret: string) {
    if (secret.length < 32) throw new RangeError('auth.secret must be at least 32 characters');
    this.#secret = secret;
  }

  /** The JWT key of `purpose`. */
  key(purpose: KeyPurpose): KeyObject {
    return this.#purpose(purpose);
  }

  /** HMAC-SHA256 of `message` under the purpose's secret, hex. */
  mac(purpose: KeyPurpose, message: string): string {
    // Through the KeyObject: HMAC with a raw Buffer key costs several times more on Node 24's OpenSSL.
    return createHmac('sha256', this.#purpose(purpose)).update(message).digest('hex');
  }

  /** A short MAC of a user id: a token naming an id the server never issued is refused before any database read. */
  uidMac(id: number | string): string {
    return this.mac('uid', String(id)).slice(0, 16);
  }

  /** True when `mac` is uidMac(id); constant time. */
  checkUidMac(id: number | string, mac: unknown): boolean {
    if (typeof mac !== 'string' || mac.length !== 16) return false;
    return timingSafeEqual(Buffer.from(mac), Buffer.from(this.uidMac(id)));
  }

  /** The session key of `user`: HMAC(session secret, email ‖ 0 ‖ password hash ‖ 0 ‖ token key). */
  sessionKey(user: User): KeyObject {
    const fingerprint = sessionFingerprint(user);
    const cached = this.#sessionKeys.get(user.id);
    if (cached !== undefined && cached.fingerprint === fingerprint) return cached.key;
    const key = this.boundKey('session', fingerprint);
    if (this.#sessionKeys.size >= MAX_CACHED_SESSION_KEYS) this.#sessionKeys.delete(this.#sessionKeys.keys().next().value!);
    this.#sessionKeys.set(user.id, { fingerprint, key });
    return key;
  }

  /** A key of `purpose` bound to `binding` (a password-reset grant is bound to the current password hash). */
  boundKey(purpose: KeyPurpose, binding: string): KeyObject {
    return jwtKey(createHmac('sha256', this.#purpose(purpose)).update(binding).digest());
  }

  #purpose(purpose: KeyPurpose): KeyObject {
    let key = this.#purposes.get(purpose);
    if (key === undefined) {
      key = jwtKey(createHmac('sha256', this.#secret).update(`monolite auth key: ${purpose}`).digest());
      this.#purposes.set(purpose, key);
    }
    return key;
  }
}
