// Every account flow of the SDK against a real server, with the codes read from the mail a real SMTP server
// (aiosmtpd) received: sign-up and verification, login through a path moved by auth.paths (so the endpoint map is
// really used), explicit and automatic refresh, password reset, email change, logout-all, account deletion, the
// endpoint hash mismatch and its retry, and MonoliteError fields (Retry-After, network_error). Runs against the
// source SDK and the minified one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import type { PartialConfig } from '../../src/config/schema.ts';
import { mailedCode, NO_SMTP_SERVER, SMTP_PASSWORD, SMTP_USER, smtpPython, startSmtpServer, type SmtpTestServer } from '../support/smtp-server.ts';
import { forEachVariant, memoryStorage, type Sdk } from './variants.ts';

const CA_FILE = new URL('../support/tls/cert.pem', import.meta.url).pathname;
const PASSWORD = 'correct horse battery staple';

let smtp: SmtpTestServer | undefined;
let app: App;
let url: string;
let dir: string;

before(async () => {
  const python = smtpPython();
  if (python) smtp = await startSmtpServer(python);
  dir = mkdtempSync(join(tmpdir(), 'monolite-sdk-accounts-'));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {}, log: new Logger([], 'error'),
    flags: {
      server: { port: 0 },
      block_ip: { enabled: false },
      // One-minute tokens: the shortest there are, for the automatic refresh.
      auth: { login_limit: 5, otp_cooldown: '2s' as never, token_lifetime: '1m' as never, paths: { auth_with_password: '/api/login' } as never },
      mail: smtp === undefined ? { host: '' } : {
        host: '127.0.0.1', port: smtp.ports.starttls, security: 'starttls', username: SMTP_USER, password: SMTP_PASSWORD,
        from: 'noreply@monolite.test', from_name: 'Acme', ca_file: CA_FILE,
      } as PartialConfig['mail'],
    },
  });
  url = (await app.listen()).url;
});

after(async () => {
  await app.close();
  await smtp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const codeFor = (to: string, seen: number): Promise<string> => mailedCode(smtp!, to, seen);

/** A fetch that records `METHOD /path` of every request, and can change answers on the way back. */
function spyFetch(rewrite?: (route: string, res: Response) => Promise<Response>) {
  const routes: string[] = [];
  const fetchFn = async (input: string | URL | Request, init?: RequestInit) => {
    const route = `${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`;
    routes.push(route);
    const res = await fetch(input, init);
    return rewrite ? rewrite(route, res) : res;
  };
  return { routes, fetch: fetchFn as typeof fetch };
}

await forEachVariant((sdk: Sdk, variant) => {
  const { Monolite, MonoliteError } = sdk;
  type Client = InstanceType<typeof Monolite>;
  type Err = InstanceType<typeof MonoliteError>;
  const client = (options: ConstructorParameters<typeof Monolite>[1] = {}) => new Monolite(url, { storage: memoryStorage(), ...options });
  const email = (name: string) => `${name}.${variant}@example.com`;
  const failure = (promise: Promise<unknown>) => promise.then(() => assert.fail('resolved'), (e: Err) => e);

  /** Registers and verifies `address` through the SDK; the client is signed in. */
  async function signUp(ml: Client, address: string): Promise<void> {
    await ml.register(address, PASSWORD);
    const seen = smtp!.messages().length;
    const token = await ml.requestVerification(address, PASSWORD);
    await ml.confirmVerification(await codeFor(address, seen), token);
  }

  test('sign-up: register, code by mail, confirm signs in; me, updateMe, logout, login on the moved path, refresh', async (t) => {
    if (!smtp) return t.skip(NO_SMTP_SERVER);
    const address = email('ada');
    const spy = spyFetch();
    const ml = client({ fetch: spy.fetch });
    const changes: string[] = [];
    ml.auth.onChange((token) => changes.push(token === '' ? 'out' : 'in'));
    await ml.register(address, PASSWORD);
    const early = await failure(ml.login(address, PASSWORD));
    assert.deepEqual([early.status, early.code], [403, 'email_verification_required']);
    const seen = smtp.messages().length;
    const token = await ml.requestVerification(address, PASSWORD);
    const again = await failure(ml.requestVerification(address, PASSWORD));
    assert.deepEqual([again.status, again.code], [429, 'otp_cooldown']);
    assert.ok(again.retryAfter! >= 1 && again.retryAfter! <= 2, `retryAfter ${again.retryAfter}`);
    const wrong = await failure(ml.confirmVerification('000000', token));
    assert.equal(wrong.code, 'invalid_otp');
    const session = await ml.confirmVerification(await codeFor(address, seen), token);
    assert.equal(session.token_type, 'Bearer');
    assert.equal(ml.auth.token, session.access_token);
    assert.equal(ml.auth.isValid, true);
    assert.equal(ml.auth.record?.email, address);
    assert.ok(Math.abs(ml.auth.expiresAt - (Date.now() / 1000 + 60)) < 5, 'a one-minute token');

    assert.equal((await ml.me()).email, address);
    const updated = await ml.updateMe({ name: 'Ada', avatar: 'https://example.com/ada.png' });
    assert.equal(updated.name, 'Ada');
    assert.equal(ml.auth.record?.name, 'Ada', 'the store keeps the new record');
    const bad = await failure(ml.updateMe({ avatar: 'http://insecure.example/a.png' }));
    assert.deepEqual([bad.status, bad.code, bad.errors.map((e) => e.field)], [400, 'invalid_input', ['avatar']]);
    const verified = await failure(ml.requestVerification(address, PASSWORD));
    assert.deepEqual([verified.status, verified.code], [202, 'already_verified']);

    ml.logout();
    assert.equal(ml.auth.token, '');
    await ml.login(address, PASSWORD);
    assert.ok(spy.routes.includes('POST /api/login'), 'login went to the path the endpoint map gave');
    assert.equal(spy.routes.filter((r) => r === 'GET /api/list-endpoints').length, 1, 'the map is fetched once');
    const refreshed = await ml.refresh();
    assert.equal(ml.auth.token, refreshed.access_token);
    assert.equal(spy.routes.at(-1), 'POST /api/refresh-auth');
    assert.equal((await ml.me()).email, address);
    assert.deepEqual(changes, ['in', 'in', 'in', 'out', 'in', 'in', 'in']);
  });

  test('automatic refresh: past half of a one-minute token, the next requests share one refresh first', async (t) => {
    if (!smtp) return t.skip(NO_SMTP_SERVER);
    const address = email('auto');
    const spy = spyFetch();
    const ml = client({ fetch: spy.fetch });
    await signUp(ml, address);
    const first = ml.auth.token;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // iat has whole seconds: a new second, a new token
    // Forty seconds later for the SDK (the server's sessions keep the real clock, which they took at startup).
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 40_000 });
    try {
      spy.routes.length = 0;
      await Promise.all([ml.me(), ml.me(), ml.send('GET', '/api/health')]);
      assert.deepEqual(spy.routes.filter((r) => r === 'POST /api/refresh-auth'), ['POST /api/refresh-auth'], 'one refresh for three requests');
      assert.equal(spy.routes[0], 'POST /api/refresh-auth', 'before the requests');
      assert.notEqual(ml.auth.token, first);
    } finally {
      t.mock.timers.reset();
    }
    assert.ok(ml.auth.expiresAt - Date.now() / 1000 > 55);
    await ml.me();
    assert.equal(spy.routes.filter((r) => r === 'POST /api/refresh-auth').length, 1, 'a fresh token is not refreshed again');
  });

  test('password reset in three steps; the old session then answers 401 and the store clears itself', async (t) => {
    if (!smtp) return t.skip(NO_SMTP_SERVER);
    const address = email('reset');
    const ml = client();
    await signUp(ml, address);
    const other = client();
    const seen = smtp.messages().length;
    const token = await other.requestPasswordReset(address);
    const grant = await other.verifyPasswordReset(await codeFor(address, seen), token);
    assert.equal(typeof grant, 'string');
    const fresh = 'a whole new passphrase';
    await other.confirmPasswordReset(grant, fresh);
    const dead = await failure(ml.me());
    assert.deepEqual([dead.status, dead.code], [401, 'token_signature']);
    assert.equal(ml.auth.token, '', 'a dead token is forgotten');
    assert.equal((await failure(ml.login(address, PASSWORD))).code, 'invalid_credentials');
    await ml.login(address, fresh);
    assert.equal(ml.auth.isValid, true);
  });

  test('email change: the code goes to the new address; confirming signs out', async (t) => {
    if (!smtp) return t.skip(NO_SMTP_SERVER);
    const address = email('old');
    const next = email('new');
    const ml = client();
    await signUp(ml, address);
    const seen = smtp.messages().length;
    const token = await ml.requestEmailChange(next, PASSWORD);
    await ml.confirmEmailChange(await codeFor(next, seen), token);
    assert.equal(ml.auth.token, '');
    await ml.login(next, PASSWORD);
    assert.equal(ml.auth.record?.email, next);
  });

  test('logoutAll ends the sessions of every client; deleteMe needs the password', async (t) => {
    if (!smtp) return t.skip(NO_SMTP_SERVER);
    const address = email('many');
    const one = client();
    await signUp(one, address);
    const two = client();
    await two.login(address, PASSWORD);
    await one.logoutAll();
    assert.equal(one.auth.token, '');
    assert.equal((await failure(two.me())).status, 401);
    assert.equal(two.auth.token, '');
    await two.login(address, PASSWORD);
    const wrong = await failure(two.deleteMe('not the password at all'));
    assert.deepEqual([wrong.status, wrong.code], [401, 'invalid_credentials']);
    assert.equal(two.auth.isValid, true, 'a wrong password is not a dead token');
    await two.deleteMe(PASSWORD);
    assert.equal(two.auth.token, '');
    assert.equal((await failure(two.login(address, PASSWORD))).code, 'invalid_credentials');
  });

  test('a stale endpoints hash: 409, the map is fetched again and the call retried once', async () => {
    let stale = true;
    const spy = spyFetch(async (route, res) => {
      if (route !== 'GET /api/list-endpoints' || !stale) return res;
      stale = false;
      const body = await res.json() as { endpoints: Record<string, string> };
      return Response.json({ endpoints: body.endpoints, hash: '0000000000000000' });
    });
    const ml = client({ fetch: spy.fetch });
    const err = await failure(ml.login(email('nobody'), PASSWORD));
    assert.deepEqual([err.status, err.code], [401, 'invalid_credentials']);
    assert.deepEqual(spy.routes, ['GET /api/list-endpoints', 'POST /api/login', 'GET /api/list-endpoints', 'POST /api/login']);
    assert.deepEqual(Object.keys(await ml.endpoints()).sort(), Object.keys((await (await fetch(`${url}/api/list-endpoints`)).json() as { endpoints: object }).endpoints).sort());
  });

  test('too many failed logins: 429 too_many_attempts with retryAfter', async () => {
    const ml = client();
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push((await failure(ml.login(email('victim'), `guess number ${i}`))).code);
    assert.deepEqual(codes, [...Array(5).fill('invalid_credentials'), 'too_many_attempts']);
    const limited = await failure(ml.login(email('victim'), 'one more guess'));
    assert.equal(limited.status, 429);
    assert.ok(limited.retryAfter! > 0);
  });

  test('a server that is not there: status 0, network_error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(new Monolite(`http://127.0.0.1:${port}`, { storage: memoryStorage() }).login('a@example.com', PASSWORD));
    assert.ok(err instanceof MonoliteError);
    assert.deepEqual([err.status, err.code], [0, 'network_error']);
  });
});
