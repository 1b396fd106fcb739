// The Range header for one representation (RFC 9110 §14.2): a single byte range, ignored, or unsatisfiable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from '../../src/lib/byte-range.ts';

// [header, size, result]
const cases: [string, number, ReturnType<typeof parseRange>][] = [
  ['bytes=0-0', 10, { start: 0, end: 0 }],
  ['bytes=0-9', 10, { start: 0, end: 9 }],
  ['bytes=2-', 10, { start: 2, end: 9 }],
  ['bytes=-3', 10, { start: 7, end: 9 }],
  ['bytes=-30', 10, { start: 0, end: 9 }],
  ['bytes=5-99999999999999999999', 10, { start: 5, end: 9 }],
  ['BYTES = 1-2 ', 10, { start: 1, end: 2 }],
  ['bytes=1-2,', 10, { start: 1, end: 2 }],
  ['bytes=10-', 10, 'unsatisfiable'],
  ['bytes=99999999999999999999-', 10, 'unsatisfiable'],
  ['bytes=-0', 10, 'unsatisfiable'],
  ['bytes=0-', 0, 'unsatisfiable'],
  ['bytes=-1', 0, 'unsatisfiable'],
  ['bytes=3-2', 10, null],
  ['bytes=0-1,3-4', 10, null],
  ['bytes=-', 10, null],
  ['bytes=a-b', 10, null],
  ['bytes=+1-2', 10, null],
  ['bytes=1.5-2', 10, null],
  ['bytes 0-1', 10, null],
  ['items=0-1', 10, null],
  ['', 10, null],
];
for (const [header, size, expected] of cases) {
  test(`parseRange(${JSON.stringify(header)}, ${size}) → ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(parseRange(header, size), expected);
  });
}
