// Accept-Encoding weights and the coding chosen for a file stored plain, as .br and as .gz (RFC 9110 §12.5.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseEncoding, parseAcceptEncoding } from '../../src/lib/accept-encoding.ts';

// [header, weights {br, gzip, identity}]
const weights: [string | undefined, [number, number, number]][] = [
  [undefined, [0, 0, 1]],
  ['', [0, 0, 1]],
  ['br', [1, 0, 1]],
  ['gzip;q=0.8, br;q=0.5', [0.5, 0.8, 0.5]],
  ['x-gzip;q=0.3', [0, 0.3, 0.3]],
  ['*', [1, 1, 1]],
  ['*;q=0', [0, 0, 0]],
  ['*;q=0, identity', [0, 0, 1]],
  ['identity;q=0', [0, 0, 0]],
  ['br;q=0', [0, 0, 1]],
  ['br;q=1.000, gzip;q=0.001', [1, 0.001, 0.001]],
  ['br;q=1.5, gzip;q=.5, identity;q=abc', [0, 0, 1]],
  ['GZip ; Q=0.5 ;level=9', [0, 0.5, 0.5]],
  [' , br, ,', [1, 0, 1]],
];
for (const [header, [br, gzip, identity]] of weights) {
  test(`parseAcceptEncoding(${JSON.stringify(header)})`, () => {
    assert.deepEqual({ ...parseAcceptEncoding(header) }, { br, gzip, identity });
  });
}

// [header, available, chosen]
const choices: [string, { br: boolean; gzip: boolean }, string][] = [
  ['gzip, deflate, br, zstd', { br: true, gzip: true }, 'br'],
  ['gzip, deflate, br, zstd', { br: false, gzip: true }, 'gzip'],
  ['gzip, deflate, br, zstd', { br: false, gzip: false }, 'identity'],
  ['br', { br: false, gzip: true }, 'identity'],
  ['gzip;q=0.9, br;q=0.9', { br: true, gzip: true }, 'br'],
  ['gzip;q=1, br;q=0.9', { br: true, gzip: true }, 'gzip'],
  ['identity;q=0', { br: false, gzip: false }, 'identity'],
  ['identity, br;q=0.5', { br: true, gzip: true }, 'identity'],
];
for (const [header, available, chosen] of choices) {
  test(`chooseEncoding(${JSON.stringify(header)}, ${JSON.stringify(available)}) → ${chosen}`, () => {
    assert.equal(chooseEncoding(header, available), chosen);
  });
}
