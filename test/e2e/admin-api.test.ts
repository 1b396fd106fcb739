// The admin API through HTTP on a real app: every route refuses anonymous (401) and non-admin (403) requests, each
// action's effect is checked in the database (or the store), mutating actions are logged with the admin's id, secrets
// stay masked (job payload codes, config secrets), and the SSE stats stream delivers parseable events once per second,
// stops when the client goes, survives the request timeout and does not hold app.close() up.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';
import { APPLICATION_SCOPE } from '../../src/config/store.ts';
import { initialDocument, setIn, writeDocument } from '../../src/config/document.ts';
import { parseVersion } from '../../src/config/effective.ts';
import type { PartialConfig } from '../../src/config/schema.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { jwtKey, signJwt } from '../../src/lib/jwt.ts';

let dir: string;
let app: App;
let url: string;
let adminToken: string;
let userToken: string;
let adminId: number;
const logs: LogRecord[] = [];
const EXTERNAL_SECRET = 'another-service-secret-of-at-least-32-chars';

async function startApp(data: string, flags: PartialConfig, sink: LogRecord[]): Promise<App> {
  return createApp({
    dataDir: data, env: {},
    flags: { block_ip: { enabled: false }, ...flags, server: { port: 0, ...flags.server } },
    log: new Logger([(r) => sink.push(r)], 'info'),
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monolite-admin-'));
  app = await startApp(join(dir, 'data'), { log: { flush_interval: '20ms' as never }, auth: { external_secrets: EXTERNAL_SECRET } as PartialConfig['auth'] }, logs);
  url = (await app.listen()).url;
  const admin = app.accounts.users.create({ email: 'root@example.com', name: 'Root', verified: true, scopes: ['admin'] });
  adminId = admin.id;
  adminToken = app.accounts.sessions.issue(admin).access_token;
  userToken = app.accounts.sessions.issue(app.accounts.users.create({ email: 'plain@example.com', verified: true, scopes: ['read'] })).access_token;
});

after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  body: any;
  headers: Headers;
  text: string;
}

async function call(method: string, path: string, body?: unknown, token: string | null = adminToken): Promise<Reply> {
  const res = await fetch(url + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '' ? JSON.parse(text) : undefined;
  return { status: res.status, body: json, headers: res.headers, text };
}

const row = (sql: string, ...params: (string | number)[]) => app.db.prepare(sql).get(...params) as Record<string, unknown> | undefined;
const adminLog = (msg: string) => logs.find((r) => r.msg === msg);

describe('access', () => {
  // Every route of the API, with a body where it takes one (the guard answers before the body is read).
  const ROUTES: [string, string, unknown?][] = [
    ['GET', '/api/admin/users'],
    ['GET', '/api/admin/users/1'],
    ['POST', '/api/admin/users/1/verify'],
    ['PUT', '/api/admin/users/1/scopes', { scopes: ['admin'] }],
    ['POST', '/api/admin/users/1/revoke'],
    ['DELETE', '/api/admin/users/1'],
    ['GET', '/api/admin/jobs'],
    ['GET', '/api/admin/jobs/1'],
    ['POST', '/api/admin/jobs/1/retry'],
    ['DELETE', '/api/admin/jobs/1'],
    ['GET', '/api/admin/logs'],
    ['GET', '/api/admin/config/versions'],
    ['GET', '/api/admin/config/versions/1'],
    ['GET', '/api/admin/config/diff'],
    ['POST', '/api/admin/config/rollback', { version: 1 }],
    ['GET', '/api/admin/backups'],
    ['POST', '/api/admin/backups'],
    ['GET', '/api/admin/backups/runs/1'],
    ['GET', '/api/admin/backups/app-20260101T000000Z-online.db.gz'],
    ['GET', '/api/admin/stats'],
    ['GET', '/api/admin/stats/stream'],
  ];

  test('the route table covers every registered admin route', () => {
    const registered = app.router.routes().filter((r) => r.pattern.startsWith('/api/admin/')).map((r) => `${r.method} ${r.pattern}`);
    const tested = ROUTES.map(([m, p]) => `${m} ${p}`);
    for (const route of registered) {
      const pattern = new RegExp(`^${route.replace(/:[a-z]+/g, '[^/]+')}$`);
      assert.ok(tested.some((t) => pattern.test(t)), `${route} is in the table`);
    }
  });

  for (const [method, path, body] of ROUTES) {
    test(`${method} ${path}: 401 without a token, 403 without the admin scope`, async () => {
      const anonymous = await call(method, path, body, null);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.code, 'auth_required');
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
      const plain = await call(method, path, body, userToken);
      assert.equal(plain.status, 403);
      assert.equal(plain.body.code, 'forbidden');
      assert.match(plain.body.detail, /"admin"/);
    });
  }

  test('a scope removed from the account applies at once', async () => {
    const user = app.accounts.users.create({ email: 'former-admin@example.com', verified: true, scopes: ['admin'] });
    const token = app.accounts.sessions.issue(user).access_token;
    assert.equal((await call('GET', '/api/admin/stats', undefined, token)).status, 200);
    assert.equal((await call('PUT', `/api/admin/users/${user.id}/scopes`, { scopes: [] })).status, 200);
    assert.equal((await call('GET', '/api/admin/stats', undefined, token)).status, 403);
  });

  test('a token of another service (auth.external_secrets) is refused whatever its scopes: an admin is an account', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt({ sub: String(adminId), scope: 'admin', iat: now, exp: now + 600 }, jwtKey(EXTERNAL_SECRET));
    const reply = await call('GET', '/api/admin/stats', undefined, token);
    assert.equal(reply.status, 403, reply.text);
    assert.equal(reply.body.code, 'forbidden');
    assert.match(reply.body.detail, /not a token issued elsewhere/, 'refused as external, not for a missing scope');
  });
});

describe('users', () => {
  test('list: search on email and name, paging, total', async () => {
    for (let i = 1; i <= 5; i++) app.accounts.users.create({ email: `member${i}@example.org`, name: i === 3 ? 'Grace Hopper' : '' });
    const page = await call('GET', '/api/admin/users?search=example.org&limit=2&offset=1');
    assert.equal(page.status, 200);
    assert.equal(page.body.total, 5);
    assert.deepEqual(page.body.users.map((u: { email: string }) => u.email), ['member2@example.org', 'member3@example.org']);
    assert.deepEqual([page.body.limit, page.body.offset], [2, 1]);
    const byName = await call('GET', '/api/admin/users?search=hopper');
    assert.deepEqual(byName.body.users.map((u: { email: string }) => u.email), ['member3@example.org']);
    const user = byName.body.users[0];
    assert.deepEqual(Object.keys(user).sort(), ['avatar', 'created', 'email', 'has_password', 'id', 'name', 'scopes', 'updated', 'verified']);
    // LIKE's wildcards are taken literally.
    assert.equal((await call('GET', '/api/admin/users?search=%25')).body.total, 0);
  });

  test('show, verify, set scopes, revoke, delete: each in the database and in the log', async () => {
    const target = app.accounts.users.create({ email: 'target@example.com' });
    const token = app.accounts.sessions.issue(target).access_token;
    const shown = await call('GET', `/api/admin/users/${target.id}`);
    assert.deepEqual([shown.status, shown.body.email, shown.body.verified], [200, 'target@example.com', false]);

    assert.equal((await call('POST', `/api/admin/users/${target.id}/verify`)).body.verified, true);
    assert.equal(row('SELECT verified FROM users WHERE id = ?', target.id)!.verified, 1);
    assert.equal(adminLog('Admin verified a user')?.fields.admin_id, adminId);

    const scoped = await call('PUT', `/api/admin/users/${target.id}/scopes`, { scopes: ['editor', 'shop.orders-read', 'editor'] });
    assert.deepEqual(scoped.body.scopes, ['editor', 'shop.orders-read']);
    assert.equal(row('SELECT scopes FROM users WHERE id = ?', target.id)!.scopes, 'editor shop.orders-read');
    assert.equal(adminLog('Admin set the scopes of a user')?.fields.admin_id, adminId);

    const keyBefore = row('SELECT token_key FROM users WHERE id = ?', target.id)!.token_key;
    assert.equal((await call('GET', '/api/me', undefined, token)).status, 200);
    assert.equal((await call('POST', `/api/admin/users/${target.id}/revoke`)).status, 204);
    assert.notEqual(row('SELECT token_key FROM users WHERE id = ?', target.id)!.token_key, keyBefore);
    assert.equal((await call('GET', '/api/me', undefined, token)).status, 401, 'the session ended');
    assert.equal(adminLog('Admin revoked every session of a user')?.fields.user_id, target.id);

    assert.equal((await call('DELETE', `/api/admin/users/${target.id}`)).status, 204);
    assert.equal(row('SELECT id FROM users WHERE id = ?', target.id), undefined);
    assert.deepEqual(adminLog('Admin deleted a user')?.fields, { admin_id: adminId, user_id: target.id, email: 'target@example.com' });
    assert.equal((await call('GET', `/api/admin/users/${target.id}`)).body.code, 'not_found');
  });

  const BAD: [string, string, unknown, number, string, string?][] = [
    ['GET', '/api/admin/users?limit=0', undefined, 400, 'invalid_input', 'limit'],
    ['GET', '/api/admin/users?limit=abc', undefined, 400, 'invalid_input', 'limit'],
    ['GET', '/api/admin/users?offset=-1', undefined, 400, 'invalid_input', 'offset'],
    ['GET', '/api/admin/users?serch=x', undefined, 400, 'invalid_input', 'serch'],
    ['GET', '/api/admin/users/abc', undefined, 404, 'not_found'],
    ['GET', '/api/admin/users/999999', undefined, 404, 'not_found'],
    ['POST', '/api/admin/users/999999/verify', undefined, 404, 'not_found'],
    ['PUT', '/api/admin/users/1/scopes', { scopes: 'admin' }, 400, 'invalid_input', 'scopes'],
    ['PUT', '/api/admin/users/1/scopes', { scopes: ['admin', 'two words'] }, 400, 'invalid_input', 'scopes'],
    ['PUT', '/api/admin/users/1/scopes', { scopes: ['admin', ''] }, 400, 'invalid_input', 'scopes'],
    ['PUT', '/api/admin/users/1/scopes', { scopes: ['admin', 'bad*scope'] }, 400, 'invalid_input', 'scopes'],
    ['PUT', '/api/admin/users/1/scopes', [], 400, 'invalid_input'],
    ['PUT', '/api/admin/users/1/scopes', { scopes: [] }, 409, 'self_demotion'],
    ['DELETE', '/api/admin/users/1', undefined, 409, 'self_deletion'],
  ];
  for (const [method, path, body, status, code, field] of BAD) {
    test(`${method} ${path} ${body === undefined ? '' : JSON.stringify(body)} → ${status} ${code}`, async () => {
      const reply = await call(method, path, body);
      assert.equal(reply.status, status, reply.text);
      assert.equal(reply.headers.get('content-type'), 'application/problem+json');
      assert.equal(reply.body.code, code);
      if (field !== undefined) assert.equal(reply.body.errors?.[0]?.field, field);
    });
  }

  test('a body that is not JSON is refused with 415', async () => {
    const res = await fetch(`${url}/api/admin/users/1/scopes`, { method: 'PUT', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/plain' }, body: 'admin' });
    assert.equal(res.status, 415);
  });
});

describe('jobs', () => {
  test('list by status and type with paging; show masks the one-time code of a mail job', async () => {
    const later = Date.now() + 3_600_000;
    const mail = app.jobs.enqueue('mail.send', { to: 'ada@example.com', template: 'otp_login', vars: { code: '493817', minutes: 10, token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig' } }, { runAt: later });
    for (let i = 0; i < 3; i++) app.jobs.enqueue('admin.test.idle', { n: i }, { runAt: later });
    const list = await call('GET', '/api/admin/jobs?type=admin.test.idle&status=pending&limit=2');
    assert.equal(list.status, 200);
    assert.equal(list.body.total, 3);
    assert.deepEqual(list.body.jobs.map((j: { payload: { n: number } }) => j.payload.n), [2, 1], 'newest first');
    assert.deepEqual((await call('GET', '/api/admin/jobs?type=admin.test.idle&limit=2&offset=2')).body.jobs.map((j: { payload: { n: number } }) => j.payload.n), [0]);

    const shown = await call('GET', `/api/admin/jobs/${mail.id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.payload, { to: 'ada@example.com', template: 'otp_login', vars: { code: '********', minutes: 10, token: '********' } });
    assert.doesNotMatch(shown.text, /493817/);
    assert.doesNotMatch((await call('GET', '/api/admin/jobs?type=mail.send')).text, /493817/);
    assert.equal((await call('GET', '/api/admin/jobs?status=stuck')).body.errors[0].field, 'status');
  });

  test('retry makes a dead job pending, due now, with a fresh count; a pending one is a 409', async () => {
    const { id } = app.jobs.enqueue('admin.test.unhandled', {});
    app.db.prepare("UPDATE job_queue SET status = 'dead', attempts = 5, last_error = 'boom', finished_at = ? WHERE id = ?").run(new Date().toISOString(), id);
    const before = Date.now();
    const retried = await call('POST', `/api/admin/jobs/${id}/retry`);
    assert.equal(retried.status, 200, retried.text);
    const stored = row('SELECT status, attempts, run_at, finished_at FROM job_queue WHERE id = ?', id)!;
    assert.deepEqual([stored.status, stored.attempts, stored.finished_at], ['pending', 0, null]);
    assert.ok(Date.parse(String(stored.run_at)) >= before - 5 && Date.parse(String(stored.run_at)) <= Date.now());
    assert.deepEqual(adminLog('Admin retried a job')?.fields, { admin_id: adminId, job_id: id, type: 'admin.test.unhandled' });
    assert.equal((await call('POST', `/api/admin/jobs/${id}/retry`)).body.code, 'job_pending');
    assert.equal((await call('POST', '/api/admin/jobs/999999/retry')).status, 404);
  });

  test('delete removes a job; a running one is a 409 and stays', async () => {
    const { id } = app.jobs.enqueue('admin.test.unhandled', {}, { runAt: Date.now() + 3_600_000 });
    app.db.prepare("UPDATE job_queue SET status = 'running', locked_until = ? WHERE id = ?").run(new Date(Date.now() + 60_000).toISOString(), id);
    const refused = await call('DELETE', `/api/admin/jobs/${id}`);
    assert.deepEqual([refused.status, refused.body.code], [409, 'job_running']);
    assert.ok(row('SELECT id FROM job_queue WHERE id = ?', id));
    app.db.prepare("UPDATE job_queue SET status = 'failed', locked_until = NULL WHERE id = ?").run(id);
    assert.equal((await call('DELETE', `/api/admin/jobs/${id}`)).status, 204);
    assert.equal(row('SELECT id FROM job_queue WHERE id = ?', id), undefined);
    assert.deepEqual(adminLog('Admin deleted a job')?.fields, { admin_id: adminId, job_id: id, type: 'admin.test.unhandled', status: 'failed' });
  });
});

describe('logs', () => {
  test('newest first, by level, text and time, in pages that continue below the last id', async () => {
    const start = new Date().toISOString();
    for (let i = 1; i <= 5; i++) app.log[i === 4 ? 'warn' : 'info']('Admin test marker', { n: i });
    let records: { id: number; level: string; fields: { n: number } }[] = [];
    // Records reach logs.db in batches (log.flush_interval is 20 ms here).
    for (const deadline = Date.now() + 5000; records.length < 5 && Date.now() < deadline; await sleep(20)) {
      records = (await call('GET', '/api/admin/logs?q=admin%20TEST%20marker')).body.records;
    }
    assert.deepEqual(records.map((r) => r.fields.n), [5, 4, 3, 2, 1]);
    const first = await call('GET', `/api/admin/logs?q=test+marker&limit=2&since=${start}`);
    assert.deepEqual(first.body.records.map((r: { fields: { n: number } }) => r.fields.n), [5, 4]);
    const second = await call('GET', `/api/admin/logs?q=test+marker&limit=2&before=${first.body.next_before}`);
    assert.deepEqual(second.body.records.map((r: { fields: { n: number } }) => r.fields.n), [3, 2]);
    const last = await call('GET', `/api/admin/logs?q=test+marker&limit=2&before=${second.body.next_before}`);
    assert.deepEqual([last.body.records.length, last.body.next_before], [1, null]);
    const warn = await call('GET', '/api/admin/logs?q=test+marker&level=warn');
    assert.deepEqual(warn.body.records.map((r: { level: string; fields: { n: number } }) => [r.level, r.fields.n]), [['warn', 4]]);
    const none = await call('GET', `/api/admin/logs?q=test+marker&until=${start}`);
    assert.deepEqual(none.body.records, []);
  });

  for (const [query, field] of [['level=loud', 'level'], ['since=yesterday', 'since'], ['until=2026-13-45', 'until'], ['limit=1001', 'limit'], ['before=0', 'before'], ['grep=x', 'grep'], ['since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', 'until']]) {
    test(`GET /api/admin/logs?${query} → 400 naming ${field}`, async () => {
      const reply = await call('GET', `/api/admin/logs?${query}`);
      assert.equal(reply.status, 400);
      assert.equal(reply.body.errors[0].field, field);
    });
  }
});

describe('config', () => {
  test('versions, masked content, masked diff, and rollback that saves a new version and reloads', async () => {
    const doc = parseVersion(app.store.latest(APPLICATION_SCOPE)!);
    setIn(doc, ['mail', 'password'], 'hunter2-very-secret');
    setIn(doc, ['server', 'body_limit'], '2MiB');
    const changed = app.store.save(APPLICATION_SCOPE, writeDocument(doc), { description: 'test change' });
    assert.equal(app.reload().ok, true);
    assert.equal(app.config.server.body_limit, 2 * 1024 * 1024);

    const versions = await call('GET', '/api/admin/config/versions');
    assert.equal(versions.body.current, changed);
    assert.deepEqual(versions.body.versions[0], { version: changed, created: versions.body.versions[0].created, description: 'test change', format: 'toml' });

    const shown = await call('GET', `/api/admin/config/versions/${changed}`);
    assert.doesNotMatch(shown.text, /hunter2/);
    assert.match(shown.body.content, /^password = "\*{8}"/m);
    assert.match(shown.body.content, /^secret = "\*{8}"/m, 'auth.secret, generated, is masked too');
    assert.doesNotMatch(shown.body.content, new RegExp(app.config.auth.secret));

    const diff = await call('GET', `/api/admin/config/diff?from=${changed - 1}&to=${changed}`);
    assert.equal(diff.status, 200);
    assert.match(diff.body.diff, /^\+body_limit = "2MiB"$/m);
    assert.match(diff.body.diff, /^\+password = "\*{8}"$/m);
    assert.doesNotMatch(diff.text, /hunter2/);
    assert.match((await call('GET', '/api/admin/config/diff')).body.diff, new RegExp(`version ${changed}`), 'default: the previous version to the latest');

    const rollback = await call('POST', '/api/admin/config/rollback', { version: changed - 1 });
    assert.equal(rollback.status, 200, rollback.text);
    assert.equal(rollback.body.version, changed + 1);
    assert.equal(rollback.body.reload.ok, true);
    assert.ok(rollback.body.reload.changed.includes('server.body_limit'));
    const latest = app.store.latest(APPLICATION_SCOPE)!;
    assert.equal(latest.version, changed + 1);
    assert.equal(latest.content, app.store.get(APPLICATION_SCOPE, changed - 1)!.content);
    assert.equal(app.configVersion, changed + 1);
    assert.equal(app.config.server.body_limit, 10 * 1024 * 1024, 'live again');
    assert.equal(adminLog('Admin rolled the configuration back')?.fields.admin_id, adminId);
  });

  test('a version that no longer loads is refused before anything is saved', async () => {
    const bad = initialDocument();
    setIn(bad, ['server', 'port'], 'not a port');
    const version = app.store.save(APPLICATION_SCOPE, writeDocument(bad), { description: 'broken' });
    const reply = await call('POST', '/api/admin/config/rollback', { version });
    assert.deepEqual([reply.status, reply.body.code], [422, 'invalid_config']);
    assert.equal(app.store.latest(APPLICATION_SCOPE)!.version, version, 'nothing saved');
  });

  for (const [method, path, body, status, field] of [
    ['GET', '/api/admin/config/versions/0', undefined, 404, undefined],
    ['GET', '/api/admin/config/versions/99999', undefined, 404, undefined],
    ['GET', '/api/admin/config/diff?from=x', undefined, 400, 'from'],
    ['GET', '/api/admin/config/diff?from=1&to=99999', undefined, 404, undefined],
    ['POST', '/api/admin/config/rollback', { version: '1' }, 400, 'version'],
    ['POST', '/api/admin/config/rollback', { version: 99999 }, 404, undefined],
  ] as const) {
    test(`${method} ${path} ${body === undefined ? '' : JSON.stringify(body)} → ${status}`, async () => {
      const reply = await call(method, path, body);
      assert.equal(reply.status, status, reply.text);
      if (field !== undefined) assert.equal(reply.body.errors[0].field, field);
    });
  }
});

describe('backups', () => {
  test('run now (202, progress at runs/:id), list, download streamed; names outside the listing are 404', async () => {
    const started = await call('POST', '/api/admin/backups');
    assert.equal(started.status, 202, started.text);
    assert.equal(started.body.status, 'running');
    let run = started.body;
    for (const deadline = Date.now() + 15_000; run.status === 'running' && Date.now() < deadline; await sleep(20)) {
      run = (await call('GET', `/api/admin/backups/runs/${started.body.id}`)).body;
    }
    assert.equal(run.status, 'done', JSON.stringify(run));
    assert.equal(run.progress, 1);
    assert.match(run.file, /^app-\d{8}T\d{6}(\.\d{3})?Z-online\.db\.gz$/);
    assert.equal(adminLog('Admin started a backup')?.fields.admin_id, adminId);

    const list = await call('GET', '/api/admin/backups');
    const entry = list.body.backups.find((b: { name: string }) => b.name === run.file);
    assert.ok(entry, 'the new backup is listed');
    assert.equal(entry.bytes, run.bytes);

    const res = await fetch(`${url}/api/admin/backups/${run.file}`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/gzip');
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="${run.file}"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual(bytes, readFileSync(join(list.body.dir, run.file)));

    for (const name of ['..%2Fapp.db', '..%2F..%2Fdata%2Fapp.db', 'app.db', '.hidden', 'app-20260101T000000Z-online.db.gz']) {
      const reply = await call('GET', `/api/admin/backups/${name}`);
      assert.equal(reply.status, 404, name);
    }
    assert.equal((await call('GET', '/api/admin/backups/runs/999')).status, 404);
  });
});

/** Reads a text/event-stream response until `count` events came or `ms` passed; returns the events and the raw text. */
async function readEvents(res: Response, count: number, ms: number): Promise<{ events: { id?: string; event?: string; data: any }[]; raw: string }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  const deadline = Date.now() + ms;
  const events = () => raw.split('\n\n').slice(0, -1).filter((block) => /^data: /m.test(block)).map((block) => {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const m = /^([a-z]+): ?(.*)$/.exec(line);
      if (m) fields[m[1]] = m[2];
    }
    return { id: fields.id, event: fields.event, data: JSON.parse(fields.data) };
  });
  while (events().length < count && Date.now() < deadline) {
    const timer = new Promise<{ done: true; value: undefined }>((resolve) => setTimeout(() => resolve({ done: true, value: undefined }), deadline - Date.now()));
    const { done, value } = await Promise.race([reader.read(), timer]);
    if (done) break;
    raw += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return { events: events(), raw };
}

describe('stats', () => {
  test('GET /stats: one sample with every promised field', async () => {
    await call('GET', '/api/admin/users');
    const { body } = await call('GET', '/api/admin/stats');
    assert.deepEqual(Object.keys(body).sort(), ['blocked_ips', 'connections', 'event_loop_lag_ms', 'latency_ms', 'memory', 'queue_depth', 'requests_per_second', 'status', 'streams', 'time']);
    assert.deepEqual(Object.keys(body.status), ['2xx', '3xx', '4xx', '5xx']);
    assert.deepEqual(Object.keys(body.latency_ms), ['p50', 'p95', 'p99']);
    assert.ok(body.connections >= 1);
    assert.ok(body.memory.rss > 0 && body.memory.heap_used > 0);
    assert.equal(typeof body.event_loop_lag_ms.max, 'number');
    const waiting = row("SELECT count(*) AS n FROM job_queue WHERE status IN ('pending', 'failed')")!.n;
    assert.ok(body.queue_depth >= 3 && body.queue_depth === waiting, `the waiting jobs: ${body.queue_depth}, ${waiting} in the table`);
  });

  test('the stream sends an event at once and one per second, with retry and ids; a client that leaves is let go', async () => {
    const controller = new AbortController();
    const res = await fetch(`${url}/api/admin/stats/stream`, { headers: { authorization: `Bearer ${adminToken}` }, signal: controller.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    // Traffic while it runs, for the request numbers.
    const load = setInterval(() => void call('GET', '/api/admin/users?limit=1'), 50);
    let read;
    try {
      // The first event at once, then one a second: three by ~2 s (a busy machine gets some slack).
      read = await readEvents(res, 3, 3500);
    } finally {
      clearInterval(load);
    }
    assert.match(read.raw, /^retry: 3000\n\n/);
    assert.ok(read.events.length >= 3, `3 events in 3.5 s, got ${read.events.length}`);
    assert.deepEqual(read.events.map((e) => e.id), read.events.map((_, i) => String(i + 1)));
    assert.ok(read.events.every((e) => e.event === 'stats'));
    // The busiest second of the load, whichever it was.
    const busy = read.events.map((e) => e.data).reduce((a, b) => (b.requests_per_second > a.requests_per_second ? b : a));
    assert.ok(busy.requests_per_second >= 5, `requests counted: ${JSON.stringify(busy)}`);
    assert.ok(busy.status['2xx'] >= 5);
    assert.ok(busy.latency_ms.p50 > 0 && busy.latency_ms.p99 >= busy.latency_ms.p50);
    assert.equal(busy.streams, 1);
    const gap = Date.parse(read.events[2].data.time) - Date.parse(read.events[1].data.time);
    assert.ok(gap >= 700 && gap <= 1700, `about one second between events, got ${gap} ms`);

    controller.abort();
    let streams = -1;
    for (const deadline = Date.now() + 3000; streams !== 0 && Date.now() < deadline; await sleep(10)) streams = (await call('GET', '/api/admin/stats')).body.streams;
    assert.equal(streams, 0, 'the server let the stream go');
  });
});

test('HEAD on the stream answers its head and ends, opening no stream', async () => {
  const res = await fetch(`${url}/api/admin/stats/stream`, { method: 'HEAD', headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  assert.equal((await call('GET', '/api/admin/stats')).body.streams, 0);
});

test('an open stream outlives the request timeout, and app.close() ends it at once', async () => {
  const data = mkdtempSync(join(tmpdir(), 'monolite-admin-close-'));
  const sink: LogRecord[] = [];
  const other = await startApp(join(data, 'data'), { server: { request_timeout: '300ms' as never, headers_timeout: '200ms' as never, shutdown_timeout: '10s' as never } }, sink);
  try {
    const { url: base } = await other.listen();
    const admin = other.accounts.users.create({ email: 'root@example.com', scopes: ['admin'] });
    const res = await fetch(`${base}/api/admin/stats/stream`, { headers: { authorization: `Bearer ${other.accounts.sessions.issue(admin).access_token}` } });
    const { events } = await readEvents(res, 3, 3500);
    assert.ok(events.length >= 3, `the stream went on past the 300 ms request timeout: ${events.length} events`);
    // …which does apply to a request that is slow to arrive: the setting is in force.
    const slow = await new Promise<string>((resolve, reject) => {
      const socket = connect(new URL(base).port ? Number(new URL(base).port) : 80, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => { answer += chunk; });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.write('POST /api/health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nnot all of it');
      setTimeout(() => socket.destroy(), 3000);
    });
    assert.match(slow, /HTTP\/1\.1 408 Request Timeout/, 'the unfinished body is cut (after the 405 answered once the head came)');
    const reader = res.body!.getReader();
    const t0 = performance.now();
    await other.close();
    const took = performance.now() - t0;
    assert.ok(took < 1000, `close() took ${Math.round(took)} ms with a stream open (shutdown_timeout 10 s)`);
    // The client sees the end of the response.
    let done = false;
    for (let i = 0; i < 100 && !done; i++) done = (await reader.read()).done;
    assert.equal(done, true);
  } finally {
    await other.close();
    rmSync(data, { recursive: true, force: true });
  }
});
