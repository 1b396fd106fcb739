// The account endpoints' paths and their published map: GET /api/list-endpoints gives clients (the browser SDK) every
// endpoint as "METHOD /path" and a hash of the map; a client that sends a stale hash in X-Monolite-Endpoints-Hash gets
// 409 endpoints_hash_mismatch and fetches the map again.
import { createHash } from 'node:crypto';
import type { Router } from '../lib/router.ts';
import type { Handler, Context } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';

export const ENDPOINTS = {
  refresh_auth: 'POST /api/refresh-auth',
  list_endpoints: 'GET /api/list-endpoints',
  auth_with_password: 'POST /api/auth-with-password',
  auth_with_oauth2: 'POST /api/auth-with-oauth2',
  register_with_password: 'POST /api/register-with-password',
  list_oauth2_providers: 'GET /api/list-oauth2-providers',
  request_password_reset_otp: 'POST /api/request-password-reset-otp',
  verify_password_reset_otp: 'POST /api/verify-password-reset-otp',
  confirm_password_reset_otp: 'POST /api/confirm-password-reset-otp',
  request_email_change_otp: 'POST /api/request-email-change-otp',
  confirm_email_change_otp: 'POST /api/confirm-email-change-otp',
  request_email_verification_otp: 'POST /api/request-email-verification-otp',
  confirm_email_verification_otp: 'POST /api/confirm-email-verification-otp',
  me: 'GET /api/me',
  update_me: 'PATCH /api/me',
  delete_me: 'DELETE /api/me',
  logout_all: 'POST /api/logout-all',
} as const;

export type EndpointKey = keyof typeof ENDPOINTS;
/** The path of each endpoint. */
export type AuthPaths = Record<EndpointKey, string>;

export const HASH_HEADER = 'x-monolite-endpoints-hash';

/** The paths of ENDPOINTS. */
export function defaultPaths(): AuthPaths {
  return Object.fromEntries(Object.entries(ENDPOINTS).map(([key, spec]) => [key, spec.slice(spec.indexOf(' ') + 1)])) as AuthPaths;
}

/**
 * The `auth.paths` table: a path for any endpoint key (the method stays); unknown keys and paths that are not
 * `/segments` are refused. Missing keys keep their default.
 */
export function parsePaths(value: unknown): Partial<AuthPaths> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('expected a table of endpoint paths');
  const out: Partial<AuthPaths> = {};
  for (const [key, path] of Object.entries(value)) {
    if (!Object.hasOwn(ENDPOINTS, key)) throw new TypeError(`unknown endpoint "${key}"; expected one of ${Object.keys(ENDPOINTS).join(', ')}`);
    if (typeof path !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) throw new TypeError(`${key}: expected a path like "/api/login", got ${JSON.stringify(path)}`);
    out[key as EndpointKey] = path;
  }
  return out;
}

/** The endpoints with `paths` applied, "METHOD /path" by key, in ENDPOINTS order. */
export function endpointMap(paths: AuthPaths): Record<EndpointKey, string> {
  return Object.fromEntries(Object.entries(ENDPOINTS).map(([key, spec]) => [key, `${spec.slice(0, spec.indexOf(' '))} ${paths[key as EndpointKey]}`])) as Record<EndpointKey, string>;
}

/** First 8 bytes of SHA-256 over the "METHOD /path" strings in ENDPOINTS order, hex (as restinpieces). */
export function endpointsHash(endpoints: Record<string, string>): string {
  return createHash('sha256').update(Object.values(endpoints).join('')).digest('hex').slice(0, 16);
}

/** Registers GET list-endpoints; returns a check for the hash header that account routes run first. */
export function registerEndpointList(router: Router<Handler>, paths: AuthPaths): (ctx: Context) => void {
  const endpoints = endpointMap(paths);
  const hash = endpointsHash(endpoints);
  router.get(paths.list_endpoints, (ctx) => ctx.json(200, { endpoints, hash }));
  return (ctx) => {
    const sent = ctx.req.headers[HASH_HEADER];
    if (typeof sent === 'string' && sent !== '' && sent !== hash) {
      throw new HttpError(409, 'endpoints_hash_mismatch', 'The client\'s endpoint map is outdated; fetch GET /api/list-endpoints again');
    }
  };
}
