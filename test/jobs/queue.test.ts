// The job queue's storage: enqueue and dedup keys, claiming (due time, order, leases), outcomes fenced by attempt
// number, release, retry/remove, pruning, depth and the framework's recurrent schedules. Time is a test clock.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../src/db/open.ts';
import { frameworkMigrations, migrate } from '../../src/db/migrate.ts';
import { JobError, JobQueue } from '../../src/jobs/queue.ts';

let tmp: string;
let db: DatabaseSync;
let now: number;
let q: JobQueue;
const T0 = Date.parse('2026-11-21T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-queue-'));
  db = openDatabase(path.join(tmp, 'app.db'));
  migrate(db, frameworkMigrations());
  now = T0;
  q = new JobQueue(db, { clock: () => now });
});

afterEach(() => {
  db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('job queue', () => {
  test('enqueue stores a pending job due now; claim leases it and counts the attempt; settle finishes it', () => {
    const { id, duplicate } = q.enqueue('mail', { to: 'a@example.com' }, { maxAttempts: 3 });
    assert.equal(duplicate, false);
    const job = q.get(id)!;
    assert.deepEqual(
      { type: job.type, payload: JSON.parse(job.payload), status: job.status, attempts: job.attempts, maxAttempts: job.maxAttempts, runAt: job.runAt, createdAt: job.createdAt },
      { type: 'mail', payload: { to: 'a@example.com' }, status: 'pending', attempts: 0, maxAttempts: 3, runAt: iso(T0), createdAt: iso(T0) },
    );
    const [claimed] = q.claim('mail', 10, 60_000);
    assert.equal(claimed.id, id);
    assert.equal(claimed.attempts, 1);
    assert.equal(q.get(id)!.status, 'running');
    assert.equal(q.get(id)!.lockedUntil, iso(T0 + 60_000));
    assert.deepEqual(q.claim('mail', 10, 60_000), [], 'a leased job is not claimed twice');
    now += 1000;
    assert.equal(q.settle([{ id, attempt: 1, status: 'done' }]), 1);
    const done = q.get(id)!;
    assert.deepEqual([done.status, done.finishedAt, done.lockedUntil, done.lastError], ['done', iso(T0 + 1000), null, null]);
  });

  test('claim takes only due jobs of its type, oldest run_at first, up to the limit', () => {
    const late = q.enqueue('a', 1, { runAt: T0 + 5000 }).id;
    const second = q.enqueue('a', 2, { runAt: T0 - 1000 }).id;
    const first = q.enqueue('a', 3, { runAt: T0 - 2000 }).id;
    const third = q.enqueue('a', 4).id;
    q.enqueue('b', 5);
    assert.deepEqual(q.claim('a', 2, 60_000).map((j) => j.id), [first, second]);
    assert.deepEqual(q.claim('a', 10, 60_000).map((j) => j.id), [third]);
    assert.equal(q.nextDue(['a']), T0 + 5000, 'the next due job');
    now = T0 + 5000;
    assert.deepEqual(q.claim('a', 10, 60_000).map((j) => j.id), [late]);
    assert.equal(q.nextDue(['a']), T0 + 60_000, 'the earliest lease ends then');
    assert.equal(q.nextDue(['c']), null);
  });

  test('a job whose lease expired is claimed again; the stale attempt cannot record its outcome', () => {
    const { id } = q.enqueue('a', null);
    const [first] = q.claim('a', 1, 1000);
    now += 999;
    assert.deepEqual(q.claim('a', 1, 1000), []);
    now += 1;
    const [again] = q.claim('a', 1, 1000);
    assert.equal(again.id, id);
    assert.equal(again.attempts, 2);
    assert.equal(q.settle([{ id, attempt: first.attempts, status: 'done' }]), 0, 'fenced by the attempt number');
    assert.equal(q.get(id)!.status, 'running');
    assert.equal(q.settle([{ id, attempt: again.attempts, status: 'failed', runAt: now + 500, error: 'boom' }]), 1);
    const failed = q.get(id)!;
    assert.deepEqual([failed.status, failed.lastError, failed.runAt, failed.finishedAt], ['failed', 'boom', iso(now + 500), null]);
    assert.deepEqual(q.claim('a', 1, 1000), [], 'a failed job waits for its retry time');
    now += 500;
    assert.equal(q.claim('a', 1, 1000)[0].attempts, 3);
  });

  test('a dedup key holds forever without a window; the duplicate is a result, not an error', () => {
    const a = q.enqueue('verify', { email: 'x' }, { dedupKey: 'x@example.com' });
    const b = q.enqueue('verify', { email: 'x' }, { dedupKey: 'x@example.com' });
    const other = q.enqueue('reset', { email: 'x' }, { dedupKey: 'x@example.com' });
    assert.deepEqual(b, { id: a.id, duplicate: true });
    assert.equal(other.duplicate, false, 'keys are per type');
    now += 365 * 86_400_000;
    assert.deepEqual(q.enqueue('verify', {}, { dedupKey: 'x@example.com' }), { id: a.id, duplicate: true });
    assert.equal(q.depth().pending, 2);
  });

  test('a dedup window: duplicates within it are refused, after it a new job takes the key over', () => {
    const window = 120_000;
    const first = q.enqueue('verify', 1, { dedupKey: 'k', dedupWindowMs: window });
    now += window - 1;
    assert.deepEqual(q.enqueue('verify', 2, { dedupKey: 'k', dedupWindowMs: window }), { id: first.id, duplicate: true });
    now += 1;
    const next = q.enqueue('verify', 3, { dedupKey: 'k', dedupWindowMs: window });
    assert.equal(next.duplicate, false);
    assert.notEqual(next.id, first.id);
    assert.equal(q.get(first.id)!.dedupKey, null, 'the old job keeps its history without the key');
    assert.equal(q.get(next.id)!.dedupKey, 'k');
    assert.deepEqual(q.enqueue('verify', 4, { dedupKey: 'k', dedupWindowMs: window }), { id: next.id, duplicate: true });
  });

  test('release gives running jobs back without counting the interrupted attempt', () => {
    const { id } = q.enqueue('a', null);
    const [job] = q.claim('a', 1, 60_000);
    assert.equal(q.release([{ id, attempt: job.attempts }]), 1);
    const released = q.get(id)!;
    assert.deepEqual([released.status, released.attempts, released.lockedUntil], ['pending', 0, null]);
    assert.equal(q.claim('a', 1, 60_000)[0].attempts, 1);
  });

  test('retry and remove act on finished jobs only; prune deletes finished jobs past the age, in batches', () => {
    const ids = Array.from({ length: 2500 }, (_, i) => q.enqueue('a', i).id);
    const claimed = q.claim('a', 2500, 60_000);
    q.settle(claimed.map((j) => ({ id: j.id, attempt: j.attempts, status: j.id % 2 === 0 ? 'done' as const : 'dead' as const, error: 'x' })));
    const pending = q.enqueue('a', 'waiting').id;
    assert.equal(q.retry(pending), false, 'already pending');
    assert.equal(q.retry(999_999), false);
    assert.equal(q.retry(ids[0]), true);
    const retried = q.get(ids[0])!;
    assert.deepEqual([retried.status, retried.attempts, retried.finishedAt], ['pending', 0, null]);
    const [running] = q.claim('a', 1, 60_000);
    assert.equal(q.remove(running.id), false, 'a running job is not removed');
    assert.equal(q.remove(ids[1]), true);
    assert.equal(q.get(ids[1]), undefined);
    const newest = q.enqueue('a', 'newest').id;
    assert.equal(q.remove(newest), true);
    assert.equal(q.enqueue('a', 'after').id, newest + 1, 'ids are never reused');
    q.remove(newest + 1);
    assert.deepEqual(q.depth(), { pending: 1, running: 1, failed: 0, done: 1249, dead: 1249 });
    now += 7 * 86_400_000;
    assert.equal(q.prune(7 * 86_400_000), 0, 'finished exactly 7 days ago: not older than that');
    now += 1;
    assert.equal(q.prune(7 * 86_400_000), 2498);
    assert.deepEqual(q.depth(), { pending: 1, running: 1, failed: 0, done: 0, dead: 0 });
  });

  test('ensureRecurring creates one schedule per type, then updates it; cancelRecurring removes it', () => {
    const id = q.ensureRecurring('backup', { mode: 'online' }, 86_400_000, { firstRunMs: 60_000 });
    assert.equal(q.ensureRecurring('backup', { mode: 'online' }, 86_400_000), id, 'idempotent');
    let job = q.get(id)!;
    assert.deepEqual([job.recurrenceMs, job.runAt, job.status], [86_400_000, iso(T0 + 60_000), 'pending']);
    now += 30_000;
    q.ensureRecurring('backup', { mode: 'vacuum' }, 10_000);
    job = q.get(id)!;
    assert.deepEqual([job.recurrenceMs, job.runAt, JSON.parse(job.payload)], [10_000, iso(now + 10_000), { mode: 'vacuum' }], 'brought forward to one new interval');
    q.ensureRecurring('backup', { mode: 'vacuum' }, 3_600_000);
    assert.equal(q.get(id)!.runAt, iso(now + 10_000), 'a longer interval keeps the nearer run');
    assert.equal(q.cancelRecurring('backup'), true);
    assert.equal(q.get(id), undefined);
    assert.equal(q.cancelRecurring('backup'), false);
  });

  test('bad input is a JobError that says what is wrong', () => {
    assert.throws(() => q.enqueue('', {}), JobError);
    assert.throws(() => q.enqueue('a', { n: 1n }), /not JSON-serializable/);
    assert.throws(() => q.enqueue('a', () => 1), /not JSON-serializable/);
    assert.throws(() => q.enqueue('a', {}, { maxAttempts: 0 }), /maxAttempts must be an integer ≥ 1, got 0/);
    assert.throws(() => q.enqueue('a', {}, { recurrence: -5 }), /recurrence must be a positive number of ms/);
    assert.throws(() => q.enqueue('a', {}, { runAt: Number.NaN }), /runAt is not a valid time/);
    assert.equal(q.depth().pending, 0);
  });
});
