// `monolite jobs …` end to end on a temporary data directory, through main() with its own streams: every subcommand,
// its exit codes (0 done, 1 cannot, 2 usage mistake) and its output, JSON output parsed back.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/main.ts';
import { openDataDir } from '../../src/data-dir.ts';
import { JobQueue, type Job } from '../../src/jobs/queue.ts';

let tmp: string;
let dataDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-cli-jobs-'));
  dataDir = path.join(tmp, 'data');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Result { status: number; stdout: string; stderr: string }

/** Runs `monolite jobs --data-dir <tmp> <args>` in process. */
async function jobs(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough().on('data', (c) => out.push(String(c)));
  const stderr = new PassThrough().on('data', (c) => err.push(String(c)));
  const status = await main(['jobs', '--data-dir', dataDir, ...args], { stdout, stderr, env });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** Like jobs() but the command must succeed. */
async function ok(...args: string[]): Promise<string> {
  const r = await jobs(args);
  assert.equal(r.status, 0, `jobs ${args.join(' ')} failed: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

/** Runs the command, which must fail with `status` and a one-line message on stderr matching `message`. */
async function fails(status: 1 | 2, args: string[], message: RegExp): Promise<string> {
  const r = await jobs(args);
  assert.equal(r.status, status, `jobs ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  const first = r.stderr.split('\n')[0];
  assert.match(first, message);
  if (status === 2) assert.match(r.stderr, /\n\nUsage:\n {2}monolite jobs/, 'a usage mistake shows the usage');
  else assert.equal(r.stderr, `${first}\n`, 'a runtime failure is one line');
  return first;
}

/** The data directory's queue, for setting up and checking jobs as the server would leave them. */
function withQueue<T>(fn: (queue: JobQueue) => T): T {
  const dir = openDataDir(dataDir, { env: {} });
  try {
    return fn(new JobQueue(dir.db));
  } finally {
    dir.close();
  }
}

function job(id: number): Job | undefined {
  return withQueue((q) => q.get(id));
}

const LONG_ERROR = `Connection refused by smtp.example.com:587\n    at connect (mail.ts:10)\n${'x'.repeat(300)}`;

/**
 * Five jobs, one per status: 1 email done, 2 email failed (attempt 1 of 3), 3 report dead (long multi-line error),
 * 4 report running, 5 email pending.
 */
function seed(): void {
  withQueue((q) => {
    const settle = (type: string, status: 'done' | 'failed' | 'dead', error: string | null) => {
      const [claimed] = q.claim(type, 1, 60_000);
      assert.ok(claimed, `a ${type} job to claim`);
      assert.equal(q.settle([{ id: claimed.id, attempt: claimed.attempts, status, error, runAt: status === 'failed' ? Date.now() + 3_600_000 : undefined }]), 1);
    };
    q.enqueue('email', { to: 'a@example.com' });
    settle('email', 'done', null);
    q.enqueue('email', { to: 'b@example.com' }, { maxAttempts: 3 });
    settle('email', 'failed', 'Mailbox full');
    q.enqueue('report', { month: '2026-01', pages: [1, 2] }, { maxAttempts: 1 });
    settle('report', 'dead', LONG_ERROR);
    q.enqueue('report', { month: '2026-02' });
    assert.equal(q.claim('report', 1, 60_000).length, 1);
    q.enqueue('email', { to: 'c@example.com' }, { dedupKey: 'c@example.com' });
  });
}

/** The ID column of a `list` table. */
function ids(table: string): number[] {
  return table.trimEnd().split('\n').slice(1).map((line) => Number(line.split(/\s+/)[0]));
}

describe('jobs enqueue', () => {
  test('prints the new id; the job is pending, due now, with its payload and defaults', async () => {
    const before = Date.now();
    assert.equal(await ok('enqueue', 'send_email', '{"to": "a@example.com", "n": [1, 2.5, null]}'), 'Enqueued job 1 (send_email), due now\n');
    const j = job(1)!;
    assert.equal(j.type, 'send_email');
    assert.equal(j.status, 'pending');
    assert.deepEqual(JSON.parse(j.payload), { to: 'a@example.com', n: [1, 2.5, null] });
    assert.equal(j.maxAttempts, 5);
    assert.equal(j.attempts, 0);
    assert.ok(Date.parse(j.runAt) >= before - 1 && Date.parse(j.runAt) <= Date.now());
    assert.equal(await ok('enqueue', 'send_email', '"just text"'), 'Enqueued job 2 (send_email), due now\n');
    assert.equal(job(2)!.payload, '"just text"');
  });

  test('--json prints {id, duplicate}', async () => {
    assert.deepEqual(JSON.parse(await ok('enqueue', 'a', '{}', '--json')), { id: 1, duplicate: false });
    assert.deepEqual(JSON.parse(await ok('enqueue', 'a', '{}', '--json', '--dedup-key', 'k')), { id: 2, duplicate: false });
    assert.deepEqual(JSON.parse(await ok('enqueue', 'a', '{}', '--json', '--dedup-key', 'k')), { id: 2, duplicate: true });
  });

  test('a dedup key already held is not an error: exit 0, "duplicate of job N", nothing enqueued', async () => {
    await ok('enqueue', 'verify', '{"user": 1}', '--dedup-key', 'user:1');
    const out = await ok('enqueue', 'verify', '{"user": 1}', '--dedup-key', 'user:1');
    assert.equal(out, 'Duplicate of job 1: nothing enqueued (job 1 holds dedup key "user:1" of type "verify")\n');
    assert.equal(withQueue((q) => q.list()).length, 1);
    // The key is unique per type only.
    const other = await ok('enqueue', 'other', '{}', '--dedup-key', 'user:1');
    assert.match(other, /^Enqueued job (\d+) \(other\), due now\n$/);
    assert.equal(withQueue((q) => q.list()).length, 2);
  });

  test('--run-at takes a delay from now or a time; --max-attempts is stored', async () => {
    const before = Date.now();
    const out = await ok('enqueue', 'later', '{}', '--run-at', '1h30m', '--max-attempts', '2');
    const due = Date.parse(job(1)!.runAt);
    assert.ok(due >= before + 5_400_000 && due <= Date.now() + 5_400_000, job(1)!.runAt);
    assert.equal(out, `Enqueued job 1 (later), due ${job(1)!.runAt}\n`);
    assert.equal(job(1)!.maxAttempts, 2);
    await ok('enqueue', 'later', '{}', '--run-at', '2030-01-31T12:00:00+01:00');
    assert.equal(job(2)!.runAt, '2030-01-31T11:00:00.000Z');
    await ok('enqueue', 'later', '{}', '--run-at', '2020-01-01');
    assert.equal(job(3)!.runAt, '2020-01-01T00:00:00.000Z');
  });

  test('malformed PAYLOAD_JSON is a usage error quoting the mistake and where it is; nothing is enqueued', async () => {
    const cases: [string, RegExp][] = [
      ['{"to": x}', /^monolite: Invalid PAYLOAD_JSON "\{\\"to\\": x\}": Expected a value but found "x" at line 1, column 8 \(offset 7\)$/],
      ['{"a": 1,}', /Expected a property name in double quotes but found "}" at line 1, column 9 \(offset 8\)$/],
      ['{"a":\n  [1 2]}', /Expected "," or "]" in an array but found "2" at line 2, column 6 \(offset 11\)$/],
      ['{"a": 1', /Expected "," or "}" in an object but found the end of the input at line 1, column 8 \(offset 7\)$/],
      ["{'a': 1}", /Expected a property name in double quotes but found "'" at line 1, column 2/],
      ['', /^monolite: Invalid PAYLOAD_JSON "": Expected a value but found the end of the input at line 1, column 1 \(offset 0\)$/],
    ];
    for (const [payload, message] of cases) await fails(2, ['enqueue', 'x', payload], message);
    assert.equal(fs.existsSync(dataDir), false, 'a usage mistake does not create the data directory');
  });

  test('bad arguments and options are usage errors', async () => {
    await fails(2, ['enqueue', 'x'], /^monolite: "jobs enqueue" needs 2 arguments: monolite jobs enqueue TYPE PAYLOAD_JSON/);
    await fails(2, ['enqueue', 'x', '{}', 'extra'], /^monolite: Too many arguments for "jobs enqueue": "extra"$/);
    await fails(2, ['enqueue', '', '{}'], /^monolite: Invalid job type ""/);
    await fails(2, ['enqueue', 'x', '{}', '--run-at', 'soon'], /^monolite: Invalid --run-at "soon": expected a time such as "2026-01-31T12:00:00Z" or a delay/);
    await fails(2, ['enqueue', 'x', '{}', '--run-at', '2026-02-31T99:00:00Z'], /^monolite: Invalid --run-at "2026-02-31T99:00:00Z"/);
    await fails(2, ['enqueue', 'x', '{}', '--max-attempts', '0'], /^monolite: Invalid --max-attempts "0": expected a whole number from 1 to 999999$/);
    await fails(2, ['enqueue', 'x', '{}', '--max-attempts', '2.5'], /^monolite: Invalid --max-attempts "2\.5"/);
    await fails(2, ['enqueue', 'x', '{}', '--dedup-key', ''], /^monolite: Invalid --dedup-key "": expected a non-empty key$/);
    await fails(2, ['enqueue', 'x', '{}', '--status', 'done'], /^monolite: Option --status does not apply to "jobs enqueue"$/);
    assert.equal(fs.existsSync(dataDir), false, 'a usage mistake does not create the data directory');
  });
});

describe('jobs list', () => {
  test('a table newest first: id, type, status, attempts/max, run at, last error on one line', async () => {
    seed();
    const out = await ok('list');
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0], /^ID\s+TYPE\s+STATUS\s+ATTEMPTS\s+RUN AT\s+LAST ERROR$/);
    assert.deepEqual(ids(out), [5, 4, 3, 2, 1]);
    assert.match(lines[1], /^5\s+email\s+pending\s+0\/5\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(lines[2], /^4\s+report\s+running\s+1\/5\s+\S+Z$/);
    assert.match(lines[3], /^3\s+report\s+dead\s+1\/1\s+\S+Z\s+Connection refused by smtp\.example\.com:587 ⏎ at connect \(mail\.\S*…$/);
    assert.match(lines[4], /^2\s+email\s+failed\s+1\/3\s+\S+Z\s+Mailbox full$/);
    assert.match(lines[5], /^1\s+email\s+done\s+1\/5\s+\S+Z$/);
    for (const line of lines) assert.ok(line.length <= 120, `fits in 120 columns when not on a terminal: ${line}`);
    assert.equal(lines[3].length, 120, 'the error is cut to fit the line');
    assert.equal(await ok(), out, 'list is the default subcommand');
  });

  test('the last error is cut to COLUMNS', async () => {
    seed();
    const lines = (await jobs(['list'], { COLUMNS: '90' })).stdout.trimEnd().split('\n');
    assert.equal(lines[3].length, 90);
    assert.ok(lines[3].endsWith('…'));
    // However narrow, the error keeps 20 characters.
    const narrow = (await jobs(['list'], { COLUMNS: '10' })).stdout.trimEnd().split('\n');
    assert.match(narrow[3], / Connection refused …$/);
  });

  test('--status, --type and --limit filter; they combine', async () => {
    seed();
    assert.deepEqual(ids(await ok('list', '--status', 'failed')), [2]);
    assert.deepEqual(ids(await ok('list', '--status', 'DEAD')), [3]);
    assert.deepEqual(ids(await ok('list', '--type', 'email')), [5, 2, 1]);
    assert.deepEqual(ids(await ok('list', '--type', 'report', '--status', 'running')), [4]);
    assert.deepEqual(ids(await ok('list', '--limit', '2')), [5, 4]);
    assert.deepEqual(ids(await ok('list', '-n', '1', '--type', 'email')), [5]);
    assert.equal(await ok('list', '--type', 'nothing'), 'No jobs\n');
  });

  test('--json prints one object per line with every field, payload parsed', async () => {
    seed();
    const rows = (await ok('list', '--json')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(rows.map((r) => r.id), [5, 4, 3, 2, 1]);
    const stored = withQueue((q) => q.list());
    for (const [i, r] of rows.entries()) assert.deepEqual(r, { ...stored[i], payload: JSON.parse(stored[i].payload) });
    assert.deepEqual(rows[2].payload, { month: '2026-01', pages: [1, 2] });
    assert.equal(rows[2].lastError, LONG_ERROR);
    assert.equal(rows[2].status, 'dead');
    assert.equal(rows[4].dedupKey, null);
    assert.equal(rows[0].dedupKey, 'c@example.com');
    assert.deepEqual((await ok('list', '--json', '--status', 'running')).trimEnd().split('\n').map((l) => JSON.parse(l).id), [4]);
    assert.equal(await ok('list', '--json', '--type', 'nothing'), '', 'no jobs: no lines');
  });

  test('bad filters are usage errors', async () => {
    await fails(2, ['list', '--status', 'waiting'], /^monolite: Invalid --status "waiting": expected pending, running, failed, done or dead$/);
    await fails(2, ['list', '--limit', '0'], /^monolite: Invalid --limit "0": expected a whole number of jobs from 1 to 999999999$/);
    await fails(2, ['list', '--limit', 'ten'], /^monolite: Invalid --limit "ten"/);
    await fails(2, ['list', '--type', ''], /^monolite: Invalid job type ""/);
    await fails(2, ['list', 'extra'], /^monolite: Too many arguments for "jobs list": "extra"$/);
    await fails(2, ['list', '--dedup-key', 'k'], /^monolite: Option --dedup-key does not apply to "jobs list"$/);
  });
});

describe('jobs show', () => {
  test('every field, then the last error and the payload as indented JSON', async () => {
    seed();
    const j = job(3)!;
    const out = await ok('show', '3');
    assert.equal(out, [
      'id:           3',
      'type:         report',
      'status:       dead',
      'attempts:     1 of 1',
      `run at:       ${j.runAt}`,
      'locked until: -',
      'recurrence:   -',
      'dedup key:    -',
      `created at:   ${j.createdAt}`,
      `updated at:   ${j.updatedAt}`,
      `finished at:  ${j.finishedAt}`,
      'last error:',
      ...LONG_ERROR.split('\n').map((line) => `  ${line}`),
      'payload:',
      '  {',
      '    "month": "2026-01",',
      '    "pages": [',
      '      1,',
      '      2',
      '    ]',
      '  }',
      '',
    ].join('\n'));
    assert.ok(j.finishedAt);
    const running = await ok('show', '4');
    assert.match(running, /^status: +running$/m);
    assert.match(running, new RegExp(`^locked until: ${job(4)!.lockedUntil!.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(running, /^last error: -$/m);
    assert.match(await ok('show', '5'), /^dedup key: +"c@example\.com"$/m);
  });

  test('a recurrent job shows its interval', async () => {
    withQueue((q) => q.ensureRecurring('monolite.prune_jobs', {}, 3_600_000));
    const out = await ok('show', '1');
    assert.match(out, /^recurrence: +every 1h$/m);
    assert.match(out, /^dedup key: +"recurring:monolite\.prune_jobs"$/m);
  });

  test('--json prints the job as one JSON document', async () => {
    seed();
    const shown = JSON.parse(await ok('show', '2', '--json'));
    const stored = job(2)!;
    assert.deepEqual(shown, { ...stored, payload: { to: 'b@example.com' } });
  });

  test('a missing job exits 1; a malformed id is a usage error', async () => {
    seed();
    await fails(1, ['show', '99'], /^monolite: No job 99$/);
    for (const bad of ['x', '0', '-1', '1.5', '007', '1e3', '99999999999999999999']) {
      await fails(2, ['show', '--', bad], new RegExp(`^monolite: Invalid job id "${bad.replace(/\./g, '\\.')}": expected a job number`));
    }
    await fails(2, ['show'], /^monolite: "jobs show" needs an argument: monolite jobs show ID/);
    await fails(2, ['show', '1', '2'], /^monolite: Too many arguments for "jobs show": "2"$/);
  });
});

describe('jobs retry', () => {
  test('a failed, dead or done job becomes pending, due now, with a fresh count of attempts', async () => {
    seed();
    for (const id of [1, 2, 3]) {
      const before = Date.now();
      assert.equal(await ok('retry', String(id)), `Job ${id} is pending again, due now\n`);
      const j = job(id)!;
      assert.equal(j.status, 'pending');
      assert.equal(j.attempts, 0);
      assert.equal(j.finishedAt, null);
      assert.ok(Date.parse(j.runAt) >= before - 1 && Date.parse(j.runAt) <= Date.now());
    }
    // A retried job is claimable at once.
    assert.deepEqual(withQueue((q) => q.claim('report', 10, 60_000)).map((c) => c.id), [3]);
  });

  test('a pending or running job, or a missing one, exits 1 saying why', async () => {
    seed();
    await fails(1, ['retry', '5'], new RegExp(`^monolite: Job 5 is already pending \\(due ${job(5)!.runAt.replace(/\./g, '\\.')}\\); nothing to retry$`));
    await fails(1, ['retry', '4'], /^monolite: Job 4 is running \(attempt 1 of 5\); retry it once it has failed or finished$/);
    await fails(1, ['retry', '42'], /^monolite: No job 42$/);
    await fails(2, ['retry', 'abc'], /^monolite: Invalid job id "abc"/);
    assert.equal(job(4)!.status, 'running');
    assert.equal(job(5)!.status, 'pending');
  });
});

describe('jobs rm', () => {
  test('deletes a job that is not running', async () => {
    seed();
    assert.equal(await ok('rm', '3'), 'Removed job 3 (report, dead)\n');
    assert.equal(await ok('rm', '5'), 'Removed job 5 (email, pending)\n');
    assert.equal(job(3), undefined);
    assert.deepEqual(ids(await ok('list')), [4, 2, 1]);
    // Its dedup key is free again.
    assert.match(await ok('enqueue', 'email', '{}', '--dedup-key', 'c@example.com'), /^Enqueued job \d+ \(email\), due now\n$/);
  });

  test('a running or missing job exits 1 saying why', async () => {
    seed();
    const lease = job(4)!.lockedUntil!;
    await fails(1, ['rm', '4'], new RegExp(`^monolite: Job 4 is running \\(lease until ${lease.replace(/\./g, '\\.')}\\); remove it once it has finished$`));
    assert.equal(job(4)!.status, 'running');
    await fails(1, ['rm', '77'], /^monolite: No job 77$/);
    await fails(2, ['rm'], /^monolite: "jobs rm" needs an argument/);
  });
});

describe('jobs: the command line', () => {
  test('an unknown subcommand is a usage error', async () => {
    await fails(2, ['frob'], /^monolite: Unknown subcommand "frob"; expected one of list, show, retry, rm, enqueue$/);
  });

  test('--help lists the subcommands; a subcommand\'s --help explains it', async () => {
    const all = await ok('--help');
    for (const sub of ['list', 'show ID', 'retry ID', 'rm ID', 'enqueue TYPE PAYLOAD_JSON']) assert.ok(all.includes(`  ${sub}`), sub);
    assert.match(await ok('enqueue', '--help'), /^Usage:\n {2}monolite jobs enqueue TYPE PAYLOAD_JSON[\s\S]*--dedup-key K/);
    assert.match(await ok('list', '--help'), /--status S +pending, running, failed, done or dead/);
  });

  test('the first command creates the data directory', async () => {
    assert.equal(await ok('list'), 'No jobs\n');
    assert.ok(fs.existsSync(path.join(dataDir, 'app.db')));
  });

  test('jobs enqueued by the command line are run by a runner on the same database', async () => {
    await ok('enqueue', 'ping', '{"n": 7}');
    const { JobRunner } = await import('../../src/jobs/runner.ts');
    const { Logger } = await import('../../src/log/logger.ts');
    const dir = openDataDir(dataDir, { env: {} });
    try {
      const runner = new JobRunner(new JobQueue(dir.db), { log: new Logger([]), pollIntervalMs: 10 });
      const seen = new Promise<unknown>((resolve) => runner.register('ping', (payload) => resolve(payload)));
      runner.start();
      assert.deepEqual(await seen, { n: 7 });
      await runner.stop(1000);
    } finally {
      dir.close();
    }
    assert.match(await ok('list'), /^1\s+ping\s+done\s+1\/5/m);
  });
});
