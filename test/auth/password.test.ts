// Password hashing and policy: the round trip, NFC, the stored format, rehash on a raised cost, malformed hashes
// (false, never a throw, and no faster than a real check), the event loop staying free, and the policy table.
// Most tests hash at a tiny cost; only the timing tests pay for the default one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import {
  DEFAULT_SCRYPT_COST,
  checkPasswordPolicy,
  dummyHash,
  hashPassword,
  needsRehash,
  normalizePassword,
  verifyPassword,
} from '../../src/auth/password.ts';
import type { PasswordProblem, ScryptCost } from '../../src/auth/password.ts';

const CHEAP: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const FORMAT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

test('hash then verify: the right password matches, a wrong one does not', async () => {
  const stored = await hashPassword('correct horse battery staple', CHEAP);
  assert.equal(await verifyPassword('correct horse battery staple', stored), true);
  assert.equal(await verifyPassword('correct horse battery stapler', stored), false);
  assert.equal(await verifyPassword('Correct horse battery staple', stored), false);
  assert.equal(await verifyPassword('', stored), false);
});

test('the same password hashes differently each time (random salt), and both verify', async () => {
  const a = await hashPassword('s3cret-passphrase', CHEAP);
  const b = await hashPassword('s3cret-passphrase', CHEAP);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('s3cret-passphrase', a), true);
  assert.equal(await verifyPassword('s3cret-passphrase', b), true);
});

test('NFC and NFD spellings of one password are one password', async () => {
  const nfc = 'caf\u00e9-cr\u00e8me-br\u00fbl\u00e9e';
  const nfd = nfc.normalize('NFD');
  assert.notEqual(nfc, nfd);
  assert.equal(normalizePassword(nfd), nfc);
  assert.equal(await verifyPassword(nfd, await hashPassword(nfc, CHEAP)), true);
  assert.equal(await verifyPassword(nfc, await hashPassword(nfd, CHEAP)), true);
});

test('the stored format is self-describing and carries the parameters', async () => {
  const stored = await hashPassword('pw', { N: 2 ** 11, r: 4, p: 2 });
  const m = FORMAT.exec(stored);
  assert.ok(m, `unexpected format: ${stored}`);
  assert.deepEqual([m[1], m[2], m[3]], ['11', '4', '2']);
  assert.equal(Buffer.from(m[4], 'base64').length, 16);
  assert.equal(Buffer.from(m[5], 'base64').length, 32);
  assert.equal(await verifyPassword('pw', stored), true);
  // The key is plain scrypt over the UTF-8 password: anyone can check it with another implementation.
  const key = scryptSync('pw', Buffer.from(m[4], 'base64'), 32, { N: 2 ** 11, r: 4, p: 2 });
  assert.equal(key.toString('base64').replace(/=+$/, ''), m[5]);
});

test('the default cost is the documented one', async () => {
  assert.deepEqual({ ...DEFAULT_SCRYPT_COST }, { N: 2 ** 15, r: 8, p: 1 });
  assert.match(await dummyHash(), /^\$scrypt\$ln=15,r=8,p=1\$/);
  assert.equal(await dummyHash(), await dummyHash(), 'made once');
  assert.equal(await verifyPassword('', await dummyHash()), false, 'the hash of no password');
});

test('a hash at a lower cost still verifies and needs a rehash; one at the target cost does not', async () => {
  const low = await hashPassword('hunter2hunter2', CHEAP);
  assert.equal(await verifyPassword('hunter2hunter2', low), true);
  assert.equal(needsRehash(low), true);
  assert.equal(needsRehash(low, CHEAP), false);
  assert.equal(needsRehash(low, { ...CHEAP, N: CHEAP.N * 2 }), true);
  assert.equal(needsRehash(low, { ...CHEAP, r: 16 }), true);
  assert.equal(needsRehash(low, { ...CHEAP, p: 2 }), true);
  assert.equal(needsRehash(low, { ...CHEAP, N: CHEAP.N / 2 }), false, 'a higher cost than asked is kept');
  assert.equal(needsRehash(await dummyHash()), false);
  assert.equal(needsRehash('not a hash'), true);
});

test('a cost up to N = 2^17 hashes (old hashes stay verifiable when the cost is raised); a bad cost throws', async () => {
  // N = 2^17 with r = 8 needs 128 MiB, four times scrypt's default ceiling.
  const big = await hashPassword('pw', { N: 2 ** 17, r: 8, p: 1 });
  assert.match(big, /^\$scrypt\$ln=17,r=8,p=1\$/);
  assert.equal(await verifyPassword('pw', big), true);
  assert.equal(needsRehash(big), false);
  const bad = [
    { N: 1000, r: 8, p: 1 }, // not a power of two
    { N: 1, r: 8, p: 1 },
    { N: 2 ** 17, r: 1, p: 1 }, // N must be below 2^(16·r)
    { N: 1024, r: 0, p: 1 },
    { N: 1024, r: 8, p: 1.5 },
    { N: 2 ** 18, r: 8, p: 1 }, // 256 MiB and a bit: past the ceiling
  ];
  for (const cost of bad) {
    await assert.rejects(hashPassword('pw', cost), RangeError, JSON.stringify(cost));
  }
});

test('malformed or unknown stored hashes verify as false without throwing', async () => {
  const good = await hashPassword('pw', CHEAP);
  const [, , params, salt, key] = good.split('$');
  // Near misses keep the real salt and key: a lenient parser would let 'pw' verify against them.
  const nearMisses = [
    `${good}\n`,
    ` ${good}`,
    good.replace('$scrypt$', '$SCRYPT$'),
    good.replace('ln=10', 'ln=010'), // leading zero: not the canonical spelling
    `$scrypt$r=8,ln=10,p=1$${salt}$${key}`,
    `$scrypt$${params}$${salt}==$${key}`, // padding
    `$scrypt$${params}$${salt}$${key.slice(0, -1)}${B64[B64.indexOf(key.at(-1) as string) | 1]}`, // same bytes, other unused bits
  ];
  const junk = [
    'not a hash',
    'pw',
    good.slice(0, -1), // key one character short
    `${good}A`, // key one character long
    good.replace('$scrypt$', '$argon2id$'),
    good.replace('ln=10', 'ln=0'),
    good.replace('ln=10', 'ln=40'), // would need terabytes
    good.replace('ln=10', 'ln=21'),
    good.replace('r=8', 'r=0'),
    good.replace('r=8', 'r=99'),
    good.replace('p=1', 'p=-1'),
    `$scrypt$${params}$${salt.replace(/^./, '-')}$${key}`, // base64url is not the format
    `$scrypt$${params}$${salt}`,
    `$scrypt$${params}$${key}$${salt}`,
  ];
  // What a database may hand back for a user without a password.
  const nothing = ['', null, undefined] as unknown as string[];
  assert.equal(needsRehash(good, CHEAP), false);
  // 32 bytes in 43 characters leave the last character's 2 low bits unused: the variant above decodes the same.
  assert.deepEqual(Buffer.from(nearMisses[6].split('$')[4], 'base64'), Buffer.from(key, 'base64'));
  for (const stored of [...nearMisses, ...junk, ...nothing]) {
    // needsRehash parses without hashing: true at the hash's own cost means the parser refused it.
    assert.equal(needsRehash(stored, CHEAP), true, JSON.stringify(stored));
  }
  // Each verify of a non-hash does a default-cost dummy hash: a sample runs in full (verify and needsRehash share
  // the parser), together.
  const verified = [nearMisses[0], nearMisses[3], nearMisses[6], junk[0], ...nothing];
  const results = await Promise.all(verified.map((stored) => verifyPassword('pw', stored)));
  assert.deepEqual(results, verified.map(() => false));
});

test('at the default cost: a malformed hash or the dummy take as long as a real check', async (t) => {
  const stored = await hashPassword('the real password');
  const real: number[] = [];
  const malformed: number[] = [];
  const dummy: number[] = [];
  const dummyStored = await dummyHash();
  // Interleaved, so a slow patch of a shared machine lands on all three alike.
  for (let i = 0; i < 5; i++) {
    real.push(await timed(() => verifyPassword('a wrong password', stored)));
    malformed.push(await timed(() => verifyPassword('a wrong password', 'garbage')));
    dummy.push(await timed(() => verifyPassword('a wrong password', dummyStored)));
  }
  const r = median(real);
  t.diagnostic(`default cost N=2^${Math.log2(DEFAULT_SCRYPT_COST.N)} r=${DEFAULT_SCRYPT_COST.r} p=${DEFAULT_SCRYPT_COST.p}: verify ${r.toFixed(1)} ms (median of 5)`);
  t.diagnostic(`malformed ${median(malformed).toFixed(1)} ms, dummy ${median(dummy).toFixed(1)} ms`);
  for (const [name, times] of [['malformed', malformed], ['dummy', dummy]] as const) {
    const ratio = median(times) / r;
    assert.ok(ratio > 0.5 && ratio < 2, `${name} verify took ${ratio.toFixed(2)}× a real one`);
  }
});

test('hashing runs off the event loop: a 1 ms timer keeps ticking while 4 hashes run', async (t) => {
  let ticks = 0;
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, 1);
  const start = performance.now();
  try {
    await Promise.all(Array.from({ length: 4 }, (_, i) => hashPassword(`password number ${i}`)));
  } finally {
    clearInterval(timer);
  }
  const elapsed = performance.now() - start;
  t.diagnostic(`4 hashes at the default cost: ${elapsed.toFixed(0)} ms, ${ticks} ticks, longest gap ${longest.toFixed(1)} ms`);
  // One synchronous hash alone would hold the loop for the whole ~100 ms: the bounds are loose for busy machines.
  assert.ok(ticks >= elapsed / 10, `only ${ticks} ticks in ${elapsed.toFixed(0)} ms`);
  assert.ok(longest < 50, `the loop stalled for ${longest.toFixed(1)} ms`);
});

test('password policy', () => {
  const emoji = '\u{1F600}'; // one code point, two UTF-16 units
  const cases: [string, string, PasswordProblem | null][] = [
    ['7 characters', 'kx7#Qp2', 'too_short'],
    ['8 characters', 'kx7#Qp2m', null],
    ['empty', '', 'too_short'],
    ['256 code points', 'kx7#Qp2m'.repeat(32), null],
    ['257 code points', `${'kx7#Qp2m'.repeat(32)}z`, 'too_long'],
    ['a huge string', 'x'.repeat(1_000_000), 'too_long'],
    ['7 emoji (14 UTF-16 units)', emoji.repeat(7), 'too_short'],
    ['8 emoji', emoji.repeat(8), null],
    ['256 emoji', emoji.repeat(256), null],
    ['257 emoji', emoji.repeat(257), 'too_long'],
    ['8 letters spelled NFD (16 code points before NFC)', 'e\u0301'.repeat(8), null],
    ['7 letters spelled NFD (14 code points before NFC)', 'e\u0301'.repeat(7), 'too_short'],
    ['NUL inside', 'kx7#\0Qp2m', 'nul'],
    ['NUL at the end', 'kx7#Qp2m\0', 'nul'],
    ['"password"', 'password', 'common'],
    ['"PassWord" (case-insensitive)', 'PassWord', 'common'],
    ['"PASSWORD"', 'PASSWORD', 'common'],
    ['"trustno1" (from the list)', 'trustno1', 'common'],
    ['"gsxr1000" (from the end of the list)', 'gsxr1000', 'common'],
    ['"Sunshine"', 'Sunshine', 'common'],
    ['a common word with more around it', 'password-is-not-enough', null],
    ['a strong passphrase', 'correct horse battery staple', null],
    ['a strong random one', 'T4v!q9#Lz@w2', null],
  ];
  for (const [name, password, expected] of cases) {
    assert.equal(checkPasswordPolicy(password), expected, name);
  }
});
