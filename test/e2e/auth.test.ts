// The account flows end to end through HTTP, with codes read from the messages a real SMTP server (aiosmtpd)
// received: sign-up with email verification, login, refresh, password reset, email change with its alert, revocation
// (password change, email change, logout-all), account deletion, cooldowns, brute-force limits, and answers that do
// not tell known emails from unknown ones.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import type { PartialConfig } from '../../src/config/schema.ts';
import { until } from '../support/until.ts';
import { mailedCode, NO_SMTP_SERVER, SMTP_PASSWORD, SMTP_USER, smtpPython, startSmtpServer, type SmtpTestServer } from '../support/smtp-server.ts';

const CA_FILE = new URL('../support/tls/cert.pem', import.meta.url).pathname;

let server: SmtpTestServer | undefined;
let app: App;
let url: string;
let dir: string;

before(async () => {
  const python = smtpPython();
  if (python) server = await startSmtpServer(python);
  dir = mkdtempSync(join(tmpdir(), 'monolite-auth-'));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {},
    log: new Logger([], 'error'),
    flags: {
      server: { port: 0 },
      block_ip: { enabled: false },
      auth: { login_limit: 5, otp_limit: 5, otp_cooldown: '2s' as never },
      mail: server === undefined ? { host: '' } : {
        host: '127.0.0.1', port: server.ports.starttls, security: 'starttls', username: SMTP_USER, password: SMTP_PASSWORD,
        from: 'noreply@monolite.test', from_name: 'Acme', ca_file: CA_FILE,
      } as PartialConfig['mail'],
    },
  });
  url = (await app.listen()).url;
});

after(async () => {
  await app.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : JSON.parse(text), headers: res.headers };
}

const codeFor = (to: string, seen: number): Promise<string> => mailedCode(server!, to, seen);

const PASSWORD = 'correct horse battery staple';

/** Registers and verifies `email`; returns a session token. */
async function signUp(email: string, password = PASSWORD): Promise<string> {
  assert.equal((await call('POST', '/api/register-with-password', { identity: email, password, password_confirm: password })).status, 202);
  const seen = server!.messages().length;
  const requested = await call('POST', '/api/request-email-verification-otp', { email, password });
  assert.equal(requested.status, 200, JSON.stringify(requested.body));
  const code = await codeFor(email, seen);
  const confirmed = await call('POST', '/api/confirm-email-verification-otp', { otp: code, verification_token: requested.body.verification_token });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return confirmed.body.access_token as string;
}

describe('account flows', () => {
  test('sign-up: register, login refused until verified, code by mail, confirm signs in; me and refresh', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const email = 'ada@example.com';
    const reg = await call('POST', '/api/register-with-password', { identity: 'Ada@Example.com ', password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(reg.status, 202);
    assert.equal(reg.body.code, 'pending_email_verification');
    const early = await call('POST', '/api/auth-with-password', { identity: email, password: PASSWORD });
    assert.equal(early.status, 403);
    assert.equal(early.body.code, 'email_verification_required');
    const seen = server.messages().length;
    const requested = await call('POST', '/api/request-email-verification-otp', { email, password: PASSWORD });
    assert.equal(requested.status, 200);
    const again = await call('POST', '/api/request-email-verification-otp', { email, password: PASSWORD });
    assert.equal(again.status, 429, 'inside the cooldown');
    assert.equal(again.body.code, 'otp_cooldown');
    assert.ok(Number(again.headers.get('retry-after')) >= 1);
    assert.equal(again.body.verification_token, undefined, 'no token for a code that was not sent');
    const code = await codeFor(email, seen);
    const wrong = await call('POST', '/api/confirm-email-verification-otp', { otp: code === '000000' ? '111111' : '000000', verification_token: requested.body.verification_token });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 'invalid_otp');
    const confirmed = await call('POST', '/api/confirm-email-verification-otp', { otp: code, verification_token: requested.body.verification_token });
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.token_type, 'Bearer');
    assert.equal(confirmed.body.expires_in, 45 * 60);
    assert.deepEqual(confirmed.body.record, { id: (confirmed.body.record as { id: number }).id, email, name: '', avatar: '', verified: true });
    const token = confirmed.body.access_token as string;
    const me = await call('GET', '/api/me', undefined, token);
    assert.equal(me.status, 200);
    assert.equal(me.body.email, email);
    const login = await call('POST', '/api/auth-with-password', { identity: email, password: PASSWORD });
    assert.equal(login.status, 200);
    const refreshed = await call('POST', '/api/refresh-auth', undefined, login.body.access_token as string);
    assert.equal(refreshed.status, 200);
    assert.equal((await call('GET', '/api/me', undefined, refreshed.body.access_token as string)).status, 200);
    assert.equal((await call('GET', '/api/me')).status, 401);
    const bad = await call('GET', '/api/me', undefined, token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'));
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'token_signature');
  });

  test('password reset in three steps revokes sessions; the grant works once', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const email = 'reset@example.com';
    const session = await signUp(email);
    const seen = server.messages().length;
    const requested = await call('POST', '/api/request-password-reset-otp', { email });
    assert.equal(requested.status, 200);
    const code = await codeFor(email, seen);
    const verified = await call('POST', '/api/verify-password-reset-otp', { otp: code, verification_token: requested.body.verification_token });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    const grant = verified.body.token as string;
    const same = await call('POST', '/api/confirm-password-reset-otp', { token: grant, password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(same.body.code, 'password_reset_not_needed');
    const fresh = 'a whole new passphrase';
    const done = await call('POST', '/api/confirm-password-reset-otp', { token: grant, password: fresh, password_confirm: fresh });
    assert.equal(done.status, 200);
    assert.equal(done.body.code, 'password_reset');
    assert.equal((await call('GET', '/api/me', undefined, session)).status, 401, 'the old session is revoked');
    const reused = await call('POST', '/api/confirm-password-reset-otp', { token: grant, password: 'yet another passphrase', password_confirm: 'yet another passphrase' });
    assert.equal(reused.status, 401);
    assert.equal(reused.body.code, 'invalid_verification_token');
    assert.equal((await call('POST', '/api/auth-with-password', { identity: email, password: PASSWORD })).status, 401);
    assert.equal((await call('POST', '/api/auth-with-password', { identity: email, password: fresh })).status, 200);
  });

  test('email change: code to the new address, alert to the old one, old sessions end', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const session = await signUp('old@example.com');
    const seen = server.messages().length;
    const wrongPassword = await call('POST', '/api/request-email-change-otp', { new_email: 'new@example.com', password: 'not it at all' }, session);
    assert.equal(wrongPassword.status, 401);
    const requested = await call('POST', '/api/request-email-change-otp', { new_email: 'New@Example.com', password: PASSWORD }, session);
    assert.equal(requested.status, 200, JSON.stringify(requested.body));
    const code = await codeFor('new@example.com', seen);
    const confirmed = await call('POST', '/api/confirm-email-change-otp', { otp: code, verification_token: requested.body.verification_token }, session);
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    await until(() => server!.messages().slice(seen).some((m) => m.rcpt_tos.includes('old@example.com') && /security alert/.test(m.raw.toString('latin1'))), 'the alert to the old address');
    assert.equal((await call('GET', '/api/me', undefined, session)).status, 401);
    const login = await call('POST', '/api/auth-with-password', { identity: 'new@example.com', password: PASSWORD });
    assert.equal(login.status, 200);
  });

  test('logout-all ends every session; PATCH me; DELETE me needs the password', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    const one = await signUp('many@example.com');
    const two = (await call('POST', '/api/auth-with-password', { identity: 'many@example.com', password: PASSWORD })).body.access_token as string;
    const patched = await call('PATCH', '/api/me', { name: 'Many Sessions', avatar: 'https://example.com/a.png' }, one);
    assert.equal(patched.status, 200);
    assert.equal(patched.body.name, 'Many Sessions');
    assert.equal((await call('PATCH', '/api/me', { email: 'x@example.com' }, one)).status, 400);
    assert.equal((await call('POST', '/api/logout-all', undefined, one)).status, 204);
    assert.equal((await call('GET', '/api/me', undefined, one)).status, 401);
    assert.equal((await call('GET', '/api/me', undefined, two)).status, 401);
    const three = (await call('POST', '/api/auth-with-password', { identity: 'many@example.com', password: PASSWORD })).body.access_token as string;
    assert.equal((await call('DELETE', '/api/me', { password: 'wrong password!' }, three)).status, 401);
    assert.equal((await call('DELETE', '/api/me', { password: PASSWORD }, three)).status, 204);
    assert.equal((await call('GET', '/api/me', undefined, three)).status, 401);
    assert.equal((await call('POST', '/api/auth-with-password', { identity: 'many@example.com', password: PASSWORD })).status, 401);
  });
});

describe('account defences', () => {
  test('known and unknown emails get the same answers', async (t) => {
    if (!server) return t.skip(NO_SMTP_SERVER);
    await signUp('known@example.com');
    const pairs: [string, string, Record<string, unknown>][] = [
      ['POST', '/api/register-with-password', { password: PASSWORD, password_confirm: PASSWORD }],
      ['POST', '/api/auth-with-password', { password: 'wrong password here' }],
      ['POST', '/api/request-password-reset-otp', {}],
    ];
    for (const [method, path, body] of pairs) {
      const field = path.includes('reset') ? 'email' : 'identity';
      const known = await call(method, path, { ...body, [field]: 'known@example.com' });
      const unknown = await call(method, path, { ...body, [field]: 'nobody@example.com' });
      assert.equal(known.status, unknown.status, path);
      assert.deepEqual(Object.keys(known.body).sort(), Object.keys(unknown.body).sort(), path);
      if (!('verification_token' in known.body)) assert.deepEqual(known.body, unknown.body, path);
    }
    const again = await call('POST', '/api/request-password-reset-otp', { email: 'nobody@example.com' });
    assert.equal(again.status, 429, 'the cooldown holds for unknown addresses too');

    // And in the same time: a wrong password for a known account costs what one for an unknown email does.
    const timed = async (identity: string) => {
      const started = performance.now();
      assert.equal((await call('POST', '/api/auth-with-password', { identity, password: 'not the password' })).status, 401);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      known.push(await timed('known@example.com'));
      unknown.push(await timed('stranger@example.com'));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
    const ratio = median(known) / median(unknown);
    t.diagnostic(`failed login: known ${median(known).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms (ratio ${ratio.toFixed(2)})`);
    assert.ok(ratio > 0.5 && ratio < 2, `known/unknown login time ratio ${ratio.toFixed(2)}`);
  });

  test('failed logins are limited per account (and per IP): 429 with Retry-After', async () => {
    const attempts = [];
    for (let i = 0; i < 6; i++) attempts.push((await call('POST', '/api/auth-with-password', { identity: 'victim@example.com', password: `guess number ${i}` })).status);
    assert.deepEqual(attempts, [401, 401, 401, 401, 401, 429]);
    const limited = await call('POST', '/api/auth-with-password', { identity: 'victim@example.com', password: 'guess again' });
    assert.equal(limited.body.code, 'too_many_attempts');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  test('bad requests: 415 for non-JSON, missing fields, weak passwords, malformed emails', async () => {
    const form = await fetch(url + '/api/auth-with-password', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'identity=a&password=b' });
    assert.equal(form.status, 415);
    assert.equal(((await form.json()) as { code: string }).code, 'invalid_content_type');
    const missing = await call('POST', '/api/register-with-password', { identity: 'x@example.com' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'missing_fields');
    assert.deepEqual((missing.body.errors as { field: string }[]).map((e) => e.field), ['password', 'password_confirm']);
    const weak = await call('POST', '/api/register-with-password', { identity: 'x@example.com', password: 'password', password_confirm: 'password' });
    assert.equal(weak.body.code, 'weak_password');
    const email = await call('POST', '/api/register-with-password', { identity: 'Ada <ada@example.com>', password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(email.body.code, 'invalid_input');
    const hash = await call('GET', '/api/list-endpoints');
    assert.equal(hash.status, 200);
    assert.match(hash.body.hash as string, /^[0-9a-f]{16}$/);
    const stale = await call('GET', '/api/health', undefined, undefined, { 'x-monolite-endpoints-hash': '0000000000000000' });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.code, 'endpoints_hash_mismatch');
  });
});
