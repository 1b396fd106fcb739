// A leveled structured logger: JSON lines when the stream is not a terminal, readable colored lines when it is.
import { styleText } from 'node:util';
import type { Writable } from 'node:stream';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Every level, lowest first. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export type LogFields = Record<string, unknown>;

/** One log event, as sinks receive it. `time` is ISO 8601 UTC with milliseconds. */
export interface LogRecord {
  time: string;
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

/** Where records go (stderr here; a SQLite sink joins later). */
export type LogSink = (record: LogRecord) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** The colour of each level on a terminal (the pretty log lines and `monolite logs`). */
export const LEVEL_STYLE: Record<LogLevel, Parameters<typeof styleText>[0]> = { debug: 'gray', info: 'cyan', warn: 'yellow', error: 'red' };

export interface LoggerOptions {
  level?: LogLevel;
  /** `auto` picks `pretty` for a terminal and `json` otherwise. */
  format?: 'auto' | 'json' | 'pretty';
  stream?: Writable & { isTTY?: boolean; hasColors?: () => boolean };
  env?: NodeJS.ProcessEnv;
}

export class Logger {
  // Shared with every child, so a level change (a config reload) reaches loggers handed out earlier.
  #level: { threshold: number };
  #sinks: LogSink[];
  #bound: LogFields;

  constructor(sinks: LogSink[], level: LogLevel = 'info', bound: LogFields = {}) {
    this.#sinks = sinks;
    this.#level = { threshold: RANK[level] };
    this.#bound = bound;
  }

  /** A logger that adds `fields` to every record and shares this one's sinks and level. */
  child(fields: LogFields): Logger {
    const child = new Logger(this.#sinks, 'info', { ...this.#bound, ...fields });
    child.#level = this.#level;
    return child;
  }

  /** Sets the lowest level written, for this logger, its parent and all their children. */
  setLevel(level: LogLevel): void { this.#level.threshold = RANK[level]; }
  enabled(level: LogLevel): boolean { return RANK[level] >= this.#level.threshold; }
  addSink(sink: LogSink): void { this.#sinks.push(sink); }

  debug(msg: string, fields?: LogFields): void { this.#log('debug', msg, fields); }
  info(msg: string, fields?: LogFields): void { this.#log('info', msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.#log('warn', msg, fields); }
  error(msg: string, fields?: LogFields): void { this.#log('error', msg, fields); }

  #log(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (RANK[level] < this.#level.threshold) return;
    const record: LogRecord = { time: new Date().toISOString(), level, msg, fields: fields ? { ...this.#bound, ...fields } : this.#bound };
    for (const sink of this.#sinks) sink(record);
  }
}

/** A logger writing to `stream` (stderr by default) in the format its options or the terminal call for. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && stream.isTTY === true);
  const color = pretty && stream.isTTY === true && !('NO_COLOR' in env && env.NO_COLOR !== '') && (stream.hasColors?.() ?? true);
  const sink: LogSink = pretty ? (r) => stream.write(formatPretty(r, color)) : (r) => stream.write(formatJson(r));
  return new Logger([sink], options.level ?? 'info');
}

function formatJson(r: LogRecord): string {
  return JSON.stringify({ time: r.time, level: r.level, msg: r.msg, ...serializeFields(r.fields) }) + '\n';
}

function formatPretty(r: LogRecord, color: boolean): string {
  const paint = (style: Parameters<typeof styleText>[0], text: string) => (color ? styleText(style, text, { validateStream: false }) : text);
  let line = `${paint('gray', r.time.slice(11, 23))} ${paint(LEVEL_STYLE[r.level], r.level.toUpperCase().padEnd(5))} ${r.msg}`;
  let stack = '';
  for (const [key, value] of Object.entries(serializeFields(r.fields))) {
    if (key === 'stack' && typeof value === 'string') stack = '\n' + paint('gray', value);
    else line += ` ${paint('gray', key + '=')}${typeof value === 'string' && !/[\s"]/.test(value) ? value : JSON.stringify(value)}`;
  }
  return line + stack + '\n';
}

/** Errors become their message and stack, so a logged error is never `{}`. */
function serializeFields(fields: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (value instanceof Error) {
      out ??= { ...fields };
      out[key] = value.message;
      if (key === 'err' || key === 'error') out.stack = value.stack;
    }
  }
  return out ?? fields;
}
