// parsePrefer: RFC 7240 and EasyREST spellings of the Prefer header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrefer } from '../../src/rest/prefer.ts';

const cases: [string, string | string[] | undefined, Record<string, string>][] = [
  ['absent', undefined, {}],
  ['empty', '', {}],
  ['comma separated (RFC 7240)', 'count=exact, return=representation', { count: 'exact', return: 'representation' }],
  ['space separated (EasyREST)', 'tx=rollback timezone=Europe/Paris', { tx: 'rollback', timezone: 'Europe/Paris' }],
  ['no spaces after commas', 'tx=commit,count=exact', { tx: 'commit', count: 'exact' }],
  ['keys lower-cased, values kept', 'TX=Rollback Count=exact', { tx: 'Rollback', count: 'exact' }],
  ['quoted value unquoted', 'timezone="America/New_York"', { timezone: 'America/New_York' }],
  ['quoted value with comma, space and escape', 'note="a, b \\"c\\"", tx=commit', { note: 'a, b "c"', tx: 'commit' }],
  ['whitespace around =', 'tx = rollback', { tx: 'rollback' }],
  ['preference without value', 'respond-async, wait=10', { 'respond-async': '', wait: '10' }],
  ['parameters after ; skipped', 'return=minimal; foo="x,y", count=exact', { return: 'minimal', count: 'exact' }],
  ['first occurrence wins (RFC 7240 §2)', 'tx=commit tx=rollback', { tx: 'commit' }],
  ['several header lines', ['tx=rollback', 'count=exact'], { tx: 'rollback', count: 'exact' }],
  ['stray separators', ' ,, tx=commit ,', { tx: 'commit' }],
  ['unterminated quote takes the rest', 'timezone="UTC', { timezone: 'UTC' }],
];

for (const [name, header, expected] of cases) {
  test(`parsePrefer: ${name}`, () => {
    assert.deepEqual({ ...parsePrefer(header) }, expected);
  });
}

test('parsePrefer: the result has no prototype, so __proto__ is a plain key', () => {
  const prefer = parsePrefer('__proto__=x constructor=y');
  assert.equal(Object.getPrototypeOf(prefer), null);
  assert.equal(prefer.__proto__, 'x');
  assert.equal(prefer.constructor, 'y');
});
