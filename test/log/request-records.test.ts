// Request records in logs.db: each becomes one row with its time as ISO 8601 UTC (milliseconds), its level from the
// status, and its fields as JSON in a fixed order — on the writer thread and inline alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openLogStore } from '../../src/log/sqlite-sink.ts';
import { requestFields, requestJson, type RequestRecord } from '../../src/log/request-record.ts';

function request(time: number, i: number): RequestRecord {
  return {
    time, method: 'GET', route: '/items/:id', path: `/items/${i}?q="x"`, status: i % 7 === 0 ? 503 : 200,
    bytes: i % 5 === 0 ? null : i, durationMs: i / 8, ip: '::1', userAgent: 'agent\u2028é', referer: '',
    userId: i % 3 === 0 ? null : i % 3 === 1 ? i : `u${i}`, requestId: `req-${i}`,
  };
}

// Times around second, minute, year and epoch boundaries, repeated and out of order, and one not a whole ms.
const TIMES = [
  0, 1, 999, 1000, 1001, 1_700_000_000_000, 1_700_000_000_009, 1_700_000_000_099, 1_700_000_000_999,
  1_700_000_001_000, 1_700_000_000_500, 1_704_067_199_999, 1_704_067_200_000, 1_704_067_200_000, 253_402_300_799_999,
  -1, 1_700_000_000_123.75,
];

for (const writer of ['thread', 'inline'] as const) {
  test(`request records are stored with their exact time, level and fields (writer: ${writer})`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-request-records-'));
    try {
      const file = path.join(dir, 'logs.db');
      const store = openLogStore(file, { queueSize: 1000, flushRecords: 1000, flushIntervalMs: 60_000, retentionMs: 86_400_000, writer });
      const sent = TIMES.map((t, i) => request(t, i));
      for (const r of sent) store.requests(r);
      assert.equal(store.flush(), sent.length);
      store.close();
      const db = new DatabaseSync(file, { readOnly: true });
      const rows = db.prepare('SELECT time, level, message, fields, request_id FROM logs ORDER BY id').all();
      db.close();
      assert.deepEqual(rows.map((row) => ({ ...row })), sent.map((r) => ({
        time: new Date(r.time).toISOString(),
        level: r.status >= 500 ? 'warn' : 'info',
        message: 'request',
        fields: JSON.stringify({
          method: r.method, route: r.route, path: r.path, status: r.status, bytes: r.bytes, duration_ms: r.durationMs, ip: r.ip,
          user_agent: r.userAgent, referer: r.referer, user_id: r.userId, request_id: r.requestId,
        }),
        request_id: r.requestId,
      })));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('requestJson is JSON.stringify(requestFields(r)), hostile strings and odd numbers included', () => {
  const strings = ['', 'plain', '"', '\\', 'a"b\\c', '\u0000\u001f\u007f', '\n\t\r', 'é', '\u2028\u2029', '\ud800', 'x\udfff', '😀', '</script>', '{"a":1}'];
  const numbers = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 2 ** 53 + 1, NaN, Infinity, -Infinity];
  let checked = 0;
  for (let i = 0; i < strings.length * numbers.length; i++) {
    const s = strings[i % strings.length];
    const n = numbers[i % numbers.length];
    const r: RequestRecord = {
      time: i, method: s, route: strings[(i + 1) % strings.length], path: strings[(i + 2) % strings.length], status: n,
      bytes: i % 4 === 0 ? null : n, durationMs: numbers[(i + 3) % numbers.length], ip: strings[(i + 3) % strings.length],
      userAgent: strings[(i + 4) % strings.length], referer: strings[(i + 5) % strings.length],
      userId: i % 3 === 0 ? null : i % 3 === 1 ? n : s, requestId: strings[(i + 6) % strings.length],
    };
    assert.equal(requestJson(r), JSON.stringify(requestFields(r)), `record ${i}`);
    checked++;
  }
  assert.equal(checked, strings.length * numbers.length);
});
