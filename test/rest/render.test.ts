// renderRows and checkTimezone: exact big integers, base64 BLOBs, and UTC instants shown in a requested zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from '../../src/http/errors.ts';
import { checkTimezone, renderRows } from '../../src/rest/render.ts';
import type { ResultColumn, Row } from '../../src/rest/plugin.ts';

function row(values: Record<string, unknown>): Row {
  return Object.assign(Object.create(null), values) as Row;
}

const plain = (rows: unknown[]) => JSON.parse(JSON.stringify(rows));

test('rows without bigint, BLOB or zone work are returned as they are (no copy)', () => {
  const rows = [row({ id: 1, name: 'a', at: '2024-01-01 00:00:00' }), row({ id: 2, name: null, at: null })];
  const columns: ResultColumn[] = [{ name: 'id', type: 'INTEGER' }, { name: 'name', type: 'TEXT' }, { name: 'at', type: 'DATETIME' }];
  assert.equal(renderRows(columns, rows, null), rows);
  // a zone with no DATETIME column in the result changes nothing either
  assert.equal(renderRows(columns.slice(0, 2), rows, 'Europe/Paris'), rows);
});

test('bigints: safe ones become numbers, larger ones exact decimal strings; only rows needing it are copied', () => {
  const first = row({ id: 1, n: 5 });
  const rows = [first, row({ id: 2n, n: 9007199254740993n }), row({ id: 3n, n: -9223372036854775808n }), row({ id: 4n, n: 9007199254740991n })];
  const out = renderRows([{ name: 'id', type: 'INTEGER' }, { name: 'n', type: 'INTEGER' }], rows, null);
  assert.deepEqual(plain(out), [{ id: 1, n: 5 }, { id: 2, n: '9007199254740993' }, { id: 3, n: '-9223372036854775808' }, { id: 4, n: 9007199254740991 }]);
  assert.equal(out[0], first);
  assert.equal(rows[1].n, 9007199254740993n, 'the input rows are not modified');
});

test('rows holding keys the columns do not list (another plugin) are still fully converted', () => {
  const out = renderRows([{ name: 'id', type: 'INTEGER' }], [row({ id: 1, extra: 2n ** 60n, b: new Uint8Array([1]) })], null);
  assert.deepEqual(plain(out), [{ id: 1, extra: '1152921504606846976', b: 'AQ==' }]);
});

test('BLOBs become base64, from a view into a larger buffer too', () => {
  const backing = new Uint8Array([0, 0xde, 0xad, 0xbe, 0xef, 0]);
  const out = renderRows([{ name: 'b', type: 'BLOB' }], [row({ b: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) }), row({ b: backing.subarray(1, 5) }), row({ b: new Uint8Array(0) })], null);
  assert.deepEqual(plain(out), [{ b: '3q2+7w==' }, { b: '3q2+7w==' }, { b: '' }]);
});

const zoneCases: [string, string, string, string][] = [
  // [declared type, stored value, zone, rendered]
  ['DATETIME', '2024-01-15 12:00:00', 'Europe/Paris', '2024-01-15T13:00:00+01:00'],
  ['DATETIME', '2024-07-15 12:00:00', 'Europe/Paris', '2024-07-15T14:00:00+02:00'],
  ['DATETIME', '2024-03-31 00:59:59', 'Europe/Paris', '2024-03-31T01:59:59+01:00'], // just before the DST switch
  ['DATETIME', '2024-03-31 01:00:00', 'Europe/Paris', '2024-03-31T03:00:00+02:00'], // the switch itself
  ['DATETIME', '2024-11-03 05:30:00', 'America/New_York', '2024-11-03T01:30:00-04:00'],
  ['DATETIME', '2024-11-03 06:30:00', 'America/New_York', '2024-11-03T01:30:00-05:00'], // the repeated hour
  ['TIMESTAMP', '2024-12-31T23:30:00Z', 'Asia/Kolkata', '2025-01-01T05:00:00+05:30'],
  ['timestamp with time zone', '2024-01-01 00:00:00', 'Asia/Kathmandu', '2024-01-01T05:45:00+05:45'],
  ['DATETIME', '2024-01-01 00:00:00.123456', 'UTC', '2024-01-01T00:00:00.123+00:00'],
  ['DATETIME', '2024-01-01T00:00:00.5Z', 'Europe/Paris', '2024-01-01T01:00:00.5+01:00'],
  ['datetime', '2024-02-29 23:00:00', 'Pacific/Auckland', '2024-03-01T12:00:00+13:00'],
  ['DATETIME', '1900-01-01 00:00:00', 'Europe/Paris', '1900-01-01T00:09:00+00:09'], // local mean time, rounded to the minute
];

for (const [type, stored, zone, rendered] of zoneCases) {
  test(`timezone: ${type} ${stored} in ${zone} → ${rendered}`, () => {
    const out = renderRows([{ name: 'at', type }], [row({ at: stored })], checkTimezone(zone));
    assert.equal(out[0].at, rendered);
  });
}

const notConverted: [string, unknown][] = [
  ['DATE', '2024-01-15'],
  ['DATE', '2024-01-15 12:00:00'],
  ['TEXT', '2024-01-15 12:00:00'],
  ['', '2024-01-15 12:00:00'],
  ['DATETIME', '2024-01-15T12:00:00+02:00'], // an offset other than Z: not a UTC instant
  ['DATETIME', '2024-01-15T12:00:00'], // T without Z
  ['DATETIME', '2024-02-30 12:00:00'],
  ['DATETIME', '2024-01-15 24:00:00'],
  ['DATETIME', 'yesterday'],
  ['DATETIME', 1705320000],
  ['DATETIME', null],
];

for (const [type, stored] of notConverted) {
  test(`timezone: ${JSON.stringify(type)} value ${JSON.stringify(stored)} is returned as stored`, () => {
    const out = renderRows([{ name: 'at', type }], [row({ at: stored })], 'Europe/Paris');
    assert.equal(out[0].at, stored);
  });
}

test('without a timezone DATETIME values are returned as stored', () => {
  const rows = [row({ at: '2024-01-15 12:00:00' })];
  assert.equal(renderRows([{ name: 'at', type: 'DATETIME' }], rows, null)[0].at, '2024-01-15 12:00:00');
});

test('checkTimezone: IANA names pass, with their letter case fixed; links keep the name asked for', () => {
  assert.equal(checkTimezone('Europe/Paris'), 'Europe/Paris');
  assert.equal(checkTimezone('europe/paris'), 'Europe/Paris');
  assert.equal(checkTimezone('UTC'), 'UTC');
  assert.equal(checkTimezone('utc'), 'UTC');
  assert.equal(checkTimezone('Asia/Kolkata'), 'Asia/Kolkata');
  assert.equal(checkTimezone('Etc/GMT+5'), 'Etc/GMT+5');
});

for (const bad of ['Mars/Olympus', '+01:00', '', 'Europe/Paris; DROP TABLE x', '../etc/passwd', 'x'.repeat(100)]) {
  test(`checkTimezone: ${JSON.stringify(bad.slice(0, 30))} → 400 invalid_timezone`, () => {
    assert.throws(() => checkTimezone(bad), (err: unknown) => err instanceof HttpError && err.status === 400 && err.code === 'invalid_timezone');
  });
}
