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

export class ExternalTokens {
  readonly #config: () => AuthConfig;
  readonly #now: () => number;
  #built: { from: string; keys: KeyObject[] } | undefined;

  constructor(config: () => AuthConfig, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
  }

  /** True when secrets are configured. */
  get enabled(): boolean {
    return this.#config().external_secrets !== '';
  }

  /** The user and claims of an external token; 401 with the JWT error code otherwise. */
  verify(token: string): { user: ExternalUser; claims: JwtPayload } {
    const c = this.#config();
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
