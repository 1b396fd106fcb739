// Job queue benchmark: jobs/s through enqueue → claim → run (a no-op handler) → complete, single process, monolite's
// JobRunner next to plainjob (the peer, on better-sqlite3), in alternating rounds of one run, printed with the ratio
// monolite/plainjob; then the latency from enqueue to handler start of jobs enqueued one at a time. Not a test.
//
// Setup, the same for both sides as far as plainjob allows:
// - A fresh database file in a temporary folder per round: monolite's app.db opened with openDatabase and migrated
//   (WAL, synchronous=NORMAL, busy_timeout 5000), plainjob's file opened with better-sqlite3 and prepared by
//   defineQueue, which sets WAL, synchronous=1 (NORMAL) and busy_timeout 5000 itself. The header prints what each
//   connection reports.
// - Throughput: N jobs (env BENCH_JOBS, default 20,000) enqueued one by one, each its own transaction (runner.enqueue;
//   queue.add), then the runner/worker is started and the clock stops when every job is recorded done in the
//   database. Starting after the enqueue loop keeps plainjob's worker from sleeping its first poll interval on an
//   empty queue; the enqueue loop is synchronous on both sides, so neither could run a job during it anyway.
// - Concurrency: plainjob's worker runs one job at a time (claim one, run, mark done, loop), so the main figure is
//   monolite with concurrency 1 against one plainjob worker. A second figure runs C at once (env BENCH_CONCURRENCY,
//   default 8): monolite's concurrency C against C plainjob workers of the type in the same process (each claims
//   its own job in its own transaction; they interleave at their awaits).
// - Latency: 1,000 jobs enqueued ~1 ms apart (setTimeout) into an idle, started runner/worker; the handler records
//   performance.now() minus the enqueue time. monolite wakes its runner on enqueue; plainjob polls (pollIntervall,
//   default 1000 ms), so its figure is the poll interval's, shown at the default and at 10 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep, setImmediate as nextTurn } from 'node:timers/promises';
import type { DatabaseSync } from 'node:sqlite';
import { requirePeer } from './peers.ts';
import { alternateRounds, median } from './rounds.ts';
import { loadBetterSqlite3, type BetterDatabase, type BetterSqlite3 } from './jobs-peers/better-sqlite3.ts';
import { openDatabase } from '../../src/db/open.ts';
import { frameworkMigrations, migrate } from '../../src/db/migrate.ts';
import { JobQueue } from '../../src/jobs/queue.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { Logger } from '../../src/log/logger.ts';

/** The part of plainjob's API used here (only scripts/bench installs it). */
interface PlainJob {
  better(db: BetterDatabase): unknown;
  defineQueue(options: { connection: unknown; logger: Silent; maintenanceInterval?: number }): PlainQueue;
  defineWorker(type: string, processor: (job: { id: number; data: string }) => unknown, options: { queue: PlainQueue; logger: Silent; pollIntervall?: number }): PlainWorker;
}
interface PlainQueue {
  add(type: string, data: unknown): { id: number };
  countJobs(options?: { type?: string; status?: number }): number;
  close(): void;
}
interface PlainWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
}
type Silent = Record<'error' | 'warn' | 'info' | 'debug', () => void>;

/** plainjob's JobStatus.Done. */
const PLAIN_DONE = 2;
const SILENT: Silent = { error() {}, warn() {}, info() {}, debug() {} };
const JOBS = Number(process.env.BENCH_JOBS) || 20_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY) || 8;
const WARMUP_JOBS = Math.min(JOBS, 5_000);
const LATENCY_JOBS = 1_000;
const TARGET_RATIO = 1.0;
const TARGET_JOBS_PER_S = 10_000;
const TYPE = 'bench';

interface Timing {
  /** Jobs per second of the enqueue loop alone, of the drain alone, and of both together (the figure compared). */
  enqueue: number;
  drain: number;
  total: number;
}

interface Side {
  name: string;
  /** One throughput round on a fresh database. */
  round(jobs: number, concurrency: number): Promise<Timing>;
  /** Enqueue → handler start latencies (ms) of jobs enqueued ~1 ms apart. */
  latency(jobs: number, pollMs?: number): Promise<number[]>;
  /** journal_mode / synchronous as the connection reports them, and the SQLite version. */
  describe(): string;
}

function tempFile(name: string): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'monolite-bench-jobs-'));
  return { file: join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a promise and its resolver look like when the resolving happens in a handler. */
function signal(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

function monolite(): Side {
  const open = (): { db: DatabaseSync; runner: JobRunner; remove(): void } => {
    const tmp = tempFile('app.db');
    const db = openDatabase(tmp.file);
    migrate(db, frameworkMigrations());
    const runner = new JobRunner(new JobQueue(db), { log: new Logger([], 'error') });
    return { db, runner, remove: () => { db.close(); tmp.remove(); } };
  };
  return {
    name: 'monolite',
    async round(jobs, concurrency) {
      const { db, runner, remove } = open();
      const done = signal();
      let handled = 0;
      runner.register(TYPE, () => { if (++handled === jobs) done.resolve(); }, { concurrency });
      const countDone = db.prepare("SELECT count(*) AS n FROM job_queue WHERE status = 'done'");
      const start = performance.now();
      for (let i = 0; i < jobs; i++) runner.enqueue(TYPE, { i });
      const enqueued = performance.now();
      runner.start();
      await done.promise;
      // Complete means recorded: the runner settles outcomes on a later turn of the event loop.
      while ((countDone.get() as { n: number }).n < jobs) await nextTurn();
      const end = performance.now();
      await runner.stop(1000);
      remove();
      return timing(jobs, start, enqueued, end);
    },
    async latency(jobs) {
      const { runner, remove } = open();
      const sent: number[] = [];
      const waited: number[] = [];
      const done = signal();
      runner.register(TYPE, (payload) => {
        waited.push(performance.now() - sent[(payload as { i: number }).i]);
        if (waited.length === jobs) done.resolve();
      });
      runner.start();
      await sleep(20);
      for (let i = 0; i < jobs; i++) {
        sent[i] = performance.now();
        runner.enqueue(TYPE, { i });
        await sleep(1);
      }
      await done.promise;
      await runner.stop(1000);
      remove();
      return waited;
    },
    describe() {
      const { db, remove } = open();
      const mode = (db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode;
      const sync = SYNCHRONOUS[(db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous];
      const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      remove();
      return `node:sqlite (SQLite ${version}), journal_mode=${mode}, synchronous=${sync}; JobRunner, no-op handler`;
    },
  };
}

function plainjob(Database: BetterSqlite3): Side {
  const pj = requirePeer<PlainJob>('plainjob');
  const open = (): { db: BetterDatabase; queue: PlainQueue; remove(): void } => {
    const tmp = tempFile('plainjob.db');
    const db = new Database(tmp.file);
    // defineQueue sets the pragmas and creates its tables; its maintenance timer is cleared by close().
    const queue = pj.defineQueue({ connection: pj.better(db), logger: SILENT });
    return { db, queue, remove: () => { queue.close(); tmp.remove(); } };
  };
  return {
    name: 'plainjob',
    async round(jobs, concurrency) {
      const { queue, remove } = open();
      const done = signal();
      let handled = 0;
      const workers = Array.from({ length: concurrency }, () =>
        pj.defineWorker(TYPE, () => { if (++handled === jobs) done.resolve(); }, { queue, logger: SILENT }));
      const start = performance.now();
      for (let i = 0; i < jobs; i++) queue.add(TYPE, { i });
      const enqueued = performance.now();
      for (const w of workers) void w.start();
      await done.promise;
      // The worker marks a job done right after its processor resolves.
      while (queue.countJobs({ type: TYPE, status: PLAIN_DONE }) < jobs) await nextTurn();
      const end = performance.now();
      await Promise.all(workers.map((w) => w.stop()));
      remove();
      return timing(jobs, start, enqueued, end);
    },
    async latency(jobs, pollMs) {
      const { queue, remove } = open();
      const sent: number[] = [];
      const waited: number[] = [];
      const done = signal();
      const worker = pj.defineWorker(TYPE, (job) => {
        waited.push(performance.now() - sent[(JSON.parse(job.data) as { i: number }).i]);
        if (waited.length === jobs) done.resolve();
      }, { queue, logger: SILENT, pollIntervall: pollMs });
      void worker.start();
      await sleep(20);
      for (let i = 0; i < jobs; i++) {
        sent[i] = performance.now();
        queue.add(TYPE, { i });
        await sleep(1);
      }
      await done.promise;
      await worker.stop();
      remove();
      return waited;
    },
    describe() {
      const { db, remove } = open();
      const mode = db.pragma('journal_mode', { simple: true });
      const sync = SYNCHRONOUS[Number(db.pragma('synchronous', { simple: true }))];
      const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      remove();
      return `better-sqlite3 (SQLite ${version}), journal_mode=${mode}, synchronous=${sync}; defineWorker, no-op processor`;
    },
  };
}

function timing(jobs: number, start: number, enqueued: number, end: number): Timing {
  return { enqueue: (jobs * 1000) / (enqueued - start), drain: (jobs * 1000) / (end - enqueued), total: (jobs * 1000) / (end - start) };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const rate = (v: number): string => Math.round(v).toLocaleString('en-US').padStart(8);
const msText = (v: number): string => (v < 10 ? v.toFixed(3) : v.toFixed(1)).padStart(8);

/** Alternating rounds at `concurrency`; prints a row per round and the medians; resolves to the median ratio. */
async function compare(ours: Side, theirs: Side, concurrency: number): Promise<{ ratio: number; ours: number }> {
  console.log('round   monolite jobs/s (enqueue / drain)        plainjob jobs/s (enqueue / drain)      ratio');
  const row = (t: Timing) => `${rate(t.total)} (${rate(t.enqueue)} / ${rate(t.drain)})`;
  const a: Timing[] = [];
  const b: Timing[] = [];
  await alternateRounds(ROUNDS,
    async () => { const t = await ours.round(JOBS, concurrency); a.push(t); return t.total; },
    async () => { const t = await theirs.round(JOBS, concurrency); b.push(t); return t.total; },
    (round, x, y) => console.log(`${String(round).padStart(5)}   ${row(a[round - 1])}   ${row(b[round - 1])}   ${(x / y).toFixed(2)}`));
  const med = (ts: Timing[]): Timing => ({ total: median(ts.map((t) => t.total)), enqueue: median(ts.map((t) => t.enqueue)), drain: median(ts.map((t) => t.drain)) });
  const ratio = median(a.map((t, i) => t.total / b[i].total));
  console.log(`median  ${row(med(a))}   ${row(med(b))}   ${ratio.toFixed(2)}`);
  return { ratio, ours: med(a).total };
}

/** Runs the benchmark and prints its figures; resolves to the median throughput ratio monolite/plainjob (concurrency 1). */
export async function main(): Promise<number> {
  const ours = monolite();
  const theirs = plainjob(loadBetterSqlite3());
  console.log(`jobs: ${JOBS.toLocaleString('en-US')} jobs per round, enqueue one by one then drain, single process, ${ROUNDS} alternating rounds (node ${process.versions.node})`);
  console.log(`  monolite: ${ours.describe()}`);
  console.log(`  plainjob: ${theirs.describe()}`);

  await ours.round(WARMUP_JOBS, 1);
  await theirs.round(WARMUP_JOBS, 1);

  console.log('');
  console.log('jobs: concurrency 1 (monolite concurrency 1; one plainjob worker)');
  const one = await compare(ours, theirs, 1);
  const met = one.ratio >= TARGET_RATIO && one.ours >= TARGET_JOBS_PER_S;
  console.log(`jobs: monolite/plainjob = ${one.ratio.toFixed(2)}, monolite ${Math.round(one.ours).toLocaleString('en-US')} jobs/s ` +
    `(target ≥ ${TARGET_RATIO.toFixed(1)}× and ≥ ${TARGET_JOBS_PER_S.toLocaleString('en-US')} jobs/s: ${met ? 'met' : 'NOT met'})`);

  console.log('');
  console.log(`jobs: concurrency ${CONCURRENCY} (monolite concurrency ${CONCURRENCY}; ${CONCURRENCY} plainjob workers in the process)`);
  const many = await compare(ours, theirs, CONCURRENCY);
  console.log(`jobs: monolite/plainjob = ${many.ratio.toFixed(2)} at concurrency ${CONCURRENCY}`);

  console.log('');
  console.log(`jobs: latency from enqueue to handler start, ${LATENCY_JOBS.toLocaleString('en-US')} jobs enqueued ~1 ms apart into an idle runner (ms)`);
  console.log('                                         p50       p99       max');
  const latencyRow = (label: string, values: number[]) =>
    console.log(`${label.padEnd(36)}${msText(percentile(values, 50))}  ${msText(percentile(values, 99))}  ${msText(Math.max(...values))}`);
  latencyRow('monolite (woken on enqueue)', await ours.latency(LATENCY_JOBS));
  latencyRow('plainjob (poll 1000 ms, its default)', await theirs.latency(LATENCY_JOBS));
  latencyRow('plainjob (poll 10 ms)', await theirs.latency(LATENCY_JOBS, 10));
  console.log('jobs: plainjob finds new jobs by polling, so its latency is about half its poll interval; monolite starts a job enqueued in its process on the next turn of the event loop');
  return one.ratio;
}

if (import.meta.main) await main();
