// End to end: `monolite serve` as a user runs it — first start on nothing, serving, graceful SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { start, servingUrl } from '../support/process.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('first start creates the data directory and schema, prints the URL and data path, and serves', async (t) => {
  const dataDir = join(tempDir(t), 'nested', 'data');
  const run = start(['src/main.ts', 'serve', '--port', '0', '--data-dir', dataDir]);
  t.after(() => run.child.kill('SIGKILL'));
  const url = await servingUrl(run);
  assert.match(url, /^http:\/\/localhost:\d+$/);
  const serving = run.lines.find((l) => String(l.msg).startsWith('monolite is serving'))!;
  assert.equal(serving.data, dataDir);
  assert.ok(run.lines.some((l) => l.msg === 'Created the data directory' && l.path === dataDir));
  assert.ok(existsSync(join(dataDir, 'app.db')));

  const health = await fetch(`${url}/api/health`);
  assert.equal(health.status, 200);
  const body = (await health.json()) as { status: string; uptime_s: number };
  assert.equal(body.status, 'ok');
  assert.equal(typeof body.uptime_s, 'number');
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);

  run.child.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  const db = new DatabaseSync(join(dataDir, 'app.db'), { readOnly: true });
  const row = db.prepare('SELECT name FROM schema_migrations').all();
  db.close();
  assert.ok(row.length >= 1, 'migrations are recorded');
});

test('a second start on the same data directory applies nothing and does not say it created anything', async (t) => {
  const dataDir = tempDir(t);
  for (let i = 0; i < 2; i++) {
    const run = start(['src/main.ts', '--data-dir', dataDir, '--port', '0']);
    await servingUrl(run);
    const applied = run.lines.filter((l) => l.msg === 'Applied migration').length;
    if (i === 0) assert.ok(applied >= 1);
    else assert.equal(applied, 0);
    run.child.kill('SIGINT');
    assert.equal((await run.exited).code, 0);
  }
});

test('the compile cache is written once the server is up, so a server killed with SIGKILL leaves it for the next start', async (t) => {
  const dir = tempDir(t);
  const cache = join(dir, 'compile-cache');
  const run = start(['src/main.ts', 'serve', '--port', '0', '--data-dir', join(dir, 'data')], { NODE_COMPILE_CACHE: cache });
  t.after(() => run.child.kill('SIGKILL'));
  await servingUrl(run);
  run.child.kill('SIGKILL');
  assert.deepEqual(await run.exited, { code: null, signal: 'SIGKILL' });
  // One folder per Node version, holding an entry per module (stripped text and compiled code).
  const entries = readdirSync(cache, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  assert.ok(entries.length >= 50, `compile cache entries after SIGKILL: ${entries.length}`);
});

test('SIGTERM lets an in-flight request finish, then exits 0 and refuses new connections', async (t) => {
  const dataDir = tempDir(t);
  const run = start(['test/e2e/fixtures/test-server.ts', dataDir]);
  t.after(() => run.child.kill('SIGKILL'));
  const url = await servingUrl(run);
  const inFlight = fetch(`${url}/slow?ms=600`);
  while (!run.stdout().includes('slow-started')) await new Promise((r) => setTimeout(r, 10));
  run.child.kill('SIGTERM');
  run.child.kill('SIGTERM'); // a repeated signal is the same request
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { slow: 'done' });
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  await assert.rejects(fetch(`${url}/api/health`), 'the port is closed after shutdown');
  assert.ok(run.lines.some((l) => String(l.msg).startsWith('Received SIGTERM')));
});

test('a port already in use is a one-line error and exit 1', async (t) => {
  const dataDir = tempDir(t);
  const first = start(['src/main.ts', '--data-dir', dataDir, '--port', '0']);
  t.after(() => first.child.kill('SIGKILL'));
  const port = new URL(await servingUrl(first)).port;
  const second = start(['src/main.ts', '--data-dir', join(dataDir, 'b'), '--port', port]);
  const { code } = await second.exited;
  assert.equal(code, 1);
  assert.ok(second.lines.some((l) => /Cannot listen on 127\.0\.0\.1:\d+: the address is already in use/.test(String(l.msg))), JSON.stringify(second.lines));
});
