// An external database plugin configured like any database (uri + plugin module): the JSON-file plugin of
// test/support serves /api/notes/ end to end — schema documents, reads with the DSL, writes, scopes, ETags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { Logger } from '../../src/log/logger.ts';
import { call, SECRET, token } from './rest-fixture.ts';
import { readQueries } from '../support/json-file-plugin.ts';

let app: App;
let url: string;
let dir: string;
const file = () => join(dir, 'data', 'notes.json');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monolite-rest-plugin-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(file(), JSON.stringify({
    tables: {
      notes: {
        columns: [{ name: 'id', type: 'INTEGER', primaryKey: true }, { name: 'text', type: 'TEXT', notNull: true }, { name: 'stars', type: 'INTEGER' }],
        rows: [{ id: 1, text: 'first', stars: 3 }, { id: 2, text: 'second', stars: 5 }, { id: 3, text: 'third', stars: null }],
      },
    },
  }));
  app = await createApp({
    dataDir: join(dir, 'data'), env: {}, log: new Logger([], 'error'),
    flags: {
      server: { port: 0 }, auth: { external_secrets: SECRET },
      rest: { databases: { notes: { uri: 'jsonfile://notes.json', plugin: 'test/support/json-file-plugin.ts' } } },
    } as never,
  });
  url = (await app.listen()).url;
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

test('reads through the query DSL, with scopes and ETags', async () => {
  const anonymous = await call(url, 'GET', '/api/notes/notes');
  assert.equal(anonymous.status, 401);
  const t = token('notes-read');
  const a = await call(url, 'GET', '/api/notes/notes?select=id,text&where.gte.stars=3&ordering=-id', { token: t });
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.json, [{ id: 2, text: 'second' }, { id: 1, text: 'first' }]);
  const again = await call(url, 'GET', '/api/notes/notes?select=id,text&where.gte.stars=3&ordering=-id', { token: t, headers: { 'if-none-match': a.headers.get('etag')! } });
  assert.equal(again.status, 304);
  const count = await call(url, 'GET', '/api/notes/notes?select=count()&where.is.stars=null', { token: t });
  assert.deepEqual(count.json, [{ count: 1 }]);
});

test('a plugin gets a repeated read query as one frozen object; one with a context variable afresh each time', async () => {
  // The README's promise to plugin authors (REST, Plugins): the query is frozen and shared by requests asking the same.
  const t = token('notes-read');
  const path = '/api/notes/notes?select=id&where.in.id=1,2&ordering=-id';
  const before = readQueries.length;
  for (let i = 0; i < 2; i++) assert.deepEqual((await call(url, 'GET', path, { token: t })).json, [{ id: 2 }, { id: 1 }]);
  const [first, second] = readQueries.slice(before);
  assert.equal(first, second, 'the same object');
  const frozen = (value: unknown): boolean => value === null || typeof value !== 'object' || (Object.isFrozen(value) && Object.values(value).every(frozen));
  assert.ok(frozen(first), 'deeply frozen');
  assert.throws(() => { (first.where as unknown[]).push('x'); }, TypeError);
  const mine = '/api/notes/notes?select=id&where.eq.id=erctx.claims_sub';
  for (let i = 0; i < 2; i++) await call(url, 'GET', mine, { token: t });
  const [a, b] = readQueries.slice(-2);
  assert.notEqual(a, b, 'a user-dependent query is parsed per request');
  assert.ok(!Object.isFrozen(a));
});

test('writes reach the file; a rolled-back one does not', async () => {
  const t = token('notes-read notes-write');
  const created = await call(url, 'POST', '/api/notes/notes', { token: t, body: { text: 'fourth', stars: 1 } });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json, { id: 4, text: 'fourth', stars: 1 });
  const rolled = await call(url, 'POST', '/api/notes/notes', { token: t, headers: { prefer: 'tx=rollback' }, body: { text: 'never' } });
  assert.equal(rolled.status, 201);
  const patched = await call(url, 'PATCH', '/api/notes/notes?where.eq.id=1', { token: t, body: { stars: 4 } });
  assert.deepEqual(patched.json, { updated: 1 });
  const stored = JSON.parse(readFileSync(file(), 'utf8')) as { tables: { notes: { rows: { text: string; stars: number | null }[] } } };
  assert.deepEqual(stored.tables.notes.rows.map((r) => r.text), ['first', 'second', 'third', 'fourth']);
  assert.equal(stored.tables.notes.rows[0].stars, 4);
  const unknown = await call(url, 'POST', '/api/notes/notes', { token: t, body: { text: 'x', colour: 'red' } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.code, 'unknown_column');
});

test('the API documents come from the plugin\'s schema, its function included', async () => {
  const doc = await call(url, 'GET', '/api/notes/openapi.json');
  assert.equal(doc.status, 200);
  assert.ok(Object.keys(doc.json.paths).some((p) => p.startsWith('/notes')));
  assert.ok(Object.keys(doc.json.paths).some((p) => p.startsWith('/rpc/stats')));
  const stats = await call(url, 'POST', '/api/notes/rpc/stats', { token: token('write'), body: {} });
  assert.equal(stats.status, 200, stats.text);
  assert.deepEqual(stats.json, { tables: 1 });
});

test('a database whose path another route holds is refused at boot, naming both', async () => {
  const other = mkdtempSync(join(tmpdir(), 'monolite-rest-clash-'));
  try {
    writeFileSync(join(other, 'x.json'), JSON.stringify({ tables: {} }));
    await assert.rejects(createApp({
      dataDir: join(other, 'data'), env: {}, log: new Logger([], 'error'),
      flags: { server: { port: 0 }, rest: { databases: { health: { uri: `jsonfile://${join(other, 'x.json')}`, plugin: 'test/support/json-file-plugin.ts' } } } } as never,
    }), /REST database "health": its path \/api\/health\/ collides with the route \/api\/health/);
    await assert.rejects(createApp({
      dataDir: join(other, 'data'), env: {}, log: new Logger([], 'error'),
      flags: { server: { port: 0 }, rest: { databases: { databases: { uri: `jsonfile://${join(other, 'x.json')}`, plugin: 'test/support/json-file-plugin.ts' } } } } as never,
    }), /REST database "databases": its path \/api\/databases\/ collides with the route \/api\/databases/);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
