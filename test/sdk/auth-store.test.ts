// The SDK's auth store and automatic refresh, offline (a scripted fetch, no DOM): the persisted JSON, `exp`, `scope`
// and UTF-8 read from base64url JWT payloads, corrupt storage, onChange and the `storage` event of other tabs, the
// refresh window (refreshBefore, or half the lifetime), one shared refresh for concurrent requests, and which 401
// answers clear the store. Runs against the source SDK and the minified one.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { forEachVariant, memoryStorage } from './variants.ts';
import { BASE, fakeFetch, fakeJwt, json, tokenAged } from './fake-fetch.ts';

const RECORD = { id: 1, email: 'ada@example.com', name: 'Ada', avatar: '', verified: true };
const g = globalThis as Record<string, unknown>;

afterEach(() => {
  delete g.window;
  delete g.localStorage;
});

await forEachVariant(({ Monolite, MonoliteError }) => {
  test('save persists {token, record}; exp, scopes and UTF-8 claims come from the base64url payload', () => {
    const storage = memoryStorage();
    const ml = new Monolite(BASE, { storage, fetch: fakeFetch().fetch });
    assert.equal(ml.auth.token, '');
    assert.equal(ml.auth.isValid, false);
    assert.equal(ml.auth.expiresAt, 0);
    const exp = Math.floor(Date.now() / 1000) + 600;
    // These claims encode to base64url with "-" and "_": a plain atob of the payload would fail on them.
    const token = fakeJwt({ sub: '1', exp, iat: exp - 900, scope: 'orders-read  write', name: 'Zoë ~~~???>>>' });
    assert.match(token.split('.')[1], /[-_]/);
    ml.auth.save(token, RECORD);
    assert.deepEqual(JSON.parse(storage.items.get('monolite.auth')!), { token, record: RECORD });
    assert.equal(ml.auth.isValid, true);
    assert.equal(ml.auth.expiresAt, exp);
    assert.deepEqual(ml.auth.scopes, ['orders-read', 'write']);
    assert.deepEqual(ml.auth.record, RECORD);
    ml.auth.clear();
    assert.equal(storage.items.has('monolite.auth'), false);
    assert.equal(ml.auth.record, null);
  });

  test('tokens that are expired, malformed or without exp are not valid', () => {
    const ml = new Monolite(BASE, { storage: memoryStorage(), fetch: fakeFetch().fetch });
    for (const [name, token] of [
      ['expired', tokenAged(700, 600)],
      ['no exp', fakeJwt({ sub: '1' })],
      ['not a JWT', 'abc'],
      ['payload not JSON', 'a.bm90IGpzb24.c'],
      ['payload an array', fakeJwt([1, 2] as never)],
    ]) {
      ml.auth.save(token, RECORD);
      assert.equal(ml.auth.isValid, false, name);
      assert.equal(ml.auth.token, token, `${name}: kept as given`);
    }
  });

  test('a stored session is read back; corrupt storage means signed out', () => {
    const token = tokenAged(0, 600);
    const stored = new Monolite(BASE, { storage: memoryStorage({ 'my.key': JSON.stringify({ token, record: RECORD }) }), storageKey: 'my.key', fetch: fakeFetch().fetch });
    assert.equal(stored.auth.token, token);
    assert.deepEqual(stored.auth.record, RECORD);
    for (const text of ['{not json', '"a string"', 'null', '{"token":42}']) {
      const ml = new Monolite(BASE, { storage: memoryStorage({ 'monolite.auth': text }), fetch: fakeFetch().fetch });
      assert.equal(ml.auth.token, '', text);
      assert.equal(ml.auth.isValid, false, text);
    }
  });

  test('a storage that refuses writes keeps the session in memory', () => {
    const storage = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); }, removeItem: () => {} };
    const ml = new Monolite(BASE, { storage, fetch: fakeFetch().fetch });
    const token = tokenAged(0, 600);
    ml.auth.save(token, RECORD);
    assert.equal(ml.auth.token, token);
  });

  test('localStorage is the default storage; without one, each client keeps its own session in memory', () => {
    const a = new Monolite(BASE, { fetch: fakeFetch().fetch });
    a.auth.save(tokenAged(0, 600), RECORD);
    assert.equal(new Monolite(BASE, { fetch: fakeFetch().fetch }).auth.token, '');
    const local = memoryStorage();
    g.localStorage = local;
    const b = new Monolite(BASE, { fetch: fakeFetch().fetch });
    b.auth.save(tokenAged(0, 600), RECORD);
    assert.ok(local.items.has('monolite.auth'));
    assert.equal(new Monolite(BASE, { fetch: fakeFetch().fetch }).auth.token, b.auth.token);
  });

  test('onChange is told every change until unsubscribed, also changes from another tab', () => {
    g.window = new EventTarget();
    const storage = memoryStorage();
    const ml = new Monolite(BASE, { storage, fetch: fakeFetch().fetch });
    const seen: [string, unknown][] = [];
    const off = ml.auth.onChange((token, record) => seen.push([token, record]));
    const token = tokenAged(0, 600);
    ml.auth.save(token, RECORD);
    ml.auth.clear();
    assert.deepEqual(seen, [[token, RECORD], ['', null]]);

    // Another tab signs in: its write reaches this tab as a storage event.
    const other = tokenAged(0, 900);
    storage.setItem('monolite.auth', JSON.stringify({ token: other, record: { ...RECORD, id: 2 } }));
    (g.window as EventTarget).dispatchEvent(Object.assign(new Event('storage'), { key: 'another.key' }));
    assert.equal(ml.auth.token, '', 'another key is not ours');
    (g.window as EventTarget).dispatchEvent(Object.assign(new Event('storage'), { key: 'monolite.auth' }));
    assert.equal(ml.auth.token, other);
    assert.equal(ml.auth.record?.id, 2);
    storage.items.clear();
    (g.window as EventTarget).dispatchEvent(Object.assign(new Event('storage'), { key: null }));
    assert.equal(ml.auth.token, '', 'storage.clear() in another tab');
    assert.equal(seen.length, 4);
    off();
    ml.auth.save(token, RECORD);
    assert.equal(seen.length, 4);
  });

  // [name, token age, lifetime, refreshBefore, refreshed?]
  const windows: [string, number, number, number, boolean][] = [
    ['fresh 45-minute token', 0, 2700, 60, false],
    ['45-minute token 30 s before expiry', 2670, 2700, 60, true],
    ['1-minute token just issued: half its lifetime, not refreshBefore', 1, 60, 60, false],
    ['1-minute token past half its lifetime', 35, 60, 60, true],
    ['refreshBefore 0 turns it off', 2670, 2700, 0, false],
    ['larger refreshBefore', 2000, 2700, 900, true],
  ];
  for (const [name, age, lifetime, refreshBefore, refreshed] of windows) {
    test(`refresh window: ${name}`, async () => {
      const fresh = tokenAged(0, lifetime);
      const server = fakeFetch({ 'POST /api/refresh-auth': json(200, { token_type: 'Bearer', access_token: fresh, expires_in: lifetime, record: RECORD }), 'GET /x': json(200, {}) });
      const ml = new Monolite(BASE, { storage: memoryStorage(), fetch: server.fetch, refreshBefore });
      const old = tokenAged(age, lifetime);
      ml.auth.save(old, RECORD);
      await ml.send('GET', '/x');
      const x = server.requests.find((r) => r.route === 'GET /x')!;
      assert.equal(server.requests.some((r) => r.route === 'POST /api/refresh-auth'), refreshed);
      assert.equal(x.headers.get('authorization'), `Bearer ${refreshed ? fresh : old}`);
    });
  }

  test('concurrent requests share one refresh, which sends the old token and the endpoints hash', async () => {
    const fresh = tokenAged(0, 2700);
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const server = fakeFetch({
      'POST /api/refresh-auth': async () => { await held; return json(200, { token_type: 'Bearer', access_token: fresh, expires_in: 2700, record: RECORD }); },
      'GET /x': json(200, { ok: true }),
    });
    const ml = new Monolite(BASE, { storage: memoryStorage(), fetch: server.fetch });
    const old = tokenAged(2680, 2700);
    ml.auth.save(old, RECORD);
    const calls = Promise.all([ml.send('GET', '/x'), ml.send('GET', '/x'), ml.me().catch(() => null), ml.refresh()]);
    await new Promise((r) => setTimeout(r, 20));
    release();
    await calls;
    const refreshes = server.requests.filter((r) => r.route === 'POST /api/refresh-auth');
    assert.equal(refreshes.length, 1);
    assert.equal(refreshes[0].headers.get('authorization'), `Bearer ${old}`);
    assert.equal(refreshes[0].headers.get('x-monolite-endpoints-hash'), 'h1');
    for (const r of server.requests.filter((r) => r.route !== 'POST /api/refresh-auth' && r.route !== 'GET /api/list-endpoints')) {
      assert.equal(r.headers.get('authorization'), `Bearer ${fresh}`, r.route);
    }
    assert.equal(ml.auth.token, fresh);
  });

  test('a refresh refused with 401 clears the store and the request goes without a token; other failures keep it', async () => {
    const server = fakeFetch({
      'POST /api/refresh-auth': [json(503, { code: 'unavailable', detail: 'Try later' }), json(401, { code: 'session_too_old', detail: 'Log in again' })],
      'GET /x': json(200, {}),
    });
    const ml = new Monolite(BASE, { storage: memoryStorage(), fetch: server.fetch });
    const old = tokenAged(2680, 2700);
    ml.auth.save(old, RECORD);
    await ml.send('GET', '/x');
    assert.equal(ml.auth.token, old, 'a 503 leaves the still valid token');
    assert.equal(server.requests.at(-1)!.headers.get('authorization'), `Bearer ${old}`);
    await ml.send('GET', '/x');
    assert.equal(ml.auth.token, '');
    assert.equal(server.requests.at(-1)!.headers.get('authorization'), null);
  });

  // [code, status, store cleared?]
  const answers: [string, number, boolean][] = [
    ['token_expired', 401, true],
    ['token_invalid', 401, true],
    ['token_signature', 401, true],
    ['session_too_old', 401, true],
    ['invalid_credentials', 401, false],
    ['forbidden', 403, false],
  ];
  for (const [code, status, cleared] of answers) {
    test(`a ${status} ${code} answer to a request with the token ${cleared ? 'clears' : 'keeps'} the store`, async () => {
      const server = fakeFetch({ 'GET /x': json(status, { code, detail: 'no' }) });
      const ml = new Monolite(BASE, { storage: memoryStorage(), fetch: server.fetch });
      const token = tokenAged(0, 2700);
      ml.auth.save(token, RECORD);
      await assert.rejects(ml.send('GET', '/x'), (err: InstanceType<typeof MonoliteError>) => err.code === code && err.status === status);
      assert.equal(ml.auth.token, cleared ? '' : token);
    });
  }

  test('an expired stored token is not sent', async () => {
    const server = fakeFetch({ 'GET /x': json(200, {}) });
    const ml = new Monolite(BASE, { storage: memoryStorage(), fetch: server.fetch });
    ml.auth.save(tokenAged(3000, 2700), RECORD);
    await ml.send('GET', '/x');
    assert.equal(server.requests[0].headers.get('authorization'), null);
    assert.equal(server.requests.length, 1, 'no refresh of a dead token');
  });
});
