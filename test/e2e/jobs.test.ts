// The job queue inside the app: jobs run while it listens, the framework's recurrent jobs are scheduled from the
// config (and follow a reload), queue depth is a metric, and close() gives unfinished jobs back.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, type App } from '../../src/app.ts';
import { writeDocument, initialDocument, setIn } from '../../src/config/document.ts';
import { APPLICATION_SCOPE } from '../../src/config/store.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';
import { openDatabase } from '../../src/db/open.ts';
import { until } from '../support/until.ts';
import { startFakeEndpoint } from '../support/fake-endpoint.ts';
import type { PartialConfig } from '../../src/config/schema.ts';
import { verifyBackup } from '../../src/db/backup.ts';

const dirs: string[] = [];
const apps: App[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(flags: PartialConfig = {}): Promise<{ app: App; logs: LogRecord[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-app-jobs-'));
  dirs.push(dir);
  const logs: LogRecord[] = [];
  const app = await createApp({ dataDir: join(dir, 'data'), env: {}, flags: { server: { port: 0, shutdown_timeout: '200ms' as never }, ...flags }, log: new Logger([(r) => logs.push(r)], 'info') });
  apps.push(app);
  return { app, logs };
}

describe('jobs in the app', () => {
  test('a job enqueued before listen() runs once the app listens; depth by status is a metric', async () => {
    const { app } = await start();
    const seen: unknown[] = [];
    app.jobs.register('greet', (payload) => { seen.push(payload); });
    const { id } = app.jobs.enqueue('greet', { name: 'Ada' });
    await sleep(30);
    assert.deepEqual(seen, [], 'nothing runs before listen()');
    const { url } = await app.listen();
    await until(() => app.jobs.queue.get(id)?.status === 'done', 'the job');
    assert.deepEqual(seen, [{ name: 'Ada' }]);
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /^# TYPE monolite_jobs gauge$/m);
    assert.match(text, /^monolite_jobs\{status="done"\} 1$/m);
    assert.match(text, /^monolite_jobs\{status="dead"\} 0$/m);
  });

  test('the framework schedules its pruning jobs, and a backup switched off by a reload is cancelled', async () => {
    const { app } = await start();
    await app.listen();
    const recurring = () => app.jobs.queue.list().filter((j) => j.recurrenceMs !== null).map((j) => j.type).sort();
    assert.deepEqual(recurring().filter((t) => t.startsWith('monolite.prune')), ['monolite.prune_jobs', 'monolite.prune_logs']);
    const hour = app.jobs.queue.list({ type: 'monolite.prune_jobs' })[0];
    assert.equal(hour.recurrenceMs, 3_600_000);
    // Switching backups off through the stored config and a reload removes that schedule (if the build has one).
    const doc = initialDocument();
    setIn(doc, ['backup', 'enabled'], false);
    app.store.save(APPLICATION_SCOPE, writeDocument(doc), { description: 'no backups' });
    assert.equal(app.reload().ok, true);
    assert.deepEqual(recurring().filter((t) => t === 'monolite.backup'), []);
  });

  test('the scheduled backup job writes a verified backup of app.db into <data-dir>/backups', async () => {
    const { app, logs } = await start();
    await app.listen();
    const [job] = app.jobs.queue.list({ type: 'monolite.backup' });
    assert.equal(job.recurrenceMs, 86_400_000, 'daily by default');
    assert.ok(Date.parse(job.runAt) > Date.now() + 86_000_000, 'first run one interval from now');
    // Make it due now instead of tomorrow.
    const due = new Date().toISOString();
    app.db.prepare('UPDATE job_queue SET run_at = ? WHERE id = ?').run(due, job.id);
    app.jobs.wake();
    await until(() => logs.some((r) => r.msg === 'Backup written'), 'the backup', 15_000);
    const written = logs.find((r) => r.msg === 'Backup written')!;
    assert.match(String(written.fields.file), /\/backups\/app-\d{8}T\d{6}Z-online\.db\.gz$/);
    assert.equal((await verifyBackup(String(written.fields.file))).ok, true);
    await until(() => app.jobs.queue.get(job.id)!.status === 'pending', 'the job to be rescheduled');
    assert.equal(Date.parse(app.jobs.queue.get(job.id)!.runAt) - Date.parse(due), 86_400_000, 'next run one interval after the planned one');
  });

  test('a failed backup raises an alarm on the notifier', async () => {
    const webhook = await startFakeEndpoint();
    try {
      const blocker = mkdtempSync(join(tmpdir(), 'monolite-not-a-dir-'));
      dirs.push(blocker);
      writeFileSync(join(blocker, 'file'), 'in the way');
      const { app } = await start({ backup: { dir: join(blocker, 'file', 'backups') }, notify: { webhook_url: webhook.url }, jobs: { retry_base: '10s' as never } });
      await app.listen();
      const [job] = app.jobs.queue.list({ type: 'monolite.backup' });
      app.db.prepare('UPDATE job_queue SET run_at = ? WHERE id = ?').run(new Date().toISOString(), job.id);
      app.jobs.wake();
      await until(() => webhook.received.length > 0, 'the alarm', 15_000);
      const alarm = JSON.parse(webhook.received[0].body) as { type: string; source: string; message: string; fields: { dir: string; error: string } };
      assert.deepEqual([alarm.type, alarm.source, alarm.message], ['alarm', 'backup', 'Backup failed']);
      assert.equal(alarm.fields.dir, join(blocker, 'file', 'backups'));
      assert.match(alarm.fields.error, /ENOTDIR|not a directory/i);
    } finally {
      await webhook.close();
    }
  });

  test('close() lets a short job finish and gives a stuck one back to the queue', async () => {
    const { app, logs } = await start();
    app.jobs.register('stuck', () => new Promise(() => {}), { timeoutMs: 60_000 });
    await app.listen();
    const { id } = app.jobs.enqueue('stuck', {});
    await until(() => app.jobs.queue.get(id)?.status === 'running', 'the job to start');
    apps.splice(apps.indexOf(app), 1);
    await app.close();
    assert.ok(logs.some((r) => r.msg.startsWith('Jobs still running at shutdown') && r.fields.released === 1));
    const db = openDatabase(join(app.dataDir, 'app.db'));
    try {
      assert.deepEqual({ ...db.prepare('SELECT status, attempts, locked_until FROM job_queue WHERE id = ?').get(id) }, { status: 'pending', attempts: 0, locked_until: null });
    } finally {
      db.close();
    }
  });
});
