// JWT HS256 against the RFC 7515 / RFC 7519 example, a sign/verify round trip, and a table of crafted tokens, each
// signed with the right key so that the rejection proves its own check and not merely a bad signature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { JwtError, decodeJwtUnverified, jwtKey, signJwt, verifyJwt, type JwtErrorCode, type VerifyOptions } from '../../src/lib/jwt.ts';

// RFC 7515 Appendix A.1 (also RFC 7519 §3.1): the JWK "k" value and the token it produces.
const RFC_K = 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow';
const RFC_TOKEN = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9'
  + '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ'
  + '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_EXP = 1300819380;

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef-test-secret');
const KEY = jwtKey(SECRET);
const OTHER_KEY = jwtKey('another secret that is long enough, 32+ bytes');

// A fixed clock: the attack table does not depend on when it runs.
const NOW_S = 1_700_000_000;
const AT_NOW: VerifyOptions = { now: () => NOW_S * 1000 };
const EXP = NOW_S + 600;
const HEADER = '{"alg":"HS256","typ":"JWT"}';
const PAYLOAD = `{"sub":"u1","exp":${EXP}}`;

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** `h.p.` plus the HS256 signature of `h.p` under `secret`: whatever the segments say, the signature is right. */
function signRaw(h: string, p: string, secret: Buffer = SECRET): string {
  return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
}

/** A correctly signed token with exactly these header and payload JSON texts. */
const forge = (header: string, payload: string): string => signRaw(b64(header), b64(payload));

/** A payload segment with a string claim holding these raw (possibly not UTF-8) bytes. */
const payloadWithBytes = (...bytes: number[]): string =>
  Buffer.concat([Buffer.from(`{"exp":${EXP},"n":"`), Buffer.from(bytes), Buffer.from('"}')]).toString('base64url');

/** The code of the JwtError `run` throws (fails when it throws something else or nothing). */
function codeOf(run: () => unknown): JwtErrorCode {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof JwtError, `expected a JwtError, got ${String(err)}`);
    assert.equal(err.name, 'JwtError');
    return err.code;
  }
  assert.fail('expected a JwtError, nothing was thrown');
}

/** An HS512-signed token (a real one, for an algorithm the verifier must still refuse). */
function hs512(h: string, p: string): string {
  return `${h}.${p}.${createHmac('sha512', SECRET).update(`${h}.${p}`).digest('base64url')}`;
}

/** `"k0":v0,"k1":v1,…` for n keys. */
const manyKeys = (n: number, value: (i: number) => string): string => Array.from({ length: n }, (_, i) => `"k${i}":${value(i)}`).join(',');

/** Changes the last character of a segment so its unused low bits are no longer zero (same decoded bytes). */
function strayBits(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  assert.notEqual(segment.length % 4, 0, 'only a partial last group has unused bits');
  const last = alphabet.indexOf(segment[segment.length - 1]);
  const changed = segment.slice(0, -1) + alphabet[last | 1];
  assert.deepEqual(Buffer.from(changed, 'base64url'), Buffer.from(segment, 'base64url'), 'Node decodes both alike');
  assert.notEqual(changed, segment);
  return changed;
}

/** The base64url of a header or payload whose encoding contains `char` (`-` or `_`), found by shifting a filler. */
function encodingWith(char: '-' | '_', json: (filler: string) => string): string {
  for (let n = 0; n < 3; n++) {
    const encoded = b64(json('a'.repeat(n) + '???>>>'));
    if (encoded.includes(char)) return encoded;
  }
  throw new Error(`no encoding with ${char}`);
}

test('RFC 7515 A.1 / RFC 7519 3.1: the HS256 example verifies before its exp and is expired now', () => {
  const secret = Buffer.from(RFC_K, 'base64url');
  assert.equal(secret.length, 64);
  assert.equal(secret.toString('base64url'), RFC_K, 'the key decodes canonically');
  // The ground truth itself: HMAC-SHA256 over the first two segments gives the third.
  const [h, p, s] = RFC_TOKEN.split('.');
  assert.equal(createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url'), s);
  const key = jwtKey(secret);
  const payload = verifyJwt(RFC_TOKEN, key, { now: () => (RFC_EXP - 60) * 1000 });
  assert.deepEqual(payload, { iss: 'joe', exp: RFC_EXP, 'http://example.com/is_root': true });
  assert.equal(codeOf(() => verifyJwt(RFC_TOKEN, key)), 'token_expired');
  // Within the default 30 s skew after exp it still passes; past it, it does not.
  assert.deepEqual(verifyJwt(RFC_TOKEN, key, { now: () => (RFC_EXP + 30) * 1000 }).iss, 'joe');
  assert.equal(codeOf(() => verifyJwt(RFC_TOKEN, key, { now: () => (RFC_EXP + 31) * 1000 })), 'token_expired');
  assert.equal(codeOf(() => verifyJwt(RFC_TOKEN, key, { now: () => (RFC_EXP + 1) * 1000, clockSkewS: 0 })), 'token_expired');
});

test('sign then verify round-trips; the output is standard HS256 compact JWS', () => {
  const payload = { sub: 'user-42', iat: NOW_S, exp: EXP, scope: ['read', 'write'], uid: 42, name: 'Zoë ☃ 𝄞' };
  const token = signJwt(payload, KEY);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  const [h, p, s] = token.split('.');
  assert.equal(Buffer.from(h, 'base64url').toString(), HEADER);
  assert.deepEqual(JSON.parse(Buffer.from(p, 'base64url').toString()), payload);
  assert.equal(createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url'), s);
  assert.deepEqual(verifyJwt(token, KEY, AT_NOW), payload);
  // A string secret is its UTF-8 bytes.
  assert.deepEqual(verifyJwt(token, jwtKey(SECRET.toString('utf8')), AT_NOW), payload);
  // Tokens are deterministic: the same payload and key sign the same way.
  assert.equal(signJwt(payload, KEY), token);
});

test('a secret shorter than 32 bytes is a RangeError; a non-object payload is a TypeError', () => {
  assert.throws(() => jwtKey('too short'), RangeError);
  assert.throws(() => jwtKey(Buffer.alloc(31)), RangeError);
  assert.throws(() => jwtKey('é'.repeat(15)), RangeError, '30 UTF-8 bytes');
  jwtKey(Buffer.alloc(32));
  jwtKey('é'.repeat(16));
  assert.throws(() => signJwt([] as unknown as Record<string, unknown>, KEY), TypeError);
  assert.throws(() => signJwt(null as unknown as Record<string, unknown>, KEY), TypeError);
  assert.throws(() => signJwt({ toJSON: () => 'x' }, KEY), TypeError);
});

const valid = b64(PAYLOAD);
const validHeader = b64(HEADER);
const validToken = signRaw(validHeader, valid);
const padded = (segment: string): string => segment + '='.repeat((4 - (segment.length % 4)) % 4);
// Header and payload JSON whose encodings are not a multiple of 4 characters, so padding and stray bits apply.
const HEADER_PARTIAL = '{"alg":"HS256","typ":"JWT","kid":"k"}'; // 37 bytes: 2 characters in the last group
const PAYLOAD_PARTIAL = `{"sub":"u1234","exp":${EXP}}`; // 32 bytes: 3 characters in the last group
assert.notEqual(b64(HEADER_PARTIAL).length % 4, 0);
assert.notEqual(b64(PAYLOAD_PARTIAL).length % 4, 0);

type Attack = [what: string, token: string, expected: JwtErrorCode];

// Verified with the right key at NOW_S. Grouped by whether the token is well-formed: decodeJwtUnverified reads the
// first groups and must refuse the malformed ones.
const ALGORITHM: Attack[] = [
  ['alg none, signed', forge('{"alg":"none","typ":"JWT"}', PAYLOAD), 'token_algorithm'],
  ['alg none, no signature', `${b64('{"alg":"none","typ":"JWT"}')}.${valid}.`, 'token_algorithm'],
  ['alg None', forge('{"alg":"None"}', PAYLOAD), 'token_algorithm'],
  ['alg HS512', forge('{"alg":"HS512","typ":"JWT"}', PAYLOAD), 'token_algorithm'],
  ['alg HS512 with an HS512 signature', hs512(b64('{"alg":"HS512"}'), valid), 'token_algorithm'],
  ['alg RS256', forge('{"alg":"RS256","typ":"JWT"}', PAYLOAD), 'token_algorithm'],
  ['alg missing', forge('{"typ":"JWT"}', PAYLOAD), 'token_algorithm'],
  ['alg lower case', forge('{"alg":"hs256","typ":"JWT"}', PAYLOAD), 'token_algorithm'],
  ['alg not a string', forge('{"alg":["HS256"]}', PAYLOAD), 'token_algorithm'],
  ['alg null', forge('{"alg":null}', PAYLOAD), 'token_algorithm'],
  ['alg hidden in __proto__', forge('{"__proto__":{"alg":"HS256"}}', PAYLOAD), 'token_algorithm'],
];
const HEADER_PARAMETERS: Attack[] = [
  ['typ JOSE', forge('{"alg":"HS256","typ":"JOSE"}', PAYLOAD), 'token_invalid'],
  ['typ not a string', forge('{"alg":"HS256","typ":1}', PAYLOAD), 'token_invalid'],
  ['crit present', forge('{"alg":"HS256","crit":["exp"],"exp":1}', PAYLOAD), 'token_invalid'],
  ['crit empty', forge('{"alg":"HS256","crit":[]}', PAYLOAD), 'token_invalid'],
  ['crit null', forge('{"alg":"HS256","crit":null}', PAYLOAD), 'token_invalid'],
];
const MALFORMED: Attack[] = [
  // Non-canonical base64url, header
  ['header padded', signRaw(padded(b64(HEADER_PARTIAL)), valid), 'token_invalid'],
  ['header with +', signRaw(encodingWith('-', (f) => `{"alg":"HS256","kid":"${f}"}`).replaceAll('-', '+'), valid), 'token_invalid'],
  ['header with /', signRaw(encodingWith('_', (f) => `{"alg":"HS256","kid":"${f}"}`).replaceAll('_', '/'), valid), 'token_invalid'],
  ['header with !', signRaw('!' + validHeader.slice(1), valid), 'token_invalid'],
  ['header with a space', signRaw(validHeader.slice(0, 4) + ' ' + validHeader.slice(5), valid), 'token_invalid'],
  ['header with é', signRaw(validHeader.slice(0, -1) + 'é', valid), 'token_invalid'],
  ['header with stray bits', signRaw(strayBits(b64(HEADER_PARTIAL)), valid), 'token_invalid'],
  ['header length ≡ 1 mod 4', signRaw(validHeader + 'A', valid), 'token_invalid'],
  // Non-canonical base64url, payload
  ['payload padded', signRaw(validHeader, padded(b64(PAYLOAD_PARTIAL))), 'token_invalid'],
  ['payload with +', signRaw(validHeader, encodingWith('-', (f) => `{"exp":${EXP},"x":"${f}"}`).replaceAll('-', '+')), 'token_invalid'],
  ['payload with /', signRaw(validHeader, encodingWith('_', (f) => `{"exp":${EXP},"x":"${f}"}`).replaceAll('_', '/')), 'token_invalid'],
  ['payload with *', signRaw(validHeader, valid.slice(0, 5) + '*' + valid.slice(6)), 'token_invalid'],
  ['payload with stray bits', signRaw(validHeader, strayBits(b64(PAYLOAD_PARTIAL))), 'token_invalid'],
  ['payload length ≡ 1 mod 4', signRaw(validHeader, b64(PAYLOAD_PARTIAL) + 'A'.repeat(5 - (b64(PAYLOAD_PARTIAL).length % 4))), 'token_invalid'],
  // Non-canonical base64url, signature (43 characters: 2 unused bits in the last one)
  ['signature padded', validToken + '=', 'token_invalid'],
  ['signature with +', validToken.slice(0, -43) + '+' + validToken.slice(-42), 'token_invalid'],
  ['signature with /', validToken.slice(0, -43) + '/' + validToken.slice(-42), 'token_invalid'],
  ['signature with stray bits', validToken.slice(0, -43) + strayBits(validToken.slice(-43)), 'token_invalid'],
  ['signature with ~', validToken.slice(0, -1) + '~', 'token_invalid'],
  // Duplicate keys (JSON.parse would keep the last)
  ['header alg twice', forge('{"alg":"none","alg":"HS256"}', PAYLOAD), 'token_invalid'],
  ['header alg twice, escaped', forge('{"alg":"none","\\u0061lg":"HS256"}', PAYLOAD), 'token_invalid'],
  ['payload sub twice', forge(HEADER, `{"sub":"a","exp":${EXP},"sub":"b"}`), 'token_invalid'],
  ['payload key twice, escaped', forge(HEADER, `{"exp":${EXP},"a\\u0062":1,"ab":2}`), 'token_invalid'],
  ['payload key twice, escaped slash', forge(HEADER, `{"exp":${EXP},"a/b":1,"a\\/b":2}`), 'token_invalid'],
  ['payload exp twice', forge(HEADER, `{"exp":1,"exp":${EXP}}`), 'token_invalid'],
  ['payload nested key twice', forge(HEADER, `{"exp":${EXP},"o":{"k":1,"k":2}}`), 'token_invalid'],
  ['payload key twice in an object in an array', forge(HEADER, `{"exp":${EXP},"a":[1,{"k":1,"k":2}]}`), 'token_invalid'],
  ['payload key twice after 20 keys', forge(HEADER, `{"exp":${EXP},${manyKeys(20, (i) => String(i))},"k7":0}`), 'token_invalid'],
];
const CLAIMS: Attack[] = [
  ['exp a string', forge(HEADER, `{"exp":"${EXP}"}`), 'token_invalid'],
  ['exp 1e300', forge(HEADER, '{"exp":1e300}'), 'token_invalid'],
  ['exp 1e400 (Infinity)', forge(HEADER, '{"exp":1e400}'), 'token_invalid'],
  ['exp 2^53 + 2', forge(HEADER, `{"exp":${2 ** 53 + 2}}`), 'token_invalid'],
  ['exp missing', forge(HEADER, '{"sub":"u1"}'), 'token_invalid'],
  ['exp "NaN"', forge(HEADER, '{"exp":"NaN"}'), 'token_invalid'],
  ['exp null', forge(HEADER, '{"exp":null}'), 'token_invalid'],
  ['exp true', forge(HEADER, '{"exp":true}'), 'token_invalid'],
  ['exp past', forge(HEADER, `{"exp":${NOW_S - 31}}`), 'token_expired'],
  ['nbf a string', forge(HEADER, `{"exp":${EXP},"nbf":"0"}`), 'token_invalid'],
  ['nbf in the future', forge(HEADER, `{"exp":${EXP},"nbf":${NOW_S + 31}}`), 'token_not_yet_valid'],
  ['iat a string', forge(HEADER, `{"exp":${EXP},"iat":"${NOW_S}"}`), 'token_invalid'],
  ['iat in the future', forge(HEADER, `{"exp":${EXP},"iat":${NOW_S + 31}}`), 'token_invalid'],
];
const SIGNATURE: Attack[] = [
  ['wrong key', signRaw(validHeader, valid, Buffer.from('another secret that is long enough, 32+ bytes')), 'token_signature'],
  ['signature of another payload', validToken.slice(0, -43) + forge(HEADER, PAYLOAD_PARTIAL).slice(-43), 'token_signature'],
  ['signature one byte off', validToken.slice(0, -43) + (validToken[validToken.length - 43] === 'A' ? 'B' : 'A') + validToken.slice(-42), 'token_signature'],
  ['signature cut to 40 characters', validToken.slice(0, -3), 'token_signature'],
  ['signature empty', validToken.slice(0, -43), 'token_signature'],
  ['signature too long', validToken + 'AAAA', 'token_signature'],
];
MALFORMED.push(
  ['exp NaN (not JSON)', forge(HEADER, '{"exp":NaN}'), 'token_invalid'],
  ['two segments', validToken.slice(0, validToken.lastIndexOf('.')), 'token_invalid'],
  ['one segment', validHeader, 'token_invalid'],
  ['four segments', validToken + '.AAAA', 'token_invalid'],
  ['four segments, empty last', validToken + '.', 'token_invalid'],
  ['empty token', '', 'token_invalid'],
  ['only dots', '..', 'token_invalid'],
  ['empty header', signRaw('', valid), 'token_invalid'],
  ['empty payload', signRaw(validHeader, ''), 'token_invalid'],
  ['header an array', forge('["HS256"]', PAYLOAD), 'token_invalid'],
  ['header a number', forge('1', PAYLOAD), 'token_invalid'],
  ['header a string', forge('"HS256"', PAYLOAD), 'token_invalid'],
  ['header null', forge('null', PAYLOAD), 'token_invalid'],
  ['header not JSON', forge('{alg:"HS256"}', PAYLOAD), 'token_invalid'],
  ['header with a BOM', forge('\uFEFF' + HEADER, PAYLOAD), 'token_invalid'],
  ['payload an array', forge(HEADER, `[{"exp":${EXP}}]`), 'token_invalid'],
  ['payload a number', forge(HEADER, String(EXP)), 'token_invalid'],
  ['payload a string', forge(HEADER, '"hello"'), 'token_invalid'],
  ['payload null', forge(HEADER, 'null'), 'token_invalid'],
  ['payload not JSON', forge(HEADER, `{"exp":${EXP},}`), 'token_invalid'],
  ['payload with trailing data', forge(HEADER, `${PAYLOAD} x`), 'token_invalid'],
  ['payload not UTF-8', signRaw(validHeader, payloadWithBytes(0xff, 0xfe)), 'token_invalid'],
  ['payload with an overlong UTF-8 sequence', signRaw(validHeader, payloadWithBytes(0xc0, 0xaf)), 'token_invalid'],
  ['payload with a UTF-8 surrogate', signRaw(validHeader, payloadWithBytes(0xed, 0xa0, 0x80)), 'token_invalid'],
);
const ATTACKS = [...ALGORITHM, ...HEADER_PARAMETERS, ...MALFORMED, ...CLAIMS, ...SIGNATURE];

test('the attack table: each crafted token fails with its own code', () => {
  assert.deepEqual(verifyJwt(validToken, KEY, AT_NOW), JSON.parse(PAYLOAD), 'the unaltered token verifies');
  for (const [what, token, expected] of ATTACKS) {
    assert.equal(codeOf(() => verifyJwt(token, KEY, AT_NOW)), expected, what);
  }
});

test('without verifying, the malformed tokens fail alike and the well-formed ones decode', () => {
  for (const [what, token] of MALFORMED) assert.equal(codeOf(() => decodeJwtUnverified(token)), 'token_invalid', what);
  for (const [what, token] of [...ALGORITHM, ...HEADER_PARAMETERS, ...CLAIMS, ...SIGNATURE]) {
    assert.doesNotThrow(() => decodeJwtUnverified(token), what);
  }
});

test('tokens that look tricky but are fine verify', () => {
  const fine: [string, string][] = [
    ['typ lower case', forge('{"alg":"HS256","typ":"jwt"}', PAYLOAD)],
    ['no typ', forge('{"alg":"HS256"}', PAYLOAD)],
    ['kid and whitespace', forge(' {\r\n "kid" : "k1" ,\t"alg":"HS256" } ', PAYLOAD)],
    ['same key in sibling objects', forge(HEADER, `{"exp":${EXP},"o":{"k":1},"p":{"k":2},"k":3}`)],
    ['same key in array elements', forge(HEADER, `{"exp":${EXP},"a":[{"k":1},{"k":1}]}`)],
    ['keys inside string values', forge(HEADER, `{"exp":${EXP},"a":"\\"exp\\":1,","b":"{\\"a\\":2}","c":"\\\\"}`)],
    ['keys differing only by escapes', forge(HEADER, `{"exp":${EXP},"ab":1,"a\\\\b":2,"a\\"b":3}`)],
    ['20 distinct keys', forge(HEADER, `{"exp":${EXP},${manyKeys(20, (i) => `{"k${i}":${i}}`)}}`)],
    ['fractional exp', forge(HEADER, `{"exp":${EXP}.5}`)],
    ['nbf and iat within the skew', forge(HEADER, `{"exp":${EXP},"nbf":${NOW_S + 30},"iat":${NOW_S + 30}}`)],
    ['exp within the skew', forge(HEADER, `{"exp":${NOW_S - 30}}`)],
    ['the header signJwt writes, spelled differently', forge('{"typ":"JWT","alg":"HS256"}', PAYLOAD)],
    ['__proto__ in the payload', forge(HEADER, `{"exp":${EXP},"__proto__":{"admin":true}}`)],
    ['non-ASCII text', forge(HEADER, `{"exp":${EXP},"name":"Zoë ☃ 𝄞 \uFFFD"}`)],
  ];
  for (const [what, token] of fine) {
    const payload = verifyJwt(token, KEY, AT_NOW);
    assert.deepEqual(payload, JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()), what);
  }
  const proto = verifyJwt(fine[12][1], KEY, AT_NOW);
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, '__proto__ stays a plain own key');
  assert.equal((proto as { admin?: unknown }).admin, undefined);
});

test('verify options: requireExp, clockSkewS, now, maxLength', () => {
  const noExp = forge(HEADER, '{"sub":"u1"}');
  assert.deepEqual(verifyJwt(noExp, KEY, { ...AT_NOW, requireExp: false }), { sub: 'u1' });
  // requireExp off still rejects a malformed exp.
  assert.equal(codeOf(() => verifyJwt(forge(HEADER, '{"exp":"1"}'), KEY, { ...AT_NOW, requireExp: false })), 'token_invalid');
  const late = forge(HEADER, `{"exp":${NOW_S - 100}}`);
  assert.equal(codeOf(() => verifyJwt(late, KEY, AT_NOW)), 'token_expired');
  verifyJwt(late, KEY, { ...AT_NOW, clockSkewS: 100 });
  assert.equal(codeOf(() => verifyJwt(late, KEY, { now: () => (NOW_S + 1) * 1000, clockSkewS: 100 })), 'token_expired');
  // Garbage options fail loudly rather than disable a check.
  assert.throws(() => verifyJwt(validToken, KEY, { ...AT_NOW, clockSkewS: Number.NaN }), RangeError);
  assert.throws(() => verifyJwt(validToken, KEY, { now: () => Number.NaN }), RangeError);
  assert.throws(() => verifyJwt(validToken, KEY, { ...AT_NOW, maxLength: Number.NaN }), RangeError);
  assert.equal(codeOf(() => verifyJwt(validToken, KEY, { ...AT_NOW, maxLength: validToken.length - 1 })), 'token_too_large');
  verifyJwt(validToken, KEY, { ...AT_NOW, maxLength: validToken.length });
  assert.equal(codeOf(() => verifyJwt(validToken, OTHER_KEY, AT_NOW)), 'token_signature');
  assert.equal(codeOf(() => verifyJwt(undefined as unknown as string, KEY, AT_NOW)), 'token_invalid');
});

test('a 1 MB token is refused as too large before any decoding, fast', () => {
  const huge = `${validHeader}.${'A'.repeat(1 << 20)}.${validToken.slice(-43)}`;
  const started = performance.now();
  assert.equal(codeOf(() => verifyJwt(huge, KEY, AT_NOW)), 'token_too_large');
  assert.equal(codeOf(() => decodeJwtUnverified(huge)), 'token_too_large');
  const took = performance.now() - started;
  assert.ok(took < 50, `took ${took.toFixed(1)} ms`);
  // Even garbage that is not a token at all: the length is the first thing looked at.
  assert.equal(codeOf(() => verifyJwt('!'.repeat(1 << 20), KEY, AT_NOW)), 'token_too_large');
});

test('error messages say what is wrong without echoing the token', () => {
  const secretish = forge('{"alg":"HS512","kid":"' + 'x'.repeat(200) + '"}', `{"exp":${EXP},"secret":"${'s'.repeat(200)}"}`);
  for (const token of [secretish, validToken + '.', validToken.slice(0, -1) + '~', signRaw(validHeader, valid, Buffer.alloc(32))]) {
    try {
      verifyJwt(token, KEY, AT_NOW);
      assert.fail('expected a JwtError');
    } catch (err) {
      assert.ok(err instanceof JwtError);
      assert.ok(!err.message.includes(token) && !err.message.includes(token.slice(0, 30)), err.message);
      assert.ok(err.message.length < 160, err.message);
    }
  }
  assert.throws(() => verifyJwt(forge('{"alg":"none"}', PAYLOAD), KEY, AT_NOW), /algorithm "none" is not accepted/);
  assert.throws(() => verifyJwt(forge(HEADER, '{"exp":"soon"}'), KEY, AT_NOW), /claim "exp" must be a number of seconds, got "soon"/);
});

test('decodeJwtUnverified reads a valid token (even expired, any key) and rejects malformed ones', () => {
  assert.deepEqual(decodeJwtUnverified(RFC_TOKEN), {
    header: { typ: 'JWT', alg: 'HS256' },
    payload: { iss: 'joe', exp: RFC_EXP, 'http://example.com/is_root': true },
  });
  const token = signJwt({ sub: 'u7', exp: EXP }, OTHER_KEY);
  assert.deepEqual(decodeJwtUnverified(token), { header: { alg: 'HS256', typ: 'JWT' }, payload: { sub: 'u7', exp: EXP } });
  // Each call returns fresh objects: a caller may change them.
  assert.notEqual(decodeJwtUnverified(token).header, decodeJwtUnverified(token).header);
  for (const bad of [
    token.slice(0, token.lastIndexOf('.')),
    token + '.x',
    signRaw(validHeader, padded(b64(PAYLOAD_PARTIAL))),
    forge(HEADER, '{"sub":"a","sub":"b"}'),
    forge(HEADER, '[1]'),
    forge('[]', PAYLOAD),
    '',
  ]) {
    assert.equal(codeOf(() => decodeJwtUnverified(bad)), 'token_invalid', bad);
  }
  assert.equal(codeOf(() => decodeJwtUnverified(token, { maxLength: 10 })), 'token_too_large');
});
