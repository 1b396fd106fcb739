// A scripted `fetch` for the SDK's offline tests: records every request and answers from a handler, so that what the
// SDK sends (URL, headers, body) and how it reads answers (headers, errors) can be checked without a server.

export interface SentRequest {
  method: string;
  url: URL;
  headers: Headers;
  /** The body as text, or the FormData itself. */
  body: string | FormData | undefined;
  /** `METHOD /path` without the query. */
  route: string;
}

export type Answer = Response | (() => Response | Promise<Response>);

/** A JSON answer (problem+json when the body has a `code` and the status is an error). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const problem = status >= 400 && body !== null && typeof body === 'object' && 'code' in body;
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': problem ? 'application/problem+json' : 'application/json', ...headers } });
}

export const ENDPOINTS = {
  refresh_auth: 'POST /api/refresh-auth',
  auth_with_password: 'POST /api/auth-with-password',
  auth_with_oauth2: 'POST /api/auth-with-oauth2',
  register_with_password: 'POST /api/register-with-password',
  request_email_verification_otp: 'POST /api/request-email-verification-otp',
  me: 'GET /api/me',
  update_me: 'PATCH /api/me',
};

/**
 * A fetch answering `routes` (`"METHOD /path"` → answer); GET /api/list-endpoints publishes ENDPOINTS with hash
 * `hash` unless a route overrides it; anything else is a 404.
 */
export function fakeFetch(routes: Record<string, Answer | Answer[]> = {}, hash = 'h1'): { fetch: typeof fetch; requests: SentRequest[] } {
  const requests: SentRequest[] = [];
  const queues = new Map(Object.entries(routes).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]));
  const fetchFn = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    const body = init.body === undefined || init.body === null ? undefined : init.body instanceof FormData ? init.body : String(init.body);
    const route = `${method} ${url.pathname}`;
    requests.push({ method, url, headers: new Headers(init.headers), body, route });
    const scripted = queues.get(route);
    let answer: Answer | undefined = Array.isArray(scripted) ? scripted.shift() : scripted;
    if (answer === undefined && route === 'GET /api/list-endpoints') answer = json(200, { endpoints: ENDPOINTS, hash });
    if (answer === undefined) return json(404, { code: 'not_found', detail: `No route for ${route}` });
    return typeof answer === 'function' ? answer() : answer.clone();
  };
  return { fetch: fetchFn as typeof fetch, requests };
}

/** An unsigned JWT with these claims (the SDK never verifies signatures). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** A token issued `age` seconds ago that lives `lifetime` seconds. */
export function tokenAged(age: number, lifetime: number, extra: Record<string, unknown> = {}): string {
  const iat = Math.floor(Date.now() / 1000) - age;
  return fakeJwt({ sub: '1', iat, exp: iat + lifetime, scope: '', ...extra });
}

export const BASE = 'http://sdk.test';
