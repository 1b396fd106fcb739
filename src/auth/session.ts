// Session tokens: HS256 JWTs signed with the user's own derived key (src/auth/keys.ts) and carrying a MAC of the user
// id, so a forged id is refused before any database read and a change of email, password or token key revokes every
// session of that user. A valid token can be refreshed into a new one, up to a cap counted from the original login.
import { HttpError } from '../http/errors.ts';
import { decodeJwtUnverified, JwtError, signJwt, verifyJwt } from '../lib/jwt.ts';
import { sessionFingerprint, type AuthKeys } from './keys.ts';
import type { User, UserStore } from './users.ts';

export interface SessionClaims {
  /** The user id, as a string (JWT convention). */
  sub: string;
  /** MAC of sub under the server secret. */
  uid: string;
  /** The user's scopes when the token was issued, space-separated. */
  scope: string;
  iat: number;
  exp: number;
  /** When the user logged in (Unix seconds); refreshes keep it, and stop working auth.refresh_max after it. */
  auth_time: number;
}

/** The body of a successful login, refresh or OTP confirmation. */
export interface AuthResponse {
  token_type: 'Bearer';
  access_token: string;
  expires_in: number;
  record: { id: number; email: string; name: string; avatar: string; verified: boolean };
}

/** The settings sessions read (auth.token_lifetime and auth.refresh_max, in ms), live. */
export interface SessionSettings {
  token_lifetime: number;
  refresh_max: number;
}

// Tokens verified recently, by their exact text: a client sends the same token for many requests, and a hit costs a
// map lookup instead of the JWT work. A hit still checks the expiry, and that the user's email, password hash and
// token key are those the token was verified against, so revocation applies at once.
const MAX_VERIFIED = 10_000;
// verifyJwt's default clock skew, applied to the cached expiry the same way.
const CLOCK_SKEW_S = 30;

export class Sessions {
  readonly #verified = new Map<string, { userId: number; fingerprint: string; claims: SessionClaims }>();
  readonly #keys: AuthKeys;
  readonly #users: UserStore;
  readonly #settings: () => SessionSettings;
  readonly #now: () => number;

  constructor(keys: AuthKeys, users: UserStore, settings: () => SessionSettings, now: () => number = Date.now) {
    this.#keys = keys;
    this.#users = users;
    this.#settings = settings;
    this.#now = now;
  }

  /** A new session for `user`; `authTime` (Unix seconds) carries the original login through refreshes. */
  issue(user: User, authTime?: number): AuthResponse {
    const iat = Math.floor(this.#now() / 1000);
    const { token_lifetime, refresh_max } = this.#settings();
    const lifetimeS = Math.floor(token_lifetime / 1000);
    const refreshMaxS = Math.floor(refresh_max / 1000);
    const auth_time = authTime ?? iat;
    // A refreshed token never outlives the refresh cap.
    const exp = Math.min(iat + lifetimeS, auth_time + refreshMaxS);
    const claims: SessionClaims = { sub: String(user.id), uid: this.#keys.uidMac(user.id), scope: user.scopes.join(' '), iat, exp, auth_time };
    return {
      token_type: 'Bearer',
      access_token: signJwt({ ...claims }, this.#keys.sessionKey(user)),
      expires_in: exp - iat,
      record: { id: user.id, email: user.email, name: user.name, avatar: user.avatar, verified: user.verified },
    };
  }

  /** The user and claims of a session token; throws HttpError 401 with the JWT error code (token_invalid, token_expired, …). */
  verify(token: string): { user: User; claims: SessionClaims } {
    const hit = this.#verified.get(token);
    if (hit !== undefined) {
      const user = this.#users.get(hit.userId);
      if (user !== undefined && sessionFingerprint(user) === hit.fingerprint && this.#now() / 1000 <= hit.claims.exp + CLOCK_SKEW_S) return { user, claims: hit.claims };
      this.#verified.delete(token);
    }
    const verified = this.#verifyFully(token);
    if (this.#verified.size >= MAX_VERIFIED) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(token, { userId: verified.user.id, fingerprint: sessionFingerprint(verified.user), claims: verified.claims });
    return verified;
  }

  #verifyFully(token: string): { user: User; claims: SessionClaims } {
    let payload;
    try {
      payload = decodeJwtUnverified(token).payload;
    } catch (err) {
      throw unauthorized(err);
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || !/^[1-9]\d{0,15}$/.test(sub) || !this.#keys.checkUidMac(sub, payload.uid)) {
      throw new HttpError(401, 'token_invalid', 'The token was not issued by this server');
    }
    const user = this.#users.get(Number(sub));
    if (user === undefined) throw new HttpError(401, 'token_invalid', 'The token\'s user no longer exists');
    let claims;
    try {
      claims = verifyJwt(token, this.#keys.sessionKey(user), { now: this.#now });
    } catch (err) {
      throw unauthorized(err);
    }
    if (typeof claims.auth_time !== 'number') throw new HttpError(401, 'token_invalid', 'The token has no auth_time');
    return { user, claims: claims as unknown as SessionClaims };
  }

  /** A fresh token for a valid session, until auth.refresh_max after the original login. */
  refresh(user: User, claims: SessionClaims): AuthResponse {
    const now = Math.floor(this.#now() / 1000);
    if (now >= claims.auth_time + Math.floor(this.#settings().refresh_max / 1000)) {
      throw new HttpError(401, 'session_too_old', 'This session cannot be refreshed any more; log in again');
    }
    return this.issue(user, claims.auth_time);
  }
}

function unauthorized(err: unknown): HttpError {
  if (err instanceof JwtError) {
    const detail = err.code === 'token_expired' ? 'The token has expired' : `The token is not valid: ${err.message}`;
    return new HttpError(401, err.code, detail);
  }
  throw err;
}
