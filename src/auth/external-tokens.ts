// Tokens issued by another service that shares a secret with this one (the EasyREST model): HS256, verified with each
// configured secret in turn, `iss` and `aud` checked when configured. They name no account here: the request gets
// `ctx.user = {id: sub, scopes, external: true}`, enough for scope checks, not for the account endpoints.
import type { KeyObject } from 'node:crypto';
import { HttpError } from '../http/errors.ts';
import { JwtError, jwtKey, verifyJwt, type JwtPayload } from '../lib/jwt.ts';
import type { AuthConfig } from './accounts.ts';

export interface ExternalUser {
  id: string;
  scopes: string[];
  external: true;
}

// Tokens verified recently, by their exact text (as for session tokens: a client sends one token many times). A hit
// still checks the time window, and counts only under the settings it was verified with.
const MAX_VERIFIED = 10_000;
// verifyJwt's default clock skew, applied to the cached window the same way.
const CLOCK_SKEW_S = 30;

interface Verified {
  settings: string;
  notBefore: number;
  expires: number;
  result: { user: ExternalUser; claims: JwtPayload };
}

export class ExternalTokens {
  readonly #config: () => AuthConfig;
  readonly #now: () => number;
  #built: { from: string; keys: KeyObject[] } | undefined;
  readonly #verified = new Map<string, Verified>();

  constructor(config: () => AuthConfig, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
  }

  /** True when secrets are configured. */
  get enabled(): boolean {
    return this.#config().external_secrets !== '';
  }

  /**
   * The user and claims of `token` when it was verified recently and still holds (same settings, inside its time
   * window); undefined otherwise. Costs a map lookup: the authentication middleware asks this before decoding a
   * token to tell session tokens from external ones.
   */
  known(token: string): { user: ExternalUser; claims: JwtPayload } | undefined {
    const hit = this.#verified.get(token);
    if (hit === undefined) return undefined;
    const c = this.#config();
    const now = this.#now() / 1000;
    if (hit.settings === settingsOf(c) && now >= hit.notBefore - CLOCK_SKEW_S && now <= hit.expires + CLOCK_SKEW_S) return hit.result;
    this.#verified.delete(token);
    return undefined;
  }

  /** The user and claims of an external token; 401 with the JWT error code otherwise. */
  verify(token: string): { user: ExternalUser; claims: JwtPayload } {
    const known = this.known(token);
    if (known !== undefined) return known;
    const c = this.#config();
    const settings = settingsOf(c);
    const result = this.#verifyFully(token, c);
    if (this.#verified.size >= MAX_VERIFIED) this.#verified.delete(this.#verified.keys().next().value!);
    const { exp, nbf } = result.claims;
    this.#verified.set(token, {
      settings, result,
      notBefore: typeof nbf === 'number' ? nbf : -Infinity,
      expires: typeof exp === 'number' ? exp : Infinity,
    });
    return result;
  }

  #verifyFully(token: string, c: AuthConfig): { user: ExternalUser; claims: JwtPayload } {
    let claims: JwtPayload | undefined;
    let error: unknown;
    for (const key of this.#keys(c.external_secrets)) {
      try {
        claims = verifyJwt(token, key, { now: this.#now });
        break;
      } catch (err) {
        error = err;
        // Any other failure means this was the right key (its signature matched): that is the answer.
        if (!(err instanceof JwtError) || err.code !== 'token_signature') break;
      }
    }
    if (claims === undefined) {
      const code = error instanceof JwtError ? error.code : 'token_invalid';
      throw new HttpError(401, code, `The token is not valid: ${(error as Error | undefined)?.message ?? 'no key'}`);
    }
    if (c.external_issuer !== '' && claims.iss !== c.external_issuer) throw new HttpError(401, 'token_invalid', 'The token\'s issuer (iss) is not the configured one');
    if (c.external_audience !== '') {
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.includes(c.external_audience)) throw new HttpError(401, 'token_invalid', 'The token is not meant for this audience (aud)');
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new HttpError(401, 'token_invalid', 'The token has no subject (sub)');
    const scope = claims.scope;
    const scopes = typeof scope === 'string' ? scope.split(/\s+/).filter(Boolean) : Array.isArray(scope) ? scope.filter((s): s is string => typeof s === 'string') : [];
    return { user: { id: claims.sub, scopes, external: true }, claims };
  }

  #keys(secrets: string): KeyObject[] {
    if (this.#built?.from !== secrets) this.#built = { from: secrets, keys: secrets.split(',').map((s) => s.trim()).filter(Boolean).map((s) => jwtKey(s)) };
    return this.#built.keys;
  }
}

/** What a cached verification depends on: a change of secrets, issuer or audience voids it. */
function settingsOf(c: AuthConfig): string {
  return `${c.external_secrets}\n${c.external_issuer}\n${c.external_audience}`;
}
