// `monolite logs`, in process, against a logs.db written through the log store.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { logsCommand, showLogs } from '../../src/cli/logs.ts';
import { CommandError, UsageError, type OptionValues } from '../../src/cli/command.ts';
import { openLogStore, type LogStore } from '../../src/log/sqlite-sink.ts';
import { until } from '../support/until.ts';
import type { LogLevel } from '../../src/log/logger.ts';

let tmp: string;
let dataDir: string;
let store: LogStore | undefined;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-cli-logs-'));
  dataDir = path.join(tmp, 'data');
});

afterEach(() => {
  store?.close();
  store = undefined;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const MINUTE = 60_000;

function openStore(): LogStore {
  store ??= openLogStore(path.join(dataDir, 'logs.db'), {
    queueSize: 1000, flushRecords: 1000, flushIntervalMs: 60_000, retentionMs: 30 * 86_400_000,
  });
  return store;
}

/** Writes records (level, message, fields, minutes ago) and flushes them. */
function write(...records: [LogLevel, string, Record<string, unknown>?, number?][]): void {
  const s = openStore();
  for (const [level, msg, fields = {}, minutesAgo = 0] of records) {
    s.sink({ time: new Date(Date.now() - minutesAgo * MINUTE).toISOString(), level, msg, fields });
  }
  s.flush();
}

function io(values: OptionValues = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', () => {});
  return {
    io: { values, positionals: [] as string[], dataDir, stdout, stderr, env: {} },
    lines: () => out.join('').split('\n').filter((line) => line !== ''),
  };
}

async function run(values: OptionValues = {}): Promise<string[]> {
  const t = io(values);
  assert.equal(await logsCommand.run(t.io), 0);
  return t.lines();
}

/** The messages of printed lines (`time LEVEL message key=value …`). */
function messages(lines: string[]): string[] {
  return lines.map((line) => /^\S+ [A-Z]+ +(.*?)(?: \S+=.*)?$/.exec(line)![1]);
}

function sampleLogs(): void {
  write(
    ['info', 'Server started', { port: 8080 }, 180],
    ['debug', 'Cache warm', { entries: 12 }, 120],
    ['warn', 'Slow request', { request_id: 'r1', ms: 1500, path: '/api/x y' }, 30],
    ['error', 'Upload failed at 50%', { request_id: 'r2', reason: 'disk full' }, 20],
    ['info', 'Upload 50 percent', { file: 'a_b.txt' }, 10],
    ['info', 'Request done', { request_id: 'r3', status: 200 }, 1],
  );
}

describe('monolite logs', () => {
  test('prints every record oldest first, one line each: time LEVEL message key=value', async () => {
    sampleLogs();
    const lines = await run();
    assert.equal(lines.length, 6);
    assert.deepEqual(messages(lines), ['Server started', 'Cache warm', 'Slow request', 'Upload failed at 50%', 'Upload 50 percent', 'Request done']);
    assert.match(lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  Server started port=8080$/);
    assert.match(lines[2], / WARN  Slow request request_id=r1 ms=1500 path="\/api\/x y"$/);
    assert.match(lines[3], / ERROR Upload failed at 50% request_id=r2 reason="disk full"$/);
  });

  test('--level means that level and above', async () => {
    sampleLogs();
    assert.deepEqual(messages(await run({ level: 'warn' })), ['Slow request', 'Upload failed at 50%']);
    assert.deepEqual(messages(await run({ level: 'ERROR' })), ['Upload failed at 50%']);
    assert.equal((await run({ level: 'debug' })).length, 6);
    assert.equal((await run({ level: 'info' })).length, 5);
  });

  test('--since takes a duration back from now or a time', async () => {
    sampleLogs();
    assert.deepEqual(messages(await run({ since: '1h' })), ['Slow request', 'Upload failed at 50%', 'Upload 50 percent', 'Request done']);
    assert.deepEqual(messages(await run({ since: '15m' })), ['Upload 50 percent', 'Request done']);
    const iso = new Date(Date.now() - 25 * MINUTE).toISOString();
    assert.deepEqual(messages(await run({ since: iso })), ['Upload failed at 50%', 'Upload 50 percent', 'Request done']);
    assert.deepEqual(await run({ since: '2999-01-01T00:00:00Z' }), []);
  });

  test('--grep matches the message or the fields, % and _ literally', async () => {
    sampleLogs();
    assert.deepEqual(messages(await run({ grep: '50%' })), ['Upload failed at 50%']);
    assert.deepEqual(messages(await run({ grep: 'a_b' })), ['Upload 50 percent']);
    assert.deepEqual(await run({ grep: 'a%b' }), []);
    assert.deepEqual(messages(await run({ grep: 'disk full' })), ['Upload failed at 50%']);
    assert.deepEqual(messages(await run({ grep: 'upload' })), ['Upload failed at 50%', 'Upload 50 percent']);
    assert.deepEqual(messages(await run({ grep: 'upload', level: 'error' })), ['Upload failed at 50%']);
  });

  test('--limit keeps the last N, still oldest first', async () => {
    sampleLogs();
    assert.deepEqual(messages(await run({ limit: '2' })), ['Upload 50 percent', 'Request done']);
    assert.deepEqual(messages(await run({ limit: '1', level: 'warn' })), ['Upload failed at 50%']);
    write(...Array.from({ length: 150 }, (_, i) => ['info', `bulk ${i}`] as [LogLevel, string]));
    const lines = await run();
    assert.equal(lines.length, 100, 'the default limit is 100');
    assert.equal(messages(lines).at(-1), 'bulk 149');
  });

  test('--json prints one JSON object per line, fields beside time, level and msg', async () => {
    sampleLogs();
    const lines = await run({ json: true, level: 'warn' });
    const parsed = lines.map((line) => JSON.parse(line));
    assert.equal(parsed.length, 2);
    assert.deepEqual(Object.keys(parsed[0]), ['time', 'level', 'msg', 'request_id', 'ms', 'path']);
    assert.deepEqual({ ...parsed[0], time: undefined }, { time: undefined, level: 'warn', msg: 'Slow request', request_id: 'r1', ms: 1500, path: '/api/x y' });
    assert.match(parsed[0].time, /Z$/);
  });

  test('a message with a line break stays on one line', async () => {
    write(['error', 'first line\nsecond line', { stack: 'Error: x\n    at y' }]);
    const lines = await run();
    assert.equal(lines.length, 1);
    assert.match(lines[0], / ERROR "first line\\nsecond line" stack="Error: x\\n    at y"$/);
  });

  test('no logs.db is an error that says where it looked', async () => {
    await assert.rejects(
      logsCommand.run(io().io),
      (err: unknown) => err instanceof CommandError && err.message === `No logs yet: ${path.join(dataDir, 'logs.db')} does not exist`,
    );
  });

  test('bad option values are usage errors that quote the value', async () => {
    write(['info', 'x']);
    const cases: [OptionValues, RegExp][] = [
      [{ level: 'loud' }, /Invalid --level "loud": expected debug, info, warn or error/],
      [{ since: 'yesterday' }, /Invalid --since "yesterday": expected a duration/],
      [{ since: '2026-13-45' }, /Invalid --since "2026-13-45"/],
      [{ since: '-1h' }, /Invalid --since "-1h"/],
      [{ limit: '0' }, /Invalid --limit "0"/],
      [{ limit: 'ten' }, /Invalid --limit "ten"/],
      [{ limit: '-5' }, /Invalid --limit "-5"/],
    ];
    for (const [values, message] of cases) {
      await assert.rejects(logsCommand.run(io(values).io), (err: unknown) => err instanceof UsageError && message.test(err.message), JSON.stringify(values));
    }
    const extra = io();
    extra.io.positionals = ['now'];
    await assert.rejects(logsCommand.run(extra.io), UsageError);
  });

  test('--follow prints new matching records until its signal aborts', async () => {
    write(['info', 'before']);
    const t = io({ follow: true, level: 'info' });
    const controller = new AbortController();
    const running = showLogs(t.io, { signal: controller.signal, pollIntervalMs: 20 });
    await until(() => t.lines().length === 1);
    write(['debug', 'filtered out'], ['warn', 'after 1'], ['info', 'after 2']);
    await until(() => t.lines().length === 3);
    assert.deepEqual(messages(t.lines()), ['before', 'after 1', 'after 2']);
    controller.abort();
    assert.equal(await running, 0);
  });

  test('--follow on an empty result starts at the newest record', async () => {
    write(['info', 'old']);
    const t = io({ follow: true, grep: 'new' });
    const controller = new AbortController();
    const running = showLogs(t.io, { signal: controller.signal, pollIntervalMs: 20 });
    await sleep(50);
    write(['info', 'new one']);
    await until(() => t.lines().length === 1);
    assert.deepEqual(messages(t.lines()), ['new one']);
    controller.abort();
    assert.equal(await running, 0);
  });

  test('the command ends --follow on SIGINT with exit 0', async (t) => {
    if (process.listenerCount('SIGINT') > 0) {
      t.skip('this process already handles SIGINT; emitting it would reach that handler too');
      return;
    }
    write(['info', 'hello']);
    const c = io({ follow: true });
    const running = logsCommand.run(c.io);
    await until(() => c.lines().length === 1);
    assert.equal(process.listenerCount('SIGINT'), 1);
    process.emit('SIGINT');
    assert.equal(await running, 0);
    assert.equal(process.listenerCount('SIGINT'), 0, 'the handler is removed again');
  });
});
