// Admin API, jobs: list by status and type with paging, show, retry (a failed, dead or done job becomes pending, due
// now, as `monolite jobs retry`), delete (unless running).
//
// Payloads can hold secrets — the account flows queue `mail.send` jobs whose vars carry the one-time code — so what
// this API shows of a payload has every value under a secret-looking key (code, token, password, secret, …) and
// every JWT-shaped string replaced by a mask. It errs towards masking: an admin who needs the raw payload has the CLI
// on the server (`monolite jobs show`), where the database is readable anyway.
import type { RouteGroup } from '../lib/router.ts';
import type { Context, Handler } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Logger } from '../log/logger.ts';
import { JOB_STATUSES, parseJobPayload, type Job } from '../jobs/queue.ts';
import type { JobRunner } from '../jobs/runner.ts';
import { checkQueryNames, pathId, queryChoice, queryInteger, queryText } from './params.ts';
import { adminId } from './guard.ts';
import { SECRET_MASK } from '../config/versions.ts';

const MAX_LIMIT = 500;
// Key names (lower-cased, separators removed) whose values are never shown, and words that only count whole.
const SECRET_PARTS = ['code', 'otp', 'token', 'password', 'passwd', 'passphrase', 'secret', 'authorization', 'cookie', 'signature', 'credential', 'apikey', 'privatekey'];
const SECRET_WORDS = new Set(['pin', 'key', 'auth', 'session', 'sid', 'pass', 'pwd']);
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/;
const MAX_DEPTH = 20;

/** `value` with every secret-looking field and JWT-shaped string masked (a copy; `value` is untouched). */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return JWT.test(value) ? SECRET_MASK : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return SECRET_MASK;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = secretKey(key) && v !== null && v !== '' ? SECRET_MASK : maskSecrets(v, depth + 1);
  return out;
}

function secretKey(key: string): boolean {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  const joined = words.join('');
  return SECRET_PARTS.some((part) => joined.includes(part)) || words.some((w) => SECRET_WORDS.has(w));
}

/** A job for the admin: the stored fields, the payload parsed (text when it is not JSON) and masked. */
function jobJson(job: Job): Record<string, unknown> {
  const parsed = parseJobPayload(job);
  return {
    id: job.id, type: job.type, status: job.status, attempts: job.attempts, max_attempts: job.maxAttempts, run_at: job.runAt,
    locked_until: job.lockedUntil, last_error: job.lastError, recurrence_ms: job.recurrenceMs, dedup_key: job.dedupKey,
    created_at: job.createdAt, updated_at: job.updatedAt, finished_at: job.finishedAt,
    payload: parsed === undefined ? maskSecrets(job.payload) : maskSecrets(parsed.value),
  };
}

/** Registers the /jobs routes on the admin group. */
export function registerJobRoutes(admin: RouteGroup<Handler>, jobs: JobRunner, log: Logger): void {
  const queue = jobs.queue;
  const find = (ctx: Context): Job => {
    const id = pathId(ctx, 'id', 'job');
    return queue.get(id) ?? notFound(id);
  };

  admin.get('/jobs', (ctx) => {
    checkQueryNames(ctx, ['status', 'type', 'limit', 'offset']);
    const status = queryChoice(ctx, 'status', JOB_STATUSES);
    const type = queryText(ctx, 'type');
    const limit = queryInteger(ctx, 'limit', 50, 1, MAX_LIMIT);
    const offset = queryInteger(ctx, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    ctx.json(200, { jobs: queue.list({ status, type, limit, offset }).map(jobJson), total: queue.count({ status, type }), limit, offset });
  });

  admin.get('/jobs/:id', (ctx) => {
    checkQueryNames(ctx, []);
    ctx.json(200, jobJson(find(ctx)));
  });

  admin.post('/jobs/:id/retry', (ctx) => {
    const id = pathId(ctx, 'id', 'job');
    if (!queue.retry(id)) {
      const job = queue.get(id) ?? notFound(id);
      if (job.status === 'running') {
        throw new HttpError(409, 'job_running', `Job ${id} is running (attempt ${job.attempts} of ${job.maxAttempts}); retry it once it has failed or finished`);
      }
      throw new HttpError(409, 'job_pending', `Job ${id} is already pending (due ${job.runAt}); nothing to retry`);
    }
    jobs.wake();
    const job = queue.get(id) ?? notFound(id);
    log.info('Admin retried a job', { admin_id: adminId(ctx), job_id: id, type: job.type });
    ctx.json(200, jobJson(job));
  });

  admin.delete('/jobs/:id', (ctx) => {
    const job = find(ctx);
    if (!queue.remove(job.id)) {
      // Read again: it may have started (or finished and been pruned) since.
      const now = queue.get(job.id) ?? notFound(job.id);
      throw new HttpError(409, 'job_running', `Job ${job.id} is running (lease until ${now.lockedUntil}); delete it once it has finished`);
    }
    log.info('Admin deleted a job', { admin_id: adminId(ctx), job_id: job.id, type: job.type, status: job.status });
    ctx.empty(204);
  });
}

function notFound(id: number): never {
  throw new HttpError(404, 'not_found', `No job with id ${id}`);
}
