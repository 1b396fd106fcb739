// OAuth2 sign-in, provider side: the authorization-code flow with PKCE (S256) and a stateless signed `state` bound to
// the code verifier, the code exchange, and the user's profile. Accounts and linking are the routes' business.
//
// The state token carries `cv_hash` = hex HMAC-SHA256(state key, code_verifier), as restinpieces does: the client
// keeps the verifier, so a state stolen from one browser is useless without that browser's verifier, and the server
// stores nothing between the two requests.
import { createHash, createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { HttpError } from '../http/errors.ts';
import { JwtError, signJwt, verifyJwt } from '../lib/jwt.ts';
import { kindDefaults, PROVIDER_KINDS, readProfile, type ClientAuth, type OAuth2Profile, type ProviderKind } from './oauth2-profiles.ts';

export type { ClientAuth, OAuth2Profile, ProviderKind } from './oauth2-profiles.ts';

export interface ProviderConfig {
  /** The table key (`[auth.oauth2.<key>]`): the API's `name`, what the client sends back as `provider`. */
  key: string;
  /** Picks the profile mapper and the defaults. */
  kind: ProviderKind;
  displayName: string;
  clientId: string;
  clientSecret: string;
  authUrl: string;
  tokenUrl: string;
  userInfoUrl: string;
  scopes: string[];
  pkce: boolean;
  /** How the token request carries the client credentials (github: body; google, oidc: basic). */
  clientAuth: ClientAuth;
  /** Where the provider sends the browser back; the API always uses this one, never the client's. */
  redirectUrl: string;
}

export interface ProviderListing {
  name: string;
  displayName: string;
  state: string;
  authURL: string;
  redirectURL: string;
  codeVerifier: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256';
}

export interface OAuth2Options {
  providers: ProviderConfig[];
  /** Signs the state tokens: jwtKey(secret). */
  stateKey: KeyObject;
  /** How long a listing's state stays usable (default 600 s). */
  stateTtlS?: number;
  /** Per HTTP call to the provider, answer body included (default 10 000 ms). */
  timeoutMs?: number;
  /** Wall clock in ms (default Date.now); tests inject one. */
  now?: () => number;
  fetch?: typeof fetch;
}

export interface OAuth2Input {
  provider?: unknown;
  code?: unknown;
  code_verifier?: unknown;
  state?: unknown;
  /** Accepted for compatibility and ignored: the redirect URI is the configured one. */
  redirect_uri?: unknown;
}

const KEY = /^[a-z0-9_-]{1,64}$/;
const FIELDS = new Set(['kind', 'display_name', 'client_id', 'client_secret', 'auth_url', 'token_url', 'user_info_url', 'scopes', 'pkce', 'client_auth', 'redirect_url']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Parses the `auth.oauth2` config table, `{ <key>: { kind?, display_name?, client_id, client_secret, auth_url?,
 * token_url?, user_info_url?, scopes?, pkce?, client_auth?, redirect_url } }`; throws a TypeError naming
 * `auth.oauth2.<key>.<field>` and what was expected.
 */
export function parseProviders(value: unknown): ProviderConfig[] {
  if (value === undefined) return [];
  if (!isTable(value)) throw new TypeError('auth.oauth2: expected a table of providers');
  return Object.entries(value).map(([key, entry]) => parseProvider(key, entry));
}

/** The providers as the stored configuration writes them (every field explicit). */
export function providersToToml(providers: ProviderConfig[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(providers.map((p) => [p.key, {
    kind: p.kind, display_name: p.displayName, client_id: p.clientId, client_secret: p.clientSecret, auth_url: p.authUrl,
    token_url: p.tokenUrl, user_info_url: p.userInfoUrl, scopes: p.scopes, pkce: p.pkce, client_auth: p.clientAuth, redirect_url: p.redirectUrl,
  }]));
}

function parseProvider(key: string, entry: unknown): ProviderConfig {
  const at = `auth.oauth2.${KEY.test(key) ? key : JSON.stringify(key)}`;
  if (!KEY.test(key)) throw new TypeError(`${at}: expected a provider key of 1–64 lower-case letters, digits, "_" or "-"`);
  if (!isTable(entry)) throw new TypeError(`${at}: expected a table`);
  for (const field of Object.keys(entry)) {
    if (!FIELDS.has(field)) throw new TypeError(`${at}.${field}: unknown field; expected one of ${[...FIELDS].join(', ')}`);
  }
  const kindValue = entry.kind ?? (key === 'google' || key === 'github' ? key : 'oidc');
  if (typeof kindValue !== 'string' || !(PROVIDER_KINDS as readonly string[]).includes(kindValue)) {
    throw new TypeError(`${at}.kind: expected one of ${PROVIDER_KINDS.map((k) => `"${k}"`).join(', ')}, got ${describe(kindValue)}`);
  }
  const kind = kindValue as ProviderKind;
  const defaults = kindDefaults(kind);
  const text = (field: string, fallback?: string): string => {
    const v = entry[field] ?? fallback;
    if (v === undefined) throw new TypeError(`${at}.${field}: required${kind === 'oidc' && field.endsWith('_url') ? ' for an OpenID Connect provider' : ''}`);
    // Secrets are never quoted back: config errors reach logs.
    if (typeof v !== 'string' || v.trim() === '') throw new TypeError(`${at}.${field}: expected a non-empty string, got ${field === 'client_secret' ? `a ${typeof v}` : describe(v)}`);
    return v;
  };
  const url = (field: string, fallback?: string): string => checkUrl(`${at}.${field}`, text(field, fallback));

  const scopes = entry.scopes ?? defaults.scopes;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new TypeError(`${at}.scopes: expected an array of scope names (no spaces, quotes or backslashes), got ${describe(scopes)}`);
  }
  const pkce = entry.pkce ?? true;
  if (typeof pkce !== 'boolean') throw new TypeError(`${at}.pkce: expected true or false, got ${describe(pkce)}`);
  const clientAuth = entry.client_auth ?? defaults.clientAuth;
  if (clientAuth !== 'basic' && clientAuth !== 'body') throw new TypeError(`${at}.client_auth: expected "basic" or "body", got ${describe(clientAuth)}`);

  return {
    key,
    kind,
    displayName: text('display_name', defaults.displayName ?? key),
    clientId: text('client_id'),
    clientSecret: text('client_secret'),
    authUrl: url('auth_url', defaults.authUrl),
    tokenUrl: url('token_url', defaults.tokenUrl),
    userInfoUrl: url('user_info_url', defaults.userInfoUrl),
    scopes: [...scopes] as string[],
    pkce,
    clientAuth,
    redirectUrl: url('redirect_url'),
  };
}

/** An absolute https URL without credentials or fragment (RFC 6749 §3.1); plain http only on the loopback host. */
function checkUrl(at: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${at}: expected an absolute https URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new TypeError(`${at}: expected an https URL (http only for 127.0.0.1, localhost or [::1]), got ${JSON.stringify(value)}`);
  }
  if (url.username !== '' || url.password !== '') throw new TypeError(`${at}: expected a URL without credentials`);
  if (url.hash !== '' || value.includes('#')) throw new TypeError(`${at}: expected a URL without a fragment, got ${JSON.stringify(value)}`);
  return value;
}

const MAX_ANSWER_BYTES = 1024 * 1024;
const MAX_CODE_LENGTH = 4096;
const MAX_STATE_LENGTH = 1024;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const TIMER_MAX_MS = 2 ** 31 - 1;
const USER_AGENT = 'monolite';

/** The flow for the configured providers: list() hands out login links, authenticate() finishes a login. */
export class OAuth2 {
  #providers = new Map<string, ProviderConfig>();
  #stateKey: KeyObject;
  #stateTtlS: number;
  #timeoutMs: number;
  #now: () => number;
  #fetch: typeof fetch;

  constructor(options: OAuth2Options) {
    for (const p of options.providers) {
      if (this.#providers.has(p.key)) throw new RangeError(`OAuth2 provider "${p.key}" is configured twice`);
      this.#providers.set(p.key, p);
    }
    this.#stateKey = options.stateKey;
    this.#stateTtlS = options.stateTtlS ?? 600;
    if (!Number.isInteger(this.#stateTtlS) || this.#stateTtlS <= 0) throw new RangeError(`OAuth2 state lifetime must be a positive whole number of seconds, got ${this.#stateTtlS}`);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    if (!(this.#timeoutMs > 0 && this.#timeoutMs <= TIMER_MAX_MS)) throw new RangeError(`OAuth2 timeout must be a positive number of milliseconds, got ${this.#timeoutMs}`);
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * One listing per provider, in config order, each with a fresh code verifier and a state binding it. The verifier
   * exists even without PKCE: it is what ties the state to the browser that asked for it.
   */
  list(): ProviderListing[] {
    const iat = Math.floor(this.#now() / 1000);
    return [...this.#providers.values()].map((p) => {
      // RFC 7636 §4.1: 32 random octets, base64url: 43 characters of the unreserved alphabet.
      const codeVerifier = randomBytes(32).toString('base64url');
      const state = signJwt({ type: 'oauth2_state', provider: p.key, cv_hash: this.#cvHash(codeVerifier), iat, exp: iat + this.#stateTtlS }, this.#stateKey);
      const params: [string, string][] = [['client_id', p.clientId]];
      const listing: ProviderListing = { name: p.key, displayName: p.displayName, state, authURL: '', redirectURL: p.redirectUrl, codeVerifier };
      if (p.pkce) {
        listing.codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
        listing.codeChallengeMethod = 'S256';
        params.push(['code_challenge', listing.codeChallenge], ['code_challenge_method', 'S256']);
      }
      params.push(['redirect_uri', p.redirectUrl], ['response_type', 'code']);
      if (p.scopes.length > 0) params.push(['scope', p.scopes.join(' ')]);
      params.push(['state', state]);
      // Appended, not merged through URL: a query the provider put in auth_url stays byte for byte as configured.
      listing.authURL = p.authUrl + (p.authUrl.includes('?') ? '&' : '?') + new URLSearchParams(params).toString();
      return listing;
    });
  }

  /**
   * Finishes a login: checks the input and the state, exchanges the code at the token endpoint and reads the user's
   * profile. Throws HttpError 400 with a code saying which step failed.
   */
  async authenticate(input: OAuth2Input): Promise<OAuth2Profile> {
    if (input === null || typeof input !== 'object') throw new HttpError(400, 'missing_fields', 'Expected provider, code, code_verifier and state');
    const missing = (['provider', 'code', 'code_verifier', 'state'] as const).filter((f) => input[f] === undefined || input[f] === null || input[f] === '');
    if (missing.length > 0) throw new HttpError(400, 'missing_fields', `Missing ${missing.join(', ')}`);
    const { provider: key, code, code_verifier: verifier, state } = input;
    for (const [field, v] of [['provider', key], ['code', code], ['code_verifier', verifier], ['state', state], ['redirect_uri', input.redirect_uri ?? '']] as const) {
      if (typeof v !== 'string') throw new HttpError(400, 'invalid_input', `${field} must be a string`);
    }
    if (!VERIFIER.test(verifier as string)) throw new HttpError(400, 'invalid_input', 'code_verifier must be 43–128 characters of A–Z, a–z, 0–9, "-", ".", "_" and "~"');
    if ((code as string).length > MAX_CODE_LENGTH) throw new HttpError(400, 'invalid_input', `code is longer than ${MAX_CODE_LENGTH} characters`);
    const provider = this.#providers.get(key as string);
    if (provider === undefined) throw new HttpError(400, 'invalid_oauth2_provider', `No OAuth2 provider ${JSON.stringify((key as string).slice(0, 64))}`);
    this.#checkState(state as string, provider.key, verifier as string);
    const accessToken = await this.#exchange(provider, code as string, verifier as string);
    return readProfile(provider.kind, provider.key, provider.userInfoUrl, (url, headers) => this.#getUserInfo(url, headers, accessToken));
  }

  #cvHash(verifier: string): string {
    return createHmac('sha256', this.#stateKey).update(verifier).digest('hex');
  }

  #checkState(state: string, provider: string, verifier: string): void {
    let claims: Record<string, unknown>;
    try {
      // The same server mints and checks the state: no clock skew to forgive.
      claims = verifyJwt(state, this.#stateKey, { now: this.#now, clockSkewS: 0, maxLength: MAX_STATE_LENGTH, requireExp: true });
    } catch (err) {
      if (!(err instanceof JwtError)) throw err;
      const why = err.code === 'token_expired' ? 'has expired; start the sign-in again' : 'is not valid';
      throw new HttpError(400, 'invalid_oauth2_state', `The OAuth2 state ${why}`);
    }
    if (claims.type !== 'oauth2_state') throw new HttpError(400, 'invalid_oauth2_state', 'The OAuth2 state is not a state token');
    if (claims.provider !== provider) throw new HttpError(400, 'invalid_oauth2_state', `The OAuth2 state was issued for another provider than "${provider}"`);
    const expected = Buffer.from(this.#cvHash(verifier));
    const given = Buffer.from(typeof claims.cv_hash === 'string' ? claims.cv_hash : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(400, 'invalid_oauth2_state', 'The OAuth2 state was issued with another code verifier');
    }
  }

  /** POSTs the code to the token endpoint (RFC 6749 §4.1.3) and returns the access token. */
  async #exchange(p: ProviderConfig, code: string, verifier: string): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: p.redirectUrl });
    if (p.pkce) form.set('code_verifier', verifier);
    // GitHub answers form-urlencoded unless asked for JSON.
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': USER_AGENT };
    if (p.clientAuth === 'basic') {
      // RFC 6749 §2.3.1: each part form-encoded before the Basic encoding, so a ':' in the id survives.
      headers.authorization = 'Basic ' + Buffer.from(`${formEncode(p.clientId)}:${formEncode(p.clientSecret)}`).toString('base64');
    } else {
      form.set('client_id', p.clientId);
      form.set('client_secret', p.clientSecret);
    }
    const fail = (detail: string) => new HttpError(400, 'oauth2_token_exchange_failed', `The token endpoint ${detail}`);
    const answer = await this.#call(p.tokenUrl, { method: 'POST', headers, body: form.toString() }, fail);
    const body = parseJson(answer.text);
    const error = isTable(body) && typeof body.error === 'string' ? body.error : undefined;
    // GitHub reports a bad code with a 200 and an `error` member.
    if (answer.status < 200 || answer.status > 299 || error !== undefined) {
      throw fail(`refused the code: HTTP ${answer.status}${error !== undefined && /^[\x20-\x7e]{1,64}$/.test(error) ? ` ${error}` : ''}`);
    }
    if (!isTable(body)) throw fail(`answered HTTP ${answer.status} with something other than a JSON object`);
    if (typeof body.access_token !== 'string' || body.access_token === '') throw fail('answered without an access_token');
    // A DPoP- or MAC-bound token would be refused by the user info endpoint anyway; say so here.
    if (body.token_type !== undefined && (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer')) {
      throw fail(`issued a token of type ${describe(body.token_type)}, not a bearer token`);
    }
    return body.access_token;
  }

  async #getUserInfo(url: string, headers: Record<string, string>, accessToken: string): Promise<unknown> {
    const fail = (detail: string) => new HttpError(400, 'oauth2_user_info_failed', `The user info endpoint ${detail}`);
    const answer = await this.#call(url, { method: 'GET', headers: { ...headers, authorization: `Bearer ${accessToken}`, 'user-agent': USER_AGENT } }, fail);
    if (answer.status < 200 || answer.status > 299) throw fail(`answered HTTP ${answer.status}`);
    return parseJson(answer.text);
  }

  /** One request with the timeout and size cap; the answer whatever its status. */
  async #call(url: string, init: RequestInit, fail: (detail: string) => HttpError): Promise<{ status: number; text: string }> {
    try {
      // A provider endpoint that redirects is misconfigured, and following would resend the code or the token.
      const res = await this.#fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.#timeoutMs) });
      return { status: res.status, text: await readCapped(res) };
    } catch (err) {
      if (err instanceof TooLarge) throw fail(`answered with more than ${MAX_ANSWER_BYTES} bytes`);
      if (err instanceof Error && err.name === 'TimeoutError') throw fail(`did not answer within ${this.#timeoutMs} ms`);
      throw fail('could not be reached');
    }
  }
}

class TooLarge extends Error {}

/** The body as text, refusing more than MAX_ANSWER_BYTES (announced or actual). */
async function readCapped(res: Response): Promise<string> {
  const announced = Number(res.headers.get('content-length'));
  if (announced > MAX_ANSWER_BYTES) {
    res.body?.cancel().catch(() => {});
    throw new TooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      reader.cancel().catch(() => {});
      throw new TooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** A plain object (a TOML table, a JSON object), not an array or a TOML date. */
function isTable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (isTable(value)) return 'a table';
  return String(value);
}
