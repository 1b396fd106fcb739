// Fuzzing the JWT verifier (src/lib/jwt.ts): a token verifies only when its signature segment is exactly the HS256
// signature of its first two segments (so no mutation of a signed token verifies), its payload then reads as
// JSON.parse reads it, and every refusal is a JwtError with a known code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decodeJwtUnverified, JwtError, jwtKey, signJwt, verifyJwt } from '../../src/lib/jwt.ts';
import { fuzz, jsonText, toText, type Rng } from '../support/fuzz.ts';

const SECRET = 'a-secret-for-the-jwt-fuzz-of-32-bytes!';
const KEY = jwtKey(SECRET);
const NOW_MS = Date.UTC(2030, 0, 1);
const NOW = NOW_MS / 1000;
const CODES = new Set(['token_invalid', 'token_expired', 'token_not_yet_valid', 'token_signature', 'token_algorithm', 'token_too_large']);

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** A token over any header and payload text, signed with the fuzz key: what only the key holder can make. */
function signRaw(header: string, payload: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

const SEEDS = [
  signJwt({ sub: '1', exp: NOW + 600 }, KEY),
  signJwt({ sub: 'user-2', scope: 'read write', iat: NOW - 10, nbf: NOW - 10, exp: NOW + 60, nested: { a: [1, 'x'] } }, KEY),
  signJwt({ exp: NOW - 3600 }, KEY),
  signJwt({ exp: NOW + 60, nbf: NOW + 3600 }, KEY),
  signRaw('{"typ":"JWT","alg":"HS256"}', `{"sub":"3","exp":${NOW + 60}}`),
  signRaw('{"alg":"HS256"}', `{"exp":${NOW + 60},"é":"\\ud800"}`),
  signRaw('{"alg":"none"}', `{"exp":${NOW + 60}}`),
  signRaw('{"alg":"HS256","crit":["b64"]}', `{"exp":${NOW + 60}}`),
  signRaw('{"alg":"HS256"}', `{"exp":${NOW + 60},"a":1,"a":2}`),
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.',
];

const DICTIONARY = ['.', '=', '==', '+', '/', '-', '_', 'A', 'eyJ', 'eyJhbGciOiJIUzI1NiJ9', 'e30', 'bnVsbA', 'W10', '%2E', ' '];

/** A header and payload of odd JSON (duplicate and __proto__ keys, lone surrogate escapes, edge numbers), signed. */
function generate(rng: Rng): string {
  const header = rng.chance(0.7) ? '{"alg":"HS256","typ":"JWT"}' : jsonText(rng);
  const payload = rng.chance(0.5) ? `{"exp":${rng.chance(0.8) ? NOW + 60 : jsonText(rng)},"p":${jsonText(rng)}}` : jsonText(rng);
  return signRaw(header, payload);
}

test('fuzz: only exactly signed tokens verify, their payload is JSON.parse\'s, and every refusal is a JwtError', { timeout: 600_000 }, async (t) => {
  const options = { now: () => NOW_MS };
  const stats = await fuzz('jwt', {
    seeds: SEEDS,
    dictionary: DICTIONARY,
    generate,
    maxLength: 10_000,
    run(input) {
      const token = toText(input);
      for (const decode of [() => decodeJwtUnverified(token), () => verifyJwt(token, KEY, options)]) {
        try {
          decode();
        } catch (err) {
          if (!(err instanceof JwtError)) throw err;
          assert.ok(CODES.has(err.code), `unknown code ${err.code}`);
        }
      }
      let payload;
      try {
        payload = verifyJwt(token, KEY, options);
      } catch {
        return;
      }
      const [header, body, signature] = token.split('.');
      const expected = createHmac('sha256', SECRET).update(`${header}.${body}`).digest('base64url');
      assert.equal(signature, expected, 'a token verified whose signature segment is not the HS256 signature of its first two segments');
      // As text: a payload may nest thousands deep, past what deepEqual's recursion takes.
      assert.equal(JSON.stringify(payload), JSON.stringify(JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))));
    },
  });
  t.diagnostic(`${stats.runs} inputs in ${stats.ms} ms, ${stats.corpus} from the corpus, seed ${stats.seed}`);
});
