// What the admin API shows of a job payload (src/admin/jobs.ts maskSecrets): values under secret-looking keys and
// JWT-shaped strings are masked at any depth; everything else is shown as stored, and the input is left untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskSecrets } from '../../src/admin/jobs.ts';
import { SECRET_MASK as MASK } from '../../src/config/versions.ts';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

const CASES: [string, unknown, unknown][] = [
  ['an OTP mail job', { to: 'ada@example.com', template: 'otp_login', vars: { code: '493817', minutes: 10 } },
    { to: 'ada@example.com', template: 'otp_login', vars: { code: MASK, minutes: 10 } }],
  ['key spellings', { resetToken: 'a', api_key: 'b', 'X-Api-Key': 'c', Authorization: 'd', smtpPassword: 'e', clientSecret: 'f', sessionId: 'g', pin: '1234', otp: 123456 },
    { resetToken: MASK, api_key: MASK, 'X-Api-Key': MASK, Authorization: MASK, smtpPassword: MASK, clientSecret: MASK, sessionId: MASK, pin: MASK, otp: MASK }],
  ['ordinary keys', { to: 'a', template: 't', minutes: 5, count: 3, spinner: 'x', keyboard: 'y', author: 'z' },
    { to: 'a', template: 't', minutes: 5, count: 3, spinner: 'x', keyboard: 'y', author: 'z' }],
  ['a whole secret object', { credentials: { user: 'u', pass: 'p' } }, { credentials: MASK }],
  ['short names', { user: 'u', pass: 'p', pwd: 'q', passphrase: 'r', passenger: 's' }, { user: 'u', pass: MASK, pwd: MASK, passphrase: MASK, passenger: 's' }],
  ['arrays and depth', { list: [{ token: 'x' }, { name: 'n' }], a: { b: { c: { secret: 's' } } } },
    { list: [{ token: MASK }, { name: 'n' }], a: { b: { c: { secret: MASK } } } }],
  ['a JWT under any key', { note: JWT, list: [JWT, 'plain'] }, { note: MASK, list: [MASK, 'plain'] }],
  ['empty and null secrets stay as they are', { token: '', password: null }, { token: '', password: null }],
  ['scalars', 'text', 'text'],
  ['a bare JWT', JWT, MASK],
  ['null', null, null],
];

for (const [name, input, expected] of CASES) {
  test(`maskSecrets: ${name}`, () => {
    const before = structuredClone(input);
    assert.deepEqual(maskSecrets(input), expected);
    assert.deepEqual(input, before, 'the input is not changed');
  });
}

test('maskSecrets: a very deep payload is cut off with the mask instead of recursing without end', () => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 50; i++) deep = { next: deep };
  let out = maskSecrets(deep) as { next: unknown };
  let depth = 0;
  while (typeof out === 'object' && out !== null) {
    out = out.next as { next: unknown };
    depth++;
  }
  assert.equal(out, MASK);
  assert.ok(depth >= 10 && depth <= 30, `cut at depth ${depth}`);
});
