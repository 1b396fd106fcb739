// OAuth2 sign-in through the app against a local provider (test/support/oauth2-provider.ts): a new identity with a
// verified email creates a verified account, the same identity signs in again, a verified email links to the verified
// account of that address, an unverified account or an unverified email is refused, and a tampered state never
// reaches the provider.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { hashPassword } from '../../src/auth/password.ts';
import { startFakeOAuth2Provider, type FakeOAuth2Provider } from '../support/oauth2-provider.ts';

let app: App;
let url: string;
let dir: string;
let google: FakeOAuth2Provider;
const REDIRECT = 'http://127.0.0.1:9/oauth2/callback';

before(async () => {
  google = await startFakeOAuth2Provider();
  dir = mkdtempSync(join(tmpdir(), 'monolite-oauth2-'));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {}, log: new Logger([], 'error'),
    flags: { server: { port: 0 }, auth: { oauth2: { google: google.configTable('google', REDIRECT) } as never } },
  });
  url = (await app.listen()).url;
});

after(async () => {
  await app.close();
  await google.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Listing { name: string; state: string; authURL: string; codeVerifier: string; redirectURL: string }

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

/** The whole browser dance for `userinfo`: list, authorize at the provider, come back with the code. */
async function signIn(userinfo: Record<string, unknown>, tamper?: (l: Listing) => void): Promise<{ status: number; body: Record<string, unknown> }> {
  const list = await (await fetch(`${url}/api/list-oauth2-providers`)).json() as { providers: Listing[] };
  const listing = list.providers.find((p) => p.name === 'google')!;
  const { code, state } = google.authorize(listing.authURL, { userinfo });
  const sent = { provider: 'google', code, state, code_verifier: listing.codeVerifier, redirect_uri: listing.redirectURL };
  tamper?.(sent as unknown as Listing);
  return post('/api/auth-with-oauth2', sent);
}

test('list-oauth2-providers gives each provider an authorization URL with PKCE and a state', async () => {
  const list = await (await fetch(`${url}/api/list-oauth2-providers`)).json() as { providers: (Listing & { codeChallengeMethod: string })[] };
  assert.equal(list.providers.length, 1);
  const [p] = list.providers;
  assert.equal(p.redirectURL, REDIRECT);
  assert.equal(p.codeChallengeMethod, 'S256');
  const auth = new URL(p.authURL);
  assert.equal(auth.searchParams.get('redirect_uri'), REDIRECT);
  assert.equal(auth.searchParams.get('state'), p.state);
  assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
});

test('a new verified identity creates a verified account; the same identity signs in again', async () => {
  const first = await signIn({ sub: 'g-1', email: 'Grace@Example.com', email_verified: true, name: 'Grace', picture: 'https://example.com/g.png' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const record = first.body.record as { id: number; email: string; name: string; verified: boolean };
  assert.deepEqual([record.email, record.name, record.verified], ['grace@example.com', 'Grace', true]);
  const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${first.body.access_token}` } });
  assert.equal(me.status, 200);
  // The provider shows another address later: the identity still names the same account.
  const again = await signIn({ sub: 'g-1', email: 'grace.new@example.com', email_verified: true, name: 'Grace' });
  assert.equal((again.body.record as { id: number }).id, record.id);
});

test('a verified email links to the verified account of that address; an unverified account or email is refused', async () => {
  const verified = app.accounts.users.create({ email: 'linus@example.com', passwordHash: await hashPassword('a long enough password'), verified: true });
  const linked = await signIn({ sub: 'g-2', email: 'linus@example.com', email_verified: true });
  assert.equal(linked.status, 200);
  assert.equal((linked.body.record as { id: number }).id, verified.id);
  assert.equal(app.accounts.users.findByIdentity('google', 'g-2')?.id, verified.id);

  app.accounts.users.create({ email: 'squatter@example.com', passwordHash: await hashPassword('a long enough password') });
  const squatted = await signIn({ sub: 'g-3', email: 'squatter@example.com', email_verified: true });
  assert.equal(squatted.status, 409);
  assert.equal(squatted.body.code, 'email_conflict');

  const unverified = await signIn({ sub: 'g-4', email: 'nobody@example.com', email_verified: false });
  assert.equal(unverified.status, 403);
  assert.equal(unverified.body.code, 'unverified_email');
  assert.equal(app.accounts.users.findByEmail('nobody@example.com'), undefined);
});

test('a tampered state or another verifier is refused before the provider is asked', async () => {
  const before = google.requests.filter((r) => r.endpoint === 'token').length;
  const tampered = await signIn({ sub: 'g-5', email: 'x@example.com', email_verified: true }, (l) => { l.state = l.state.slice(0, -3) + 'AAA'; });
  assert.equal(tampered.status, 400);
  assert.equal(tampered.body.code, 'invalid_oauth2_state');
  const otherVerifier = await signIn({ sub: 'g-5', email: 'x@example.com', email_verified: true }, (l) => { l.codeVerifier = 'A'.repeat(43); (l as unknown as { code_verifier: string }).code_verifier = 'A'.repeat(43); });
  assert.equal(otherVerifier.status, 400);
  assert.equal(otherVerifier.body.code, 'invalid_oauth2_state');
  assert.equal(google.requests.filter((r) => r.endpoint === 'token').length, before);
});
