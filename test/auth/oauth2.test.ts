// OAuth2, provider side, against a local fake provider: the listings (verifier, S256 challenge, state claims,
// authURL), a login per kind (Google, GitHub, OIDC, no PKCE), every way the state can be wrong, the provider refusing
// the verifier, token and user-info failures and timeouts, profile mapping, and config parsing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { jwtKey, signJwt, verifyJwt } from '../../src/lib/jwt.ts';
import { OAuth2, parseProviders, type OAuth2Profile, type ProviderConfig, type ProviderListing } from '../../src/auth/oauth2.ts';
import { s256, startFakeOAuth2Provider, type FakeIdentity, type FakeOAuth2Provider } from '../support/oauth2-provider.ts';

const SECRET = '0123456789abcdef0123456789abcdef';
const KEY = jwtKey(SECRET);
const REDIRECT = 'http://localhost:8080/oauth2/callback.html';
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

const alice: FakeIdentity = {
  userinfo: { sub: '1094', email: '  Alice@Example.COM ', email_verified: true, name: 'Alice', picture: 'https://img.example/alice.png' },
};
const octocat: FakeIdentity = {
  userinfo: { id: 583231, login: 'octocat', name: null, avatar_url: 'https://avatars.example/u/583231', email: 'public@octo.example' },
  emails: [
    { email: 'other@octo.example', primary: false, verified: true },
    { email: 'Octo@GitHub.example', primary: true, verified: true, visibility: 'private' },
  ],
};

let idp: FakeOAuth2Provider; // Basic client auth: google, corp (OIDC), plain (OIDC, no PKCE)
let gh: FakeOAuth2Provider; // credentials in the body, as GitHub wants them
let providers: ProviderConfig[];
let clock = T0;
let oauth: OAuth2;
let fast: OAuth2; // a short per-call timeout

before(async () => {
  idp = await startFakeOAuth2Provider();
  gh = await startFakeOAuth2Provider({ clientAuth: 'body', clientId: 'gh-client', clientSecret: 'gh-secret' });
  providers = parseProviders({
    google: idp.configTable('google', REDIRECT),
    github: gh.configTable('github', REDIRECT),
    corp: { ...idp.configTable('oidc', REDIRECT), display_name: 'Corp SSO', scopes: ['openid', 'email'] },
    plain: { ...idp.configTable('oidc', REDIRECT), auth_url: `${idp.authUrl}?prompt=consent&x=a%20b`, pkce: false },
  });
  oauth = new OAuth2({ providers, stateKey: KEY, now: () => clock });
  fast = new OAuth2({ providers, stateKey: KEY, timeoutMs: 150, now: () => clock });
});

after(async () => {
  await Promise.all([idp.close(), gh.close()]);
});

function listing(flow: OAuth2, name: string): ProviderListing {
  const found = flow.list().find((l) => l.name === name);
  assert.ok(found, `no listing for ${name}`);
  return found;
}

/** The whole round trip: list, "visit" the authURL at the provider, come back with the code. */
function login(name: string, identity: FakeIdentity, flow = oauth): Promise<OAuth2Profile> {
  const l = listing(flow, name);
  const provider = name === 'github' ? gh : idp;
  const { code, state } = provider.authorize(l.authURL, identity);
  assert.equal(state, l.state);
  return flow.authenticate({ provider: name, code, code_verifier: l.codeVerifier, state });
}

function fails(code: string, detail?: RegExp) {
  return (err: unknown) => {
    assert.equal((err as { status?: number }).status, 400, String(err));
    assert.equal((err as { code?: string }).code, code, String(err));
    if (detail) assert.match((err as Error).message, detail);
    return true;
  };
}

describe('list()', () => {
  test('the S256 helper of the fake provider matches RFC 7636 appendix B and the restinpieces vector', () => {
    assert.equal(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    assert.equal(s256('A'.repeat(43)), 'DwBzhbb51LfusnSGBa_hqYSgo7-j8BTQnip4TOnlzRo');
  });

  test('one listing per provider in config order, with a fresh verifier and its S256 challenge', () => {
    const first = oauth.list();
    assert.deepEqual(first.map((l) => [l.name, l.displayName, l.redirectURL]), [
      ['google', 'Google', REDIRECT], ['github', 'GitHub', REDIRECT], ['corp', 'Corp SSO', REDIRECT], ['plain', 'plain', REDIRECT],
    ]);
    for (const l of first) {
      assert.match(l.codeVerifier, /^[A-Za-z0-9_-]{43}$/);
      if (l.name === 'plain') {
        assert.ok(!('codeChallenge' in l) && !('codeChallengeMethod' in l), 'no PKCE members without PKCE');
      } else {
        assert.equal(l.codeChallenge, s256(l.codeVerifier));
        assert.equal(l.codeChallengeMethod, 'S256');
      }
    }
    const second = oauth.list();
    assert.notEqual(second[0].codeVerifier, first[0].codeVerifier);
    assert.notEqual(second[0].state, first[0].state);
    assert.deepEqual(new Set(first.map((l) => l.codeVerifier)).size, first.length);
  });

  test('the state binds the provider and the verifier, for 10 minutes', () => {
    const l = listing(oauth, 'github');
    const claims = verifyJwt(l.state, KEY, { now: () => clock });
    assert.deepEqual(claims, {
      type: 'oauth2_state',
      provider: 'github',
      cv_hash: createHmac('sha256', SECRET).update(l.codeVerifier).digest('hex'),
      iat: T0 / 1000,
      exp: T0 / 1000 + 600,
    });
  });

  test('the authURL carries the authorization request, form-encoded', () => {
    const l = listing(oauth, 'google');
    const url = new URL(l.authURL);
    assert.equal(url.origin + url.pathname, idp.authUrl);
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      client_id: 'test-client',
      code_challenge: l.codeChallenge,
      code_challenge_method: 'S256',
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid email profile',
      state: l.state,
    });
    assert.match(l.authURL, /&scope=openid\+email\+profile&/);
    assert.match(l.authURL, /redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Foauth2%2Fcallback\.html/);
    assert.equal(new URL(listing(oauth, 'corp').authURL).searchParams.get('scope'), 'openid email');
  });

  test('a query already in auth_url is kept as written and extended with &; no challenge without PKCE', () => {
    const l = listing(oauth, 'plain');
    assert.ok(l.authURL.startsWith(`${idp.authUrl}?prompt=consent&x=a%20b&client_id=`), l.authURL);
    const params = new URL(l.authURL).searchParams;
    assert.equal(params.get('prompt'), 'consent');
    assert.equal(params.has('code_challenge'), false);
    assert.equal(params.has('code_challenge_method'), false);
  });

  test('no providers, no listings', () => {
    assert.deepEqual(new OAuth2({ providers: [], stateKey: KEY }).list(), []);
  });
});

describe('a login per kind', () => {
  test('Google: standard claims, Basic client auth, the verifier sent, the email normalized', async () => {
    const before = idp.requests.length;
    const profile = await login('google', alice);
    assert.deepEqual(profile, {
      provider: 'google', subject: '1094', email: 'alice@example.com', emailVerified: true, name: 'Alice', avatar: 'https://img.example/alice.png',
    });
    const [tokenReq, infoReq] = idp.requests.slice(before);
    assert.equal(tokenReq.endpoint, 'token');
    assert.match(tokenReq.headers.authorization ?? '', /^Basic /);
    // The secret has a ':', '/' and a space: form-encoded inside Basic (RFC 6749 §2.3.1).
    assert.equal(Buffer.from((tokenReq.headers.authorization ?? '').slice(6), 'base64').toString(), 'test-client:test-secret%3Awith%2Fodd+chars');
    const form = new URLSearchParams(tokenReq.body);
    assert.deepEqual([...form.keys()].sort(), ['code', 'code_verifier', 'grant_type', 'redirect_uri']);
    assert.equal(form.get('redirect_uri'), REDIRECT);
    assert.equal(infoReq.endpoint, 'userinfo');
    assert.match(infoReq.headers.authorization ?? '', /^Bearer [0-9a-f]{32}$/);
    assert.equal(infoReq.headers['user-agent'], 'monolite');
  });

  test('GitHub: id as subject, login when name is null, the verified primary address from /user/emails', async () => {
    const before = gh.requests.length;
    const profile = await login('github', octocat);
    assert.deepEqual(profile, {
      provider: 'github', subject: '583231', email: 'octo@github.example', emailVerified: true, name: 'octocat', avatar: 'https://avatars.example/u/583231',
    });
    const sent = gh.requests.slice(before);
    const tokenReq = sent.find((r) => r.endpoint === 'token');
    assert.ok(tokenReq);
    assert.equal(tokenReq.headers.authorization, undefined);
    assert.equal(tokenReq.headers.accept, 'application/json');
    const form = new URLSearchParams(tokenReq.body);
    assert.equal(form.get('client_id'), 'gh-client');
    assert.equal(form.get('client_secret'), 'gh-secret');
    assert.deepEqual(sent.map((r) => r.endpoint).sort(), ['emails', 'token', 'user']);
    for (const r of sent.filter((x) => x.endpoint !== 'token')) {
      assert.equal(r.headers.accept, 'application/vnd.github+json');
      assert.equal(r.headers['user-agent'], 'monolite');
    }
  });

  test('OIDC: email_verified as the string "true" counts; preferred_username stands in for a missing name', async () => {
    const profile = await login('corp', { userinfo: { sub: 'u-7', email: 'bob@corp.example', email_verified: 'true', preferred_username: 'bob', picture: 'javascript:alert(1)' } });
    assert.deepEqual(profile, { provider: 'corp', subject: 'u-7', email: 'bob@corp.example', emailVerified: true, name: 'bob', avatar: '' });
  });

  test('without PKCE the verifier still guards the state but is not sent to the provider', async () => {
    const before = idp.requests.length;
    const profile = await login('plain', alice);
    assert.equal(profile.subject, '1094');
    const tokenReq = idp.requests.slice(before).find((r) => r.endpoint === 'token');
    assert.ok(tokenReq);
    assert.equal(new URLSearchParams(tokenReq.body).has('code_verifier'), false);
  });

  test('the GET /authorize of the fake provider redirects back with a code that logs in nextIdentity', async () => {
    const l = listing(oauth, 'google');
    idp.nextIdentity = alice;
    const res = await fetch(l.authURL, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const back = new URL(res.headers.get('location') ?? '');
    assert.equal(back.origin + back.pathname, REDIRECT);
    assert.equal(back.searchParams.get('state'), l.state);
    const profile = await oauth.authenticate({ provider: 'google', code: back.searchParams.get('code') ?? '', code_verifier: l.codeVerifier, state: l.state, redirect_uri: 'https://evil.example/' });
    assert.equal(profile.email, 'alice@example.com');
  });
});

describe('the state', () => {
  async function refused(input: { provider: string; code?: string; code_verifier: string; state: string }, detail?: RegExp): Promise<void> {
    const before = idp.requests.length + gh.requests.length;
    await assert.rejects(oauth.authenticate({ code: 'some-code', ...input }), fails('invalid_oauth2_state', detail));
    assert.equal(idp.requests.length + gh.requests.length, before, 'nothing reaches the provider');
  }

  test('tampered: a payload byte changed, or signed with another key', async () => {
    const l = listing(oauth, 'google');
    const [h, p, s] = l.state.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url'), s].join('.');
    await refused({ provider: 'google', code_verifier: l.codeVerifier, state: forged });
    const otherKey = signJwt(claims, jwtKey('another secret of at least 32 bytes!'));
    await refused({ provider: 'google', code_verifier: l.codeVerifier, state: otherKey });
    await refused({ provider: 'google', code_verifier: l.codeVerifier, state: 'not.a.jwt' });
    await refused({ provider: 'google', code_verifier: l.codeVerifier, state: 'x'.repeat(5000) });
  });

  test('expired: usable until its 10 minutes are over', async () => {
    clock = T0;
    const l = listing(oauth, 'google');
    try {
      clock = T0 + 601_000;
      await refused({ provider: 'google', code_verifier: l.codeVerifier, state: l.state }, /expired/);
      clock = T0 + 599_000;
      const { code } = idp.authorize(l.authURL, alice);
      assert.equal((await oauth.authenticate({ provider: 'google', code, code_verifier: l.codeVerifier, state: l.state })).subject, '1094');
    } finally {
      clock = T0;
    }
  });

  test('issued for another provider', async () => {
    const l = listing(oauth, 'google');
    await refused({ provider: 'github', code_verifier: l.codeVerifier, state: l.state }, /another provider/);
  });

  test('issued with another verifier (of the same provider)', async () => {
    const [a, b] = [listing(oauth, 'google'), listing(oauth, 'google')];
    await refused({ provider: 'google', code_verifier: b.codeVerifier, state: a.state }, /another code verifier/);
  });

  test('a token of another type signed with the same key', async () => {
    const l = listing(oauth, 'google');
    const claims = verifyJwt(l.state, KEY, { now: () => clock });
    await refused({ provider: 'google', code_verifier: l.codeVerifier, state: signJwt({ ...claims, type: 'otp' }, KEY) });
    const { exp: _exp, ...noExp } = claims;
    await refused({ provider: 'google', code_verifier: l.codeVerifier, state: signJwt(noExp, KEY) });
  });
});

describe('input checks', () => {
  const l = () => listing(oauth, 'google');

  test('missing or empty fields', async () => {
    const { state, codeVerifier } = l();
    const full = { provider: 'google', code: 'c', code_verifier: codeVerifier, state };
    for (const field of ['provider', 'code', 'code_verifier', 'state'] as const) {
      await assert.rejects(oauth.authenticate({ ...full, [field]: undefined }), fails('missing_fields', new RegExp(field)));
      await assert.rejects(oauth.authenticate({ ...full, [field]: '' }), fails('missing_fields'));
    }
    await assert.rejects(oauth.authenticate(null as never), fails('missing_fields'));
  });

  test('a malformed verifier or a non-string field', async () => {
    const { state } = l();
    for (const verifier of ['A'.repeat(42), 'A'.repeat(129), 'A'.repeat(42) + '+', 'A'.repeat(42) + '=', 'é'.repeat(43)]) {
      await assert.rejects(oauth.authenticate({ provider: 'google', code: 'c', code_verifier: verifier, state }), fails('invalid_input'));
    }
    await assert.rejects(oauth.authenticate({ provider: 'google', code: 42, code_verifier: 'A'.repeat(43), state }), fails('invalid_input'));
    await assert.rejects(oauth.authenticate({ provider: 'google', code: 'c'.repeat(4097), code_verifier: 'A'.repeat(43), state }), fails('invalid_input'));
  });

  test('an unknown provider (including Object.prototype names)', async () => {
    const { state, codeVerifier } = l();
    for (const provider of ['facebook', '__proto__', 'constructor']) {
      await assert.rejects(oauth.authenticate({ provider, code: 'c', code_verifier: codeVerifier, state }), fails('invalid_oauth2_provider'));
    }
  });
});

describe('the token exchange', () => {
  test('the provider refuses a verifier that does not match the challenge it recorded', async () => {
    const l = listing(oauth, 'google');
    // The state is valid for this verifier, but the challenge the browser carried was swapped on the way.
    const swapped = new URL(l.authURL);
    swapped.searchParams.set('code_challenge', s256('B'.repeat(43)));
    const { code } = idp.authorize(swapped.href, alice);
    await assert.rejects(
      oauth.authenticate({ provider: 'google', code, code_verifier: l.codeVerifier, state: l.state }),
      fails('oauth2_token_exchange_failed', /HTTP 400 invalid_grant/),
    );
  });

  test('a code is good once', async () => {
    const l = listing(oauth, 'google');
    const { code } = idp.authorize(l.authURL, alice);
    const input = { provider: 'google', code, code_verifier: l.codeVerifier, state: l.state };
    await oauth.authenticate(input);
    await assert.rejects(oauth.authenticate(input), fails('oauth2_token_exchange_failed', /invalid_grant/));
  });

  const cases: { name: string; reply: Parameters<FakeOAuth2Provider['fail']>[1]; detail: RegExp }[] = [
    { name: 'a 500', reply: { status: 500, body: 'oops', headers: { 'content-type': 'text/plain' } }, detail: /HTTP 500$/ },
    { name: 'a GitHub-style error with 200', reply: { status: 200, body: '{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}' }, detail: /HTTP 200 bad_verification_code$/ },
    { name: 'an error code that is not a token', reply: { status: 400, body: '{"error":"line\\nbreak"}' }, detail: /HTTP 400$/ },
    { name: 'a body that is not JSON', reply: { status: 200, body: 'access_token=abc&token_type=bearer', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, detail: /other than a JSON object/ },
    { name: 'no access_token', reply: { status: 200, body: '{"token_type":"Bearer"}' }, detail: /without an access_token/ },
    { name: 'a non-bearer token', reply: { status: 200, body: '{"access_token":"t","token_type":"DPoP"}' }, detail: /"DPoP", not a bearer token/ },
    { name: 'an answer over 1 MiB', reply: { status: 200, body: JSON.stringify({ access_token: 'x'.repeat(1024 * 1024) }) }, detail: /more than 1048576 bytes/ },
    { name: 'a slow answer (past the timeout)', reply: { status: 200, body: '{"access_token":"t"}', delayMs: 600 }, detail: /within 150 ms/ },
    { name: 'no answer', reply: 'hang', detail: /within 150 ms/ },
  ];
  for (const c of cases) {
    test(`fails on ${c.name}, saying what without secrets`, async () => {
      const l = listing(fast, 'google');
      const { code } = idp.authorize(l.authURL, alice);
      idp.fail('token', c.reply);
      await assert.rejects(fast.authenticate({ provider: 'google', code, code_verifier: l.codeVerifier, state: l.state }), (err: Error) => {
        fails('oauth2_token_exchange_failed', c.detail)(err);
        for (const secret of [code, idp.clientSecret, l.codeVerifier]) assert.ok(!err.message.includes(secret), err.message);
        return true;
      });
    });
  }

  test('a token endpoint that cannot be reached', async () => {
    const [config] = parseProviders({ google: { ...idp.configTable('google', REDIRECT), token_url: 'http://127.0.0.1:1/token' } });
    const flow = new OAuth2({ providers: [config], stateKey: KEY });
    const l = listing(flow, 'google');
    await assert.rejects(flow.authenticate({ provider: 'google', code: 'c', code_verifier: l.codeVerifier, state: l.state }), fails('oauth2_token_exchange_failed', /could not be reached/));
  });
});

describe('the user info', () => {
  test('an unverified address is reported as such', async () => {
    const profile = await login('google', { userinfo: { ...alice.userinfo, email_verified: false } });
    assert.equal(profile.emailVerified, false);
    const odd = await login('corp', { userinfo: { sub: 's', email: 'a@b.example', email_verified: 'yes' } });
    assert.equal(odd.emailVerified, false);
  });

  test('GitHub without a verified primary: the primary, unverified; without any primary: the public address, unverified', async () => {
    const unverified = await login('github', { ...octocat, emails: [{ email: 'v@x.example', primary: false, verified: true }, { email: 'p@x.example', primary: true, verified: false }] });
    assert.deepEqual([unverified.email, unverified.emailVerified], ['p@x.example', false]);
    const none = await login('github', { ...octocat, emails: [] });
    assert.deepEqual([none.email, none.emailVerified], ['public@octo.example', false]);
    await assert.rejects(login('github', { userinfo: { ...octocat.userinfo, email: null }, emails: [] }), fails('oauth2_user_info_processing_failed', /no email/));
  });

  const failures: { name: string; kind: 'google' | 'github'; endpoint: 'userinfo' | 'user' | 'emails'; reply: Parameters<FakeOAuth2Provider['fail']>[1]; code: string; detail: RegExp }[] = [
    { name: 'a 401', kind: 'google', endpoint: 'userinfo', reply: { status: 401, body: '{"error":"invalid_token"}' }, code: 'oauth2_user_info_failed', detail: /HTTP 401/ },
    { name: 'a 500 from GitHub /user', kind: 'github', endpoint: 'user', reply: { status: 500 }, code: 'oauth2_user_info_failed', detail: /HTTP 500/ },
    { name: 'a 403 from GitHub /user/emails (no user:email scope)', kind: 'github', endpoint: 'emails', reply: { status: 403, body: '{}' }, code: 'oauth2_user_info_failed', detail: /HTTP 403/ },
    { name: 'no answer', kind: 'google', endpoint: 'userinfo', reply: 'hang', code: 'oauth2_user_info_failed', detail: /within 150 ms/ },
    { name: 'an answer over 1 MiB', kind: 'google', endpoint: 'userinfo', reply: { status: 200, body: JSON.stringify({ sub: 'x', pad: 'x'.repeat(1024 * 1024) }) }, code: 'oauth2_user_info_failed', detail: /more than/ },
    { name: 'a body that is not JSON', kind: 'google', endpoint: 'userinfo', reply: { status: 200, body: '<html>', headers: { 'content-type': 'text/html' } }, code: 'oauth2_user_info_processing_failed', detail: /not a JSON object/ },
    { name: 'no sub', kind: 'google', endpoint: 'userinfo', reply: { status: 200, body: '{"email":"a@b.example","email_verified":true}' }, code: 'oauth2_user_info_processing_failed', detail: /"sub"/ },
    { name: 'a numeric sub', kind: 'google', endpoint: 'userinfo', reply: { status: 200, body: '{"sub":12,"email":"a@b.example"}' }, code: 'oauth2_user_info_processing_failed', detail: /"sub"/ },
    { name: 'no email', kind: 'google', endpoint: 'userinfo', reply: { status: 200, body: '{"sub":"s","email_verified":true}' }, code: 'oauth2_user_info_processing_failed', detail: /no email/ },
    { name: 'an email that is not one', kind: 'google', endpoint: 'userinfo', reply: { status: 200, body: '{"sub":"s","email":"not an email"}' }, code: 'oauth2_user_info_processing_failed', detail: /not one/ },
    { name: 'a GitHub user without an id', kind: 'github', endpoint: 'user', reply: { status: 200, body: '{"login":"x"}' }, code: 'oauth2_user_info_processing_failed', detail: /"id"/ },
    { name: 'a GitHub email list that is not a list', kind: 'github', endpoint: 'emails', reply: { status: 200, body: '{"message":"x"}' }, code: 'oauth2_user_info_processing_failed', detail: /not a JSON array/ },
  ];
  for (const f of failures) {
    test(`${f.code} on ${f.name}`, async () => {
      (f.kind === 'github' ? gh : idp).fail(f.endpoint, f.reply);
      await assert.rejects(login(f.kind, f.kind === 'github' ? octocat : alice, fast), fails(f.code, f.detail));
    });
  }
});

describe('parseProviders', () => {
  test('defaults per kind: Google and GitHub endpoints and scopes, PKCE on, the client auth each expects', () => {
    const [google, github, idpConfig] = parseProviders({
      google: { client_id: 'g', client_secret: 's', redirect_url: 'https://app.example/cb' },
      github: { client_id: 'h', client_secret: 's', redirect_url: 'https://app.example/cb' },
      okta: { client_id: 'o', client_secret: 's', redirect_url: 'https://app.example/cb', auth_url: 'https://sso.example/authorize', token_url: 'https://sso.example/token', user_info_url: 'https://sso.example/userinfo' },
    });
    assert.deepEqual(google, {
      key: 'google', kind: 'google', displayName: 'Google', clientId: 'g', clientSecret: 's',
      authUrl: 'https://accounts.google.com/o/oauth2/v2/auth', tokenUrl: 'https://oauth2.googleapis.com/token', userInfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
      scopes: ['openid', 'email', 'profile'], pkce: true, clientAuth: 'basic', redirectUrl: 'https://app.example/cb',
    });
    assert.deepEqual([github.kind, github.displayName, github.authUrl, github.tokenUrl, github.userInfoUrl, github.scopes, github.clientAuth],
      ['github', 'GitHub', 'https://github.com/login/oauth/authorize', 'https://github.com/login/oauth/access_token', 'https://api.github.com/user', ['read:user', 'user:email'], 'body']);
    assert.deepEqual([idpConfig.kind, idpConfig.displayName, idpConfig.scopes, idpConfig.clientAuth], ['oidc', 'okta', ['openid', 'email', 'profile'], 'basic']);
    assert.deepEqual(parseProviders(undefined), []);
    assert.deepEqual(parseProviders({}), []);
  });

  const base = { client_id: 'id', client_secret: 'hunter2-secret', redirect_url: 'https://app.example/cb' };
  const oidc = { ...base, auth_url: 'https://sso.example/a', token_url: 'https://sso.example/t', user_info_url: 'https://sso.example/u' };
  const errors: [string, unknown, RegExp][] = [
    ['not a table', 'google', /^auth\.oauth2: expected a table/],
    ['a provider that is not a table', { google: true }, /^auth\.oauth2\.google: expected a table/],
    ['a bad key', { 'My IdP': base }, /^auth\.oauth2\."My IdP": expected a provider key/],
    ['an unknown field', { google: { ...base, client_secrets: 'x' } }, /^auth\.oauth2\.google\.client_secrets: unknown field/],
    ['an unknown kind', { corp: { ...oidc, kind: 'saml' } }, /^auth\.oauth2\.corp\.kind: expected one of "google", "github", "oidc", got "saml"/],
    ['no client_id', { google: { ...base, client_id: undefined } }, /^auth\.oauth2\.google\.client_id: required/],
    ['an empty client_secret', { google: { ...base, client_secret: ' ' } }, /^auth\.oauth2\.google\.client_secret: expected a non-empty string, got a string$/],
    ['no redirect_url', { google: { ...base, redirect_url: undefined } }, /^auth\.oauth2\.google\.redirect_url: required$/],
    ['an OIDC provider without token_url', { corp: { ...oidc, token_url: undefined } }, /^auth\.oauth2\.corp\.token_url: required for an OpenID Connect provider/],
    ['a plain-http token_url', { corp: { ...oidc, token_url: 'http://sso.example/t' } }, /^auth\.oauth2\.corp\.token_url: expected an https URL .*"http:\/\/sso\.example\/t"/],
    ['a user_info_url that is not a URL', { corp: { ...oidc, user_info_url: 'sso.example/u' } }, /^auth\.oauth2\.corp\.user_info_url: expected an absolute https URL/],
    ['a URL with a fragment', { google: { ...base, redirect_url: 'https://app.example/cb#x' } }, /^auth\.oauth2\.google\.redirect_url: expected a URL without a fragment/],
    ['a URL with credentials', { corp: { ...oidc, token_url: 'https://u:p@sso.example/t' } }, /^auth\.oauth2\.corp\.token_url: expected a URL without credentials$/],
    ['scopes that are not a list', { google: { ...base, scopes: 'openid email' } }, /^auth\.oauth2\.google\.scopes: expected an array of scope names/],
    ['a scope with a space', { google: { ...base, scopes: ['openid email'] } }, /^auth\.oauth2\.google\.scopes: expected an array/],
    ['pkce as a string', { google: { ...base, pkce: 'yes' } }, /^auth\.oauth2\.google\.pkce: expected true or false, got "yes"/],
    ['an unknown client_auth', { google: { ...base, client_auth: 'jwt' } }, /^auth\.oauth2\.google\.client_auth: expected "basic" or "body", got "jwt"/],
  ];
  for (const [name, value, message] of errors) {
    test(`refuses ${name}`, () => {
      assert.throws(() => parseProviders(value), (err: Error) => {
        assert.ok(err instanceof TypeError, String(err));
        assert.match(err.message, message);
        assert.ok(!err.message.includes('hunter2'), 'the client secret is never quoted');
        return true;
      });
    });
  }

  test('loopback http URLs are allowed (local development and tests)', () => {
    for (const host of ['127.0.0.1:9000', 'localhost', '[::1]:8080']) {
      assert.equal(parseProviders({ corp: { ...oidc, token_url: `http://${host}/t` } })[0].tokenUrl, `http://${host}/t`);
    }
  });

  test('the same key twice in the OAuth2 options is refused', () => {
    const [p] = parseProviders({ google: base });
    assert.throws(() => new OAuth2({ providers: [p, p], stateKey: KEY }), /configured twice/);
  });
});
