// What the SDK sends and how it reads answers, offline (a scripted fetch, no DOM): the REST query string (select,
// where with `in` quoting, ordering, paging), Content-Range parsing, errors (problem+json, other bodies, Retry-After,
// network failures), the endpoint hash and its one retry, declared-endpoint calls, and the OAuth2 redirect and
// callback checks. Runs against the source SDK and the minified one.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { forEachVariant, memoryStorage } from './variants.ts';
import { BASE, ENDPOINTS, fakeFetch, json, tokenAged, type Answer } from './fake-fetch.ts';

const g = globalThis as Record<string, unknown>;
afterEach(() => {
  delete g.sessionStorage;
  delete g.location;
});

const SESSION = { token_type: 'Bearer', access_token: tokenAged(0, 2700), expires_in: 2700, record: { id: 1, email: 'a@example.com', name: '', avatar: '', verified: true } };

await forEachVariant(({ Monolite, MonoliteError }) => {
  type Err = InstanceType<typeof MonoliteError>;
  const client = (routes: Record<string, Answer | Answer[]> = {}, hash?: string) => {
    const server = fakeFetch(routes, hash);
    return { ml: new Monolite(BASE + '/', { storage: memoryStorage(), fetch: server.fetch }), requests: server.requests };
  };

  type Table = ReturnType<ReturnType<InstanceType<typeof Monolite>['db']>['table']>;
  // [name, builder, expected query pairs]
  const queries: [string, (t: Table) => Table, [string, string][]][] = [
    ['nothing', (t) => t, []],
    ['select and aggregates', (t) => t.select('id', 'who:name').select('amount.sum()'), [['select', 'id,who:name,amount.sum()']]],
    ['where, negated, twice on one column', (t) => t.where('amount', 'gt', 10).where('status', 'eq', 'paid', true).where('amount', 'gt', 5),
      [['where.gt.amount', '10'], ['where.gt.amount', '5'], ['where.not.eq.status', 'paid']]],
    ['is null, booleans and dates', (t) => t.where('note', 'is', null).where('ok', 'eq', false).where('at', 'lt', new Date(Date.UTC(2024, 0, 2))),
      [['where.is.note', 'null'], ['where.eq.ok', 'false'], ['where.lt.at', '2024-01-02T00:00:00.000Z']]],
    ['in: commas, quotes, empty and padded elements are quoted', (t) => t.where('note', 'in', ['a, b', 'say "hi"', '', ' x', 'plain', 3]),
      [['where.in.note', '"a, b","say ""hi""",""," x",plain,3']]],
    ['ordering and paging', (t) => t.order('-amount', 'id').limit(20).offset(40), [['ordering', '-amount,id'], ['limit', '20'], ['offset', '40']]],
  ];
  for (const [name, build, expected] of queries) {
    test(`query string: ${name}`, async () => {
      const { ml, requests } = client({ 'GET /api/shop/orders/': json(200, []) });
      await build(ml.db('shop').table('orders')).rows();
      const sorted = (pairs: [string, string][]) => [...pairs].sort((a, b) => a[0].localeCompare(b[0]));
      assert.deepEqual(sorted([...requests[0].url.searchParams]), sorted(expected));
      assert.equal(requests[0].headers.get('prefer'), null);
    });
  }

  test('where refuses an unknown operator and `in` without an array', () => {
    const t = client().ml.db('shop').table('orders');
    assert.throws(() => t.where('a', 'between' as 'eq', 1), TypeError);
    assert.throws(() => t.where('a', 'in', 'x,y'), TypeError);
    assert.throws(() => t.where('a', 'eq', { x: 1 }), TypeError);
  });

  // [Content-Range, offset asked for, expected range]
  const ranges: [string | null, number, unknown][] = [
    ['0-24/3573', 0, { from: 0, to: 24, total: 3573 }],
    ['40-59/*', 40, { from: 40, to: 59, total: null }],
    ['*/0', 0, { from: 0, to: -1, total: 0 }],
    ['*/12', 20, { from: 20, to: 19, total: 12 }],
    ['*/*', 0, { from: 0, to: -1, total: null }],
    ['items 0-1/2', 0, { from: 0, to: 1, total: 2 }],
    ['garbage', 0, null],
    [null, 0, null],
  ];
  for (const [header, offset, range] of ranges) {
    test(`get(): Content-Range ${JSON.stringify(header)}`, async () => {
      const headers: Record<string, string> = { etag: '"v1"' };
      if (header !== null) headers['content-range'] = header;
      const { ml, requests } = client({ 'GET /api/shop/orders/': json(200, [{ id: 1 }], headers) });
      const result = await ml.db('shop').table('orders').offset(offset).prefer('timezone=Europe/Paris').get();
      assert.deepEqual(result, { rows: [{ id: 1 }], range, etag: '"v1"' });
      assert.equal(requests[0].headers.get('prefer'), 'count=exact, timezone=Europe/Paris');
    });
  }

  test('count(), writes and documents: methods, paths, bodies and Prefer', async () => {
    const { ml, requests } = client({
      'GET /api/my%20db/order%2Fs/': json(200, [{ count: 7 }]),
      'POST /api/my%20db/order%2Fs/': json(201, [{ id: 1 }]),
      'PATCH /api/my%20db/order%2Fs/': json(200, { updated: 2 }),
      'DELETE /api/my%20db/order%2Fs/': json(200, [{ id: 1 }]),
      'POST /api/my%20db/rpc/run%20it/': json(200, { changes: 1 }),
      'GET /api/my%20db/openapi.json': json(200, { openapi: '3.1.0' }),
      'GET /api/databases': json(200, { databases: [{ name: 'shop', title: 'Shop API' }] }),
    });
    const db = ml.db('my db');
    assert.equal(db.name, 'my db');
    const t = () => db.table('order/s').where('id', 'eq', 1).order('id').limit(3);
    assert.equal(await t().count(), 7);
    assert.deepEqual(await t().prefer('tx=rollback').create({ amount: 1 }), [{ id: 1 }], 'the rows as stored');
    assert.equal(await t().update({ amount: 2 }), 2);
    assert.deepEqual(await t().delete(), [{ id: 1 }]);
    assert.deepEqual(await db.rpc('run it', { id: 3 }), { changes: 1 });
    assert.deepEqual(await db.schema(), { openapi: '3.1.0' });
    assert.deepEqual(await ml.databases(), [{ name: 'shop', title: 'Shop API' }]);
    const [count, create, update, del, rpc] = requests;
    assert.equal(count.url.search, '?where.eq.id=1&select=count%28%29');
    assert.equal(create.body, '[{"amount":1}]', 'always an array');
    assert.equal(create.headers.get('prefer'), 'tx=rollback');
    assert.equal(create.headers.get('content-type'), 'application/json');
    assert.equal(update.url.search, '?where.eq.id=1', 'writes take only the where clauses');
    assert.equal(update.body, '{"amount":2}');
    assert.equal(del.headers.get('prefer'), 'return=representation');
    assert.equal(del.body, undefined);
    assert.equal(rpc.body, '{"id":3}');
  });

  test('If-None-Match: get() resolves to null on 304', async () => {
    const { ml, requests } = client({ 'GET /api/shop/orders/': new Response(null, { status: 304, headers: { etag: '"v1"' } }) });
    assert.equal(await ml.db('shop').table('orders').ifNoneMatch('"v1"').get(), null);
    assert.equal(requests[0].headers.get('if-none-match'), '"v1"');
  });

  // [name, answer, status, code, detail, errors, retryAfter (or its bounds)]
  const errors: [string, Answer, number, string, string | RegExp, unknown[], number | [number, number] | undefined][] = [
    ['problem+json with field errors and Retry-After seconds',
      json(429, { type: 'about:blank', title: 'Too Many Requests', status: 429, code: 'otp_cooldown', detail: 'Wait', errors: [{ field: 'email', code: 'x', message: 'y' }] }, { 'retry-after': '7' }),
      429, 'otp_cooldown', 'Wait', [{ field: 'email', code: 'x', message: 'y' }], 7],
    // An HTTP date has whole seconds: two minutes from now reads as 119 or 120 seconds.
    ['Retry-After as an HTTP date', () => json(503, { code: 'maintenance', detail: 'Later' }, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() }),
      503, 'maintenance', 'Later', [], [119, 120]],
    ['plain text from a proxy', new Response('upstream timed out\n', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/plain' } }),
      502, 'http_502', 'upstream timed out', [], undefined],
    ['an HTML page', new Response('<h1>oops</h1>', { status: 500, statusText: 'Internal Server Error', headers: { 'content-type': 'text/html' } }),
      500, 'http_500', 'The server answered 500 Internal Server Error', [], undefined],
    ['JSON without a code', json(400, { message: 'bad' }), 400, 'http_400', /400/, [], undefined],
    ['a 2xx that is not valid JSON', new Response('{oops', { status: 200, headers: { 'content-type': 'application/json' } }), 200, 'invalid_json', /not valid JSON/, [], undefined],
  ];
  for (const [name, answer, status, code, detail, list, retryAfter] of errors) {
    test(`MonoliteError from ${name}`, async () => {
      const { ml } = client({ 'GET /x': answer });
      const err = await ml.send('GET', '/x').then(() => assert.fail('resolved'), (e: Err) => e);
      assert.ok(err instanceof MonoliteError);
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'MonoliteError');
      assert.deepEqual([err.status, err.code, err.errors], [status, code, list]);
      if (Array.isArray(retryAfter)) assert.ok(err.retryAfter! >= retryAfter[0] && err.retryAfter! <= retryAfter[1], `retryAfter ${err.retryAfter}`);
      else assert.equal(err.retryAfter, retryAfter);
      if (typeof detail === 'string') assert.equal(err.detail, detail);
      else assert.match(err.detail, detail);
      assert.equal(err.message, err.detail);
    });
  }

  test('a network failure is status 0, network_error', async () => {
    const ml = new Monolite(BASE, { storage: memoryStorage(), fetch: (async () => { throw new TypeError('fetch failed'); }) as typeof fetch });
    const err = await ml.login('a@example.com', 'pw').then(() => assert.fail('resolved'), (e: Err) => e);
    assert.deepEqual([err.status, err.code], [0, 'network_error']);
    assert.match(err.detail, /fetch failed/);
  });

  test('answers: 204 is null, JSON parsed, text as text; send() options', async () => {
    const { ml, requests } = client({
      'DELETE /a': new Response(null, { status: 204 }),
      'GET /b': new Response('hello', { headers: { 'content-type': 'text/plain' } }),
      'POST /c': json(200, { ok: 1 }),
    });
    assert.equal(await ml.send('DELETE', '/a'), null);
    assert.equal(await ml.send('GET', '/b', { query: { q: 'x y', n: 2, tag: ['a', 'b'] }, headers: { 'x-extra': '1' } }), 'hello');
    const form = new URLSearchParams({ k: 'v' });
    assert.deepEqual(await ml.send('POST', '/c', { body: form }), { ok: 1 });
    assert.equal(requests[1].url.href, `${BASE}/b?q=x+y&n=2&tag=a&tag=b`, 'the base URL\'s trailing slash is dropped');
    assert.equal(requests[1].headers.get('x-extra'), '1');
    assert.equal(requests[2].body, 'k=v');
    assert.equal(requests[2].headers.get('content-type'), null, 'fetch sets it for URLSearchParams');
  });

  test('request(): the Response unread, with the session\'s token; errors as MonoliteError; an abort as itself', async () => {
    const { ml, requests } = client({
      'GET /file': new Response('bytes', { headers: { 'content-type': 'application/octet-stream' } }),
      'GET /denied': json(403, { code: 'forbidden', detail: 'No' }),
    });
    ml.auth.save(SESSION.access_token, SESSION.record);
    const res = await ml.request('GET', '/file', { headers: { accept: 'text/event-stream' } });
    assert.equal(res.bodyUsed, false);
    assert.equal(await res.text(), 'bytes');
    assert.equal(requests[0].headers.get('authorization'), `Bearer ${SESSION.access_token}`);
    assert.equal(requests[0].headers.get('accept'), 'text/event-stream');
    const err = await ml.request('GET', '/denied').then(() => assert.fail('resolved'), (e: Err) => e);
    assert.ok(err instanceof MonoliteError);
    assert.deepEqual([err.status, err.code], [403, 'forbidden']);

    const controller = new AbortController();
    const aborting = new Monolite(BASE, {
      storage: memoryStorage(),
      fetch: ((_url: string, init: RequestInit) => new Promise((_resolve, reject) => {
        const signal = init.signal!;
        if (signal.aborted) reject(signal.reason);
        else signal.addEventListener('abort', () => reject(signal.reason));
      })) as typeof fetch,
    });
    const pending = aborting.request('GET', '/slow', { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof DOMException && e.name === 'AbortError');
  });

  test('account calls carry the endpoints hash; a mismatch refetches the map and retries once', async () => {
    const moved = { ...ENDPOINTS, auth_with_password: 'POST /api/login' };
    const mismatch = json(409, { code: 'endpoints_hash_mismatch', detail: 'Outdated' });
    const { ml, requests } = client({
      'GET /api/list-endpoints': [json(200, { endpoints: ENDPOINTS, hash: 'old' }), json(200, { endpoints: moved, hash: 'new' }), json(200, { endpoints: moved, hash: 'newer' })],
      'POST /api/auth-with-password': mismatch,
      'POST /api/login': [json(200, SESSION), mismatch, mismatch],
    });
    await ml.login('a@example.com', 'pw');
    assert.deepEqual(requests.map((r) => [r.route, r.headers.get('x-monolite-endpoints-hash')]), [
      ['GET /api/list-endpoints', null], ['POST /api/auth-with-password', 'old'], ['GET /api/list-endpoints', null], ['POST /api/login', 'new'],
    ]);
    assert.deepEqual(JSON.parse(requests[3].body as string), { identity: 'a@example.com', password: 'pw' });
    assert.equal(ml.auth.token, SESSION.access_token);
    assert.deepEqual(await ml.endpoints(), moved, 'the map is cached');
    assert.equal(requests.length, 4);
    // Retried once only: a second mismatch is the caller's.
    await assert.rejects(ml.login('a@example.com', 'pw'), (e: Err) => e.code === 'endpoints_hash_mismatch');
    assert.equal(requests.filter((r) => r.route === 'POST /api/login').length, 3);
  });

  test('a failed discovery is not cached; endpointsPath moves it', async () => {
    const server = fakeFetch({ 'GET /api/eps': [json(503, { code: 'maintenance', detail: 'x' }), json(200, { endpoints: ENDPOINTS, hash: '' })] });
    const ml = new Monolite(BASE, { storage: memoryStorage(), fetch: server.fetch, endpointsPath: '/api/eps' });
    await assert.rejects(ml.endpoints(), (e: Err) => e.code === 'maintenance');
    assert.deepEqual(await ml.endpoints(), ENDPOINTS);
  });

  test('the sign-in endpoints never send the stored token; requestVerification refuses an already verified account', async () => {
    const { ml, requests } = client({
      'POST /api/register-with-password': json(202, { code: 'pending_email_verification', detail: 'ok' }),
      'POST /api/request-email-verification-otp': json(202, { code: 'already_verified', detail: 'This email address is already verified' }),
    });
    ml.auth.save(tokenAged(0, 2700), null);
    await ml.register('a@example.com', 'pw');
    assert.deepEqual(JSON.parse(requests[1].body as string), { identity: 'a@example.com', password: 'pw', password_confirm: 'pw' });
    assert.equal(requests[1].headers.get('authorization'), null);
    const err = await ml.requestVerification('a@example.com', 'pw').then(() => assert.fail('resolved'), (e: Err) => e);
    assert.deepEqual([err.status, err.code], [202, 'already_verified']);
  });

  test('api.call fills path parameters, sends the rest as query or JSON body, FormData as multipart', async () => {
    const { ml, requests } = client({
      'GET /users/a%20b%2Fc/posts/7': json(200, { ok: 1 }),
      'PATCH /items/5': json(200, { id: 5 }),
      'DELETE /items/5': new Response(null, { status: 204 }),
      'POST /upload/x': json(200, { done: true }),
      'POST /ping': json(200, { pong: true }),
    });
    assert.deepEqual(await ml.api.call('GET /users/{user-id}/posts/{post}', { 'user-id': 'a b/c', post: 7, fields: ['a', 'b'], flag: true, skip: undefined }), { ok: 1 });
    assert.equal(requests[0].url.search, '?fields=a&fields=b&flag=true');
    assert.deepEqual(await ml.api.call('patch /items/{id}', { id: 5, title: 'T' }), { id: 5 });
    assert.equal(requests[1].body, '{"title":"T"}');
    assert.equal(await ml.api.call('DELETE /items/{id}', { id: 5 }), null);
    const form = new FormData();
    form.append('slot', 'x');
    form.append('title', 'Hello');
    form.append('cover', new Blob(['abc'], { type: 'text/plain' }), 'c.txt');
    assert.deepEqual(await ml.api.call('POST /upload/{slot}', form), { done: true });
    const sent = requests[3].body as FormData;
    assert.ok(sent instanceof FormData);
    assert.deepEqual([...sent.keys()], ['title', 'cover'], 'path parameters leave the form');
    assert.deepEqual(await ml.api.call('POST /ping'), { pong: true });
    assert.equal(requests[4].body, undefined, 'no arguments, no body');
    await assert.rejects(ml.api.call('GET /items/{id}', {}), TypeError);
    await assert.rejects(ml.api.call('/items'), TypeError);
  });

  test('oauth2Redirect keeps the provider in sessionStorage; oauth2Complete checks the state and posts the code', async () => {
    const session = new Map<string, string>();
    const assigned: string[] = [];
    g.sessionStorage = { getItem: (k: string) => session.get(k) ?? null, setItem: (k: string, v: string) => session.set(k, v), removeItem: (k: string) => session.delete(k) };
    g.location = { href: 'https://app.example/login', assign: (u: string) => assigned.push(u) };
    const { ml, requests } = client({ 'POST /api/auth-with-oauth2': json(200, SESSION) });
    const provider = { name: 'google', displayName: 'Google', state: 'S1', authURL: 'https://idp.example/auth?x=1', redirectURL: 'https://app.example/cb', codeVerifier: 'V1', codeChallenge: 'C', codeChallengeMethod: 'S256' };
    ml.oauth2Redirect(provider);
    assert.deepEqual(assigned, [provider.authURL]);
    assert.deepEqual(JSON.parse(session.get('monolite.auth.oauth2')!), { provider: 'google', state: 'S1', codeVerifier: 'V1', redirectURL: 'https://app.example/cb' });

    await assert.rejects(ml.oauth2Complete('https://app.example/cb?code=K&state=OTHER'), (e: Err) => e.code === 'oauth2_state_mismatch' && e.status === 0);
    assert.equal(session.size, 0, 'an attempt is over once the callback is read');
    await assert.rejects(ml.oauth2Complete('https://app.example/cb?code=K&state=S1'), (e: Err) => e.code === 'oauth2_not_started');
    ml.oauth2Redirect(provider);
    await assert.rejects(ml.oauth2Complete('https://app.example/cb?error=access_denied&error_description=User+said+no'), (e: Err) => e.code === 'oauth2_denied' && e.detail === 'User said no');
    ml.oauth2Redirect(provider);
    await assert.rejects(ml.oauth2Complete('https://app.example/cb'), (e: Err) => e.code === 'oauth2_no_code');
    ml.oauth2Redirect(provider);
    g.location = { href: 'https://app.example/cb?code=K%2F1&state=S1', assign: () => {} };
    assert.deepEqual(await ml.oauth2Complete(), SESSION);
    assert.deepEqual(JSON.parse(requests.at(-1)!.body as string), { provider: 'google', code: 'K/1', code_verifier: 'V1', state: 'S1', redirect_uri: 'https://app.example/cb' });
    assert.equal(ml.auth.token, SESSION.access_token);
    assert.equal(requests.filter((r) => r.route === 'POST /api/auth-with-oauth2').length, 1, 'refused callbacks never reach the server');
  });
});
