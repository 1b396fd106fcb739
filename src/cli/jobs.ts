// `monolite jobs …`: lists, shows, retries, removes and enqueues the jobs of <data-dir>/app.db. Safe while a server
// runs on the same folder (SQLite WAL, every change one statement or transaction); the server picks up a job
// enqueued here at its next poll (jobs.poll_interval).
import type { Writable } from 'node:stream';
import { openDataDir } from '../data-dir.ts';
import { formatDuration, parseDuration } from '../config/settings.ts';
import { JOB_STATUSES, JobError, JobQueue, parseJobPayload, type EnqueueOptions, type Job, type JobStatus } from '../jobs/queue.ts';
import { locateJsonError } from '../lib/json-error.ts';
import { CommandError, UsageError, pickSubcommand, subcommandUsage, type Command, type CommandIO, type SubcommandSpec } from './command.ts';
import { printTable } from './table.ts';

const DEFAULT_LIMIT = 100;
/** Line width for `list` when stdout is not a terminal (and COLUMNS is not set). */
const DEFAULT_WIDTH = 120;
/** The last-error column keeps at least this many characters, however narrow the terminal. */
const MIN_ERROR_WIDTH = 20;

interface Subcommand extends SubcommandSpec {
  /** Checks the arguments (a usage mistake never opens, let alone creates, the data directory); returns the work. */
  prepare(io: CommandIO, args: string[]): (queue: JobQueue) => number;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  list: {
    usage: 'monolite jobs list [--status S] [--type T] [--limit N] [--json]\n' +
      '  jobs newest first (default: the last 100): id, type, status, attempts, run at, last error\n' +
      '      --status S    pending, running, failed, done or dead\n' +
      '      --type T      jobs of type T\n' +
      '  -n, --limit N     how many jobs (default 100)\n' +
      '      --json        one JSON object per line, payload parsed',
    options: ['status', 'type', 'limit', 'json'], args: [0, 0],
    prepare(io) {
      const filter = { status: parseStatus(io.values.status), type: parseType(io.values.type), limit: parseLimit(io.values.limit) };
      return (queue) => {
        const jobs = queue.list(filter);
        if (io.values.json === true) {
          for (const job of jobs) io.stdout.write(JSON.stringify(jobJson(job)) + '\n');
        } else if (jobs.length === 0) {
          io.stdout.write('No jobs\n');
        } else {
          printJobTable(io, jobs);
        }
        return 0;
      };
    },
  },
  show: {
    usage: 'monolite jobs show ID [--json]\n  every field of job ID, the payload as indented JSON',
    options: ['json'], args: [1, 1],
    prepare(io, args) {
      const id = parseId(args[0]);
      return (queue) => {
        const job = queue.get(id);
        if (job === undefined) throw new CommandError(`No job ${id}`);
        if (io.values.json === true) io.stdout.write(JSON.stringify(jobJson(job), null, 2) + '\n');
        else printJob(io.stdout, job);
        return 0;
      };
    },
  },
  retry: {
    usage: 'monolite jobs retry ID\n  a failed, dead or done job becomes pending, due now, with a fresh count of attempts',
    options: [], args: [1, 1],
    prepare(io, args) {
      const id = parseId(args[0]);
      return (queue) => {
        if (!queue.retry(id)) {
          const job = queue.get(id);
          if (job === undefined) throw new CommandError(`No job ${id}`);
          if (job.status === 'running') {
            throw new CommandError(`Job ${id} is running (attempt ${job.attempts} of ${job.maxAttempts}); retry it once it has failed or finished`);
          }
          throw new CommandError(`Job ${id} is already pending (due ${job.runAt}); nothing to retry`);
        }
        io.stdout.write(`Job ${id} is pending again, due now\n`);
        return 0;
      };
    },
  },
  rm: {
    usage: 'monolite jobs rm ID\n  deletes job ID unless it is running',
    options: [], args: [1, 1],
    prepare(io, args) {
      const id = parseId(args[0]);
      return (queue) => {
        const job = queue.get(id);
        if (job === undefined || !queue.remove(id)) {
          // Read again: the job may have changed since (a server runs it, or it finished and was pruned).
          const now = queue.get(id);
          if (now === undefined) throw new CommandError(`No job ${id}`);
          throw new CommandError(`Job ${id} is running (lease until ${now.lockedUntil}); remove it once it has finished`);
        }
        io.stdout.write(`Removed job ${id} (${job.type}, ${job.status})\n`);
        return 0;
      };
    },
  },
  enqueue: {
    usage: 'monolite jobs enqueue TYPE PAYLOAD_JSON [--run-at TIME|DURATION] [--max-attempts N] [--dedup-key K] [--json]\n' +
      '  adds a job; a running server starts it at its next poll\n' +
      '      --run-at T        not before T: a time ("2026-01-31T12:00:00Z") or a delay from now ("10m", "1h30m")\n' +
      '      --max-attempts N  attempts before the job is dead (default 5)\n' +
      '      --dedup-key K     unique among jobs of TYPE: when a job holds K already, nothing is enqueued (exit 0)\n' +
      '      --json            {"id": N, "duplicate": false|true}',
    options: ['run-at', 'max-attempts', 'dedup-key', 'json'], args: [2, 2],
    prepare(io, args) {
      const type = parseType(args[0])!;
      const payload = parsePayload(args[1]);
      const options: EnqueueOptions = {};
      if (typeof io.values['run-at'] === 'string') options.runAt = parseRunAt(io.values['run-at'], Date.now());
      if (io.values['max-attempts'] !== undefined) options.maxAttempts = parseMaxAttempts(io.values['max-attempts']);
      if (io.values['dedup-key'] !== undefined) {
        const key = io.values['dedup-key'];
        if (typeof key !== 'string' || key === '') throw new UsageError('Invalid --dedup-key "": expected a non-empty key');
        options.dedupKey = key;
      }
      return (queue) => {
        let result;
        try {
          result = queue.enqueue(type, payload, options);
        } catch (err) {
          if (err instanceof JobError) throw new CommandError(err.message);
          throw err;
        }
        if (io.values.json === true) {
          io.stdout.write(JSON.stringify({ id: result.id, duplicate: result.duplicate }) + '\n');
        } else if (result.duplicate) {
          // Not an error: with a dedup key, enqueueing means "make sure this job exists", and it does.
          io.stdout.write(`Duplicate of job ${result.id}: nothing enqueued (job ${result.id} holds dedup key ${JSON.stringify(options.dedupKey)} of type ${JSON.stringify(type)})\n`);
        } else {
          const runAt = options.runAt === undefined ? 'now' : new Date(options.runAt).toISOString();
          io.stdout.write(`Enqueued job ${result.id} (${type}), due ${runAt}\n`);
        }
        return 0;
      };
    },
  },
};

/** The `jobs` command. */
export const jobsCommand: Command = {
  name: 'jobs',
  usage: [
    'monolite jobs <subcommand> [options]',
    '',
    ...Object.values(SUBCOMMANDS).map((s) => s.usage.split('\n')[0].replace('monolite jobs ', '  ')),
    '',
    'Without a subcommand: list. "monolite jobs <subcommand> --help" for more.',
  ].join('\n'),
  options: {
    status: { type: 'string' },
    type: { type: 'string' },
    limit: { type: 'string', short: 'n' },
    json: { type: 'boolean' },
    'run-at': { type: 'string' },
    'max-attempts': { type: 'string' },
    'dedup-key': { type: 'string' },
  },
  subcommandUsage: (positionals) => subcommandUsage(SUBCOMMANDS, positionals),
  async run(io) {
    const { sub, args } = pickSubcommand(jobsCommand, SUBCOMMANDS, io, { fallback: 'list' });
    const work = sub.prepare(io, args);
    const dir = openDataDir(io.dataDir, { env: io.env });
    try {
      return work(new JobQueue(dir.db));
    } finally {
      dir.close();
    }
  },
};

function parseId(text: string): number {
  const id = Number(text);
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(id)) throw new UsageError(`Invalid job id "${text}": expected a job number (1, 2, …)`);
  return id;
}

function parseStatus(value: CommandIO['values'][string]): JobStatus | undefined {
  if (value === undefined) return undefined;
  const status = String(value).toLowerCase() as JobStatus;
  if (!JOB_STATUSES.includes(status)) throw new UsageError(`Invalid --status "${String(value)}": expected ${JOB_STATUSES.slice(0, -1).join(', ')} or ${JOB_STATUSES.at(-1)}`);
  return status;
}

function parseType(value: CommandIO['values'][string]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError('Invalid job type "": expected a non-empty type such as "send_email"');
  return value;
}

function parseLimit(value: CommandIO['values'][string]): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (typeof value !== 'string' || !/^[1-9]\d{0,8}$/.test(value)) {
    throw new UsageError(`Invalid --limit "${String(value)}": expected a whole number of jobs from 1 to 999999999`);
  }
  return Number(value);
}

function parseMaxAttempts(value: CommandIO['values'][string]): number {
  if (typeof value !== 'string' || !/^[1-9]\d{0,5}$/.test(value)) {
    throw new UsageError(`Invalid --max-attempts "${String(value)}": expected a whole number from 1 to 999999`);
  }
  return Number(value);
}

/** A time (an ISO 8601 date, with or without a time and an offset), or a delay from `now` such as "10m". */
function parseRunAt(text: string, now: number): number {
  const invalid = () => new UsageError(`Invalid --run-at "${text}": expected a time such as "2026-01-31T12:00:00Z" or a delay such as "10m" or "1h30m"`);
  if (/^\d{4}-\d\d-\d\d/.test(text)) {
    const time = Date.parse(text);
    if (Number.isNaN(time)) throw invalid();
    return time;
  }
  try {
    return now + parseDuration(text);
  } catch {
    throw invalid();
  }
}

/** PAYLOAD_JSON parsed; malformed JSON is a usage error naming the line, column and offset of the mistake. */
function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const where = locateJsonError(text);
    // JSON.parse and the locator agree on RFC 8259; the fallback only guards against a disagreement.
    const detail = where
      ? `${where.message} at line ${where.line}, column ${where.column} (offset ${where.offset})`
      : (err as Error).message;
    throw new UsageError(`Invalid PAYLOAD_JSON ${JSON.stringify(shorten(text, 60))}: ${detail}`);
  }
}

/** A job as JSON output: the stored fields, the payload parsed (kept as stored text when it is not JSON). */
function jobJson(job: Job): Record<string, unknown> {
  const payload = parseJobPayload(job);
  return { ...job, payload: payload === undefined ? job.payload : payload.value };
}

function printJobTable(io: CommandIO, jobs: Job[]): void {
  const rows = [
    ['ID', 'TYPE', 'STATUS', 'ATTEMPTS', 'RUN AT', 'LAST ERROR'],
    ...jobs.map((j) => [String(j.id), j.type, j.status, `${j.attempts}/${j.maxAttempts}`, j.runAt, oneLine(j.lastError ?? '')]),
  ];
  // The last column gets what the others leave of the line.
  const used = rows[0].slice(0, -1).reduce((sum, _, col) => sum + Math.max(...rows.map((r) => r[col].length)) + 2, 0);
  const room = Math.max(MIN_ERROR_WIDTH, lineWidth(io) - used);
  for (const row of rows) row[row.length - 1] = shorten(row[row.length - 1], room);
  printTable(io.stdout, rows);
}

function printJob(out: Writable, job: Job): void {
  const rows = [
    ['id', String(job.id)],
    ['type', job.type],
    ['status', job.status],
    ['attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['run at', job.runAt],
    ['locked until', job.lockedUntil ?? '-'],
    ['recurrence', job.recurrenceMs === null ? '-' : `every ${formatDuration(job.recurrenceMs)}`],
    ['dedup key', job.dedupKey === null ? '-' : JSON.stringify(job.dedupKey)],
    ['created at', job.createdAt],
    ['updated at', job.updatedAt],
    ['finished at', job.finishedAt ?? '-'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  for (const [label, value] of rows) out.write(`${`${label}:`.padEnd(width)} ${value}\n`);
  out.write(`last error:${job.lastError === null ? ' -\n' : `\n${indent(job.lastError)}\n`}`);
  const payload = parseJobPayload(job);
  out.write(`payload:\n${indent(payload === undefined ? job.payload : JSON.stringify(payload.value, null, 2))}\n`);
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ⏎ ');
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function lineWidth(io: CommandIO): number {
  const tty = io.stdout as Writable & { isTTY?: boolean; columns?: number };
  if (tty.isTTY === true && typeof tty.columns === 'number' && tty.columns > 0) return tty.columns;
  const columns = Number(io.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : DEFAULT_WIDTH;
}
