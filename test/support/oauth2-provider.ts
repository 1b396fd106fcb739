// A local OAuth2 / OpenID Connect provider for tests: authorize (a 302 back with a code), token endpoint with client
// authentication, redirect_uri and PKCE S256 checks, Google/OIDC `/userinfo` and GitHub `/user` + `/user/emails`.
//
// A test either follows a listing's authURL (GET /authorize signs in `nextIdentity`) or calls authorize() with it,
// which registers the code the provider would have sent back. Failures are scripted per endpoint with fail().
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Who signs in: `userinfo` is the body of /userinfo (Google, OIDC) or of /user (GitHub). */
export interface FakeIdentity {
  userinfo: Record<string, unknown>;
  /** The body of GitHub's /user/emails (default []). */
  emails?: { email: string; primary: boolean; verified: boolean; visibility?: string | null }[];
}

/** A scripted answer replacing the endpoint's own; `hang` never answers (until close). */
export type FakeReply = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'hang';

export type FakeEndpointName = 'authorize' | 'token' | 'userinfo' | 'user' | 'emails';

export interface FakeRequest {
  endpoint: FakeEndpointName | 'unknown';
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeOAuth2ProviderOptions {
  clientId?: string;
  clientSecret?: string;
  /** How the token endpoint expects the client credentials (default 'basic'); the other way is refused. */
  clientAuth?: 'basic' | 'body';
}

export interface FakeOAuth2Provider {
  /** http://127.0.0.1:<port> */
  origin: string;
  authUrl: string;
  tokenUrl: string;
  /** Google / OIDC user info. */
  userInfoUrl: string;
  /** GitHub's /user (its /user/emails is next to it). */
  githubUserUrl: string;
  clientId: string;
  clientSecret: string;
  /** Every request, in arrival order. */
  requests: FakeRequest[];
  /** Who GET /authorize signs in. */
  nextIdentity: FakeIdentity;
  /**
   * What the provider does when the browser visits `authURL` and the user consents: checks client_id and
   * response_type, records redirect_uri and the PKCE challenge with a fresh code for `identity`, and returns the
   * code and the state it would send back to the redirect URI.
   */
  authorize(authURL: string, identity: FakeIdentity): { code: string; state: string };
  /** Queues a scripted answer for the next request to `endpoint`. */
  fail(endpoint: FakeEndpointName, reply: FakeReply): void;
  /** The `auth.oauth2.<key>` config table pointing a provider of `kind` at this server. */
  configTable(kind: 'google' | 'github' | 'oidc', redirectUrl: string): Record<string, string | boolean | string[]>;
  close(): Promise<void>;
}

interface Grant {
  identity: FakeIdentity;
  redirectUri: string;
  challenge: string | undefined;
  used: boolean;
}

/** base64url(SHA-256(verifier)): RFC 7636 §4.2, written out here independently of the code under test. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Starts the provider on 127.0.0.1 and an ephemeral port. */
export async function startFakeOAuth2Provider(options: FakeOAuth2ProviderOptions = {}): Promise<FakeOAuth2Provider> {
  const clientId = options.clientId ?? 'test-client';
  const clientSecret = options.clientSecret ?? 'test-secret:with/odd chars';
  const clientAuth = options.clientAuth ?? 'basic';
  const grants = new Map<string, Grant>();
  const tokens = new Map<string, FakeIdentity>();
  const scripts = new Map<FakeEndpointName, FakeReply[]>();
  const requests: FakeRequest[] = [];

  const grant = (query: URLSearchParams, identity: FakeIdentity): { code: string; state: string } => {
    if (query.get('client_id') !== clientId) throw new Error(`Fake provider: unknown client_id ${JSON.stringify(query.get('client_id'))}`);
    if (query.get('response_type') !== 'code') throw new Error(`Fake provider: response_type must be "code", got ${JSON.stringify(query.get('response_type'))}`);
    const redirectUri = query.get('redirect_uri');
    if (!redirectUri) throw new Error('Fake provider: no redirect_uri');
    const method = query.get('code_challenge_method');
    if (query.has('code_challenge') && method !== 'S256') throw new Error(`Fake provider: only S256 challenges, got ${JSON.stringify(method)}`);
    const code = randomBytes(16).toString('hex');
    grants.set(code, { identity, redirectUri, challenge: query.get('code_challenge') ?? undefined, used: false });
    return { code, state: query.get('state') ?? '' };
  };

  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const endpoint = endpointOf(req.method ?? '', url.pathname);
      requests.push({ endpoint, method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const scripted = endpoint === 'unknown' ? undefined : scripts.get(endpoint)?.shift();
      if (scripted === 'hang') return;
      if (scripted !== undefined) {
        const answer = () => res.writeHead(scripted.status, scripted.headers ?? { 'content-type': 'application/json' }).end(scripted.body ?? '');
        if (scripted.delayMs) setTimeout(answer, scripted.delayMs);
        else answer();
        return;
      }
      switch (endpoint) {
        case 'authorize': {
          let target: URL;
          try {
            const { code, state } = grant(url.searchParams, provider.nextIdentity);
            target = new URL(url.searchParams.get('redirect_uri') ?? '');
            target.searchParams.set('code', code);
            target.searchParams.set('state', state);
          } catch (err) {
            return void res.writeHead(400, { 'content-type': 'text/plain' }).end((err as Error).message);
          }
          return void res.writeHead(302, { location: target.href }).end();
        }
        case 'token': return token(req.headers, body, res);
        case 'userinfo': case 'user': return withIdentity(req.headers, res, (id) => id.userinfo);
        case 'emails': return withIdentity(req.headers, res, (id) => id.emails ?? []);
        default: return json(res, 404, { error: 'not_found' });
      }
    });
  });

  function token(headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    if (!/^application\/x-www-form-urlencoded\b/.test(headers['content-type'] ?? '')) return json(res, 400, { error: 'invalid_request', error_description: 'form body expected' });
    const form = new URLSearchParams(body);
    let id: string | null = null;
    let secret: string | null = null;
    const basic = /^Basic (.+)$/.exec(headers.authorization ?? '');
    if (basic) {
      // RFC 6749 §2.3.1: both parts are form-encoded inside the Basic credentials.
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      id = unform(decoded.slice(0, colon));
      secret = unform(decoded.slice(colon + 1));
    }
    const inBody = form.has('client_secret');
    if ((clientAuth === 'basic') !== Boolean(basic) || (clientAuth === 'body') !== inBody) {
      return json(res, 401, { error: 'invalid_client', error_description: `client credentials expected in ${clientAuth === 'basic' ? 'HTTP Basic' : 'the body'}` });
    }
    if (!basic) {
      id = form.get('client_id');
      secret = form.get('client_secret');
    }
    if (id !== clientId || secret !== clientSecret) return json(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
    const g = grants.get(form.get('code') ?? '');
    if (g === undefined || g.used) return json(res, 400, { error: 'invalid_grant', error_description: 'unknown or used code' });
    g.used = true;
    if (form.get('redirect_uri') !== g.redirectUri) return json(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri mismatch' });
    if (g.challenge !== undefined) {
      const verifier = form.get('code_verifier');
      if (verifier === null || s256(verifier) !== g.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    }
    const accessToken = randomBytes(16).toString('hex');
    tokens.set(accessToken, g.identity);
    json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 });
  }

  function withIdentity(headers: IncomingHttpHeaders, res: ServerResponse, pick: (id: FakeIdentity) => unknown): void {
    // As api.github.com does: a request without a User-Agent is refused.
    if (!headers['user-agent']) return json(res, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header' });
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '');
    const identity = bearer ? tokens.get(bearer[1]) : undefined;
    if (identity === undefined) return json(res, 401, { error: 'invalid_token' });
    json(res, 200, pick(identity));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider: FakeOAuth2Provider = {
    origin,
    authUrl: `${origin}/authorize`,
    tokenUrl: `${origin}/token`,
    userInfoUrl: `${origin}/userinfo`,
    githubUserUrl: `${origin}/user`,
    clientId,
    clientSecret,
    requests,
    nextIdentity: { userinfo: { sub: 'fake-subject', email: 'fake@example.com', email_verified: true, name: 'Fake User' } },
    authorize(authURL, identity) {
      return grant(new URL(authURL).searchParams, identity);
    },
    fail(endpoint, reply) {
      const queue = scripts.get(endpoint) ?? [];
      queue.push(reply);
      scripts.set(endpoint, queue);
    },
    configTable(kind, redirectUrl) {
      return {
        kind,
        client_id: clientId,
        client_secret: clientSecret,
        auth_url: provider.authUrl,
        token_url: provider.tokenUrl,
        user_info_url: kind === 'github' ? provider.githubUserUrl : provider.userInfoUrl,
        client_auth: clientAuth,
        redirect_url: redirectUrl,
      };
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return provider;
}

function endpointOf(method: string, path: string): FakeEndpointName | 'unknown' {
  if (method === 'GET' && path === '/authorize') return 'authorize';
  if (method === 'POST' && path === '/token') return 'token';
  if (method === 'GET' && path === '/userinfo') return 'userinfo';
  if (method === 'GET' && path === '/user') return 'user';
  if (method === 'GET' && path === '/user/emails') return 'emails';
  return 'unknown';
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
