// Runs the queue's jobs: claims due jobs of the types it has handlers for (up to each handler's concurrency), runs
// each with an AbortSignal and a timeout, and records outcomes. Jobs are independent: one failing, throwing or
// timing out never touches another.
//
// - A failed attempt is retried after an exponential backoff with jitter (retry_base × 2^(attempt-1), at most
//   retry_max, then a random 50–100 % of it); after max_attempts the job is `dead` and kept for inspection.
// - A timed-out attempt is aborted (its signal fires) and counts as failed; a handler that ignores the signal is left
//   to finish, but its result no longer counts.
// - A recurrent job goes back to pending after each run, due at its planned time plus the interval — or the first
//   such time still ahead, so missed runs after downtime collapse into one.
// - A handler that throws an error with `permanent: true` (an SMTP 5xx reply, a malformed payload) is not retried: the
//   job is dead at once, since another attempt would fail the same way. Recurrent jobs never die: when they run
//   out of attempts the error stays in last_error and the next planned run comes.
// - A job enqueued here starts at once (the runner is woken); the poll interval only matters for other processes'
//   jobs, and a timer is set for the next job due in the future.
// - Outcomes are recorded, and freed slots claimed for, in one transaction per turn of the event loop.
import { JobQueue, type ClaimedJob, type EnqueueOptions, type EnqueueResult, type Outcome } from './queue.ts';
import type { Logger } from '../log/logger.ts';

export interface JobContext {
  id: number;
  type: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the attempt times out or the runner stops. */
  signal: AbortSignal;
}

export type JobHandler = (payload: unknown, context: JobContext) => unknown;

export interface HandlerOptions {
  /** An attempt running longer is aborted and counts as failed; default 60 s. */
  timeoutMs?: number;
  /** Jobs of this type running at once; default 1. */
  concurrency?: number;
}

export interface RunnerOptions {
  log: Logger;
  /** Checks for jobs of other processes and expired leases this often; default 1 s. */
  pollIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A claimed job's lease is its timeout plus this; default 30 s. */
  leaseMarginMs?: number;
  /** For the jitter; default Math.random. */
  random?: () => number;
  /** Called when a job dies (every attempt failed, or a permanent failure): for alarms. */
  onDead?: (job: { id: number; type: string; attempts: number; error: string }) => void;
}

/** What stop() did: jobs that finished before the deadline, and jobs given back to the queue. */
export interface StopResult {
  finished: number;
  released: number;
}

/** The abort reason of the jobs stop() interrupts: their outcome is not recorded, they are released. */
const STOPPING = new Error('The job runner is stopping');

interface Registration {
  fn: JobHandler;
  timeoutMs: number;
  concurrency: number;
  running: number;
}

interface Run {
  job: ClaimedJob;
  controller: AbortController;
  done: Promise<void>;
}

export class JobRunner {
  readonly queue: JobQueue;
  readonly #log: Logger;
  readonly #handlers = new Map<string, Registration>();
  readonly #running = new Set<Run>();
  readonly #pollIntervalMs: number;
  readonly #leaseMarginMs: number;
  readonly #random: () => number;
  readonly #onDead: RunnerOptions['onDead'];
  #retryBaseMs: number;
  #retryMaxMs: number;
  #started = false;
  #stopping = false;
  #tickScheduled = false;
  #poll: NodeJS.Timeout | undefined;
  #dueTimer: NodeJS.Timeout | undefined;
  #dueAt = Infinity;
  #outcomes: Outcome[] = [];

  constructor(queue: JobQueue, options: RunnerOptions) {
    this.queue = queue;
    this.#log = options.log;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#retryBaseMs = options.retryBaseMs ?? 5000;
    this.#retryMaxMs = options.retryMaxMs ?? 3_600_000;
    this.#leaseMarginMs = options.leaseMarginMs ?? 30_000;
    this.#random = options.random ?? Math.random;
    this.#onDead = options.onDead;
  }

  /** Runs jobs of `type` with `fn` (replacing an earlier handler of the type). */
  register(type: string, fn: JobHandler, options: HandlerOptions = {}): void {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const concurrency = options.concurrency ?? 1;
    if (!(timeoutMs > 0)) throw new RangeError(`A job timeout must be positive, got ${timeoutMs}`);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`A job concurrency must be an integer ≥ 1, got ${concurrency}`);
    const running = this.#handlers.get(type)?.running ?? 0;
    this.#handlers.set(type, { fn, timeoutMs, concurrency, running });
    this.wake();
  }

  /** Enqueues a job (see JobQueue.enqueue) and, if it is due, starts it without waiting for the next poll. */
  enqueue(type: string, payload: unknown, options: EnqueueOptions = {}): EnqueueResult {
    const result = this.queue.enqueue(type, payload, options);
    if (!result.duplicate) this.wake();
    return result;
  }

  /** Changes the retry delays (config reload). */
  setRetry(baseMs: number, maxMs: number): void {
    this.#retryBaseMs = baseMs;
    this.#retryMaxMs = maxMs;
  }

  /** Starts claiming and running jobs. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    this.#dueAt = Infinity;
    this.#poll = setInterval(() => this.wake(), this.#pollIntervalMs).unref();
    this.wake();
  }

  /** Claims what is due on the next turn of the event loop (several calls in one turn claim once). */
  wake(): void {
    if (!this.#started || this.#stopping) return;
    this.#scheduleTick();
  }

  /** Jobs running now. */
  get running(): number {
    return this.#running.size;
  }

  #scheduleTick(): void {
    if (this.#tickScheduled) return;
    this.#tickScheduled = true;
    setImmediate(() => this.#tick());
  }

  /**
   * Records the outcomes waiting and claims for the free slots, in one transaction: one commit per turn of the event
   * loop however many jobs finished and started in it.
   */
  #tick(): void {
    this.#tickScheduled = false;
    const outcomes = this.#outcomes;
    this.#outcomes = [];
    const claiming = this.#started && !this.#stopping;
    if (outcomes.length === 0 && !claiming) return;
    const claimed: [ClaimedJob, Registration][] = [];
    let freeLeft = false;
    try {
      this.queue.transaction(() => {
        if (outcomes.length > 0) this.#settle(outcomes);
        if (!claiming) return;
        for (const [type, h] of this.#handlers) {
          const free = h.concurrency - h.running;
          if (free <= 0) continue;
          const jobs = this.queue.claim(type, free, h.timeoutMs + this.#leaseMarginMs);
          if (jobs.length < free) freeLeft = true;
          for (const job of jobs) claimed.push([job, h]);
        }
      });
    } catch (err) {
      // Outcomes not recorded leave their jobs running until the lease expires, then they run again: at-least-once.
      this.#log.error('Could not record job outcomes or claim jobs', { err, outcomes: outcomes.map((o) => o.id) });
      return;
    }
    for (const [job, h] of claimed) this.#start(job, h);
    // Only when nothing more is due right now is it worth asking when the next job will be.
    if (freeLeft) {
      try {
        this.#scheduleNextDue();
      } catch (err) {
        this.#log.error('Could not read the next due job', { err });
      }
    }
  }

  /** A timer for the next job due before the next poll, so it is not late by up to a poll interval. */
  #scheduleNextDue(): void {
    const next = this.queue.nextDue([...this.#handlers.keys()]);
    if (next === null || next >= this.#dueAt) return;
    const delay = next - this.queue.now();
    if (delay >= this.#pollIntervalMs) return;
    clearTimeout(this.#dueTimer);
    this.#dueAt = next;
    this.#dueTimer = setTimeout(() => {
      this.#dueAt = Infinity;
      this.wake();
    }, Math.max(0, delay)).unref();
  }

  #start(job: ClaimedJob, h: Registration): void {
    const controller = new AbortController();
    h.running++;
    const run: Run = { job, controller, done: Promise.resolve() };
    this.#running.add(run);
    run.done = this.#execute(job, h, controller).then((outcome) => {
      h.running--;
      this.#running.delete(run);
      if (outcome !== null) this.#record(outcome); // its slot is claimed for in the same tick
    });
  }

  /** Runs one attempt; resolves to its outcome (null when the runner stopped it: stop() releases the job). */
  async #execute(job: ClaimedJob, h: Registration, controller: AbortController): Promise<Outcome | null> {
    if (job.attempts > job.maxAttempts) {
      // Claimed again after its lease expired on the last attempt: the process running it died.
      return this.#failed(job, `The attempt was lost (lease expired after attempt ${job.maxAttempts}; the process running it may have died)`);
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const payload: unknown = JSON.parse(job.payload);
      const context: JobContext = { id: job.id, type: job.type, attempt: job.attempts, signal: controller.signal };
      // Settles on the timeout or any abort (stop() too), so a handler that ignores its signal holds nothing.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => controller.abort(new Error(`Timed out after ${h.timeoutMs} ms`)), h.timeoutMs);
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      await Promise.race([Promise.resolve().then(() => h.fn(payload, context)), timeout]);
      if (controller.signal.reason === STOPPING) return null;
      return this.#succeeded(job);
    } catch (err) {
      if (controller.signal.reason === STOPPING) return null;
      const permanent = (err as { permanent?: unknown } | null)?.permanent === true;
      return this.#failed(job, err instanceof Error ? err.message || err.name : String(err), permanent);
    } finally {
      clearTimeout(timer);
    }
  }

  #succeeded(job: ClaimedJob): Outcome {
    if (job.recurrenceMs !== null) {
      return { id: job.id, attempt: job.attempts, status: 'pending', runAt: this.#nextOccurrence(job), error: null, resetAttempts: true };
    }
    return { id: job.id, attempt: job.attempts, status: 'done', error: null };
  }

  #failed(job: ClaimedJob, error: string, permanent = false): Outcome {
    const fields = { job_id: job.id, job_type: job.type, attempt: job.attempts, max_attempts: job.maxAttempts, error };
    if (job.attempts < job.maxAttempts && !permanent) {
      const backoff = Math.min(this.#retryMaxMs, this.#retryBaseMs * 2 ** (job.attempts - 1));
      const delay = Math.round(backoff * (0.5 + this.#random() / 2));
      this.#log.warn('Job attempt failed; retrying', { ...fields, retry_in_ms: delay });
      return { id: job.id, attempt: job.attempts, status: 'failed', runAt: this.queue.now() + delay, error };
    }
    if (job.recurrenceMs !== null) {
      this.#log.error(permanent ? 'Recurrent job failed for good; waiting for its next run' : 'Recurrent job failed every attempt; waiting for its next run', fields);
      return { id: job.id, attempt: job.attempts, status: 'pending', runAt: this.#nextOccurrence(job), error, resetAttempts: true };
    }
    this.#log.error(permanent ? 'Job failed for good (a permanent error); it is dead' : 'Job failed every attempt; it is dead', fields);
    try {
      this.#onDead?.({ id: job.id, type: job.type, attempts: job.attempts, error });
    } catch (err) {
      this.#log.error('The dead-job hook threw', { job_id: job.id, error: (err as Error).message });
    }
    return { id: job.id, attempt: job.attempts, status: 'dead', error };
  }

  /** The planned time plus whole intervals: the first such time after now. */
  #nextOccurrence(job: ClaimedJob): number {
    const interval = job.recurrenceMs!;
    const planned = Date.parse(job.runAt);
    const now = this.queue.now();
    return planned + Math.max(1, Math.floor((now - planned) / interval) + 1) * interval;
  }

  #record(outcome: Outcome): void {
    this.#outcomes.push(outcome);
    this.#scheduleTick();
  }

  /** Records outcomes (inside #tick's transaction). */
  #settle(outcomes: Outcome[]): void {
    const recorded = this.queue.settle(outcomes);
    if (recorded < outcomes.length) this.#log.warn('Job outcomes not recorded: their lease expired and another attempt took over', { lost: outcomes.length - recorded });
  }

  /**
   * Stops claiming, lets running jobs finish for up to `deadlineMs`, then aborts the rest and gives them back to the
   * queue (pending, lease cleared) for the next process.
   */
  async stop(deadlineMs: number): Promise<StopResult> {
    if (!this.#started) return { finished: 0, released: 0 };
    this.#stopping = true;
    clearInterval(this.#poll);
    clearTimeout(this.#dueTimer);
    const running = [...this.#running];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    await Promise.race([Promise.all(running.map((r) => r.done)), deadline]);
    clearTimeout(timer);
    const left = [...this.#running];
    for (const r of left) r.controller.abort(STOPPING);
    let released = 0;
    try {
      released = this.queue.release(left.map((r) => ({ id: r.job.id, attempt: r.job.attempts })));
    } catch (err) {
      this.#log.error('Could not release running jobs; they run again when their lease expires', { err });
    }
    this.#started = false;
    this.#tick(); // records the outcomes of the jobs that finished
    return { finished: running.length - left.length, released };
  }
}
