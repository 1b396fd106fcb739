// `monolite logs`: prints the records kept in <data-dir>/logs.db, filtered by level, age and text, and with --follow
// keeps printing new ones until interrupted. Reads only: the database is opened read-only, the server keeps writing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { styleText } from 'node:util';
import type { DatabaseSync } from 'node:sqlite';
import type { Writable } from 'node:stream';
import { openDatabase } from '../db/open.ts';
import { parseDuration } from '../config/settings.ts';
import { createLogReader, type LogFilter, type StoredLogRecord } from '../log/log-reader.ts';
import { LEVEL_STYLE, LOG_LEVELS, type LogLevel } from '../log/logger.ts';
import { CommandError, UsageError, type Command, type CommandIO } from './command.ts';

const DEFAULT_LIMIT = 100;
const POLL_INTERVAL_MS = 500;
/** Rows read per query while following, so a burst is printed in pieces instead of loaded whole. */
const FOLLOW_BATCH = 1000;

/** The `logs` command. */
export const logsCommand: Command = {
  name: 'logs',
  usage: [
    'monolite logs [--level L] [--since DURATION|TIME] [--grep TEXT] [--limit N] [--follow] [--json]',
    '  the last N (default 100) matching records, oldest first, one per line',
    '  -l, --level L     this level and above: debug, info, warn or error',
    '      --since S     records of the last S ("1h", "30m", "7d") or from time S ("2026-01-31T12:00:00Z")',
    '  -g, --grep TEXT   records whose message or fields contain TEXT (literally; ASCII letters in either case)',
    '  -n, --limit N     how many records (default 100)',
    '  -f, --follow      then keep printing new records until interrupted (Ctrl-C)',
    '      --json        one JSON object per line, as the server writes to stderr',
  ].join('\n'),
  options: {
    level: { type: 'string', short: 'l' },
    since: { type: 'string' },
    grep: { type: 'string', short: 'g' },
    limit: { type: 'string', short: 'n' },
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
  },
  async run(io: CommandIO): Promise<number> {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    // Ctrl-C ends --follow normally (exit 0) instead of killing the process.
    if (io.values.follow === true) process.on('SIGINT', stop);
    try {
      return await showLogs(io, { signal: controller.signal });
    } finally {
      process.off('SIGINT', stop);
    }
  },
};

export interface ShowLogsOptions {
  /** Ends --follow (the command aborts it on SIGINT). */
  signal?: AbortSignal;
  /** How often --follow looks for new records (500 ms). */
  pollIntervalMs?: number;
  /** "Now" for --since durations (Unix ms; tests). */
  now?: number;
}

/** Runs `monolite logs` with the options in `io.values`; with --follow, returns once `signal` aborts. */
export async function showLogs(io: CommandIO, options: ShowLogsOptions = {}): Promise<number> {
  if (io.positionals.length > 0) throw new UsageError(`Unexpected argument "${io.positionals[0]}"`);
  const filter = parseFilter(io.values, options.now ?? Date.now());
  const limit = parseLimit(io.values.limit);
  const file = join(io.dataDir, 'logs.db');
  if (!existsSync(file)) throw new CommandError(`No logs yet: ${file} does not exist`);
  const db = openDatabase(file, { readOnly: true });
  try {
    if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'logs'").get()) {
      throw new CommandError(`No logs yet: ${file} has no logs table`);
    }
    const reader = createLogReader(db, filter);
    const print = printer(io);
    let lastId = 0;
    for (const record of reader.last(limit)) {
      print(record);
      lastId = record.id;
    }
    if (io.values.follow !== true) return 0;
    const signal = options.signal;
    // A closed pipe (`monolite logs -f | head`) ends following instead of crashing on EPIPE.
    const controller = new AbortController();
    const onStreamError = (): void => controller.abort();
    io.stdout.once('error', onStreamError);
    const stopped = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
    try {
      // Records written before the last ones printed above are older than them: only higher ids are new.
      if (lastId === 0) lastId = maxId(db);
      while (!stopped.aborted) {
        try {
          await sleep(options.pollIntervalMs ?? POLL_INTERVAL_MS, undefined, { signal: stopped });
        } catch {
          break;
        }
        for (;;) {
          const batch = reader.after(lastId, FOLLOW_BATCH);
          for (const record of batch) print(record);
          if (batch.length > 0) lastId = batch[batch.length - 1].id;
          if (batch.length < FOLLOW_BATCH || stopped.aborted) break;
        }
      }
    } finally {
      io.stdout.off('error', onStreamError);
    }
    return 0;
  } finally {
    db.close();
  }
}

function maxId(db: DatabaseSync): number {
  const row = db.prepare('SELECT max(id) AS id FROM logs').get() as { id: number | null };
  return row.id ?? 0;
}

function parseFilter(values: CommandIO['values'], now: number): LogFilter {
  const filter: LogFilter = {};
  const level = values.level;
  if (typeof level === 'string') {
    const lower = level.toLowerCase() as LogLevel;
    if (!LOG_LEVELS.includes(lower)) throw new UsageError(`Invalid --level "${level}": expected debug, info, warn or error`);
    filter.level = lower;
  }
  if (typeof values.since === 'string') filter.since = parseSince(values.since, now);
  if (typeof values.grep === 'string' && values.grep !== '') filter.grep = values.grep;
  return filter;
}

/** A duration back from `now`, or a time (an ISO 8601 date, with or without a time and an offset). */
function parseSince(text: string, now: number): string {
  const invalid = () =>
    new UsageError(`Invalid --since "${text}": expected a duration such as "1h", "30m" or "7d", or a time such as "2026-01-31T12:00:00Z"`);
  if (/^\d{4}-\d\d-\d\d/.test(text)) {
    const time = Date.parse(text);
    if (Number.isNaN(time)) throw invalid();
    return new Date(time).toISOString();
  }
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw invalid();
  }
  return new Date(now - ms).toISOString();
}

function parseLimit(value: CommandIO['values'][string]): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (typeof value !== 'string' || !/^[1-9]\d{0,8}$/.test(value)) {
    throw new UsageError(`Invalid --limit "${String(value)}": expected a whole number of records from 1 to 999999999`);
  }
  return Number(value);
}

/** Writes one record per line: JSON with --json, else `time LEVEL message key=value …` (colored on a terminal). */
function printer(io: CommandIO): (record: StoredLogRecord) => void {
  const out = io.stdout;
  if (io.values.json === true) {
    return (r) => out.write(JSON.stringify({ time: r.time, level: r.level, msg: r.message, ...r.fields }) + '\n');
  }
  const color = colors(out, io.env);
  const paint = (style: Parameters<typeof styleText>[0], text: string) => (color ? styleText(style, text, { validateStream: false }) : text);
  return (r) => {
    const level = LOG_LEVELS.includes(r.level) ? r.level : 'info';
    let line = `${paint('gray', r.time)} ${paint(LEVEL_STYLE[level], r.level.toUpperCase().padEnd(5))} ${oneLine(r.message)}`;
    for (const [key, value] of Object.entries(r.fields)) line += ` ${paint('gray', `${oneLine(key)}=`)}${formatValue(value)}`;
    out.write(line + '\n');
  };
}

/** A field value as it reads best on one line: bare text when it can be, else JSON. */
function formatValue(value: unknown): string {
  if (typeof value === 'string' && /^[^\s"=\\]+$/.test(value)) return value;
  return JSON.stringify(value) ?? 'null';
}

function oneLine(text: string): string {
  return /[\r\n]/.test(text) ? JSON.stringify(text) : text;
}

function colors(out: Writable, env: NodeJS.ProcessEnv): boolean {
  const tty = out as Writable & { isTTY?: boolean; hasColors?: () => boolean };
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return tty.isTTY === true && tty.hasColors?.() === true;
}
