// Fault: backups of app.db taken through the admin API while writers keep inserting into it (app.db is also served
// as a REST database, its table `items` taking the writes). Each backup, downloaded through the admin API, must pass
// `PRAGMA integrity_check` and hold at least every row acknowledged before the backup started; and the server must
// not stall meanwhile (a health check runs throughout: the WAL that piles up behind a backup's snapshot once cost
// the next commit seconds on the serving thread — see src/db/checkpoints.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { gunzipSync } from 'node:zlib';
import { bounded } from '../support/long.ts';
import { until } from '../support/until.ts';
import { faultBed, integrityCheck } from '../support/fault-server.ts';
import { exchange } from '../support/fault-load.ts';

const BACKUPS = bounded(2, 20);
const WRITERS = bounded(8, 24);
const PRELOAD_ROWS = bounded(2000, 20_000);
// A backup copies, gzips and verifies the whole file; in the long run the database grows past 600 MB.
const BACKUP_DEADLINE_MS = bounded(30_000, 300_000);
// Health answers take milliseconds; a stall of the serving thread shows as seconds.
const MAX_HEALTH_MS = 2000;

interface Run { id: string; status: string; file: string | null; error: string | null; total_pages: number | null }

test('backups taken under write load verify and hold every row acknowledged before they started', async (t) => {
  // Small steps with pauses make each copy last long enough for many writes to land during it.
  const bed = faultBed({});
  t.after(() => bed.cleanup());
  // app.db itself, served as REST: its framework tables stay hidden, `items` is the table written under load.
  const appDb = join(bed.dataDir, 'app.db');
  const db = new DatabaseSync(appDb);
  db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, client TEXT NOT NULL, seq INTEGER NOT NULL, note TEXT)`);
  db.prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
    INSERT INTO items (client, seq, note) SELECT 'preload', i, printf('%.2000c', 'p') FROM n`).run(PRELOAD_ROWS);
  db.close();
  bed.importConfig({ rest: { check_scope: false, databases: { app: { uri: 'sqlite://./app.db', title: 'App' } } }, backup: { pages_per_step: 20, step_pause: '2ms', keep: 0 } });
  bed.cli(['users', 'create', 'ops@fault.test', '--scopes', 'admin', '--verified']);
  const token = bed.cli(['users', 'token', 'ops@fault.test']).trim();
  const auth = { authorization: `Bearer ${token}` };
  const { url, run } = await bed.serve();

  let acked = PRELOAD_ROWS;
  let stop = false;
  const failures: string[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: WRITERS });
  t.after(() => agent.destroy());
  const writers = Array.from({ length: WRITERS }, async (_, client) => {
    for (let seq = 0; !stop; seq++) {
      const a = await exchange(url, {
        method: 'POST', path: '/api/app/items', agent, headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client: `w${client}`, seq, note: 'w'.repeat(500) }),
      });
      if (a.status === 201) acked++;
      else failures.push(`${a.status} ${a.error ?? a.body}`);
    }
  });

  let slowestHealth = 0;
  const healthProblems: string[] = [];
  const healthAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => healthAgent.destroy());
  const health = (async () => {
    while (!stop) {
      const started = Date.now();
      const a = await exchange(url, { path: '/api/health', agent: healthAgent });
      slowestHealth = Math.max(slowestHealth, Date.now() - started);
      if (a.status !== 200) healthProblems.push(`${a.status} ${a.error ?? a.body}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // What each backup must hold, checked once the load has stopped: decompressing and checking a large copy here, on
  // the test's own thread, would stall the writers' clients (their sockets go quiet past the server's keep-alive
  // timeout and are reset) and the health checks, which would then measure the test rather than the server.
  const taken: { file: string; pages: number | null; ackedAtStart: number; ackedAtEnd: number }[] = [];
  try {
    for (let i = 0; i < BACKUPS; i++) {
      await until(() => acked > PRELOAD_ROWS + (i + 1) * 50, 'writes to land between backups', 10_000);
      const ackedAtStart = acked;
      const started = await exchange(url, { method: 'POST', path: '/api/admin/backups', headers: auth });
      assert.equal(started.status, 202, started.body);
      const id = (JSON.parse(started.body) as Run).id;
      let state: Run | undefined;
      const poll = async () => {
        state = JSON.parse((await exchange(url, { path: `/api/admin/backups/runs/${id}`, headers: auth })).body) as Run;
      };
      const deadline = Date.now() + BACKUP_DEADLINE_MS;
      for (await poll(); state!.status === 'running' && Date.now() < deadline; await poll()) await new Promise((r) => setTimeout(r, 50));
      assert.equal(state!.status, 'done', `backup run ${id}: ${JSON.stringify(state)}`);
      taken.push({ file: state!.file!, pages: state!.total_pages, ackedAtStart, ackedAtEnd: acked });
    }
  } finally {
    stop = true;
    await Promise.all([...writers, health]);
  }
  assert.deepEqual(failures, [], `no write failed during the backups (slowest health check: ${slowestHealth} ms)`);
  assert.deepEqual(healthProblems, [], 'every health check answered 200');
  assert.ok(slowestHealth < MAX_HEALTH_MS, `the slowest health check took ${slowestHealth} ms (bound ${MAX_HEALTH_MS} ms)`);
  t.diagnostic(`slowest health check during the backups: ${slowestHealth} ms`);

  for (const [i, b] of taken.entries()) {
    // The file as an operator would fetch it: downloaded through the admin API, then gunzipped.
    const raw = await download(`${url}/api/admin/backups/${encodeURIComponent(b.file)}`, auth);
    const copy = join(bed.dir, `backup-${i}.db`);
    writeFileSync(copy, b.file.endsWith('.gz') ? gunzipSync(raw) : raw);
    assert.equal(integrityCheck(copy), 'ok', `integrity of backup ${b.file}`);
    const backup = new DatabaseSync(copy, { readOnly: true });
    const rows = (backup.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
    backup.close();
    rmSync(copy);
    assert.ok(rows >= b.ackedAtStart, `backup ${b.file} holds ${rows} rows, fewer than the ${b.ackedAtStart} acknowledged before it started`);
    assert.ok(rows <= b.ackedAtEnd + WRITERS, `backup ${b.file} holds ${rows} rows, more than were ever written (${b.ackedAtEnd} + ${WRITERS} in flight)`);
    bed.cli(['backup', 'verify', join(bed.dataDir, 'backups', b.file)]);
    t.diagnostic(`${b.file}: ${b.pages} pages, ${rows} rows (≥ ${b.ackedAtStart} acknowledged at start, ${b.ackedAtEnd - b.ackedAtStart} written during the copy)`);
  }

  run.child.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  assert.equal(integrityCheck(appDb), 'ok');
});

/**
 * GET `url` on a connection of its own, the body as bytes. Not fetch: the checks between downloads block this thread
 * for seconds, past the server's keep-alive timeout, and fetch would reuse the socket the server has closed meanwhile.
 */
function download(url: string, headers: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
      res.on('error', reject);
    }).on('error', reject);
  });
}
