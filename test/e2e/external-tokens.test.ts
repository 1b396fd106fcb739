// Tokens of another service signed with a shared secret (auth.external_secrets): accepted with the configured iss
// and aud, any of the listed secrets, mapped to an external user with the token's scopes; refused otherwise; session
// tokens keep working beside them; the account endpoints are not for external users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { jwtKey, signJwt } from '../../src/lib/jwt.ts';

const OLD = 'an-old-shared-secret-of-32-chars-or-more';
const NEW = 'the-new-shared-secret-of-32-chars-or-more';
let app: App;
let url: string;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monolite-external-'));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {}, log: new Logger([], 'error'),
    flags: { server: { port: 0 }, auth: { external_secrets: `${NEW}, ${OLD}`, external_issuer: 'https://issuer.example', external_audience: 'monolite' } },
  });
  app.router.get('/whoami', (ctx) => ctx.json(200, { user: ctx.user }));
  url = (await app.listen()).url;
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);
const token = (secret: string, claims: Record<string, unknown>) => signJwt({ sub: 'svc-42', iss: 'https://issuer.example', aud: ['other', 'monolite'], scope: 'orders:read admin', iat: now(), exp: now() + 60, ...claims }, jwtKey(secret));
const whoami = async (t: string) => {
  const res = await fetch(`${url}/whoami`, { headers: { authorization: `Bearer ${t}` } });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
};

test('an external token with the right issuer and audience, under any listed secret, gives an external user', async () => {
  for (const secret of [NEW, OLD]) {
    const r = await whoami(token(secret, {}));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.user, { id: 'svc-42', scopes: ['orders:read', 'admin'], external: true });
  }
});

test('wrong secret, issuer, audience, expiry or subject: 401', async () => {
  const cases: [string, string][] = [
    [token('a-secret-nobody-configured-at-all-here', {}), 'token_signature'],
    [token(NEW, { iss: 'https://evil.example' }), 'token_invalid'],
    [token(NEW, { aud: 'someone-else' }), 'token_invalid'],
    [token(NEW, { exp: now() - 3600 }), 'token_expired'],
    [token(NEW, { sub: '' }), 'token_invalid'],
  ];
  for (const [t, code] of cases) {
    const r = await whoami(t);
    assert.equal(r.status, 401, code);
    assert.equal(r.body.code, code);
  }
});

test('session tokens still work beside them; account endpoints refuse external users', async () => {
  const user = app.accounts.users.create({ email: 'local@example.com', verified: true });
  const session = app.accounts.sessions.issue(user).access_token;
  const local = await whoami(session);
  assert.equal(local.status, 200);
  assert.equal((local.body.user as { email: string }).email, 'local@example.com');
  const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token(NEW, {})}` } });
  assert.equal(me.status, 401);
  assert.equal(((await me.json()) as { code: string }).code, 'auth_required');
});
