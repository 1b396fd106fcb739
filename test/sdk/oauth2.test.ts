// The SDK's OAuth2 sign-in against a real server and the local test provider (test/support/oauth2-provider.ts):
// oauth2Providers, oauth2Redirect (sessionStorage and location stubbed as a browser has them), the provider's own
// 302 back to the callback page, and oauth2Complete on that URL. Runs against the source SDK and the minified one.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { startFakeOAuth2Provider, type FakeOAuth2Provider } from '../support/oauth2-provider.ts';
import { forEachVariant, memoryStorage } from './variants.ts';

const REDIRECT = 'https://app.example/oauth2/callback';
let app: App;
let url: string;
let dir: string;
let google: FakeOAuth2Provider;

before(async () => {
  google = await startFakeOAuth2Provider();
  dir = mkdtempSync(join(tmpdir(), 'monolite-sdk-oauth2-'));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {}, log: new Logger([], 'error'),
    flags: { server: { port: 0 }, auth: { oauth2: { google: { ...google.configTable('google', REDIRECT), display_name: 'Google' } } as never } },
  });
  url = (await app.listen()).url;
});

after(async () => {
  await app.close();
  await google.close();
  rmSync(dir, { recursive: true, force: true });
});

const g = globalThis as Record<string, unknown>;
/** What a browser tab offers the OAuth2 methods: its sessionStorage, and a location whose assign() is recorded. */
function browserTab(): { session: ReturnType<typeof memoryStorage>; assigned: string[] } {
  const session = memoryStorage();
  const assigned: string[] = [];
  g.sessionStorage = session;
  g.location = { href: 'https://app.example/login.html', assign: (to: string) => assigned.push(to) };
  return { session, assigned };
}
afterEach(() => {
  delete g.sessionStorage;
  delete g.location;
});

/** The provider signs `sub` in and sends the browser back: the Location of its 302. */
async function consent(authURL: string, sub: string): Promise<string> {
  google.nextIdentity = { userinfo: { sub, email: `${sub}@example.com`, email_verified: true, name: sub } };
  const res = await fetch(authURL, { redirect: 'manual' });
  assert.equal(res.status, 302);
  return res.headers.get('location')!;
}

await forEachVariant(({ Monolite, MonoliteError }, variant) => {
  type Err = InstanceType<typeof MonoliteError>;

  test('providers, redirect with PKCE, the provider\'s callback, complete: signed in', async () => {
    const tab = browserTab();
    const ml = new Monolite(url, { storage: memoryStorage() });
    const providers = await ml.oauth2Providers();
    assert.deepEqual(providers.map((p) => [p.name, p.displayName, p.codeChallengeMethod, p.redirectURL]), [['google', 'Google', 'S256', REDIRECT]]);
    ml.oauth2Redirect(providers[0]);
    assert.deepEqual(tab.assigned, [providers[0].authURL]);
    const callback = await consent(tab.assigned[0], `grace-${variant}`);
    assert.ok(callback.startsWith(REDIRECT + '?'), callback);
    const session = await ml.oauth2Complete(callback);
    assert.equal(session.record.email, `grace-${variant}@example.com`);
    assert.equal(session.record.verified, true);
    assert.equal(ml.auth.token, session.access_token);
    assert.equal((await ml.me()).email, `grace-${variant}@example.com`);
    assert.equal(tab.session.items.size, 0, 'the pending sign-in is forgotten');
    // The code was used: the same callback again has nothing to complete.
    await assert.rejects(ml.oauth2Complete(callback), (e: Err) => e.code === 'oauth2_not_started');
  });

  test('a callback whose state is not the one this tab sent is refused before the server is asked', async () => {
    const tab = browserTab();
    const ml = new Monolite(url, { storage: memoryStorage() });
    const [first] = await ml.oauth2Providers();
    const [second] = await ml.oauth2Providers();
    ml.oauth2Redirect(first);
    // The user came back from another sign-in (another tab, or a forged link).
    const callback = await consent(second.authURL, `mallory-${variant}`);
    const tokenCalls = google.requests.filter((r) => r.endpoint === 'token').length;
    await assert.rejects(ml.oauth2Complete(callback), (e: Err) => e.status === 0 && e.code === 'oauth2_state_mismatch');
    assert.equal(google.requests.filter((r) => r.endpoint === 'token').length, tokenCalls);
    assert.equal(ml.auth.token, '');
    assert.equal(tab.session.items.size, 0);
  });

  test('a provider that refuses the code: the server\'s error, still signed out', async () => {
    const tab = browserTab();
    const ml = new Monolite(url, { storage: memoryStorage() });
    const [provider] = await ml.oauth2Providers();
    ml.oauth2Redirect(provider);
    const callback = await consent(tab.assigned[0], `eve-${variant}`);
    google.fail('token', { status: 400, body: JSON.stringify({ error: 'invalid_grant' }), headers: { 'content-type': 'application/json' } });
    const err = await ml.oauth2Complete(callback).then(() => assert.fail('resolved'), (e: Err) => e);
    assert.ok(err instanceof MonoliteError);
    assert.deepEqual([err.status, err.code], [400, 'oauth2_token_exchange_failed']);
    assert.equal(ml.auth.token, '');
  });
});
