// External tokens are verified once per token text and then served from a cache — which must never outlive the token's
// time window nor the settings it was verified under.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExternalTokens } from '../../src/auth/external-tokens.ts';
import type { AuthConfig } from '../../src/auth/accounts.ts';
import { jwtKey, signJwt } from '../../src/lib/jwt.ts';

const SECRET = 'an-external-secret-of-at-least-32-chars';
const OTHER = 'another-external-secret-of-32-chars-plus';

function setup() {
  let nowMs = 1_700_000_000_000;
  const config = { external_secrets: SECRET, external_issuer: '', external_audience: '' } as AuthConfig;
  const tokens = new ExternalTokens(() => config, () => nowMs);
  const sign = (claims: Record<string, unknown>) => signJwt({ sub: 'svc', scope: 'read', iat: nowMs / 1000, exp: nowMs / 1000 + 60, ...claims }, jwtKey(SECRET));
  return { config, tokens, sign, advance: (ms: number) => { nowMs += ms; } };
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'accepted';
};

test('a cached token expires on time', () => {
  const { tokens, sign, advance } = setup();
  const t = sign({});
  assert.deepEqual(tokens.verify(t).user, { id: 'svc', scopes: ['read'], external: true });
  assert.equal(code(() => tokens.verify(t)), 'accepted', 'the cached answer');
  advance(60_000 + 31_000);
  assert.equal(code(() => tokens.verify(t)), 'token_expired');
});

test('a cached token is refused once its secret, issuer or audience settings change', () => {
  const { config, tokens, sign } = setup();
  const t = sign({});
  tokens.verify(t);
  config.external_secrets = OTHER;
  assert.equal(code(() => tokens.verify(t)), 'token_signature');
  config.external_secrets = SECRET;
  assert.equal(code(() => tokens.verify(t)), 'accepted');
  config.external_issuer = 'https://issuer.example';
  assert.equal(code(() => tokens.verify(t)), 'token_invalid');
});

test('a token that is not valid yet stays refused until its nbf, then is accepted', () => {
  const { tokens, sign, advance } = setup();
  const t = sign({ nbf: 1_700_000_000 + 120, exp: 1_700_000_000 + 600 });
  assert.equal(code(() => tokens.verify(t)), 'token_not_yet_valid');
  advance(120_000);
  assert.equal(code(() => tokens.verify(t)), 'accepted');
});
