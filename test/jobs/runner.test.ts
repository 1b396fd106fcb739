// The job runner, in real time with short delays: wake-up on enqueue, retries with backoff then dead, isolation of
// failures, timeouts, per-type concurrency, recurrence without drift, shutdown, and crash recovery across processes.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../src/db/open.ts';
import { frameworkMigrations, migrate } from '../../src/db/migrate.ts';
import { JobQueue } from '../../src/jobs/queue.ts';
import { JobRunner, type RunnerOptions } from '../../src/jobs/runner.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';
import { until } from '../support/until.ts';

let tmp: string;
let file: string;
let db: DatabaseSync;
let q: JobQueue;
let records: LogRecord[];
const runners: JobRunner[] = [];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-runner-'));
  file = path.join(tmp, 'app.db');
  db = openDatabase(file);
  migrate(db, frameworkMigrations());
  q = new JobQueue(db);
  records = [];
});

afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop(100);
  db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function runner(options: Partial<RunnerOptions> = {}): JobRunner {
  const r = new JobRunner(q, { log: new Logger([(rec) => records.push(rec)], 'debug'), pollIntervalMs: 60_000, retryBaseMs: 10, retryMaxMs: 1000, random: () => 1, ...options });
  runners.push(r);
  return r;
}

describe('job runner', () => {
  test('a job enqueued here starts at once, not at the next poll', async () => {
    const r = runner({ pollIntervalMs: 60_000 });
    const started: number[] = [];
    r.register('ping', () => { started.push(performance.now()); });
    r.start();
    const t0 = performance.now();
    const { id } = r.enqueue('ping', {});
    await until(() => q.get(id)!.status === 'done', 'the job to finish', 2000);
    assert.ok(started[0] - t0 < 100, `started after ${(started[0] - t0).toFixed(1)} ms`);
  });

  test('a job due later starts when due, without waiting for a poll', async () => {
    const r = runner({ pollIntervalMs: 60_000 });
    const ran: number[] = [];
    r.register('later', () => { ran.push(Date.now()); });
    r.start();
    const due = Date.now() + 150;
    r.enqueue('later', {}, { runAt: due });
    await until(() => ran.length === 1, 'the job to run', 2000);
    assert.ok(ran[0] >= due, 'not before its time');
    assert.ok(ran[0] - due < 200, `late by ${ran[0] - due} ms`);
  });

  test('a failing job is retried with exponential backoff, then dead with its last error', async () => {
    const r = runner({ retryBaseMs: 20 });
    const attempts: { attempt: number; at: number }[] = [];
    r.register('flaky', (_payload, ctx) => {
      attempts.push({ attempt: ctx.attempt, at: Date.now() });
      throw new Error(`failure ${ctx.attempt}`);
    });
    r.start();
    const { id } = r.enqueue('flaky', {}, { maxAttempts: 3 });
    await until(() => q.get(id)!.status === 'dead', 'the job to die', 5000);
    const job = q.get(id)!;
    assert.deepEqual(attempts.map((a) => a.attempt), [1, 2, 3]);
    assert.equal(job.attempts, 3);
    assert.equal(job.lastError, 'failure 3');
    assert.ok(job.finishedAt !== null);
    // random() = 1: the delays are the full backoff, 20 ms then 40 ms.
    assert.ok(attempts[1].at - attempts[0].at >= 19, `first retry after ${attempts[1].at - attempts[0].at} ms`);
    assert.ok(attempts[2].at - attempts[1].at >= 39, `second retry after ${attempts[2].at - attempts[1].at} ms`);
    assert.deepEqual(records.filter((rec) => rec.level === 'warn').map((rec) => rec.fields.attempt), [1, 2]);
    assert.equal(records.filter((rec) => rec.level === 'error' && /dead/.test(rec.msg)).length, 1);
  });

  test('an error marked permanent kills the job at once, and the dead-job hook hears of every death', async () => {
    const dead: { id: number; type: string; attempts: number; error: string }[] = [];
    const r = runner({ onDead: (job) => dead.push(job) });
    r.register('bounce', () => { throw Object.assign(new Error('550 No such user'), { permanent: true }); });
    r.register('flaky', () => { throw new Error('try again'); });
    r.start();
    const bounce = r.enqueue('bounce', {}, { maxAttempts: 5 });
    const flaky = r.enqueue('flaky', {}, { maxAttempts: 2 });
    await until(() => q.get(bounce.id)!.status === 'dead' && q.get(flaky.id)!.status === 'dead', 'both jobs to die', 5000);
    assert.equal(q.get(bounce.id)!.attempts, 1, 'no retry after a permanent error');
    assert.equal(q.get(flaky.id)!.attempts, 2);
    assert.deepEqual(dead.map((d) => [d.id, d.type, d.attempts, d.error]).sort(), [
      [bounce.id, 'bounce', 1, '550 No such user'],
      [flaky.id, 'flaky', 2, 'try again'],
    ]);
    assert.ok(records.some((rec) => rec.level === 'error' && /permanent/.test(rec.msg) && rec.fields.job_id === bounce.id));
  });

  test('one job throwing, rejecting or timing out never affects the others', async () => {
    const r = runner();
    r.register('work', async (payload) => {
      const { n } = payload as { n: number };
      if (n === 3) throw new Error('sync throw');
      if (n === 5) return Promise.reject(new Error('rejected'));
      if (n === 7) await new Promise((resolve) => setTimeout(resolve, 10_000).unref()); // ignores its signal; times out
      if (n === 8) throw 'a string';
    }, { concurrency: 4, timeoutMs: 100 });
    r.start();
    const ids = Array.from({ length: 12 }, (_, n) => r.enqueue('work', { n }, { maxAttempts: 1 }).id);
    await until(() => ids.every((id) => ['done', 'dead'].includes(q.get(id)!.status)), 'every job to finish', 5000);
    const status = ids.map((id) => q.get(id)!.status);
    assert.deepEqual(status, ['done', 'done', 'done', 'dead', 'done', 'dead', 'done', 'dead', 'dead', 'done', 'done', 'done']);
    assert.equal(q.get(ids[7])!.lastError, 'Timed out after 100 ms');
    assert.equal(q.get(ids[8])!.lastError, 'a string');
  });

  test('a timeout aborts the handler\'s signal and counts as a failed attempt', async () => {
    const r = runner();
    let aborted: unknown;
    r.register('slow', (_p, ctx) => new Promise<void>((resolve) => {
      ctx.signal.addEventListener('abort', () => {
        aborted = ctx.signal.reason;
        resolve(); // finishing after the abort does not make it a success
      });
    }), { timeoutMs: 50 });
    r.start();
    const { id } = r.enqueue('slow', {}, { maxAttempts: 2 });
    await until(() => q.get(id)!.status === 'dead', 'the job to die', 3000);
    assert.match(String(aborted), /Timed out after 50 ms/);
    assert.equal(q.get(id)!.attempts, 2);
  });

  test('no more jobs of a type run at once than its concurrency', async () => {
    const r = runner();
    let running = 0;
    let peak = 0;
    r.register('c', async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(10);
      running--;
    }, { concurrency: 3 });
    r.start();
    const ids = Array.from({ length: 15 }, () => r.enqueue('c', {}).id);
    await until(() => ids.every((id) => q.get(id)!.status === 'done'), 'every job', 5000);
    assert.equal(peak, 3);
  });

  test('recurrence: each run is planned at the previous plan + interval, and missed runs collapse into one', async () => {
    const r = runner();
    const interval = 60;
    const planned: string[] = [];
    r.register('tick', () => { planned.push(q.list({ type: 'tick' })[0].runAt); });
    // Four intervals and a half in the past: the run that follows is the next one still ahead, not five catching up.
    const start = Date.now() - 4.5 * interval;
    const { id } = q.enqueue('tick', {}, { recurrence: interval, runAt: start });
    r.start();
    await until(() => planned.length >= 4, 'four runs', 3000);
    const times = planned.map((t) => Date.parse(t) - start);
    assert.equal(times[0], 0, 'the first run is the late one');
    assert.equal(times[1], 5 * interval, 'missed runs collapse: straight to the next planned time ahead');
    for (let i = 2; i < times.length; i++) assert.equal(times[i] - times[i - 1], interval, 'no drift: exactly one interval apart');
    const job = q.get(id)!;
    assert.equal(job.status === 'pending' || job.status === 'running', true);
    assert.equal(q.depth().done, 0, 'one row, rescheduled');
  });

  test('a recurrent job that fails every attempt waits for its next run instead of dying', async () => {
    const r = runner({ retryBaseMs: 5 });
    let runs = 0;
    r.register('bad-tick', () => {
      runs++;
      throw new Error('still broken');
    });
    r.start();
    const { id } = r.enqueue('bad-tick', {}, { recurrence: 10_000, maxAttempts: 2 });
    await until(() => runs === 2 && q.get(id)!.status === 'pending', 'two attempts', 3000);
    const job = q.get(id)!;
    assert.deepEqual([job.attempts, job.lastError], [0, 'still broken']);
    assert.ok(Date.parse(job.runAt) > Date.now() + 5000, 'next planned run');
  });

  test('stop lets running jobs finish before the deadline and gives the others back to the queue', async () => {
    const r = runner();
    r.register('quick', () => sleep(20), { concurrency: 2 });
    r.register('stuck', () => new Promise(() => {}), { timeoutMs: 60_000 });
    r.start();
    const quick = r.enqueue('quick', {}).id;
    const stuck = r.enqueue('stuck', {}).id;
    await until(() => r.running === 2, 'both running', 2000);
    const result = await r.stop(200);
    assert.deepEqual(result, { finished: 1, released: 1 });
    assert.equal(q.get(quick)!.status, 'done');
    const released = q.get(stuck)!;
    assert.deepEqual([released.status, released.attempts, released.lockedUntil], ['pending', 0, null]);
    assert.equal(r.enqueue('quick', {}).duplicate, false);
    await sleep(50);
    assert.equal(q.depth().pending, 2, 'a stopped runner claims nothing');
  });

  test('crash recovery: jobs of a process killed mid-job are reclaimed after their lease and all complete', async (t) => {
    const total = 30;
    const ids = Array.from({ length: total }, (_, n) => q.enqueue('crash', { n }).id);
    const started = path.join(tmp, 'started.txt');
    const module = (rel: string) => JSON.stringify(new URL(rel, import.meta.url).href);
    // The child runs jobs slowly (4 at a time, 80 ms each) with a short lease, and is killed while some run.
    const script = `
      import fs from 'node:fs';
      import { openDatabase } from ${module('../../src/db/open.ts')};
      import { JobQueue } from ${module('../../src/jobs/queue.ts')};
      import { JobRunner } from ${module('../../src/jobs/runner.ts')};
      import { Logger } from ${module('../../src/log/logger.ts')};
      const db = openDatabase(${JSON.stringify(file)});
      const r = new JobRunner(new JobQueue(db), { log: new Logger([]), pollIntervalMs: 20, leaseMarginMs: 100 });
      r.register('crash', async (p) => {
        fs.appendFileSync(${JSON.stringify(started)}, p.n + '\\n');
        await new Promise((res) => setTimeout(res, 80));
      }, { concurrency: 4, timeoutMs: 200 });
      r.start();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    await until(() => fs.existsSync(started) && fs.readFileSync(started, 'utf8').trim().split('\n').length >= 10, () => `the child to start 10 jobs (its stderr: ${stderr})`, 10_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const before = q.depth();
    t.diagnostic(`at the kill: ${JSON.stringify(before)}`);
    assert.ok(before.running > 0, 'some jobs were mid-run when the child died');

    const completed = new Map<number, number>();
    const r = runner({ pollIntervalMs: 20, leaseMarginMs: 100 });
    r.register('crash', (p) => {
      const { n } = p as { n: number };
      completed.set(n, (completed.get(n) ?? 0) + 1);
    }, { concurrency: 4, timeoutMs: 200 });
    const t0 = Date.now();
    r.start();
    await until(() => ids.every((id) => q.get(id)!.status === 'done'), 'every job to be done', 10_000);
    t.diagnostic(`all ${total} done ${Date.now() - t0} ms after the restart; ${completed.size} run here, the rest finished by the child`);
    assert.deepEqual(q.depth(), { pending: 0, running: 0, failed: 0, done: total, dead: 0 });
    // The jobs the child left running were run again here: at-least-once, none lost.
    for (const id of ids) assert.ok(q.get(id)!.attempts >= 1);
    assert.ok(completed.size >= before.running + before.pending);
  });
});
