// Fault: SIGKILL in the middle of bursts of writes (REST inserts into a served shop.db, account registrations into
// app.db) and while slow jobs run, then a restart on the same data directory: every acknowledged write is there,
// every database passes `PRAGMA integrity_check`, and every job ends done — the interrupted ones run again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { bounded } from '../support/long.ts';
import { until } from '../support/until.ts';
import { faultBed, integrityCheck, type Served } from '../support/fault-server.ts';
import { exchange } from '../support/fault-load.ts';

const FIXTURE = 'test/faults/fixtures/jobs-server.ts';
const CYCLES = bounded(2, 8);
const WRITERS = bounded(12, 32);
const JOBS_PER_CYCLE = 8;

test('SIGKILL mid-burst loses no acknowledged write, leaves every database intact and every job re-run', async (t) => {
  const bed = faultBed({
    log: { store: true, flush_interval: '50ms' },
    // A killed server's jobs are claimed again once their lease (handler timeout 2 s + this margin) runs out.
    jobs: { lease_margin: '500ms', poll_interval: '100ms', retry_base: '100ms' },
  }, { shop: true });
  t.after(() => bed.cleanup());

  const acked = new Set<string>(); // "client:seq" of every 201
  const registered: string[] = []; // emails answered 202
  const jobIds: number[] = [];
  let seq = 0;
  let served: Served = await bed.serve({ script: FIXTURE });

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const { url, run } = served;
    const enqueued = await exchange(url, { method: 'POST', path: `/fault/jobs?n=${JOBS_PER_CYCLE}&ms=1000` });
    assert.equal(enqueued.status, 201, enqueued.body);
    jobIds.push(...(JSON.parse(enqueued.body) as { ids: number[] }).ids);

    // Set just before the kill: from then on a failed exchange is expected, not a fault.
    let killed = false;
    const failures: string[] = [];
    const writers = Array.from({ length: WRITERS }, async (_, client) => {
      while (!killed) {
        const s = seq++;
        const a = await exchange(url, {
          method: 'POST', path: '/api/shop/items', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client: `w${client}`, seq: s, note: 'x'.repeat(s % 200) }), timeoutMs: 5000,
        });
        if (a.status === 201) acked.add(`w${client}:${s}`);
        else if (!killed) failures.push(`insert: ${a.status} ${a.error ?? a.body}`);
      }
    });
    const registrations = Array.from({ length: 2 }, async (_, client) => {
      for (let i = 0; !killed; i++) {
        const email = `c${cycle}-r${client}-${i}@fault.test`;
        const a = await exchange(url, {
          method: 'POST', path: '/api/register-with-password', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ identity: email, password: 'quiet lantern 4417', password_confirm: 'quiet lantern 4417' }), timeoutMs: 5000,
        });
        if (a.status === 202) registered.push(email);
        else if (!killed) failures.push(`registration: ${a.status} ${a.error ?? a.body}`);
      }
    });
    // Kill while jobs run and the writers are busy: after a registration was acknowledged, with a job running.
    const registeredBefore = registered.length;
    await until(() => registered.length > registeredBefore, 'a registration to be acknowledged', 15_000);
    await sleep(Math.random() * 300);
    const appDb = new DatabaseSync(join(bed.dataDir, 'app.db'), { readOnly: true });
    const running = () => (appDb.prepare(`SELECT count(*) AS n FROM job_queue WHERE type = 'fault.slow' AND status = 'running'`).get() as { n: number }).n;
    if (running() === 0) {
      // This cycle's jobs are done already (a slow machine): queue more, so the kill still lands on running jobs.
      const more = await exchange(url, { method: 'POST', path: `/fault/jobs?n=4&ms=1000` });
      jobIds.push(...(JSON.parse(more.body) as { ids: number[] }).ids);
    }
    await until(() => running() > 0, 'a slow job to run', 10_000);
    appDb.close();
    const before = acked.size;
    killed = true;
    run.child.kill('SIGKILL');
    const exit = await run.exited;
    await Promise.all([...writers, ...registrations]);
    assert.equal(exit.signal, 'SIGKILL');
    assert.deepEqual(failures, [], 'no request failed before the kill');
    assert.ok(before > 0, 'writes were acknowledged before the kill');

    // Nothing runs now: check the files as the killed server left them (the WAL is replayed by the reader).
    for (const file of [join(bed.dataDir, 'app.db'), join(bed.dataDir, 'logs.db'), bed.shopFile]) {
      assert.equal(integrityCheck(file), 'ok', `integrity of ${file} after the kill`);
    }
    served = await bed.serve({ script: FIXTURE });
  }

  // Every acknowledged write survived every kill.
  const shop = new DatabaseSync(bed.shopFile, { readOnly: true });
  const stored = new Set((shop.prepare('SELECT client, seq FROM items').all() as { client: string; seq: number }[]).map((r) => `${r.client}:${r.seq}`));
  shop.close();
  const lostWrites = [...acked].filter((k) => !stored.has(k));
  assert.deepEqual(lostWrites, [], `${lostWrites.length} of ${acked.size} acknowledged inserts are missing`);
  const app = new DatabaseSync(join(bed.dataDir, 'app.db'), { readOnly: true });
  const users = new Set((app.prepare('SELECT email FROM users').all() as { email: string }[]).map((r) => r.email));
  assert.deepEqual(registered.filter((e) => !users.has(e)), [], 'every acknowledged registration is stored');
  assert.ok(registered.length > 0, 'some registrations were acknowledged');

  // Every job ends done; each one the kill interrupted ran again.
  const status = app.prepare(`SELECT id, status, attempts FROM job_queue WHERE type = 'fault.slow' ORDER BY id`);
  await until(() => (status.all() as { status: string }[]).every((j) => j.status === 'done'),
    () => `every job to finish: ${JSON.stringify(status.all())}`, 20_000);
  const runs = app.prepare('SELECT job_id, attempt, event FROM fault_job_runs').all() as { job_id: number; attempt: number; event: string }[];
  app.close();
  let rerun = 0;
  for (const id of jobIds) {
    const mine = runs.filter((r) => r.job_id === id);
    assert.ok(mine.some((r) => r.event === 'finish'), `job ${id} finished: ${JSON.stringify(mine)}`);
    const starts = mine.filter((r) => r.event === 'start').length;
    if (starts > 1) rerun++;
  }
  assert.ok(rerun >= 1, 'at least one job interrupted by a kill ran again');
  t.diagnostic(`${CYCLES} kills: ${acked.size} acknowledged inserts and ${registered.length} registrations kept; ${jobIds.length} jobs done, ${rerun} of them re-run`);

  served.run.child.kill('SIGTERM');
  assert.deepEqual(await served.run.exited, { code: 0, signal: null });
  for (const file of [join(bed.dataDir, 'app.db'), join(bed.dataDir, 'logs.db'), bed.shopFile]) {
    assert.equal(integrityCheck(file), 'ok', `integrity of ${file} at the end`);
  }
});
