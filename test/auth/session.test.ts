// Session tokens with an injected clock: verification (repeated, so the verified-token cache answers), expiry even on
// a cached token, refusal after any change of email, password hash or token key, the refresh cap, and forged ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../src/db/open.ts';
import { frameworkMigrations, migrate } from '../../src/db/migrate.ts';
import { UserStore } from '../../src/auth/users.ts';
import { AuthKeys } from '../../src/auth/keys.ts';
import { Sessions } from '../../src/auth/session.ts';
import { HttpError } from '../../src/http/errors.ts';
import { jwtKey, signJwt } from '../../src/lib/jwt.ts';

function setup() {
  let now = Date.parse('2026-11-21T12:00:00Z');
  const db = openDatabase(':memory:');
  migrate(db, frameworkMigrations());
  const users = new UserStore(db, { now: () => now, cacheMs: 0 });
  const keys = new AuthKeys('a-server-secret-that-is-long-enough-1234');
  const sessions = new Sessions(keys, users, () => ({ token_lifetime: 600_000, refresh_max: 3_600_000 }), () => now);
  return { users, keys, sessions, advance: (ms: number) => { now += ms; } };
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 401);
    return err.code;
  }
  return 'no error';
};

test('a token verifies again and again, and expires even when cached', () => {
  const { users, sessions, advance } = setup();
  const user = users.create({ email: 'ada@example.com', verified: true, scopes: ['admin'] });
  const { access_token: token, expires_in } = sessions.issue(user);
  assert.equal(expires_in, 600);
  for (let i = 0; i < 3; i++) assert.equal(sessions.verify(token).user.id, user.id);
  assert.equal(sessions.verify(token).claims.scope, 'admin');
  advance(600_000 + 31_000);
  assert.equal(code(() => sessions.verify(token)), 'token_expired');
});

test('a change of email, password or token key ends a cached token at once', () => {
  const { users, sessions } = setup();
  for (const change of [
    (id: number) => users.update(id, { email: 'new@example.com' }),
    (id: number) => users.update(id, { passwordHash: '$scrypt$changed' }),
    (id: number) => users.rotateTokenKey(id),
  ]) {
    const user = users.create({ email: `u${Math.random()}@example.com`.replace('0.', ''), verified: true });
    const { access_token: token } = sessions.issue(user);
    sessions.verify(token);
    change(user.id);
    assert.equal(code(() => sessions.verify(token)), 'token_signature');
  }
});

test('refresh keeps auth_time and stops at the cap; forged ids never reach the database', () => {
  const { users, keys, sessions, advance } = setup();
  const user = users.create({ email: 'grace@example.com', verified: true });
  let token = sessions.issue(user).access_token;
  const lifetimes: number[] = [];
  for (let t = 500; t <= 3500; t += 500) {
    advance(500_000);
    const next = sessions.refresh(user, sessions.verify(token).claims);
    lifetimes.push(next.expires_in);
    token = next.access_token;
  }
  assert.deepEqual(lifetimes, [600, 600, 600, 600, 600, 600, 100], 'full lifetimes, then cut to the cap an hour after the login');
  advance(110_000); // past the cap, within the clock skew of the last token's exp
  assert.equal(code(() => sessions.refresh(user, sessions.verify(token).claims)), 'session_too_old');
  const forged = signJwt({ sub: '999', uid: 'ffffffffffffffff', iat: 0, exp: 2e9, auth_time: 0 }, jwtKey('x'.repeat(32)));
  assert.equal(code(() => sessions.verify(forged)), 'token_invalid');
  assert.equal(keys.checkUidMac(999, keys.uidMac(999)), true);
});
