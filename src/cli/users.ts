// `monolite users …`: creates, lists, shows, changes and deletes the accounts of <data-dir>/app.db, revokes their
// sessions and mints session tokens (for scripts and tests). Safe while a server runs on the same folder; the server
// caches users for up to 5 s, so it sees a change made here within that time.
import type { Readable, Writable } from 'node:stream';
import { openDataDir, type DataDir } from '../data-dir.ts';
import { loadEffectiveConfig } from '../config/effective.ts';
import { emailProblem, normalizeEmail } from '../auth/email.ts';
import { AuthKeys } from '../auth/keys.ts';
import { checkPasswordPolicy, hashPassword, type PasswordProblem } from '../auth/password.ts';
import { Sessions } from '../auth/session.ts';
import { EmailTakenError, UserStore, parseScopes, type User } from '../auth/users.ts';
import { CommandError, UsageError, pickSubcommand, subcommandUsage, type Command, type CommandIO, type SubcommandSpec } from './command.ts';
import { printTable } from './table.ts';

const DEFAULT_LIMIT = 100;
// The policy allows 256 code points (at most 1 KiB of UTF-8); reading stops well past that, so a file piped in by
// mistake is refused without being read whole.
const MAX_PASSWORD_BYTES = 16 * 1024;
/** How long a running server may keep using a cached user row (UserStore's default cache). */
const SERVER_CACHE = '5 s';

const POLICY_MESSAGES: Record<PasswordProblem, string> = {
  too_short: 'it must have at least 8 characters',
  too_long: 'it must have at most 256 characters',
  nul: 'it must not contain a NUL character',
  common: 'it is among the 10,000 most common passwords; choose another',
};

/** A user named on the command line, by id or by email. */
type UserRef = { id: number } | { email: string };

interface Subcommand extends SubcommandSpec {
  /** Checks the arguments and reads the input first (a usage mistake never opens the data directory), then works. */
  run(io: CommandIO, args: string[]): Promise<number>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  list: {
    usage: 'monolite users list [--search TEXT] [--limit N] [--json]\n' +
      '  users by id: id, email, name, verified, scopes, password (yes/no), created\n' +
      '      --search TEXT  users whose email or name contains TEXT\n' +
      '  -n, --limit N      how many users (default 100)\n' +
      '      --json         one JSON object per line',
    options: ['search', 'limit', 'json'], args: [0, 0],
    async run(io) {
      const search = typeof io.values.search === 'string' ? io.values.search : undefined;
      const limit = parseLimit(io.values.limit);
      return withUsers(io, (users) => {
        const list = users.list({ search, limit });
        if (io.values.json === true) {
          for (const user of list) io.stdout.write(JSON.stringify(userJson(user)) + '\n');
        } else if (list.length === 0) {
          io.stdout.write(search === undefined ? 'No users\n' : `No users match ${JSON.stringify(search)}\n`);
        } else {
          printTable(io.stdout, [
            ['ID', 'EMAIL', 'NAME', 'VERIFIED', 'SCOPES', 'PASSWORD', 'CREATED'],
            ...list.map((u) => [String(u.id), u.email, u.name || '-', yesNo(u.verified), u.scopes.join(' ') || '-', yesNo(u.passwordHash !== ''), u.createdAt]),
          ]);
        }
        return 0;
      });
    },
  },
  show: {
    usage: 'monolite users show EMAIL|ID [--json]\n  the user\'s fields (never the password hash nor the token key)',
    options: ['json'], args: [1, 1],
    async run(io, [who]) {
      const ref = parseUserRef(who);
      return withUsers(io, (users) => {
        const user = findUser(users, ref);
        if (io.values.json === true) io.stdout.write(JSON.stringify(userJson(user), null, 2) + '\n');
        else printUser(io.stdout, user);
        return 0;
      });
    },
  },
  create: {
    usage: 'monolite users create EMAIL [--password-stdin] [--verified] [--scopes "S1 S2"]\n' +
      '  adds an account; the first admin: monolite users create EMAIL --scopes admin --password-stdin\n' +
      '      --password-stdin  read the password from standard input (one trailing newline is dropped);\n' +
      '                        without it the account has no password: it can sign in only by OAuth2, once\n' +
      '                        verified (there is no password reset without a password), or with "users token"\n' +
      '      --verified        the email address counts as verified\n' +
      '      --scopes "S …"    scopes, space- or comma-separated: letters, digits and _ - . : /',
    options: ['password-stdin', 'verified', 'scopes'], args: [1, 1],
    async run(io, [address]) {
      const email = parseEmail(address);
      const scopes = io.values.scopes === undefined ? [] : parseScopeList('--scopes', String(io.values.scopes));
      let passwordHash = '';
      if (io.values['password-stdin'] === true) {
        const password = await readPassword(io.stdin ?? process.stdin);
        const problem = checkPasswordPolicy(password);
        if (problem !== null) throw new CommandError(`Password refused: ${POLICY_MESSAGES[problem]}`);
        passwordHash = await hashPassword(password);
      }
      return withUsers(io, (users) => {
        let user;
        try {
          user = users.create({ email, passwordHash, verified: io.values.verified === true, scopes });
        } catch (err) {
          if (!(err instanceof EmailTakenError)) throw err;
          const holder = users.findByEmail(email);
          throw new CommandError(`A user with email "${email}" exists already${holder === undefined ? '' : ` (id ${holder.id})`}`);
        }
        const password = user.passwordHash === '' ? 'no password (signs in only by OAuth2, once verified)' : 'with a password';
        io.stdout.write(`Created user ${user.id} (${user.email}): ${user.verified ? 'verified' : 'not verified'}, ` +
          `${user.scopes.length === 0 ? 'no scopes' : `scopes ${user.scopes.join(' ')}`}, ${password}\n`);
        return 0;
      });
    },
  },
  'set-scopes': {
    usage: 'monolite users set-scopes EMAIL|ID "S1 S2"\n' +
      '  replaces the user\'s scopes ("" for none); space- or comma-separated: letters, digits and _ - . : /',
    // More than one argument is a list split by the shell: `set-scopes ada@example.com admin editor`.
    options: [], args: [2, Infinity],
    async run(io, [who, ...words]) {
      const ref = parseUserRef(who);
      const scopes = parseScopeList('scopes', words.join(' '));
      return withUsers(io, (users) => {
        const user = users.update(findUser(users, ref).id, { scopes }) ?? missing(ref);
        io.stdout.write(`User ${user.id} (${user.email}) now has ${user.scopes.length === 0 ? 'no scopes' : `scopes ${user.scopes.join(' ')}`}\n`);
        return 0;
      });
    },
  },
  verify: {
    usage: 'monolite users verify EMAIL|ID\n  marks the user\'s email address as verified',
    options: [], args: [1, 1],
    async run(io, [who]) {
      const ref = parseUserRef(who);
      return withUsers(io, (users) => {
        const user = findUser(users, ref);
        if (user.verified) {
          io.stdout.write(`User ${user.id} (${user.email}) is already verified\n`);
        } else {
          users.update(user.id, { verified: true }) ?? missing(ref);
          io.stdout.write(`User ${user.id} (${user.email}) is verified\n`);
        }
        return 0;
      });
    },
  },
  revoke: {
    usage: 'monolite users revoke EMAIL|ID\n' +
      `  ends every session of the user (a new token key); a running server refuses their tokens within ${SERVER_CACHE}`,
    options: [], args: [1, 1],
    async run(io, [who]) {
      const ref = parseUserRef(who);
      return withUsers(io, (users) => {
        const user = users.rotateTokenKey(findUser(users, ref).id) ?? missing(ref);
        io.stdout.write(`Revoked every session of user ${user.id} (${user.email})\n`);
        return 0;
      });
    },
  },
  delete: {
    usage: 'monolite users delete EMAIL|ID\n' +
      `  deletes the user and their OAuth2 links; a running server refuses their tokens within ${SERVER_CACHE}`,
    options: [], args: [1, 1],
    async run(io, [who]) {
      const ref = parseUserRef(who);
      return withUsers(io, (users) => {
        const user = findUser(users, ref);
        if (!users.delete(user.id)) missing(ref);
        io.stdout.write(`Deleted user ${user.id} (${user.email})\n`);
        return 0;
      });
    },
  },
  token: {
    usage: 'monolite users token EMAIL|ID\n' +
      '  prints a new session token of the user, and nothing else (for scripts and tests: Authorization: Bearer …);\n' +
      '  it lasts auth.token_lifetime, like one from a login, and "users revoke" ends it',
    options: [], args: [1, 1],
    async run(io, [who]) {
      const ref = parseUserRef(who);
      return withUsers(io, (users, dir) => {
        const user = findUser(users, ref);
        const { auth } = loadEffectiveConfig(dir.store, { env: io.env }).config;
        const sessions = new Sessions(new AuthKeys(auth.secret), users, () => auth);
        io.stdout.write(sessions.issue(user).access_token + '\n');
        return 0;
      });
    },
  },
};

/** The `users` command. */
export const usersCommand: Command = {
  name: 'users',
  usage: [
    'monolite users <subcommand> [options]',
    '',
    ...Object.values(SUBCOMMANDS).map((s) => s.usage.split('\n')[0].replace('monolite users ', '  ')),
    '',
    'EMAIL|ID names a user by email address or by id.',
    'Without a subcommand: list. "monolite users <subcommand> --help" for more.',
  ].join('\n'),
  options: {
    search: { type: 'string' },
    limit: { type: 'string', short: 'n' },
    json: { type: 'boolean' },
    'password-stdin': { type: 'boolean' },
    verified: { type: 'boolean' },
    scopes: { type: 'string' },
  },
  subcommandUsage: (positionals) => subcommandUsage(SUBCOMMANDS, positionals),
  async run(io) {
    const { sub, args } = pickSubcommand(usersCommand, SUBCOMMANDS, io, { fallback: 'list' });
    return sub.run(io, args);
  },
};

function withUsers(io: CommandIO, work: (users: UserStore, dir: DataDir) => number): number {
  const dir = openDataDir(io.dataDir, { env: io.env });
  try {
    return work(new UserStore(dir.db), dir);
  } finally {
    dir.close();
  }
}

/** A user id (digits) or an email address (it has an "@"); anything else is a usage mistake. */
function parseUserRef(text: string): UserRef {
  if (/^[1-9]\d{0,15}$/.test(text)) return { id: Number(text) };
  if (text.includes('@')) return { email: normalizeEmail(text) };
  throw new UsageError(`Invalid user "${text}": expected an email address or a user id (1, 2, …)`);
}

function findUser(users: UserStore, ref: UserRef): User {
  return ('id' in ref ? users.get(ref.id) : users.findByEmail(ref.email)) ?? missing(ref);
}

/** The user vanished or never was (another process may delete it between two statements). */
function missing(ref: UserRef): never {
  throw new CommandError('id' in ref ? `No user with id ${ref.id}` : `No user with email "${ref.email}"`);
}

function parseEmail(text: string): string {
  const email = normalizeEmail(text);
  const problem = emailProblem(email);
  if (problem !== null) throw new UsageError(`Invalid email "${text}": ${problem}`);
  return email;
}

function parseScopeList(what: string, text: string): string[] {
  try {
    return parseScopes(text);
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(`Invalid ${what} "${text}": ${err.message}`);
    throw err;
  }
}

function parseLimit(value: CommandIO['values'][string]): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (typeof value !== 'string' || !/^[1-9]\d{0,8}$/.test(value)) {
    throw new UsageError(`Invalid --limit "${String(value)}": expected a whole number of users from 1 to 999999999`);
  }
  return Number(value);
}

/** Standard input to its end, as UTF-8, without one trailing newline (`echo` adds it; CRLF counts as one). */
async function readPassword(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > MAX_PASSWORD_BYTES) throw new CommandError(`Password refused: ${POLICY_MESSAGES.too_long}`);
    chunks.push(bytes);
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new CommandError('Password refused: standard input is not valid UTF-8');
  }
  return text.replace(/\r?\n$/, '');
}

/** What `show --json` and `list --json` print: the account's public fields, whether it has a password. */
function userJson(user: User): Record<string, unknown> {
  return {
    id: user.id, email: user.email, name: user.name, avatar: user.avatar, verified: user.verified, scopes: user.scopes,
    has_password: user.passwordHash !== '', created: user.createdAt, updated: user.updatedAt,
  };
}

function printUser(out: Writable, user: User): void {
  const rows = [
    ['id', String(user.id)],
    ['email', user.email],
    ['name', user.name || '-'],
    ['avatar', user.avatar || '-'],
    ['verified', yesNo(user.verified)],
    ['scopes', user.scopes.join(' ') || '-'],
    ['password', yesNo(user.passwordHash !== '')],
    ['created', user.createdAt],
    ['updated', user.updatedAt],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  for (const [label, value] of rows) out.write(`${`${label}:`.padEnd(width)} ${value}\n`);
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
