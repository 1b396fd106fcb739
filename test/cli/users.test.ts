// `monolite users …` end to end on a temporary data directory, through main() with its own streams (and once as a
// child process reading its real standard input): every subcommand, exit codes (0 done, 1 cannot, 2 usage mistake),
// no secret in the output, and session tokens checked against a real server on the same data directory.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { main } from '../../src/main.ts';
import { createApp } from '../../src/app.ts';
import { openDataDir } from '../../src/data-dir.ts';
import { loadEffectiveConfig } from '../../src/config/effective.ts';
import { Logger } from '../../src/log/logger.ts';
import { AuthKeys } from '../../src/auth/keys.ts';
import { Sessions } from '../../src/auth/session.ts';
import { UserStore, type User } from '../../src/auth/users.ts';
import { verifyPassword } from '../../src/auth/password.ts';
import { HttpError } from '../../src/http/errors.ts';
import { ROOT } from '../support/process.ts';

const PASSWORD = 'correct horse battery staple';
const TOKEN = /^[\w-]+\.[\w-]+\.[\w-]+\n$/;

let tmp: string;
let dataDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'monolite-cli-users-'));
  dataDir = path.join(tmp, 'data');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Result { status: number; stdout: string; stderr: string }

/** Runs `monolite users --data-dir <tmp> <args>` in process; `input`, when given, is its standard input. */
async function users(args: string[], input?: string | Buffer): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough().on('data', (c) => out.push(String(c)));
  const stderr = new PassThrough().on('data', (c) => err.push(String(c)));
  const stdin = new PassThrough();
  stdin.end(input ?? '');
  const status = await main(['users', '--data-dir', dataDir, ...args], { stdout, stderr, stdin, env: {} });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** Like users() but the command must succeed. */
async function ok(args: string[], input?: string | Buffer): Promise<string> {
  const r = await users(args, input);
  assert.equal(r.status, 0, `users ${args.join(' ')} failed: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

/** Runs the command, which must fail with `status` and a one-line message on stderr matching `message`. */
async function fails(status: 1 | 2, args: string[], message: RegExp, input?: string | Buffer): Promise<void> {
  const r = await users(args, input);
  assert.equal(r.status, status, `users ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  const first = r.stderr.split('\n')[0];
  assert.match(first, message);
  if (status === 2) assert.match(r.stderr, /\n\nUsage:\n {2}monolite users/, 'a usage mistake shows the usage');
  else assert.equal(r.stderr, `${first}\n`, 'a runtime failure is one line');
}

/** Reads the users table directly, with a fresh store (no cache shared with anything). */
function withStore<T>(fn: (store: UserStore, sessions: Sessions) => T): T {
  const dir = openDataDir(dataDir, { env: {} });
  try {
    const store = new UserStore(dir.db);
    const { auth } = loadEffectiveConfig(dir.store, { env: {} }).config;
    const sessions = new Sessions(new AuthKeys(auth.secret), store, () => auth);
    return fn(store, sessions);
  } finally {
    dir.close();
  }
}

function user(email: string): User | undefined {
  return withStore((store) => store.findByEmail(email));
}

/** The status of GET /api/me with `token`, asked of a fresh server on the data directory (no cached users). */
async function me(token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const app = await createApp({ dataDir, env: {}, log: new Logger([], 'error'), flags: { server: { port: 0 } } });
  try {
    const { url } = await app.listen();
    const res = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() as Record<string, unknown> };
  } finally {
    await app.close();
  }
}

describe('users create', () => {
  test('--password-stdin: the password is hashed without its one trailing newline; list and show never print the hash', async () => {
    const out = await ok(['create', ' Ada@Example.COM ', '--password-stdin', '--scopes', 'admin, reports:read'], `${PASSWORD}\n`);
    assert.equal(out, 'Created user 1 (ada@example.com): not verified, scopes admin reports:read, with a password\n');
    const ada = user('ada@example.com')!;
    assert.ok(await verifyPassword(PASSWORD, ada.passwordHash));
    assert.deepEqual(ada.scopes, ['admin', 'reports:read']);
    assert.equal(ada.verified, false);

    const list = await ok(['list']);
    assert.match(list, /^ID +EMAIL +NAME +VERIFIED +SCOPES +PASSWORD +CREATED\n1 +ada@example\.com +- +no +admin reports:read +yes +\d{4}-/);
    const show = await ok(['show', 'ada@example.com']);
    assert.equal(show, await ok(['show', '1']));
    assert.match(show, /^id: +1\nemail: +ada@example\.com\nname: +-\navatar: +-\nverified: +no\nscopes: +admin reports:read\npassword: +yes\ncreated: +\S+\nupdated: +\S+\n$/);
    const json = JSON.parse(await ok(['show', '1', '--json']));
    assert.deepEqual(Object.keys(json), ['id', 'email', 'name', 'avatar', 'verified', 'scopes', 'has_password', 'created', 'updated']);
    assert.equal(json.has_password, true);
    for (const text of [list, show, JSON.stringify(json), await ok(['list', '--json'])]) {
      assert.doesNotMatch(text, /scrypt/);
      assert.ok(!text.includes(ada.passwordHash) && !text.includes(ada.tokenKey), 'no hash nor token key');
    }
  });

  test('only one trailing newline is dropped (CRLF counts as one)', async () => {
    await ok(['create', 'a@example.com', '--password-stdin'], `${PASSWORD}\n\n`);
    assert.ok(await verifyPassword(`${PASSWORD}\n`, user('a@example.com')!.passwordHash));
    await ok(['create', 'b@example.com', '--password-stdin'], `${PASSWORD}\r\n`);
    assert.ok(await verifyPassword(PASSWORD, user('b@example.com')!.passwordHash));
    await ok(['create', 'c@example.com', '--password-stdin'], ` ${PASSWORD} `);
    assert.ok(await verifyPassword(` ${PASSWORD} `, user('c@example.com')!.passwordHash));
  });

  test('as a child process, --password-stdin reads the real standard input', async () => {
    const r = spawnSync(process.execPath, ['src/main.ts', 'users', 'create', 'pipe@example.com', '--password-stdin', '--verified', '--data-dir', dataDir], {
      cwd: ROOT, encoding: 'utf8', input: `${PASSWORD}\n`, env: { PATH: process.env.PATH },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Created user 1 (pipe@example.com): verified, no scopes, with a password\n');
    assert.ok(await verifyPassword(PASSWORD, user('pipe@example.com')!.passwordHash));
  });

  test('without --password-stdin the account has no password', async () => {
    const out = await ok(['create', 'oauth@example.com', '--verified'], 'ignored\n');
    assert.equal(out, 'Created user 1 (oauth@example.com): verified, no scopes, no password (signs in only by OAuth2, once verified)\n');
    assert.equal(user('oauth@example.com')!.passwordHash, '');
    assert.match(await ok(['show', '1']), /\npassword: +no\n/);
    assert.equal(JSON.parse(await ok(['show', '1', '--json'])).has_password, false);
  });

  test('a taken email (in any case) is exit 1 naming the holder', async () => {
    await ok(['create', 'ada@example.com']);
    await fails(1, ['create', 'ADA@example.com', '--password-stdin'], /^monolite: A user with email "ada@example\.com" exists already \(id 1\)$/, `${PASSWORD}\n`);
    assert.equal(withStore((s) => s.list()).length, 1);
  });

  test('a weak password is refused (exit 1), saying why and never echoing it; nothing is created', async () => {
    const cases: [string, RegExp][] = [
      ['short\n', /^monolite: Password refused: it must have at least 8 characters$/],
      ['\n', /at least 8 characters$/],
      ['', /at least 8 characters$/],
      ['Password\n', /^monolite: Password refused: it is among the 10,000 most common passwords; choose another$/],
      ['long enough\0but NUL\n', /^monolite: Password refused: it must not contain a NUL character$/],
      [`${'x'.repeat(257)}\n`, /^monolite: Password refused: it must have at most 256 characters$/],
      ['y'.repeat(100_000), /at most 256 characters$/],
    ];
    for (const [input, message] of cases) await fails(1, ['create', 'weak@example.com', '--password-stdin'], message, input);
    await fails(1, ['create', 'weak@example.com', '--password-stdin'], /^monolite: Password refused: standard input is not valid UTF-8$/, Buffer.from('pass\xffword\n', 'latin1'));
    assert.equal(withStore((s) => s.list()).length, 0);
  });

  test('a malformed email or scope is a usage error (exit 2) that does not even create the data directory', async () => {
    await fails(2, ['create', 'ada'], /^monolite: Invalid email "ada": Email must contain exactly one "@"$/);
    await fails(2, ['create', 'Ada <ada@example.com>'], /^monolite: Invalid email "Ada <ada@example\.com>": Email must be a bare address/);
    await fails(2, ['create', 'ada@localhost'], /The domain "localhost" must contain a dot$/);
    await fails(2, ['create', 'ada@example.com', '--scopes', 'admin drop;table'], /^monolite: Invalid --scopes "admin drop;table": Scope "drop;table" is not letters, digits and _ - \. : \/$/);
    await fails(2, ['create', 'ada@example.com', '--scopes', 'x'.repeat(65)], /^monolite: Invalid --scopes "x+": Scope "x+" is not/);
    assert.equal(fs.existsSync(dataDir), false);
  });
});

describe('users list', () => {
  test('--search, --limit/-n, --json and the empty answers', async () => {
    assert.equal(await ok(['list']), 'No users\n');
    assert.equal(await ok([]), 'No users\n', 'list is the default subcommand');
    for (const email of ['ada@example.com', 'bob@example.org', 'carol@example.com']) await ok(['create', email]);
    const emails = (text: string) => text.trimEnd().split('\n').slice(1).map((line) => line.split(/\s+/)[1]);
    assert.deepEqual(emails(await ok(['list'])), ['ada@example.com', 'bob@example.org', 'carol@example.com']);
    assert.deepEqual(emails(await ok(['list', '--search', 'example.com'])), ['ada@example.com', 'carol@example.com']);
    assert.deepEqual(emails(await ok(['list', '-n', '2'])), ['ada@example.com', 'bob@example.org']);
    assert.deepEqual(emails(await ok(['list', '--limit', '1', '--search', 'CAROL'])), ['carol@example.com']);
    assert.equal(await ok(['list', '--search', '%']), 'No users match "%"\n', 'LIKE wildcards are literal');
    const lines = (await ok(['list', '--json', '--search', 'bob'])).trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.deepEqual({ ...JSON.parse(lines[0]), created: 'T', updated: 'T' }, {
      id: 2, email: 'bob@example.org', name: '', avatar: '', verified: false, scopes: [], has_password: false, created: 'T', updated: 'T',
    });
    assert.equal(await ok(['list', '--json', '--search', 'nobody']), '');
  });
});

describe('users set-scopes, verify, delete', () => {
  test('set-scopes replaces the scopes by email or id; "" clears them; a bad scope changes nothing', async () => {
    await ok(['create', 'ada@example.com', '--scopes', 'old']);
    assert.equal(await ok(['set-scopes', 'ADA@example.com', 'admin editor,admin']), 'User 1 (ada@example.com) now has scopes admin editor\n');
    assert.deepEqual(user('ada@example.com')!.scopes, ['admin', 'editor']);
    assert.equal(await ok(['set-scopes', '1', 'a', 'b']), 'User 1 (ada@example.com) now has scopes a b\n', 'words split by the shell');
    assert.equal(await ok(['set-scopes', '1', '']), 'User 1 (ada@example.com) now has no scopes\n');
    assert.deepEqual(user('ada@example.com')!.scopes, []);
    await fails(2, ['set-scopes', '1', 'ok no*'], /^monolite: Invalid scopes "ok no\*": Scope "no\*" is not letters/);
    await fails(2, ['set-scopes', '1'], /^monolite: "users set-scopes" needs 2 arguments: monolite users set-scopes EMAIL\|ID "S1 S2"$/);
    await fails(1, ['set-scopes', '7', 'admin'], /^monolite: No user with id 7$/);
    await fails(1, ['set-scopes', 'eve@example.com', 'admin'], /^monolite: No user with email "eve@example\.com"$/);
    assert.deepEqual(user('ada@example.com')!.scopes, []);
  });

  test('verify marks the email verified; again is not an error', async () => {
    await ok(['create', 'ada@example.com']);
    assert.equal(await ok(['verify', 'ada@example.com']), 'User 1 (ada@example.com) is verified\n');
    assert.equal(user('ada@example.com')!.verified, true);
    assert.equal(await ok(['verify', '1']), 'User 1 (ada@example.com) is already verified\n');
    await fails(1, ['verify', '2'], /^monolite: No user with id 2$/);
  });

  test('delete removes the user; its tokens stop verifying; a second delete is exit 1', async () => {
    await ok(['create', 'ada@example.com']);
    await ok(['create', 'bob@example.com']);
    const token = (await ok(['token', '1'])).trim();
    assert.equal(await ok(['delete', 'ada@example.com']), 'Deleted user 1 (ada@example.com)\n');
    assert.equal(user('ada@example.com'), undefined);
    assert.throws(() => withStore((_, sessions) => sessions.verify(token)), (err) => err instanceof HttpError && err.status === 401);
    await fails(1, ['delete', '1'], /^monolite: No user with id 1$/);
    await fails(1, ['show', 'ada@example.com'], /^monolite: No user with email "ada@example\.com"$/);
    assert.match(await ok(['list']), /^ID.*\n2 +bob@example\.com /);
  });
});

describe('users token and revoke', () => {
  test('token prints only a session token, which a server on the same data directory accepts', async () => {
    await ok(['create', 'ada@example.com', '--scopes', 'admin']);
    const r = await users(['token', 'ada@example.com']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, TOKEN);
    assert.equal(r.stderr, '');
    const reply = await me(r.stdout.trim());
    assert.equal(reply.status, 200);
    assert.equal(reply.body.email, 'ada@example.com');
    assert.deepEqual(reply.body.scopes, ['admin']);
    await fails(1, ['token', 'bob@example.com'], /^monolite: No user with email "bob@example\.com"$/);
  });

  test('revoke ends every session: a token minted before no longer verifies; a new one does', async () => {
    await ok(['create', 'ada@example.com', '--password-stdin'], PASSWORD);
    const before = (await ok(['token', '1'])).trim();
    assert.equal((await me(before)).status, 200);
    assert.equal(await ok(['revoke', 'ada@example.com']), 'Revoked every session of user 1 (ada@example.com)\n');
    assert.throws(() => withStore((_, sessions) => sessions.verify(before)), (err) => err instanceof HttpError && err.status === 401);
    assert.equal((await me(before)).status, 401);
    const after = (await ok(['token', 'ada@example.com'])).trim();
    assert.equal((await me(after)).status, 200);
    await fails(1, ['revoke', '9'], /^monolite: No user with id 9$/);
  });
});

describe('users usage mistakes', () => {
  test('exit 2 with the usage, before the data directory is created', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^monolite: Unknown subcommand "frobnicate"; expected one of list, show, create, set-scopes, verify, revoke, delete, token$/],
      [['show'], /^monolite: "users show" needs an argument: monolite users show EMAIL\|ID \[--json\]$/],
      [['show', '1', '2'], /^monolite: Too many arguments for "users show": "2"$/],
      [['show', 'ada'], /^monolite: Invalid user "ada": expected an email address or a user id \(1, 2, …\)$/],
      [['token', '0'], /^monolite: Invalid user "0"/],
      [['verify', '1.5'], /^monolite: Invalid user "1\.5"/],
      [['list', '--verified'], /^monolite: Option --verified does not apply to "users list"$/],
      [['token', '1', '--json'], /^monolite: Option --json does not apply to "users token"$/],
      [['create', 'a@example.com', '--search', 'x'], /^monolite: Option --search does not apply to "users create"$/],
      [['list', '-n', '0'], /^monolite: Invalid --limit "0": expected a whole number of users from 1 to 999999999$/],
      [['list', '--limit', 'ten'], /^monolite: Invalid --limit "ten"/],
      [['list', '--bogus'], /^monolite: Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) await fails(2, args, message);
    assert.equal(fs.existsSync(dataDir), false);
  });

  test('--help shows a subcommand\'s usage', async () => {
    const help = await ok(['create', '--help']);
    assert.match(help, /^Usage:\n {2}monolite users create EMAIL \[--password-stdin\] \[--verified\] \[--scopes "S1 S2"\]\n/);
    assert.match(help, /without it the account has no password/);
    assert.match(await ok(['--help']), /^Usage:\n {2}monolite users <subcommand> \[options\]\n/);
  });
});
