// The OAuth2 provider kinds (Google, GitHub, any OpenID Connect provider): their default endpoints and scopes, and
// how each one's user info becomes the same profile (subject, email and whether the provider verified it).
import { HttpError } from '../http/errors.ts';

export type ProviderKind = 'google' | 'github' | 'oidc';

export const PROVIDER_KINDS: readonly ProviderKind[] = ['google', 'github', 'oidc'];

/**
 * How the client proves who it is at the token endpoint: HTTP Basic (`client_secret_basic`, RFC 6749 §2.3.1) or the
 * `client_id` and `client_secret` form fields (`client_secret_post`).
 */
export type ClientAuth = 'basic' | 'body';

/** What a provider asserted about the user who signed in, identity keyed by (provider, subject). */
export interface OAuth2Profile {
  /** The provider's config key. */
  provider: string;
  /** The provider's stable user id (OIDC `sub`, GitHub's numeric `id` as a string). */
  subject: string;
  /** Trimmed and lower-cased. */
  email: string;
  /** True only when the provider says it verified this very address. */
  emailVerified: boolean;
  name: string;
  /** An http(s) URL, or '' when the provider gave none (or something else). */
  avatar: string;
}

export interface KindDefaults {
  displayName: string | undefined;
  authUrl: string | undefined;
  tokenUrl: string | undefined;
  userInfoUrl: string | undefined;
  scopes: string[];
  clientAuth: ClientAuth;
}

const DEFAULTS: Record<ProviderKind, KindDefaults> = {
  google: {
    displayName: 'Google',
    authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    userInfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
    scopes: ['openid', 'email', 'profile'],
    clientAuth: 'basic',
  },
  github: {
    displayName: 'GitHub',
    authUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    userInfoUrl: 'https://api.github.com/user',
    scopes: ['read:user', 'user:email'],
    // GitHub documents client_id and client_secret as form parameters of the token request, not HTTP Basic.
    clientAuth: 'body',
  },
  // An OIDC provider's endpoints come from its own discovery document, so the config must name them.
  oidc: { displayName: undefined, authUrl: undefined, tokenUrl: undefined, userInfoUrl: undefined, scopes: ['openid', 'email', 'profile'], clientAuth: 'basic' },
};

/** The endpoints, scopes and client authentication a provider of `kind` gets when its config leaves them out. */
export function kindDefaults(kind: ProviderKind): KindDefaults {
  const d = DEFAULTS[kind];
  return { ...d, scopes: [...d.scopes] };
}

/** GETs a URL with the access token and returns its JSON (undefined when the body is not JSON); throws HttpError. */
export type GetJson = (url: string, headers: Record<string, string>) => Promise<unknown>;

/**
 * Reads the signed-in user's profile from the provider of `kind` through `get` (which carries the access token) and
 * maps it; a profile without a usable subject or email is 400 `oauth2_user_info_processing_failed`.
 */
export async function readProfile(kind: ProviderKind, provider: string, userInfoUrl: string, get: GetJson): Promise<OAuth2Profile> {
  if (kind !== 'github') return mapOidcClaims(provider, await get(userInfoUrl, { accept: 'application/json' }));
  const headers = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
  // /user's email is only the public one, and unverified: the verified primary address comes from /user/emails.
  // Both requests run at once so a GitHub login costs two round trips, not three.
  const [user, emails] = await Promise.all([get(userInfoUrl, headers), get(githubEmailsUrl(userInfoUrl), headers)]);
  return mapGitHub(provider, user, emails);
}

/** Google and any OpenID Connect provider: the standard claims (OIDC Core §5.1). */
function mapOidcClaims(provider: string, body: unknown): OAuth2Profile {
  const claims = asObject(body, 'The user info');
  const sub = claims.sub;
  // OIDC Core §2: at most 255 ASCII characters, never reassigned; anything else cannot key an identity.
  if (typeof sub !== 'string' || sub === '' || sub.length > 255) throw processingFailed('The user info has no usable "sub" claim');
  const email = normalizeEmail(claims.email);
  // Some providers (Cognito, older Google endpoints) send the boolean as a string.
  const emailVerified = claims.email_verified === true || claims.email_verified === 'true';
  return { provider, subject: sub, email, emailVerified, name: cleanName(claims.name) || cleanName(claims.preferred_username), avatar: cleanUrl(claims.picture) };
}

interface GitHubEmail {
  email: unknown;
  primary: unknown;
  verified: unknown;
}

/** GitHub: `/user` for the id, name and avatar; `/user/emails` for the primary address and whether it is verified. */
function mapGitHub(provider: string, body: unknown, emailsBody: unknown): OAuth2Profile {
  const user = asObject(body, 'The GitHub user');
  const id = user.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw processingFailed('The GitHub user has no usable numeric "id"');
  if (!Array.isArray(emailsBody)) throw processingFailed('The GitHub email list is not a JSON array');
  const emails = emailsBody.filter((e): e is GitHubEmail => e !== null && typeof e === 'object' && typeof e.email === 'string');
  const primary = emails.find((e) => e.primary === true);
  // A verified address that is not the primary one is not taken: the primary is the one the user chose to be reached at.
  let email: string;
  let emailVerified = false;
  if (primary !== undefined) {
    email = normalizeEmail(primary.email);
    emailVerified = primary.verified === true;
  } else {
    // No primary listed (should not happen): the public profile address, never treated as verified.
    email = normalizeEmail(user.email);
  }
  return { provider, subject: String(id), email, emailVerified, name: cleanName(user.name) || cleanName(user.login), avatar: cleanUrl(user.avatar_url) };
}

/**
 * `/user/emails` next to the configured `/user` (GitHub Enterprise serves the API under `/api/v3`); from the origin
 * when the user URL has another path.
 */
function githubEmailsUrl(userInfoUrl: string): string {
  const url = new URL(userInfoUrl);
  url.search = '';
  url.pathname = /\/user\/?$/.test(url.pathname) ? url.pathname.replace(/\/?$/, '/emails') : '/user/emails';
  return url.href;
}

function asObject(body: unknown, what: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw processingFailed(`${what} is not a JSON object`);
  return body as Record<string, unknown>;
}

// Deliberately loose: the account layer applies the real address rules; this only refuses what cannot be an address.
const EMAIL_SHAPE = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u;

function normalizeEmail(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw processingFailed('The provider gave no email address');
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !EMAIL_SHAPE.test(email)) throw processingFailed('The provider gave an email address that is not one');
  return email;
}

function cleanName(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value.replace(/\p{Cc}/gu, ' ').trim().slice(0, 200);
}

/** The value when it is an http(s) URL of sane length: an avatar ends up in `src` attributes of pages. */
function cleanUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2048) return '';
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '';
  } catch {
    return '';
  }
}

function processingFailed(detail: string): HttpError {
  return new HttpError(400, 'oauth2_user_info_processing_failed', detail);
}
