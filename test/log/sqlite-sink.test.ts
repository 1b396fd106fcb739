// The logs.db store: batching, the bounded queue's drop counter, nothing lost on close or exit, pruning, and fields
// that JSON cannot hold as they are.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLogStore, type LogStore, type LogStoreOptions } from '../../src/log/sqlite-sink.ts';
import { createLogReader } from '../../src/log/log-reader.ts';
import { Logger, type LogRecord } from '../../src/log/logger.ts';

let tmp: string;
let file: string;
const open: LogStore[] = [];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-log-store-'));
  file = path.join(tmp, 'data', 'logs.db');
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let writer: LogStoreOptions['writer'] = 'thread';

function store(options: Partial<LogStoreOptions> = {}): LogStore {
  const s = openLogStore(file, {
    queueSize: 10_000, flushRecords: 500, flushIntervalMs: 60_000, retentionMs: 30 * 86_400_000, writer, ...options,
  });
  open.push(s);
  return s;
}

function record(i: number, fields: Record<string, unknown> = {}, time = new Date().toISOString()): LogRecord {
  return { time, level: 'info', msg: `message ${i}`, fields: { i, ...fields } };
}

/** Rows as another connection sees them (what `monolite logs` reads). */
function rows(where = ''): { id: number; time: string; level: string; message: string; fields: string; request_id: string | null }[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare(`SELECT * FROM logs ${where} ORDER BY id`).all() as never;
  } finally {
    db.close();
  }
}

function count(): number {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return Number((db.prepare('SELECT count(*) AS n FROM logs').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

for (const mode of ['thread', 'inline', 'auto'] as const) describe(`log store (writer: ${mode})`, () => {
  beforeEach(() => { writer = mode; });

  test('creates logs.db with its schema, recorded as migration source "logs"', () => {
    const s = store();
    const tables = s.db.prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite%' ORDER BY name").all().map((r) => r.name);
    assert.deepEqual(tables, ['logs', 'logs_request_id', 'logs_time', 'schema_migrations']);
    assert.deepEqual(s.db.prepare('SELECT source, name FROM schema_migrations').all().map((r) => ({ ...r })), [{ source: 'logs', name: '0001_logs.sql' }]);
    s.close();
    store().close(); // reopening applies nothing and fails on nothing
  });

  test('100,000 records are all written, in few transactions', async (t) => {
    const s = store({ queueSize: 200_000, flushRecords: 1000 });
    const total = 100_000;
    const chunk = 5000;
    const t0 = performance.now();
    for (let start = 0; start < total; start += chunk) {
      for (let i = start; i < start + chunk; i++) s.sink(record(i, { request_id: `req-${i}`, path: '/api/things', status: 200 }));
      assert.equal(s.pending(), chunk, 'records wait for the next turn of the event loop');
      await nextTurn();
      assert.equal(s.pending(), 0);
    }
    assert.equal(s.flush(), 0, 'nothing waits; flush() waits for the batches handed over');
    const flushMs = performance.now() - t0;
    assert.equal(s.dropped(), 0);
    assert.equal(s.flushes(), total / chunk, 'one transaction per turn, not one per record or per flushRecords');
    assert.equal(count(), total);
    const [first] = rows('WHERE id = (SELECT min(id) FROM logs)');
    const [last] = rows('WHERE id = (SELECT max(id) FROM logs)');
    assert.equal(first.message, 'message 0');
    assert.deepEqual(JSON.parse(first.fields), { i: 0, request_id: 'req-0', path: '/api/things', status: 200 });
    assert.equal(first.request_id, 'req-0');
    assert.equal(last.message, `message ${total - 1}`);
    assert.equal(last.request_id, `req-${total - 1}`);
    t.diagnostic(`${mode}: sank and wrote ${total} records in ${flushMs.toFixed(0)} ms: ${Math.round(total / (flushMs / 1000))} records/s`);
  });

  test('flushRecords waiting records are written on the next turn, never inside the call', async () => {
    const s = store({ flushRecords: 10 });
    for (let i = 0; i < 10; i++) s.sink(record(i));
    assert.equal(s.pending(), 10);
    assert.equal(count(), 0);
    await nextTurn();
    assert.equal(s.pending(), 0);
    assert.equal(s.flush(), 0, 'handed over already');
    assert.equal(count(), 10);
    assert.equal(s.flushes(), 1);
  });

  test('fewer records are written flushIntervalMs after the first one', async () => {
    const s = store({ flushRecords: 1000, flushIntervalMs: 30 });
    s.sink(record(1));
    s.sink(record(2));
    await nextTurn();
    assert.equal(s.pending(), 2);
    await sleep(120);
    assert.equal(s.pending(), 0);
    s.flush();
    assert.equal(count(), 2);
    assert.equal(s.flushes(), 1);
  });

  test('a full queue drops and counts records, and one record says how many were lost', async () => {
    const s = store({ queueSize: 100, flushRecords: 10 });
    // All in one turn: the writer cannot run, so the queue fills.
    for (let i = 0; i < 150; i++) s.sink(record(i));
    assert.equal(s.pending(), 100);
    assert.equal(s.dropped(), 50);
    await nextTurn();
    assert.equal(s.flush(), 0);
    const written = rows();
    assert.equal(written.length, 101);
    assert.deepEqual(written.slice(0, 100).map((r) => r.message), Array.from({ length: 100 }, (_, i) => `message ${i}`));
    const notice = written[100];
    assert.equal(notice.level, 'warn');
    assert.match(notice.message, /dropped/);
    assert.deepEqual(JSON.parse(notice.fields), { dropped: 50, dropped_total: 50, queue_size: 100 });
    // Room again: nothing more is dropped, and the drops are not reported twice.
    for (let i = 0; i < 5; i++) s.sink(record(i));
    s.flush();
    assert.equal(s.dropped(), 50);
    assert.equal(count(), 106);
  });

  test('close() writes everything still waiting; records after close are dropped without an exception', () => {
    const s = store({ flushRecords: 100_000, queueSize: 100_000 });
    for (let i = 0; i < 20_000; i++) s.sink(record(i));
    assert.equal(count(), 0);
    s.close();
    assert.equal(count(), 20_000);
    assert.doesNotThrow(() => s.sink(record(0)));
    assert.equal(s.dropped(), 1);
    s.close(); // twice is harmless
  });

  test('a process that exits without close() still writes what waits', () => {
    const module = new URL('../../src/log/sqlite-sink.ts', import.meta.url).href;
    const script = `
      import { openLogStore } from ${JSON.stringify(module)};
      const s = openLogStore(${JSON.stringify(file)}, { queueSize: 10000, flushRecords: 10000, flushIntervalMs: 60000, retentionMs: 60000, writer: '${mode}' });
      for (let i = 0; i < 1234; i++) s.sink({ time: new Date().toISOString(), level: 'info', msg: 'bye ' + i, fields: {} });
      process.exit(3);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 3, run.stderr);
    assert.equal(count(), 1234);
  });

  test('works as a Logger sink, with the logger\'s bound fields', () => {
    const s = store();
    const log = new Logger([s.sink], 'debug').child({ request_id: 'abc123' });
    log.warn('Slow request', { ms: 1500 });
    log.debug('detail');
    s.flush();
    const stored = rows("WHERE request_id = 'abc123'");
    assert.deepEqual(stored.map((r) => [r.level, r.message, JSON.parse(r.fields)]), [
      ['warn', 'Slow request', { request_id: 'abc123', ms: 1500 }],
      ['debug', 'detail', { request_id: 'abc123' }],
    ]);
    assert.match(stored[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('fields JSON cannot hold are stored as valid JSON, and the sink never throws', () => {
    const s = store();
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const shared = { x: 1 };
    const cause = new TypeError('inner');
    const err = Object.assign(new Error('outer', { cause }), { code: 'E_OUTER' });
    const throwing = { get boom(): never { throw new Error('getter exploded'); } };
    const odd: Record<string, unknown> = {
      big: 12345678901234567890n,
      err,
      circular,
      twice: [shared, shared],
      date: new Date('2026-01-02T03:04:05.678Z'),
      map: new Map<unknown, unknown>([['a', 1], [2, 2n]]),
      set: new Set([1, 'two']),
      fn: () => 1,
      sym: Symbol('s'),
      undef: undefined,
      nan: Number.NaN,
    };
    assert.doesNotThrow(() => {
      s.sink(record(1, odd));
      s.sink(record(2, { throwing }));
      s.sink({ time: new Date().toISOString(), level: 'info', msg: 'no fields', fields: null as never });
      s.sink({ time: undefined as never, level: 'info', msg: 42 as never, fields: { request_id: 7 } });
    });
    assert.equal(s.flush(), 4);
    const stored = rows();
    assert.equal(stored.length, 4);
    const [a, b, c, d] = stored.map((r) => JSON.parse(r.fields));
    assert.equal(a.big, '12345678901234567890');
    assert.equal(a.err.name, 'Error');
    assert.equal(a.err.message, 'outer');
    assert.equal(a.err.code, 'E_OUTER');
    assert.match(a.err.stack, /^Error: outer\n\s+at /);
    assert.deepEqual({ name: a.err.cause.name, message: a.err.cause.message }, { name: 'TypeError', message: 'inner' });
    assert.deepEqual(a.circular, { name: 'loop', self: '[circular]' });
    assert.deepEqual(a.twice, [{ x: 1 }, { x: 1 }], 'a shared object is not a cycle');
    assert.equal(a.date, '2026-01-02T03:04:05.678Z');
    assert.deepEqual(a.map, { a: 1, 2: '2' });
    assert.deepEqual(a.set, [1, 'two']);
    assert.equal(a.nan, null);
    assert.ok(!('fn' in a) && !('sym' in a) && !('undef' in a));
    assert.match(b.fields_error, /getter exploded/);
    assert.deepEqual(c, {});
    assert.deepEqual(d, { request_id: 7 });
    assert.equal(stored[3].message, '42');
    assert.equal(stored[3].request_id, '7');
    assert.match(stored[3].time, /Z$/);
    assert.equal(s.dropped(), 0);
  });

  test('a failed flush loses only its batch: counted as dropped, reported, never thrown', () => {
    const errors: string[] = [];
    const s = store({ onError: (err, action) => errors.push(`${action}: ${(err as Error).message}`) });
    s.sink(record(1));
    s.db.exec('DROP TABLE logs');
    assert.doesNotThrow(() => s.flush());
    assert.equal(s.dropped(), 1);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /^flush: .*logs/);
    assert.equal(s.db.isTransaction, false);
  });

  test('prune() deletes records older than the retention, in batches, and the retention can change live', async () => {
    const day = 86_400_000;
    const now = Date.parse('2026-06-01T00:00:00.000Z');
    const s = store({ retentionMs: 30 * day, queueSize: 100_000, flushRecords: 100_000 });
    const at = (daysAgo: number) => new Date(now - daysAgo * day).toISOString();
    for (let i = 0; i < 12_000; i++) s.sink(record(i, {}, at(40)));
    for (let i = 0; i < 10; i++) s.sink(record(i, {}, at(10)));
    for (let i = 0; i < 10; i++) s.sink(record(i, {}, at(1)));
    s.flush();
    const pruning = s.prune(now);
    s.sink(record(0, {}, at(0))); // writes go on meanwhile
    assert.equal(await pruning, 12_000);
    s.flush();
    assert.equal(count(), 21);
    assert.equal(await s.prune(now), 0);
    s.setRetention(5 * day);
    assert.equal(await s.prune(now), 10);
    assert.deepEqual([...new Set(rows().map((r) => r.time))], [at(1), at(0)]);
    assert.throws(() => s.setRetention(0), RangeError);
  });

  test('the reader filters by level, time and literal text, and pages after an id', () => {
    const s = store();
    const log = new Logger([s.sink], 'debug');
    log.debug('cache miss', { key: 'a' });
    log.info('100% done', { step: 'x_y' });
    log.warn('disk at 95 percent', { note: 'say "hi"' });
    log.error('failed', { path: '/a%b' });
    s.flush();
    const messages = (filter: Parameters<typeof createLogReader>[1]) => createLogReader(s.db, filter).last(10).map((r) => r.message);
    assert.deepEqual(messages({}), ['cache miss', '100% done', 'disk at 95 percent', 'failed']);
    assert.deepEqual(messages({ level: 'warn' }), ['disk at 95 percent', 'failed']);
    assert.deepEqual(messages({ grep: '%' }), ['100% done', 'failed']);
    assert.deepEqual(messages({ grep: '_' }), ['100% done']);
    assert.deepEqual(messages({ grep: 'say "hi"' }), ['disk at 95 percent']);
    assert.deepEqual(messages({ grep: 'CACHE' }), ['cache miss']);
    assert.deepEqual(messages({ since: '2999-01-01T00:00:00.000Z' }), []);
    const reader = createLogReader(s.db, { level: 'info' });
    assert.deepEqual(reader.last(2).map((r) => r.message), ['disk at 95 percent', 'failed']);
    const first = reader.last(10)[0];
    assert.deepEqual(reader.after(first.id, 1).map((r) => r.message), ['disk at 95 percent']);
    assert.deepEqual(first.fields, { step: 'x_y' });
  });
});

describe("log store (writer: 'auto') starts its writer thread when the load calls for it", () => {
  beforeEach(() => { writer = 'auto'; });

  test('small batches are written on the calling thread; the first batch of flushRecords records starts the thread, which keeps the later ones', async () => {
    const s = store({ flushRecords: 10, flushIntervalMs: 20 });
    for (let i = 0; i < 3; i++) s.sink(record(i));
    await sleep(80);
    assert.equal(s.pending(), 0);
    assert.equal(s.threaded(), false);
    assert.equal(count(), 3, 'written inline, so visible at once');
    for (let i = 3; i < 13; i++) s.sink(record(i));
    await nextTurn();
    assert.equal(s.threaded(), true);
    assert.equal(s.flush(), 0, 'handed to the thread already; flush() waits for it');
    assert.equal(count(), 13);
    s.sink(record(13));
    await sleep(80);
    assert.equal(s.threaded(), true, 'the thread stays');
    s.flush();
    assert.deepEqual(rows().map((r) => r.message), Array.from({ length: 14 }, (_, i) => `message ${i}`), 'in order, nothing lost');
    assert.equal(s.flushes(), 3);
    assert.equal(s.dropped(), 0);
  });

  test('an inline write slower than slowWriteMs moves the next batches to the thread', async () => {
    const s = store({ flushIntervalMs: 20, slowWriteMs: 0 });
    s.sink(record(1));
    await sleep(80);
    assert.equal(s.threaded(), false, 'this batch was written inline, and took more than 0 ms');
    s.sink(record(2));
    await sleep(80);
    assert.equal(s.threaded(), true);
    s.flush();
    assert.equal(count(), 2);
  });

  test('a prune with a backlog (a full batch to delete) starts the thread, which deletes the rest; a small one does not', async () => {
    const day = 86_400_000;
    const now = Date.parse('2026-06-01T00:00:00.000Z');
    const s = store({ retentionMs: 30 * day, queueSize: 100_000, flushRecords: 100_000 });
    for (let i = 0; i < 10; i++) s.sink(record(i, {}, new Date(now - 40 * day).toISOString()));
    s.flush();
    assert.equal(await s.prune(now), 10);
    assert.equal(s.threaded(), false);
    for (let i = 0; i < 12_000; i++) s.sink(record(i, {}, new Date(now - 40 * day).toISOString()));
    s.sink(record(0, {}, new Date(now).toISOString()));
    s.flush();
    assert.equal(await s.prune(now), 12_000);
    assert.equal(s.threaded(), true);
    assert.equal(count(), 1);
  });

  test('flush() and close() write inline and never start the thread, however large the batch', () => {
    const s = store({ flushRecords: 10, slowWriteMs: 0 });
    for (let i = 0; i < 50; i++) s.sink(record(i));
    assert.equal(s.flush(), 50);
    for (let i = 0; i < 50; i++) s.sink(record(i));
    s.close();
    assert.equal(s.threaded(), false);
    assert.equal(count(), 100);
  });
});
